r"""
Five mistakes with output and h_n, and how far off each one is
==============================================================

Each section runs a common piece of wrong code next to the right one and measures
how wrong the result is. None of these mistakes raises an error (except the last,
and only sometimes): they train, they converge, and they quietly use the wrong
numbers. The setting is a 2-layer bidirectional GRU over a padded batch, as in
many seq2seq and classification tutorials.
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
# The module then runs every sequence for all ``L`` steps. The forward direction
# keeps updating its state on the padding after each short sequence ends, and the
# backward direction *starts* on the padding. Every shorter sequence's ``h_n`` is
# contaminated; only the full-length one is right (up to rounding: packed and
# padded calls use different kernels).
padded_output, unpacked_h_n = gru(x)
wrong = rnnstate.final_state(unpacked_h_n, gru)
for i, n in enumerate(lengths.tolist()):
    err = (wrong[i] - right[i]).abs().max().item()
    print(f"sample {i} (length {n}): max |error| = {err:.3f}")
errors = (wrong - right).abs().amax(dim=1)
assert errors[0] < 1e-5 and bool((errors[1:] > 1e-2).all())

# %%
# The damage is not only in the forward half: the backward half is wrong too,
# because the backward pass ran over the padding before it reached the data.
backward_err = (wrong[:, H:] - right[:, H:]).abs().amax(dim=1)
print("backward-half error per sample:", [round(e, 3) for e in backward_err.tolist()])
assert bool((backward_err[1:] > 1e-2).all())

# %%
# 2. ``output[:, -1]`` as the final state of a bidirectional model
# ----------------------------------------------------------------
# Even with full-length sequences, the backward half of the last step is the
# backward direction after *one* step, not its final state (which is at step 0).
full = torch.randn(N, L, 3)
output, full_h_n = gru(full)
wrong = output[:, -1]
right_full = torch.cat((output[:, -1, :H], output[:, 0, H:]), dim=1)
print(f"max |output[:, -1] - right feature| = {(wrong - right_full).abs().max().item():.3f}")
print("forward halves equal:", torch.equal(wrong[:, :H], right_full[:, :H]))
assert torch.equal(right_full, rnnstate.final_state(full_h_n, gru))
assert torch.equal(wrong[:, :H], right_full[:, :H]) and not torch.equal(wrong, right_full)

# %%
# 3. ``h_n.reshape(N, -1)`` to get one row per sample
# ---------------------------------------------------
# ``h_n`` is ``(D*num_layers, N, H_out)``: reshaping it to ``(N, -1)`` reads it in
# memory order, so each "row" is made of other samples' states. Count how many
# rows hold any state of their own sample.
wrong = full_h_n.reshape(N, -1)
right_rows = full_h_n.permute(1, 0, 2).reshape(N, -1)
own = [torch.equal(wrong[i], right_rows[i]) for i in range(N)]
print("rows of reshape(N, -1) that are their own sample's states:", sum(own), "of", N)
assert sum(own) == 0

# %%
# 4. ``h_n[-1]`` as "the top layer"
# ---------------------------------
# For a bidirectional module ``h_n[-1]`` is the top layer's *backward* state only;
# the forward one is ``h_n[-2]``. A classifier on ``h_n[-1]`` sees half the
# features, and never the forward pass over the whole sequence.
top_backward = full_h_n[-1]
print("h_n[-1]:", tuple(top_backward.shape), " classifier feature:", tuple(right_full.shape))
print("torch.equal(h_n[-1], output[:, -1, H:]):", torch.equal(top_backward, output[:, -1, H:]))
print("torch.equal(h_n[-1], output[:, 0, H:]): ", torch.equal(top_backward, output[:, 0, H:]))
assert torch.equal(top_backward, output[:, 0, H:])

# %%
# 5. A batch-first ``h_0``
# ------------------------
# ``h_0`` is ``(D*num_layers, N, H_out)`` whatever ``batch_first`` says. Shaped
# ``(N, D*num_layers, H_out)`` it raises, unless ``N == D*num_layers``, where it is
# silently used with the axes swapped (see the batch_first page).
three = full[:3]  # N = 3, D*num_layers = 4
try:
    gru(three, torch.zeros(3, 4, H))  # (N, D*num_layers, H_out): wrong
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("a batch-first h_0 was accepted")

# %%
# The packed batch of mistake 1, drawn: each sequence's forward final state sits at
# its own last valid step and the hatched padding is never computed. Unpacked, the
# module runs through the hatched cells too and ends every forward row at step 7.
fig = rnnstate.plot_unrolled(gru, seq_len=L, lengths=lengths)

# %%
# ``rnnstate.check`` on the packed batch: the identities it lists are the right
# code for this configuration.
report = rnnstate.check(gru, pack_padded_sequence(x, lengths, batch_first=True))
assert report.ok
report
