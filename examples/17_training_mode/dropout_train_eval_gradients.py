r"""
Dropout, train() and eval(), and what a state depends on
========================================================

The ``dropout`` argument of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` acts between
stacked layers only, and only in training mode (measured below for all three).
This page reproduces the warning PyTorch gives for ``dropout`` with a single
layer, shows which states dropout changes, compares
``train()`` with ``eval()`` (and with ``torch.no_grad()``, which is not the same
thing), checks that the identities between ``output`` and ``h_n`` hold in both
modes, and measures with autograd which weights and which input steps each
final state of a bidirectional GRU depends on.
"""

# %%
# dropout with one layer
# ----------------------
# With ``num_layers=1`` there is no "between layers", and PyTorch warns when the
# module is built.
import textwrap
import warnings

import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    nn.GRU(3, 4, dropout=0.5)
print(textwrap.fill(f"{caught[0].category.__name__}: {caught[0].message}", 88))
assert issubclass(caught[0].category, UserWarning)
assert "non-zero dropout expects num_layers greater than 1" in str(caught[0].message)

# %%
# Dropout acts between layers
# ---------------------------
# A 2-layer bidirectional GRU with ``dropout=0.5``, in training mode (a new
# module starts in it). Two calls on the same input: layer 0's final states
# (``h_n[0]`` and ``h_n[1]``) are the same, layer 1's differ, because dropout is
# applied to layer 0's output on its way into layer 1.
H = 4
gru = nn.GRU(3, H, num_layers=2, batch_first=True, bidirectional=True, dropout=0.5)
x = torch.randn(2, 5, 3)
out_a, h_n_a = gru(x)
out_b, h_n_b = gru(x)
print("layer 0 states equal:", torch.equal(h_n_a[:2], h_n_b[:2]))
print("layer 1 states equal:", torch.equal(h_n_a[2:], h_n_b[2:]))
assert gru.training and torch.equal(h_n_a[:2], h_n_b[:2]) and not torch.equal(h_n_a[2:], h_n_b[2:])

# %%
# The top layer's ``output`` is not dropped out: dropout at 0.5 would set about
# half its entries to zero, and none is.
print("entries of output that are exactly 0:", int((out_a == 0).sum()), "of", out_a.numel())
assert int((out_a == 0).sum()) == 0

# %%
# ``nn.RNN`` and ``nn.LSTM`` (2 layers, ``dropout=0.5``, one direction) behave
# the same way in training mode: two calls agree on layer 0's final state
# ``h_n[0]``, differ on layer 1's ``h_n[1]``, and no entry of the top layer's
# ``output`` is zero.
others = {k: k(3, H, num_layers=2, batch_first=True, dropout=0.5) for k in (nn.RNN, nn.LSTM)}
for kind, module in others.items():
    (out_1, s_1), (_, s_2) = module(x), module(x)
    h_1, h_2 = (s_1[0], s_2[0]) if kind is nn.LSTM else (s_1, s_2)  # h_n of each call
    same, zeros = [torch.equal(h_1[k], h_2[k]) for k in (0, 1)], int((out_1 == 0).sum())
    print(f"{kind.__name__}: h_n[0] equal, h_n[1] equal: {same}; zeros in output: {zeros}")
    assert module.training and same == [True, False] and zeros == 0

# %%
# The identities hold in training mode
# ------------------------------------
# Each call's ``output`` and ``h_n`` come from the same run, dropout included, so
# the forward final state is still ``output[:, -1, :H]`` and the backward one
# ``output[:, 0, H:]``, bitwise.
for out, h_n in [(out_a, h_n_a), (out_b, h_n_b)]:
    same = torch.equal(out[:, -1, :H], h_n[-2]) and torch.equal(out[:, 0, H:], h_n[-1])
    print("output[:, -1, :H] == h_n[-2] and output[:, 0, H:] == h_n[-1]:", same)
    assert same

# %%
# train() and eval()
# ------------------
# In ``eval()`` dropout is off: two calls give the same output, and the same as
# the same weights without dropout.
gru.eval()
out_c, h_n_c = gru(x)
out_d, _ = gru(x)
plain = nn.GRU(3, H, num_layers=2, batch_first=True, bidirectional=True)
plain.load_state_dict(gru.state_dict())
print("eval(), two calls equal:", torch.equal(out_c, out_d))
print("eval(), equal to the same weights without dropout:", torch.equal(out_c, plain(x)[0]))
assert torch.equal(out_c, out_d) and torch.equal(out_c, plain(x)[0])

# %%
# The same holds for the ``nn.RNN`` and the ``nn.LSTM`` above: in ``eval()``
# their two calls give the same output.
for kind, module in others.items():
    module.eval()
    print(f"{kind.__name__}, eval(), two calls equal:", torch.equal(module(x)[0], module(x)[0]))
    assert torch.equal(module(x)[0], module(x)[0])

