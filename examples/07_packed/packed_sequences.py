r"""
Packed sequences of variable length: forward h_n stops at each last valid step
==============================================================================

Real batches hold sequences of variable length, padded to the longest. Packing
them (``pack_padded_sequence``) tells the module where each one ends: the forward
rows of ``h_n`` then hold each sequence's hidden state at its *last valid step*
(a backward row holds the state after reading back to step 0), no direction reads
the padding, and ``pad_packed_sequence`` turns the packed ``output`` back into a
padded tensor whose padded steps are zero. This is why we pack the sequences in
PyTorch. The page also covers ``enforce_sorted``, ``sorted_indices`` and
``total_length``.
"""

# %%
# Packing a padded batch with pack_padded_sequence
# ------------------------------------------------
# Three sequences of lengths 5, 2 and 4, zero-padded to 5 steps.
import inspect

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

torch.manual_seed(0)
H = 4
gru = nn.GRU(3, H, num_layers=2, batch_first=True, bidirectional=True)
lengths = torch.tensor([5, 2, 4])  # any order: enforce_sorted=False below
x = torch.randn(3, 5, 3)  # (N, L, H_in), padded to the longest length
for i, n in enumerate(lengths):
    x[i, n:] = 0  # the padding (its value does not matter once packed)

packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
packed_output, h_n = gru(packed)
print("output is a", type(packed_output).__name__, " h_n:", tuple(h_n.shape))
assert h_n.shape == (4, 3, H)


# %%
# No direction reads the padding. The Jacobian of ``h_n`` (every number of every
# row, each layer and direction, for every sample) with respect to the input is
# exactly zero on each sample's padded steps, and each row of a sample has a
# nonzero gradient on each of its valid steps.
def final_states(inputs: torch.Tensor) -> torch.Tensor:
    """h_n of the packed batch, as a function of the padded input."""
    return gru(pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False))[1]


jacobian = torch.autograd.functional.jacobian(final_states, x)  # (4, N, H, N, L, H_in)
for i, n in enumerate(lengths.tolist()):
    on_padding = jacobian[..., i, n:, :].abs().sum().item()
    per_row_step = jacobian[:, i, :, i, :n].abs().sum(dim=(1, 3))  # (row, valid step)
    zeros = f"{int((per_row_step == 0).sum())} of {per_row_step.numel()}"
    print(
        f"sample {i}: |gradient| on padded steps {on_padding:.1f},",
        f"(row, valid step) pairs with a zero gradient: {zeros}",
    )
    assert on_padding == 0 and bool((per_row_step != 0).all())

# %%
# Unpacking with pad_packed_sequence
# ----------------------------------
# ``pad_packed_sequence`` gives back a padded ``(N, L_max, D*H_out)`` tensor, where
# ``L_max`` is the longest length in the batch (here 5), and the lengths, in the
# original batch order.
output, out_lengths = pad_packed_sequence(packed_output, batch_first=True)
print("output:", tuple(output.shape), " lengths:", out_lengths.tolist())
assert output.shape == (3, int(lengths.max()), 2 * H) and torch.equal(out_lengths, lengths)

# %%
# Past each sequence's length, the padded output is exactly ``padding_value``, 0
# by default; here also with ``padding_value=-1.0``.
assert inspect.signature(pad_packed_sequence).parameters["padding_value"].default == 0
minus_one, _ = pad_packed_sequence(packed_output, batch_first=True, padding_value=-1.0)
for i, n in enumerate(lengths.tolist()):
    zero, m1 = bool((output[i, n:] == 0).all()), bool((minus_one[i, n:] == -1).all())
    print(f"sample {i} (length {n}), {5 - n} padded steps: all 0: {zero}, all -1 with -1.0: {m1}")
    assert zero and m1

# %%
# h_n holds the last *valid* step
# -------------------------------
# So ``output[:, -1]`` is padding for every sequence shorter than the batch: for
# sample 1 (length 2) it is all zeros, and not its final state (the top layer's
# forward and backward ones, ``h_n[-2, 1]`` and ``h_n[-1, 1]``).
feature = rnnstate.final_state(h_n, gru)  # (N, D*H_out): [h_n[-2] | h_n[-1]]
print("output[1, -1]:      ", output[1, -1].tolist())
print("final states of 1:  ", [round(v, 3) for v in feature[1].tolist()])
assert bool((output[1, -1] == 0).all()) and bool((feature[1] != 0).any())

