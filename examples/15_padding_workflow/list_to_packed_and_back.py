r"""
Variable length sequences: from a list to packed and back
=========================================================

A data set of variable length sequences often starts as a Python list of
tensors. This page takes such a list through ``pad_sequence``,
``pack_padded_sequence``, a GRU, and back to a list with ``pad_packed_sequence``
and ``unpad_sequence`` or ``unpack_sequence``; uses ``pack_sequence`` as the
shortcut; explains ``sorted_indices``, ``unsorted_indices`` and ``total_length``;
and measures what goes wrong when the padded batch is run without packing: for
a unidirectional module the last valid step of ``output`` is still right while
``h_n`` is not, and for a bidirectional one neither is.
"""

# %%
# A list of sequences, padded with pad_sequence
# ---------------------------------------------
# Three sequences of 2, 5 and 4 steps with 3 features each. ``pad_sequence`` stacks
# them into one batch, zero-padded to the longest.
import itertools
import warnings

import torch
from torch import nn
from torch.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

import rnnstate

torch.manual_seed(0)
sequences = [torch.randn(n, 3) for n in (2, 5, 4)]
lengths = torch.tensor([len(s) for s in sequences])
padded = pad_sequence(sequences, batch_first=True)  # (N, L, H_in), L = the longest
print("padded:", tuple(padded.shape), " lengths:", lengths.tolist())
assert padded.shape == (3, 5, 3) and bool((padded[0, 2:] == 0).all())

# %%
# Packed, run, and unpacked
# -------------------------
# ``pack_padded_sequence`` with ``enforce_sorted=False`` takes unsorted lengths,
# here ``[2, 5, 4]``. The module returns a packed ``output``, which
# ``pad_packed_sequence`` turns back into a padded tensor and the lengths.
H = 4
gru = nn.GRU(3, H, num_layers=2, batch_first=True)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
packed_output, h_n = gru(packed)
output, out_lengths = pad_packed_sequence(packed_output, batch_first=True)
print("output:", tuple(output.shape), " lengths:", out_lengths.tolist(), " h_n:", tuple(h_n.shape))
assert output.shape == (3, 5, H) and torch.equal(out_lengths, lengths)

# %%
# Any order of these three sequences works as well: each of their 6 orders,
# packed the same way, gives the same ``h_n``, row for row (bitwise, asserted).
orders = [list(order) for order in itertools.permutations(range(3))]
for p in orders:
    repacked = pack_padded_sequence(padded[p], lengths[p], batch_first=True, enforce_sorted=False)
    assert torch.equal(gru(repacked)[1], h_n[:, p])
print("orders run, each giving the same h_n rows:", orders)

# %%
# Back to a list
# --------------
# ``unpad_sequence`` cuts each padded row back to its length; ``unpack_sequence``
# goes from the packed output straight to the list. Both give each sequence's
# outputs, ``(length, D*H_out)``, in the original order, and the same values.
from_padded = unpad_sequence(output, out_lengths, batch_first=True)
from_packed = unpack_sequence(packed_output)
print("shapes:", [tuple(o.shape) for o in from_packed])
assert [tuple(o.shape) for o in from_padded] == [(2, H), (5, H), (4, H)]
assert all(torch.equal(a, b) for a, b in zip(from_padded, from_packed, strict=True))

# %%
# pack_sequence, the shortcut
# ---------------------------
# ``pack_sequence`` packs the list directly, without the padded tensor in
# between; the result is the same packed batch: all four fields of the
# ``PackedSequence`` are equal.
shortcut = pack_sequence(sequences, enforce_sorted=False)
same = {f: torch.equal(getattr(shortcut, f), getattr(packed, f)) for f in packed._fields}
print(same)
assert all(same.values()) and len(same) == 4

# %%
# The lengths argument
# --------------------
# ``pack_padded_sequence`` takes the lengths as a list or a tensor, which, as its
# documentation says, must be on the CPU. A list gives the same packed batch as
# the tensor used above:
from_list = pack_padded_sequence(padded, lengths.tolist(), batch_first=True, enforce_sorted=False)
print("lengths as a list:", lengths.tolist())
assert all(torch.equal(getattr(from_list, f), getattr(packed, f)) for f in packed._fields)

# %%
# The torch that built this page converts a tensor of another dtype itself:
# float lengths are truncated to integers without a warning, so a length of 4.7
# packs 4 steps.
float_lengths = torch.tensor([2.0, 5.0, 4.7])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    fractional = pack_padded_sequence(padded, float_lengths, batch_first=True, enforce_sorted=False)
print("steps packed with lengths [2.0, 5.0, 4.7]:", int(fractional.batch_sizes.sum()))
print("warnings:", len(caught))
assert int(fractional.batch_sizes.sum()) == 2 + 5 + 4 and not caught

# %%
# Lengths on a GPU are the other mistake. Showing that error needs a GPU: the
# cell below tries it only where torch sees one and prints what happened; the
# output says whether the machine that built this page had one.
if torch.cuda.is_available():
    try:
        pack_padded_sequence(padded.cuda(), lengths.cuda(), batch_first=True, enforce_sorted=False)
    except RuntimeError as error:
        print("RuntimeError:", error)
    else:
        print("no error")
