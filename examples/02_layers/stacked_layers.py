r"""
Stacked layers: h_n holds every layer, output only the top one
==============================================================

In a GRU with ``num_layers=3`` each layer reads the whole output sequence of the
layer below (:class:`torch.nn.GRU`'s documentation says the same for any
``num_layers > 1``). ``h_n[k]`` is layer ``k``'s hidden state after the last step;
only the top layer's states make up ``output``. This page rebuilds the 3-layer GRU
as three 1-layer GRUs to show where each row of ``h_n`` comes from, and what
inter-layer dropout does and does not change.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
gru = nn.GRU(input_size=4, hidden_size=6, num_layers=3, batch_first=True)
x = torch.randn(5, 7, 4)  # (N, L, H_in)
output, h_n = gru(x)
print("output:", tuple(output.shape), " h_n:", tuple(h_n.shape))
assert (output.shape, h_n.shape) == ((5, 7, 6), (3, 5, 6))

# %%
# One layer at a time
# -------------------
# Copy each layer's weights into its own 1-layer GRU and chain them: layer ``k``
# reads the output sequence of layer ``k - 1``.
layers = []
for k in range(3):
    single = nn.GRU(4 if k == 0 else 6, 6, batch_first=True)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(single, f"{name}_l0").data.copy_(getattr(gru, f"{name}_l{k}"))
    layers.append(single)

sequence, finals = x, []
for single in layers:
    sequence, final = single(sequence)
    finals.append(final[0])  # (N, H_out): this layer's last step

# %%
# Row ``k`` of ``h_n`` is layer ``k``'s final state. The chained layers are
# separate calls, so they are compared with ``torch.testing.assert_close``
# (``rtol=1e-5, atol=1e-6``), and the largest difference is printed (the
# :ref:`exactness page <sphx_glr_auto_examples_10_exactness_exact_or_close.py>`
# says why separate calls can differ).
for k, final in enumerate(finals):
    diff = (final - h_n[k]).abs().max().item()
    print(f"layer {k}: max |h_n[{k}] - chained final| = {diff:.2e}")
    torch.testing.assert_close(final, h_n[k], rtol=1e-5, atol=1e-6)

# %%
# The top layer's whole output sequence is ``output``. The module returns only
# ``output`` and ``h_n``: the lower layers' sequences stay inside it.
diff = (sequence - output).abs().max().item()
print(f"max |top layer's sequence - output| = {diff:.2e}")
torch.testing.assert_close(sequence, output, rtol=1e-5, atol=1e-6)
assert len(gru(x)) == 2

# %%
# Inside one call the identity is exact: the last step of ``output`` equals
# ``h_n[-1]`` element for element (``torch.equal``), and not the bottom layer's
# ``h_n[0]``.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(output[:, -1], h_n[-1]))
print("torch.equal(output[:, -1], h_n[0]): ", torch.equal(output[:, -1], h_n[0]))
assert torch.equal(output[:, -1], h_n[-1])
assert not torch.equal(output[:, -1], h_n[0])

# %%
# Dropout between layers
# ----------------------
# With ``dropout=0.5``, in training mode, the module applies
# ``torch.nn.functional.dropout`` to the output sequence of every layer but the
# top one before the next layer reads it. That function zeroes elements at random,
# each with the probability ``p=0.5`` passed to it (as :class:`torch.nn.Dropout`
# documents), and scales the others by ``1 / (1 - 0.5) = 2``.
dropped = nn.GRU(4, 6, num_layers=3, batch_first=True, dropout=0.5)
dropped.load_state_dict(gru.state_dict())
dropped.train()
torch.manual_seed(1)
out_d, h_n_d = dropped(x)

# %%
# Chain the 1-layer GRUs above with that dropout after layers 0 and 1, from the
# same random seed. Every element that dropout kept is exactly twice its value;
# the share it zeroed is printed (a sample this small only approximates 0.5).
torch.manual_seed(1)
sequence, finals_d = x, []
for k, single in enumerate(layers):
    sequence, final = single(sequence)
    finals_d.append(final[0])  # this layer's last step, before any dropout
    if k < 2:  # not after the top layer
        kept, sequence = sequence, nn.functional.dropout(sequence, p=0.5, training=True)
        assert bool(((sequence == 0) | (sequence == 2 * kept)).all())
        print(f"after layer {k}: zeroed {int((sequence == 0).sum())} of {sequence.numel()}")

# %%
# The chain reproduces the module's ``output`` and every row of its ``h_n``
# (``rtol=1e-5, atol=1e-6``), with each layer's final state taken before dropout.
print(f"max |chained - output| = {(sequence - out_d).abs().max().item():.2e}")
print(f"max |chained finals - h_n| = {(torch.stack(finals_d) - h_n_d).abs().max().item():.2e}")
torch.testing.assert_close(sequence, out_d, rtol=1e-5, atol=1e-6)
torch.testing.assert_close(torch.stack(finals_d), h_n_d, rtol=1e-5, atol=1e-6)

# %%
# The values change; the identity does not, because nothing is dropped from
# ``output`` or ``h_n`` themselves (the chain above took every final state before
# dropout). Nothing is dropped before layer 0 either, so its final state is the
# same as without dropout.
print("h_n[-1] equal with and without dropout:", torch.equal(h_n_d[-1], h_n[-1]))
print("h_n[0] equal with and without dropout: ", torch.equal(h_n_d[0], h_n[0]))
print("torch.equal(output[:, -1], h_n[-1]) with dropout:", torch.equal(out_d[:, -1], h_n_d[-1]))
assert not torch.equal(h_n_d[-1], h_n[-1]) and torch.equal(h_n_d[0], h_n[0])
assert torch.equal(out_d[:, -1], h_n_d[-1])

# %%
# In evaluation mode (``dropped.eval()``) there is no dropout at all: the module
# gives exactly what the same weights give without ``dropout``, both ``output`` and
# ``h_n``.
dropped.eval()
out_e, h_n_e = dropped(x)
same = (torch.equal(out_e, output), torch.equal(h_n_e, h_n))
print("eval mode, (output, h_n) equal to those without dropout:", same)
assert same == (True, True)

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read: orange cells make up ``output``
# and blue ones ``h_n``, as its legend says, and the code counts the cells tagged
# ``output`` (one per step) and prints the step of each ``h_n`` label (the last, in
# every layer); the table is :func:`rnnstate.check` run on the same module.
fig = rnnstate.plot_unrolled(gru, seq_len=7)
ax = fig.axes[0]
n_output = sum("output" in str(p.get_gid()).split(":") for p in ax.patches)
steps = {t.get_text(): round(t.get_position()[0]) for t in ax.texts if "h_n" in t.get_text()}
print("cells tagged output:", n_output, " step of each h_n label:", steps)
assert n_output == 7 and steps == {"h_n[0]": 6, "h_n[1]": 6, "h_n[2]": 6}
report = rnnstate.check(gru, x)
assert report.ok
report