# %%
# The forward final state is at step ``length - 1`` of each sample.
rows = torch.arange(3)
forward_final = output[rows, lengths - 1, :H]
print("torch.equal(output[rows, lengths - 1, :H], h_n[-2]):", torch.equal(forward_final, h_n[-2]))
assert torch.equal(forward_final, h_n[-2])

# %%
# The backward direction starts at each sequence's last valid step and still ends
# at step 0, so its final state is at step 0.
print("torch.equal(output[:, 0, H:], h_n[-1]):", torch.equal(output[:, 0, H:], h_n[-1]))
assert torch.equal(output[:, 0, H:], h_n[-1])

# %%
# :func:`rnnstate.last_output` reads both halves from a ``PackedSequence``, or from
# the padded tensor given the lengths.
from_packed = torch.equal(rnnstate.last_output(packed_output, gru), feature)
from_padded = torch.equal(rnnstate.last_output(output, gru, lengths), feature)
print("last_output(packed_output) equals final_state(h_n):   ", from_packed)
print("last_output(output, lengths) equals final_state(h_n): ", from_padded)
assert from_packed and from_padded

# %%
# Each sequence as if it were alone
# ---------------------------------
# Packed, a short sequence in a batch gets the final states it gets when run on its
# own. (A separate call, so compared with ``rtol=1e-5, atol=1e-6``; the exactness
# page measures such differences.)
alone_out, alone_h_n = gru(x[1:2, :2])  # sample 1, its 2 valid steps only
diff = (alone_h_n[:, 0] - h_n[:, 1]).abs().max().item()
print(f"max |h_n of sample 1 alone - h_n[:, 1] in the packed batch| = {diff:.2e}")
torch.testing.assert_close(alone_h_n[:, 0], h_n[:, 1], rtol=1e-5, atol=1e-6)

# %%
# enforce_sorted and sorted_indices
# ---------------------------------
# ``enforce_sorted=True`` is the default, and with it unsorted lengths raise.
assert inspect.signature(pack_padded_sequence).parameters["enforce_sorted"].default is True
try:
    pack_padded_sequence(x, lengths, batch_first=True)  # enforce_sorted=True
except RuntimeError as error:
    print("RuntimeError:", str(error).splitlines()[0])
else:
    raise AssertionError("unsorted lengths were accepted with enforce_sorted=True")

# %%
# ``enforce_sorted=False`` sorts the batch by decreasing length inside the
# ``PackedSequence`` and records the order in ``sorted_indices``;
# ``unsorted_indices`` maps back, so ``h_n`` and ``pad_packed_sequence`` come back
# in the original order (as above).
order = torch.argsort(lengths, descending=True)
print(
    "sorted_indices:",
    packed.sorted_indices.tolist(),
    " unsorted_indices:",
    packed.unsorted_indices.tolist(),
)
assert torch.equal(packed.sorted_indices, order)
assert torch.equal(packed.sorted_indices[packed.unsorted_indices], torch.arange(3))

# %%
# Sorting by hand and packing with ``enforce_sorted=True`` gives the same states,
# in sorted order.
sorted_packed = pack_padded_sequence(x[order], lengths[order], batch_first=True)
_, sorted_h_n = gru(sorted_packed)
print("sorted order:", order.tolist(), " same states:", torch.equal(sorted_h_n, h_n[:, order]))
assert torch.equal(sorted_h_n, h_n[:, order])

# %%
# total_length
# ------------
# ``pad_packed_sequence`` pads to the longest length *in the batch*, which can be
# shorter than the padded input: here the last two sequences (lengths 2 and 4),
# padded to 5 steps, come back with 4. Code that lines up each output step with
# an input or target step then breaks; ``total_length`` pads to a given length.
short = pack_padded_sequence(x[1:], lengths[1:], batch_first=True, enforce_sorted=False)
short_out, _ = gru(short)
default_pad, _ = pad_packed_sequence(short_out, batch_first=True)
fixed_pad, _ = pad_packed_sequence(short_out, batch_first=True, total_length=x.shape[1])
print(
    "input:",
    tuple(x[1:].shape),
    " padded to the longest:",
    tuple(default_pad.shape),
    " total_length=5:",
    tuple(fixed_pad.shape),
)
assert default_pad.shape == (2, 4, 2 * H) and fixed_pad.shape == (2, 5, 2 * H)

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read (one panel per sequence, padded
# steps hatched, each forward final state at its own last valid step); the table
# is :func:`rnnstate.check` run on the same packed batch.
fig = rnnstate.plot_unrolled(gru, seq_len=5, lengths=lengths)
report = rnnstate.check(gru, packed)
assert report.ok
report
