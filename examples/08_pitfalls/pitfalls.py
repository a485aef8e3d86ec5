r"""
Five mistakes with output and h_n, and how far off each one is
==============================================================

Each section runs a common piece of wrong code next to the right one and measures
how wrong the result is; the page that owns each topic explains it. The first
four mistakes raise no error, and the fifth raises only when ``N`` differs from
``D*num_layers`` (section 5 runs both cases). The setting is a 2-layer
bidirectional GRU over a padded batch of variable-length sequences, as in many
seq2seq and classification tutorials.
"""

# %%
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnstate

torch.manual_seed(0)
N, L, H = 4, 8, 5
gru = nn.GRU(3, H, num_layers=2, batch_first=True, bidirectional=True)
lengths = torch.tensor([8, 6, 3, 1])
x = torch.randn(N, L, 3)
for i, n in enumerate(lengths):
    x[i, n:] = 0  # zero padding, as pad_sequence makes it

packed_output, h_n = gru(pack_padded_sequence(x, lengths, batch_first=True))
right = rnnstate.final_state(h_n, gru)  # (N, D*H_out): the features to use

# %%
# 1. Feeding the padded batch without packing it
# ----------------------------------------------
# Unpacked, the module runs every sequence for all ``L`` steps, padding included
# (the :ref:`packed page <sphx_glr_auto_examples_07_packed_packed_sequences.py>`
# shows what packing changes). Every shorter sequence's final states come out
# wrong; the full-length one matches up to rounding (below ``1e-5``).
padded_output, unpacked_h_n = gru(x)
wrong = rnnstate.final_state(unpacked_h_n, gru)
errors = (wrong - right).abs().amax(dim=1)
for i, n in enumerate(lengths.tolist()):
    print(f"sample {i} (length {n}): max |error| = {errors[i].item():.3f}")
assert errors[0] < 1e-5 and bool((errors[1:] > 1e-2).all())

# %%
# Both halves are wrong for every shorter sequence, the backward one as well as
# the forward one.
forward_err = (wrong[:, :H] - right[:, :H]).abs().amax(dim=1)
backward_err = (wrong[:, H:] - right[:, H:]).abs().amax(dim=1)
print("forward-half error per sample: ", [round(e, 3) for e in forward_err.tolist()])
print("backward-half error per sample:", [round(e, 3) for e in backward_err.tolist()])
assert bool((forward_err[1:] > 1e-2).all()) and bool((backward_err[1:] > 1e-2).all())

# %%
# Unpacked, every direction reads the padding: each row of ``h_n`` (each layer and
# direction) of each shorter sample has a nonzero gradient with respect to that
# sample's padded steps.
x_grad = x.clone().requires_grad_()
unpacked = gru(x_grad)[1]  # (D*num_layers, N, H_out)
for i, n in enumerate(lengths.tolist()[1:], start=1):  # the shorter samples
    grads = [torch.autograd.grad(unpacked[r, i].sum(), x_grad, retain_graph=True) for r in range(4)]
    sizes = [grad[i, n:].abs().sum().item() for (grad,) in grads]
    print(
        f"sample {i} (length {n}): |gradient| of h_n[0..3] on its padded steps:",
        [round(size, 3) for size in sizes],
    )
    assert all(size > 0 for size in sizes)

# %%
# 2. ``output[:, -1]`` as the final state of a bidirectional model
# ----------------------------------------------------------------
# Even with full-length sequences, its backward half is not the backward
# direction's final state, which is ``output[:, 0, H:]``: the backward direction
# ends at step 0 (the :ref:`bidirectional page
# <sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>` shows
# where each final state is, and why). Its forward half is right.
full = torch.randn(N, L, 3)
output, full_h_n = gru(full)
wrong = output[:, -1]
right_full = rnnstate.final_state(full_h_n, gru)
print(f"max |output[:, -1] - right feature| = {(wrong - right_full).abs().max().item():.3f}")
print("forward halves equal:", torch.equal(wrong[:, :H], right_full[:, :H]))
assert torch.equal(wrong[:, :H], right_full[:, :H]) and not torch.equal(wrong, right_full)
assert torch.equal(right_full[:, H:], output[:, 0, H:])

