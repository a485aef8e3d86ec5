r"""
Packed sequences: h_n stops at each sequence's last valid step
==============================================================

Real batches hold sequences of different lengths, padded to the longest. Packing
them (``pack_padded_sequence``) tells the module where each one ends: ``h_n`` then
holds each sequence's state at its *last valid step*, the backward direction
starts there instead of on padding, and ``pad_packed_sequence`` turns the packed
``output`` back into a padded tensor whose padded steps are zero. This is why we
pack the sequences in PyTorch. The page also covers ``enforce_sorted`` and
``total_length``.
"""

# %%
# Packing a padded batch with pack_padded_sequence
# ------------------------------------------------
# Three sequences of lengths 5, 2 and 4, zero-padded to 5 steps.
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
# Unpacking with pad_packed_sequence
# ----------------------------------
# ``pad_packed_sequence`` gives back a padded ``(N, L, D*H_out)`` tensor and the
# lengths, in the original batch order.
output, out_lengths = pad_packed_sequence(packed_output, batch_first=True)
print("output:", tuple(output.shape), " lengths:", out_lengths.tolist())
assert output.shape == (3, 5, 2 * H) and torch.equal(out_lengths, lengths)

# %%
# Past each sequence's length, the padded output is exactly ``padding_value``
# (0 by default): the module never computed those steps.
for i, n in enumerate(lengths.tolist()):
    padding_is_zero = bool((output[i, n:] == 0).all())
    print(f"sample {i} (length {n}): its {5 - n} padded steps are all zero:", padding_is_zero)
    assert padding_is_zero

# %%
# h_n holds the last *valid* step
# -------------------------------
# So ``output[:, -1]`` is padding for every sequence shorter than the batch: for
# sample 1 (length 2) it is all zeros, and not its final state.
print("output[1, -1, :H]:", output[1, -1, :H].tolist())
print("torch.equal(output[:, -1, :H], h_n[-2]):", torch.equal(output[:, -1, :H], h_n[-2]))
assert not torch.equal(output[:, -1, :H], h_n[-2])

# %%
# The forward final state is at step ``length - 1`` of each sample.
rows = torch.arange(3)
forward_final = output[rows, lengths - 1, :H]
print("torch.equal(output[rows, lengths - 1, :H], h_n[-2]):", torch.equal(forward_final, h_n[-2]))
assert torch.equal(forward_final, h_n[-2])

# %%
# The backward direction starts at each sequence's last valid step and still ends
# at step 0, so its final state is where it always is.
print("torch.equal(output[:, 0, H:], h_n[-1]):", torch.equal(output[:, 0, H:], h_n[-1]))
assert torch.equal(output[:, 0, H:], h_n[-1])

# %%
# :func:`rnnstate.last_output` reads both halves from a ``PackedSequence``, or from
# the padded tensor given the lengths.
feature = rnnstate.final_state(h_n, gru)
from_packed = torch.equal(rnnstate.last_output(packed_output, gru), feature)
from_padded = torch.equal(rnnstate.last_output(output, gru, lengths), feature)
print("last_output(packed_output) equals final_state(h_n):   ", from_packed)
print("last_output(output, lengths) equals final_state(h_n): ", from_padded)
assert from_packed and from_padded

# %%
# Each sequence as if it were alone
# ---------------------------------
# Packing is what makes a short sequence in a batch behave like the same sequence
# run on its own. (Compared with a tolerance: a batch of one may take other
# kernels; the exactness page measures this.)
alone_out, alone_h_n = gru(x[1:2, :2])  # sample 1, its 2 valid steps only
diff = (alone_h_n[:, 0] - h_n[:, 1]).abs().max().item()
print(f"max |h_n of sample 1 alone - h_n[:, 1] in the packed batch| = {diff:.2e}")
torch.testing.assert_close(alone_h_n[:, 0], h_n[:, 1], rtol=1e-5, atol=1e-6)

# %%
# enforce_sorted
# --------------
# ``enforce_sorted=True`` (the default) requires lengths in decreasing order and
# raises otherwise; ``enforce_sorted=False`` sorts internally and restores the
# original order in ``h_n`` and in ``pad_packed_sequence``.
try:
    pack_padded_sequence(x, lengths, batch_first=True)  # enforce_sorted=True
except RuntimeError as error:
    print("RuntimeError:", str(error).splitlines()[0])
else:
    raise AssertionError("unsorted lengths were accepted with enforce_sorted=True")

# %%
# Sorting by hand and packing with ``enforce_sorted=True`` gives the same states,
# in sorted order.
order = torch.argsort(lengths, descending=True)
sorted_packed = pack_padded_sequence(x[order], lengths[order], batch_first=True)
_, sorted_h_n = gru(sorted_packed)
print("sorted order:", order.tolist(), " same states:", torch.equal(sorted_h_n, h_n[:, order]))
assert torch.equal(sorted_h_n, h_n[:, order])

# %%
# total_length
# ------------
# ``pad_packed_sequence`` pads to the longest sequence in the batch. When the
# output must keep the input's length (say, the batch was padded to a fixed 8
# steps), pass ``total_length``.
short = pack_padded_sequence(x[1:], lengths[1:], batch_first=True, enforce_sorted=False)
short_out, _ = gru(short)
default_pad, _ = pad_packed_sequence(short_out, batch_first=True)
fixed_pad, _ = pad_packed_sequence(short_out, batch_first=True, total_length=8)
print(
    "padded to the longest:", tuple(default_pad.shape), " total_length=8:", tuple(fixed_pad.shape)
)
assert default_pad.shape == (2, 4, 2 * H) and fixed_pad.shape == (2, 8, 2 * H)

# %%
# The picture and the checks
# --------------------------
# One panel per sequence: padded steps hatched, and the forward final state of
# each sequence at its own last valid step.
fig = rnnstate.plot_unrolled(gru, seq_len=5, lengths=lengths)

# %%
# The check pads the packed output itself and indexes each sample at
# ``lengths - 1``.
report = rnnstate.check(gru, packed)
assert report.ok
report