# %%
# The identities hold in ``eval()`` as well, bitwise.
same = torch.equal(out_c[:, -1, :H], h_n_c[-2]) and torch.equal(out_c[:, 0, H:], h_n_c[-1])
print("eval(): output[:, -1, :H] == h_n[-2] and output[:, 0, H:] == h_n[-1]:", same)
assert same

# %%
# ``torch.no_grad()`` does not switch dropout off: in training mode under
# ``no_grad`` two calls still differ. What it does stop is recording gradients:
# the outputs have no ``grad_fn`` and do not require grad.
gru.train()
with torch.no_grad():
    first, _ = gru(x)
    second, _ = gru(x)
print("train() under no_grad, two calls equal:", torch.equal(first, second))
print("requires_grad:", first.requires_grad, " grad_fn:", first.grad_fn)
assert not torch.equal(first, second)
assert not first.requires_grad and first.grad_fn is None

# %%
# Which weights a final state depends on
# --------------------------------------
# Ask autograd for the gradient of each final state with respect to each weight
# matrix (in ``eval()``, so that dropout does not get in the way). A weight that
# a state does not depend on gets a gradient of exactly zero.
gru.eval()
output, h_n = gru(x)
states = {
    "h_n[-1]": h_n[-1],
    "output[:, -1, :H]": output[:, -1, :H],
    "output[:, 0, H:]": output[:, 0, H:],
}
weights = {name: p for name, p in gru.named_parameters() if name.startswith("weight")}
grads = {
    s: torch.autograd.grad(v.sum(), list(weights.values()), retain_graph=True)
    for s, v in states.items()
}

# %%
# The sum of ``|grad|`` over each weight matrix, one column per state:
print(f"{'|grad| of':22}" + "".join(f"{s:>20}" for s in states))
for i, name in enumerate(weights):
    print(f"{name:22}" + "".join(f"{grads[s][i].abs().sum():20.3f}" for s in states))

# %%
# ``h_n[-1]`` is the top layer's *backward* state. It depends on layer 0's
# forward weights (layer 1 reads both directions of layer 0) and on layer 1's
# backward weights, but not at all on layer 1's forward weights. The forward
# final state ``output[:, -1, :H]`` is the other way round, and the backward
# final state ``output[:, 0, H:]`` is ``h_n[-1]`` itself.
depends = {
    s: [name for i, name in enumerate(weights) if grads[s][i].abs().sum() > 0] for s in states
}
layer_0 = ["weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse"]
assert depends["h_n[-1]"] == [*layer_0, "weight_ih_l1_reverse", "weight_hh_l1_reverse"]
assert depends["output[:, -1, :H]"] == [*layer_0, "weight_ih_l1", "weight_hh_l1"]
assert depends["output[:, 0, H:]"] == depends["h_n[-1]"] and torch.equal(output[:, 0, H:], h_n[-1])

# %%
# Which input steps a state has read
# ----------------------------------
# With one bidirectional layer, the gradient with respect to each input step
# shows what each half of ``output`` has read. The forward final state
# ``output[:, -1, :H]`` and the backward final state ``output[:, 0, H:]`` have read
# every step; the backward half of ``output[:, -1]`` has read only the last one,
# which is why ``output[:, -1]`` is no summary of a bidirectional run.
bi = nn.GRU(3, H, batch_first=True, bidirectional=True)
steps = x.clone().requires_grad_()
out, _ = bi(steps)
picks = {
    "output[:, -1, :H]": out[:, -1, :H],
    "output[:, 0, H:]": out[:, 0, H:],
    "output[:, -1, H:]": out[:, -1, H:],
    "output[:, 0, :H]": out[:, 0, :H],
}
read = {
    s: torch.autograd.grad(v.sum(), steps, retain_graph=True)[0].abs().sum(dim=(0, 2)) > 0
    for s, v in picks.items()
}

# %%
# The steps each of them has read, where the gradient is not zero:
for s, r in read.items():
    print(f"{s:18} reads steps {r.nonzero().flatten().tolist()}")
assert read["output[:, -1, :H]"].all() and read["output[:, 0, H:]"].all()
assert read["output[:, -1, H:]"].tolist() == [False, False, False, False, True]
assert read["output[:, 0, :H]"].tolist() == [True, False, False, False, False]

# %%
# Check it yourself
# -----------------
# The picture shows the cells whose states this page differentiated; the table
# is :func:`rnnstate.check` run on the same module, in training mode, dropout
# and all.
gru.train()
fig = rnnstate.plot_unrolled(gru, seq_len=5)
report = rnnstate.check(gru, x)
assert report.ok
report