# %%
# 3. ``h_n.reshape(N, -1)`` to get one row per sample
# ---------------------------------------------------
# ``h_n`` is ``(D*num_layers, N, H_out)``, so ``reshape(N, -1)`` cuts it in memory
# order: here (``N = D*num_layers = 4``) row ``i`` is ``h_n[i]`` of all four
# samples. Count the ``H_out``-sized pieces of each row that belong to the row's
# own sample: one of four, ``h_n[i, i]``.
wrong = full_h_n.reshape(N, -1)
pieces = wrong.view(N, 4, H)  # row i, piece j
own = [
    sum(torch.equal(pieces[i, j], full_h_n[k, i]) for j in range(4) for k in range(4))
    for i in range(N)
]
print("pieces of each row that are its own sample's states:", own, "of 4")
assert all(torch.equal(wrong[i], full_h_n[i].reshape(-1)) for i in range(N))  # row i: h_n[i]
assert own == [1, 1, 1, 1] and all(torch.equal(pieces[i, i], full_h_n[i, i]) for i in range(N))

# %%
# 4. ``h_n[-1]`` as "the top layer"
# ---------------------------------
# For a bidirectional module ``h_n[-1]`` is the top layer's *backward* final state
# only, ``(N, H_out)`` instead of ``(N, 2 * H_out)``; the top forward one,
# ``h_n[-2]``, is left out.
top_backward = full_h_n[-1]
print("h_n[-1]:", tuple(top_backward.shape), " classifier feature:", tuple(right_full.shape))
assert torch.equal(top_backward, output[:, 0, H:]) and torch.equal(right_full[:, H:], top_backward)


# %%
# With one layer, that feature does not depend on the forward direction at all.
# With two, it does: the top backward direction reads layer 0's output, which
# holds layer 0's forward pass over the whole sequence. Autograd shows it, one
# number of ``h_n[-1]`` at a time (a gradient of a sum could cancel out): the
# gradient with respect to each of layer 0's forward weights and biases, and to
# the forward row of ``h_0``, is zero for one layer and nonzero for two.
def dependence(value: torch.Tensor, tensors: list[torch.Tensor]) -> list[float]:
    """Per tensor, the sum over the numbers of ``value`` of abs(d number / d tensor)."""
    sizes = [0.0] * len(tensors)
    for number in value.flatten():
        grads = torch.autograd.grad(number, tensors, retain_graph=True)
        sizes = [size + g.abs().sum().item() for size, g in zip(sizes, grads, strict=True)]
    return sizes


# %%
names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "h_0[0]"]
for num_layers in (1, 2):
    model = nn.GRU(3, H, num_layers=num_layers, batch_first=True, bidirectional=True)
    h_0_forward = torch.zeros(1, N, H, requires_grad=True)  # row 0: layer 0, forward
    h_0 = torch.cat([h_0_forward, torch.zeros(2 * num_layers - 1, N, H)])
    forward = [model.weight_ih_l0, model.weight_hh_l0, model.bias_ih_l0, model.bias_hh_l0]
    sizes = dependence(model(full, h_0)[1][-1], [*forward, h_0_forward])
    print(f"num_layers={num_layers}:", {k: round(v, 3) for k, v in zip(names, sizes, strict=True)})
    assert all((size == 0) == (num_layers == 1) for size in sizes)


# %%
# 5. A batch-first ``h_0``
# ------------------------
# ``h_0`` is ``(D*num_layers, N, H_out)`` whatever ``batch_first`` says. Shaped
# ``(N, D*num_layers, H_out)`` it raises here, where ``N = 3`` and
# ``D*num_layers = 4``; when the two are equal it is accepted and silently read
# with the axes swapped (the :ref:`batch_first page
# <sphx_glr_auto_examples_06_batch_first_batch_first_and_unbatched.py>` shows it).
three = full[:3]  # N = 3, D*num_layers = 4
try:
    gru(three, torch.zeros(3, 4, H))  # (N, D*num_layers, H_out): wrong
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("a batch-first h_0 was accepted")

# %%
# With all four samples, ``N = D*num_layers = 4``: the same mistake raises
# nothing, and the output is not the one the state was meant to give.
per_sample = torch.randn(N, 4, H)  # meant as (N, D*num_layers, H_out)
accepted, _ = gru(full, per_sample)  # no error
meant, _ = gru(full, per_sample.transpose(0, 1).contiguous())
print("N = 4: accepted; output equals the meant one:", torch.equal(accepted, meant))
assert not torch.equal(accepted, meant)

# %%
# Check it yourself
# -----------------
# The picture shows which cells the right code of mistake 1 read (each forward
# final state at its sequence's own last valid step, the hatched padding never
# read); the table is :func:`rnnstate.check` run on the same packed batch.
fig = rnnstate.plot_unrolled(gru, seq_len=L, lengths=lengths)
report = rnnstate.check(gru, pack_padded_sequence(x, lengths, batch_first=True))
assert report.ok
report