else:
    print("torch.cuda.is_available():", torch.cuda.is_available(), "- nothing to show here")

# %%
# sorted_indices and unsorted_indices
# -----------------------------------
# Inside the packed batch the sequences are sorted by length, longest first.
# ``sorted_indices[j]`` is the original index of the ``j``-th longest sequence;
# ``unsorted_indices`` is the inverse permutation, which puts sorted rows back in
# the original order.
print("sorted_indices:", packed.sorted_indices.tolist())
print("unsorted_indices:", packed.unsorted_indices.tolist())
assert packed.sorted_indices.tolist() == [1, 2, 0]
assert torch.equal(packed.sorted_indices[packed.unsorted_indices], torch.arange(3))

# %%
# The first ``N`` rows of ``packed.data`` are step 0 of each sequence, in sorted
# order. ``h_n`` is not: the module restores the original order, so ``h_n[:, i]``
# belongs to ``sequences[i]``, in every layer. Here it is compared with the
# module run on each sequence alone, up to ``rtol=1e-5, atol=1e-6`` (asserted).
assert torch.equal(packed.data[:3], padded[packed.sorted_indices, 0])
alone = torch.stack([gru(s)[1] for s in sequences], dim=1)  # (num_layers, N, H_out)
diff = (h_n - alone).abs().max()
print(f"h_n vs each sequence run alone, both layers: max |diff| = {diff:.1e}")
torch.testing.assert_close(h_n, alone, rtol=1e-5, atol=1e-6)

# %%
# total_length
# ------------
# ``pad_packed_sequence`` pads to the longest sequence *in the packed batch*.
# Split the batch in two, as ``nn.DataParallel`` does across its replicas, and the
# two halves come back padded to 5 and 4 steps, which cannot be concatenated
# along the batch axis.
halves = [(padded[:2], lengths[:2]), (padded[2:], lengths[2:])]
parts = []
for x, n in halves:
    out, _ = gru(pack_padded_sequence(x, n, batch_first=True, enforce_sorted=False))
    parts.append(pad_packed_sequence(out, batch_first=True)[0])
print("padded lengths of the halves:", [p.shape[1] for p in parts])
assert [p.shape[1] for p in parts] == [5, 4]

# %%
message = ""
try:
    torch.cat(parts)
except RuntimeError as error:
    message = str(error)
print("torch.cat(parts): RuntimeError:", message)
assert "Sizes of tensors must match except in dimension 0" in message

# %%
# ``total_length`` pads every half to the same length, the input's ``L``, and the
# halves fit together again. This is the reason it exists: `PyTorch's FAQ
# <https://docs.pytorch.org/docs/stable/notes/faq.html#pack-rnn-unpack-with-data-parallelism>`__
# gives it for a module wrapped in ``nn.DataParallel``, whose replicas each see
# part of the batch. (This page splits the batch by hand; it runs no
# ``DataParallel``.)
L = padded.shape[1]
parts = []
for x, n in halves:
    out, _ = gru(pack_padded_sequence(x, n, batch_first=True, enforce_sorted=False))
    parts.append(pad_packed_sequence(out, batch_first=True, total_length=L)[0])
joined = torch.cat(parts)
print("joined:", tuple(joined.shape))
torch.testing.assert_close(joined, output, rtol=1e-5, atol=1e-6)

# %%
# The two halves are compared with the whole batch up to ``rtol=1e-5,
# atol=1e-6``: a different batch may be computed with differently rounded
# kernels (:ref:`sphx_glr_auto_examples_10_exactness_exact_or_close.py`
# measures it).
#
# Without packing: what is still right
# ------------------------------------
# Readers often run the padded batch as it is. Then ``h_n`` holds each sequence's
# state after the padding too, which is wrong for every shorter sequence. For a
# unidirectional module the step ``lengths - 1`` of ``output`` is still right:
# nothing after it has been read yet.
unpacked_output, unpacked_h_n = gru(padded)  # the padded batch, not packed
gathered = unpacked_output[torch.arange(3), lengths - 1]
gather_diff = (gathered - h_n[-1]).abs().max().item()
h_n_diff = (unpacked_h_n[-1] - h_n[-1]).abs().amax(dim=1)
print(f"output[arange(N), lengths - 1] vs packed h_n[-1]: max |diff| = {gather_diff:.1e}")
print("h_n[-1] of the padded run vs packed, per sequence:", [f"{d:.2f}" for d in h_n_diff])
torch.testing.assert_close(gathered, h_n[-1], rtol=1e-5, atol=1e-6)
assert h_n_diff[0] > 0.01 and h_n_diff[2] > 0.01
torch.testing.assert_close(unpacked_h_n[-1, 1], h_n[-1, 1], rtol=1e-5, atol=1e-6)

