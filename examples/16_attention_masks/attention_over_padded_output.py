r"""
Attention over output: the length mask and key_padding_mask
===========================================================

Attention pools every step of ``output`` instead of keeping only the final
state, and in a padded batch it must not look at the padding. This page shows
what the padded steps of ``pad_packed_sequence``'s output hold (zeros, or
``padding_value``), builds the attention mask from the lengths, and measures
the attention weights of a dot-product attention with ``masked_fill`` and of
``nn.MultiheadAttention`` with ``key_padding_mask``: without the mask the padded
steps get weight, with it they get exactly zero.
"""

# %%
# A packed BiGRU, padded again
# ----------------------------
# Three sequences of 2, 5 and 4 steps, packed, run through a bidirectional GRU
# and padded back to 5 steps.
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

torch.manual_seed(0)
H, L = 4, 5
lengths = torch.tensor([2, 5, 4])
gru = nn.GRU(3, H, batch_first=True, bidirectional=True)
packed = pack_padded_sequence(torch.randn(3, L, 3), lengths, batch_first=True, enforce_sorted=False)
packed_output, h_n = gru(packed)
output, _ = pad_packed_sequence(packed_output, batch_first=True)  # (N, L, D*H_out)
print("output:", tuple(output.shape))
assert output.shape == (3, L, 2 * H)

# %%
# What the padded steps hold
# --------------------------
# Past each length, ``output`` is exactly 0, or the ``padding_value`` asked for:
# ``pad_packed_sequence`` fills these steps in, the module never ran on them.
filled, _ = pad_packed_sequence(packed_output, batch_first=True, padding_value=-1.0)
for i, n in enumerate(lengths.tolist()):
    zeros, filler = output[i, n:].unique().tolist(), filled[i, n:].unique().tolist()
    if n < L:
        print(f"sequence {i}, steps {n} to {L - 1} hold {zeros}, or {filler} with padding_value=-1")
    assert bool((output[i, n:] == 0).all()) and bool((filled[i, n:] == -1).all())

# %%
# The module's packed output holds one row per real step and none for the
# padding: 2 + 5 + 4 rows.
print("rows of packed_output.data:", len(packed_output.data), " real steps:", int(lengths.sum()))
assert len(packed_output.data) == int(lengths.sum()) == 11

# %%
# The length mask
# ---------------
# ``mask[i, t]`` is True where step ``t`` of sequence ``i`` is real.
mask = torch.arange(L) < lengths[:, None]  # (N, L)
print(mask)
assert mask.sum(dim=1).tolist() == lengths.tolist()

# %%
# Dot-product attention, without the mask
# ---------------------------------------
# Score each step of ``output`` against a query: here the classifier feature,
# the two final states ``h_n[-2]`` and ``h_n[-1]`` side by side, which
# :func:`rnnstate.final_state` returns (asserted). The padded steps hold zeros,
# so they score exactly 0 (printed and asserted).
query = rnnstate.final_state(h_n, gru)  # (N, D*H_out)
scores = torch.einsum("nld,nd->nl", output, query)  # (N, L)
print("scores of the padded steps:", scores[~mask].tolist())
assert torch.equal(query, torch.cat((h_n[-2], h_n[-1]), dim=1))
assert bool((scores[~mask] == 0).all())

# %%
# A softmax over the steps then gives the padding weight: here every padded
# step gets a positive weight (asserted), the sums below.
unmasked = scores.softmax(dim=1)
on_padding = unmasked.masked_fill(mask, 0).sum(dim=1)
print("weight on the padded steps, per sequence:", [round(w, 3) for w in on_padding.tolist()])
assert bool((unmasked[~mask] > 0).all())

# %%
# With the mask
# -------------
# ``masked_fill`` with ``-inf`` before the softmax: the padded steps get weight
# exactly 0, and each sequence's weights on its real steps sum to 1 up to
# ``atol=1e-6`` (both asserted).
masked = scores.masked_fill(~mask, float("-inf")).softmax(dim=1)
print(masked.detach())
assert bool((masked[~mask] == 0).all())
torch.testing.assert_close(masked.sum(dim=1), torch.ones(3), rtol=0, atol=1e-6)

# %%
# With the mask, what the padding holds no longer matters: the output padded
# with -1 gives the same weights, bitwise.
filled_scores = torch.einsum("nld,nd->nl", filled, query)
same = torch.equal(filled_scores.masked_fill(~mask, float("-inf")).softmax(dim=1), masked)
print("same weights with padding_value=-1:", same)
assert same

# %%
# nn.MultiheadAttention and key_padding_mask
# ------------------------------------------
# ``nn.MultiheadAttention`` takes the mask as ``key_padding_mask``, where True
# means *ignore this step*: the inverse of ``mask``. Every step of ``output``
# attends to every step, so the returned weights are ``(N, L, L)``: query step
# by key step.
attention = nn.MultiheadAttention(embed_dim=2 * H, num_heads=2, batch_first=True)
_, without = attention(output, output, output)
_, with_mask = attention(output, output, output, key_padding_mask=~mask)
print("weights:", tuple(without.shape), tuple(with_mask.shape))
assert without.shape == with_mask.shape == (3, L, L)

# %%
# Summed over the query steps, the weight each key step receives: the padded
# steps get some without the mask and exactly none with it.
key_weight, masked_key_weight = without.sum(dim=1), with_mask.sum(dim=1)  # (N, L)
print("padded steps, without the mask:", [round(w, 3) for w in key_weight[~mask].tolist()])
print("padded steps, with the mask:   ", masked_key_weight[~mask].tolist())
assert bool((key_weight[~mask] > 0).all()) and bool((masked_key_weight[~mask] == 0).all())

# %%
# Passing ``mask`` itself, True for the real steps, is the easy mistake: it hides
# the real steps and keeps the padding. For the sequence with no padding at all
# every key is hidden, and its attention output is NaN.
out, wrong = attention(output, output, output, key_padding_mask=mask)
print("sequence 0, weights of query step 0:", [round(w, 3) for w in wrong[0, 0].tolist()])
print("sequence 1 (no padding), attention output is NaN:", bool(out[1].isnan().all()))
assert bool((wrong[0][:, :2] == 0).all()) and bool(out[1].isnan().all())

# %%
# :mod:`rnnstate` has no helper for the mask: it is the one line above, and
# ``key_padding_mask`` wants its inverse.
#
# Check it yourself
# -----------------
# The picture shows the cells each sequence ran, padding hatched: the steps
# the mask hides; the table is :func:`rnnstate.check` run on the same module
# with the same packed batch.
fig = rnnstate.plot_unrolled(gru, seq_len=L, lengths=lengths)
report = rnnstate.check(gru, packed)
assert report.ok
report
