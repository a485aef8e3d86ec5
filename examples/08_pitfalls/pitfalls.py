r"""
Five mistakes with output and h_n, and how far off each one is
==============================================================

Each section runs a common piece of wrong code next to the right one and measures
how wrong the result is; the page that owns each topic explains it. The first
four mistakes raise no error, and the fifth raises only when ``N`` differs from
``D*num_layers``. The setting is a 2-layer bidirectional GRU over a padded batch
of variable-length sequences, as in many seq2seq and classification tutorials.
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
# The backward half is wrong too, not only the forward one: unpacked, every
# direction reads the padding, as the nonzero gradient of the final states with
# respect to the padded steps of sample 3 (length 1) shows.
backward_err = (wrong[:, H:] - right[:, H:]).abs().amax(dim=1)
print("backward-half error per sample:", [round(e, 3) for e in backward_err.tolist()])
x_grad = x.clone().requires_grad_()
gru(x_grad)[1].sum().backward()
assert x_grad.grad is not None and bool((x_grad.grad[3, 1:] != 0).any())
assert bool((backward_err[1:] > 1e-2).all())

# %%
# 2. ``output[:, -1]`` as the final state of a bidirectional model
# ----------------------------------------------------------------
# Even with full-length sequences, its backward half is the backward direction's
# first step, not its final state (the :ref:`bidirectional page
# <sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>` shows
# where each final state is).
full = torch.randn(N, L, 3)
output, full_h_n = gru(full)
wrong = output[:, -1]
right_full = rnnstate.final_state(full_h_n, gru)
print(f"max |output[:, -1] - right feature| = {(wrong - right_full).abs().max().item():.3f}")
print("forward halves equal:", torch.equal(wrong[:, :H], right_full[:, :H]))
assert torch.equal(wrong[:, :H], right_full[:, :H]) and not torch.equal(wrong, right_full)

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
# With one layer, that feature never depends on the forward direction. With two,
# it does: the top backward direction reads layer 0's output, which holds layer
# 0's forward pass over the whole sequence. Autograd shows it: the gradient of
# ``h_n[-1]`` with respect to layer 0's forward weights is zero for one layer and
# not for two.
for num_layers in (1, 2):
    model = nn.GRU(3, H, num_layers=num_layers, batch_first=True, bidirectional=True)
    model(full)[1][-1].sum().backward()
    grad = model.weight_hh_l0.grad
    size = 0.0 if grad is None else grad.abs().sum().item()
    print(f"num_layers={num_layers}: |d h_n[-1] / d weight_hh_l0| summed = {size:.3f}")
    assert (size == 0) == (num_layers == 1)

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
# Check it yourself
# -----------------
# The picture shows which cells the right code of mistake 1 read (each forward
# final state at its sequence's own last valid step, the hatched padding never
# read); the table is :func:`rnnstate.check` run on the same packed batch.
fig = rnnstate.plot_unrolled(gru, seq_len=L, lengths=lengths)
report = rnnstate.check(gru, pack_padded_sequence(x, lengths, batch_first=True))
assert report.ok
report