# %%
# The gathered states match up to ``rtol=1e-5, atol=1e-6`` (asserted; the
# difference measured on this machine is printed above), while ``h_n`` of the
# padded run is off for the two shorter sequences (by more than 0.01) and right,
# to the same tolerance, only for the longest one, which has no padding.
#
# A bidirectional module needs the packing
# ----------------------------------------
# Run a 2-layer BiGRU on the packed batch and on the padded one. From the
# packed run, :func:`rnnstate.final_state` gives the right classifier feature:
# the top layer's two final states side by side, ``h_n[-2]`` and ``h_n[-1]``
# (asserted).
bi = nn.GRU(3, H, num_layers=2, batch_first=True, bidirectional=True)
_, bi_h_n = bi(packed)
bi_output, bi_unpacked_h_n = bi(padded)  # the padded batch, not packed
feature = rnnstate.final_state(bi_h_n, bi)  # the right one, (N, D*H_out)
print("the right feature, from the packed run:", tuple(feature.shape))
assert torch.equal(feature, torch.cat((bi_h_n[-2], bi_h_n[-1]), dim=1))

# %%
# The feature gathered from the padded run by :func:`rnnstate.last_output`
# (forward half at ``lengths - 1``, backward half at step 0: asserted against
# that indexing), and the one from its ``h_n``, both compared with it:
gathered = rnnstate.last_output(bi_output, bi, lengths)
by_index = torch.cat((bi_output[torch.arange(3), lengths - 1, :H], bi_output[:, 0, H:]), dim=1)
forward_diff = (gathered[:, :H] - feature[:, :H]).abs().max().item()
backward_diff = (gathered[:, H:] - feature[:, H:]).abs().max().item()
h_n_diff = (rnnstate.final_state(bi_unpacked_h_n, bi) - feature).abs().max().item()
print(f"gathered vs packed: forward half {forward_diff:.2f}, backward half {backward_diff:.2f}")
print(f"h_n of the padded run vs packed: {h_n_diff:.2f}")
assert torch.equal(gathered, by_index)
assert forward_diff > 0.01 and backward_diff > 0.01 and h_n_diff > 0.01

# %%
# All three differ by more than 0.01 (asserted). Why both halves?
#
# The backward direction of a padded run starts on the padding, so it is wrong
# at the real steps of a shorter sequence, while the forward direction reads
# only real steps up to ``lengths - 1``. Layer 0 run alone (a one-layer BiGRU
# given ``bi``'s ``l0`` weights) shows both: at the real steps, its forward half
# matches the packed run up to ``rtol=1e-5, atol=1e-6``, and its backward half
# does not (largest difference above 0.01); both asserted.
layer_0 = nn.GRU(3, H, batch_first=True, bidirectional=True)
layer_0.load_state_dict({k: v for k, v in bi.state_dict().items() if "_l0" in k})
o_padded, _ = layer_0(padded)
o_packed, _ = pad_packed_sequence(layer_0(packed)[0], batch_first=True)
real = torch.arange(5) < lengths[:, None]  # (N, L), True at the real steps
fwd, bwd = (o_padded[real] - o_packed[real]).abs().split(H, dim=1)
print(f"layer 0, padded vs packed: forward half {fwd.max():.1e}, backward half {bwd.max():.2f}")
torch.testing.assert_close(o_padded[real][:, :H], o_packed[real][:, :H], rtol=1e-5, atol=1e-6)
assert bwd.max() > 0.01

# %%
# Layer 1 reads both halves of layer 0's output at every step, so the wrong
# backward half reaches the top layer's forward direction too. Layer 1 run
# alone (given the ``l1`` weights) shows that this is the cause: on the padded
# run's layer-0 output its forward half at ``lengths - 1`` is the wrong one
# gathered above, and with only the backward half of that input swapped for the
# packed run's it is the right one (both up to the same tolerance, asserted).
layer_1 = nn.GRU(2 * H, H, batch_first=True, bidirectional=True)
layer_1.load_state_dict(
    {k.replace("_l1", "_l0"): v for k, v in bi.state_dict().items() if "_l1" in k}
)
swapped = torch.cat((o_padded[..., :H], o_packed[..., H:]), dim=2)
wrong_top = layer_1(o_padded)[0][torch.arange(3), lengths - 1, :H]
fixed_top = layer_1(swapped)[0][torch.arange(3), lengths - 1, :H]
fixed_diff = (fixed_top - feature[:, :H]).abs().max()
print(f"top forward half, backward half of its input swapped, vs packed: {fixed_diff:.1e}")
torch.testing.assert_close(wrong_top, gathered[:, :H], rtol=1e-5, atol=1e-6)
torch.testing.assert_close(fixed_top, feature[:, :H], rtol=1e-5, atol=1e-6)

# %%
# To get the right feature, pack the batch and read it from ``h_n`` or from the
# packed ``output``, as
# :ref:`sphx_glr_auto_examples_07_packed_packed_sequences.py` shows.

# %%
# Check it yourself
# -----------------
# The picture shows the cells this page read for each sequence, padding
# hatched; the table is :func:`rnnstate.check` run on the same module with the
# same packed batch.
fig = rnnstate.plot_unrolled(gru, seq_len=5, lengths=lengths)
report = rnnstate.check(gru, packed)
assert report.ok
report
