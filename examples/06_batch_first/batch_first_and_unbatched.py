r"""
batch_first does not apply to the hidden state, and input without batch dimension
=================================================================================

``batch_first=True`` is easy to misread: it makes ``input`` and ``output``
``(N, L, ...)``, but the hidden state stays ``(D*num_layers, N, H_out)``, for
``h_0`` going in and ``h_n`` coming out, and an LSTM's ``c_n`` stays
``(D*num_layers, N, H_cell)``. This page shows that for a unidirectional and a
bidirectional LSTM (``H_cell`` differs from ``H_out`` only with ``proj_size``,
which the :ref:`LSTM page
<sphx_glr_auto_examples_04_lstm_lstm_cell_state_and_proj_size.py>` runs with
``batch_first``), what a batch-first ``h_0`` does, and the shapes of unbatched
input (a 2-D tensor without batch dimension), which needs a 2-D ``h_0`` too.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
N, L = 3, 5
seq_first = nn.LSTM(4, 6, num_layers=2)
batch_first = nn.LSTM(4, 6, num_layers=2, batch_first=True)
batch_first.load_state_dict(seq_first.state_dict())  # the same weights

x = torch.randn(L, N, 4)  # (L, N, H_in) for the default layout
out_s, (h_s, c_s) = seq_first(x)
out_b, (h_b, c_b) = batch_first(x.transpose(0, 1))  # (N, L, H_in)
print("output, default:    ", tuple(out_s.shape), "  batch_first:", tuple(out_b.shape))
print("h_n, default:       ", tuple(h_s.shape), "   batch_first:", tuple(h_b.shape))
print("c_n, default:       ", tuple(c_s.shape), "   batch_first:", tuple(c_b.shape))
assert out_s.shape == (L, N, 6) and out_b.shape == (N, L, 6)
assert h_s.shape == h_b.shape == c_s.shape == c_b.shape == (2, N, 6)

# %%
# A bidirectional LSTM (``D = 2``) with ``batch_first=True``: ``output`` has
# ``D*H_out`` features, and the first axis of ``h_n`` and ``c_n`` is
# ``D*num_layers = 4``, still before ``N``; it takes ``h_0`` and ``c_0`` of that
# shape.
bi = nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True)
out_bi, (h_bi, c_bi) = bi(x.transpose(0, 1))  # (N, L, H_in)
print("output:", tuple(out_bi.shape), " h_n:", tuple(h_bi.shape), " c_n:", tuple(c_bi.shape))
assert out_bi.shape == (N, L, 2 * 6) and h_bi.shape == c_bi.shape == (2 * 2, N, 6)
bi(x.transpose(0, 1), (torch.zeros(4, N, 6), torch.zeros(4, N, 6)))  # accepted

# %%
# Same weights, same numbers: only the layout of ``output`` differs.
print("outputs equal after transpose:", torch.equal(out_s.transpose(0, 1), out_b))
print("h_n equal as they are:        ", torch.equal(h_s, h_b))
print("c_n equal as they are:        ", torch.equal(c_s, c_b))
assert torch.equal(out_s.transpose(0, 1), out_b)
assert torch.equal(h_s, h_b) and torch.equal(c_s, c_b)

# %%
# So the last step is indexed differently, but ``h_n`` is not.
print("default:     torch.equal(output[-1], h_n[-1]):   ", torch.equal(out_s[-1], h_s[-1]))
print("batch_first: torch.equal(output[:, -1], h_n[-1]):", torch.equal(out_b[:, -1], h_b[-1]))
assert torch.equal(out_s[-1], h_s[-1])  # default: step axis first
assert torch.equal(out_b[:, -1], h_b[-1])  # batch_first: step axis second

# %%
# h_0 is not batch-first either
# -----------------------------
# An initial state shaped ``(N, D*num_layers, H_out)``, as if ``batch_first``
# applied to it, is rejected here (``N = 3``, ``D*num_layers = 2``).
h_0 = torch.zeros(2, N, 6)  # (D*num_layers, N, H_out): right
c_0 = torch.zeros(2, N, 6)
batch_first(x.transpose(0, 1), (h_0, c_0))
try:
    batch_first(x.transpose(0, 1), (h_0.transpose(0, 1), c_0.transpose(0, 1)))
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("a batch-first h_0 was accepted")

# %%
# Unless ``N`` happens to equal ``D*num_layers``: then the transposed state has the
# expected shape and PyTorch accepts it. Nothing fails, and the output is
# different from the one the state was meant to give.
x2 = torch.randn(2, L, 4)  # N = 2 = D*num_layers
per_sample = torch.randn(2, 2, 6)  # meant as (N, num_layers, H)
meant = per_sample.transpose(0, 1).contiguous()  # (num_layers, N, H): what to pass
right_out, _ = batch_first(x2, (meant, torch.zeros(2, 2, 6)))
wrong_out, _ = batch_first(x2, (per_sample, torch.zeros(2, 2, 6)))  # accepted as it is
print("accepted; outputs equal:", torch.equal(right_out, wrong_out))
assert not torch.equal(right_out, wrong_out)

# %%
# PyTorch reads it as ``(num_layers, N, H)``: layer ``k`` of sample ``i`` starts
# from ``per_sample[k, i]``, the state meant for layer ``i`` of sample ``k``. Run
# alone from ``h_0 = per_sample[:, i]`` (one sample, so axis 0 can only be the
# layer), sample ``i`` gives the batched ``wrong_out[i]``, up to rounding (separate
# calls, so ``rtol=1e-5, atol=1e-6``). So only the states with ``i == k`` land
# where they were meant.
for i in range(2):
    h_alone = per_sample[:, i : i + 1].contiguous()  # (num_layers, 1, H)
    alone, _ = batch_first(x2[i : i + 1], (h_alone, torch.zeros(2, 1, 6)))
    diff = (alone[0] - wrong_out[i]).abs().max().item()
    print(f"sample {i}: max |alone from per_sample[:, {i}] - wrong_out[{i}]| = {diff:.2e}")
    torch.testing.assert_close(alone[0], wrong_out[i], rtol=1e-5, atol=1e-6)

# %%
# :func:`rnnstate.split_hidden` rejects a batch-first state whose first axis is not
# ``D*num_layers``, with a message that says so. It cannot tell when ``N`` equals
# ``D*num_layers``: then the shape is right, and the state is accepted.
try:
    rnnstate.split_hidden(h_b.transpose(0, 1), batch_first)  # (N, D*num_layers, H) = (3, 2, 6)
except ValueError as error:
    print("ValueError:", error)
else:
    raise AssertionError("a batch-first h_n was accepted")
print("N = 2, accepted:", tuple(rnnstate.split_hidden(per_sample, batch_first).shape))

# %%
# Unbatched input
# ---------------
# A 2-D input ``(L, H_in)`` is one sequence without batch dimension: ``output`` is
# ``(L, D*H_out)`` and ``h_n`` ``(D*num_layers, H_out)``, shown for ``D = 1`` and
# for the bidirectional LSTM above (``D = 2``).
single = x[:, 0]  # (L, H_in): sample 0
out_u, (h_u, c_u) = seq_first(single)
out_bu, (h_bu, c_bu) = bi(single)
print("D = 1: output", tuple(out_u.shape), " h_n", tuple(h_u.shape), " c_n", tuple(c_u.shape))
print("D = 2: output", tuple(out_bu.shape), " h_n", tuple(h_bu.shape), " c_n", tuple(c_bu.shape))
assert out_u.shape == (L, 6) and h_u.shape == c_u.shape == (2, 6)
assert out_bu.shape == (L, 2 * 6) and h_bu.shape == c_bu.shape == (2 * 2, 6)

# %%
# ``batch_first`` changes nothing then: the two modules give the same ``output``,
# ``h_n`` and ``c_n``.
out_ub, (h_ub, c_ub) = batch_first(single)
same = torch.equal(out_ub, out_u) and torch.equal(h_ub, h_u) and torch.equal(c_ub, c_u)
print("batch_first=True and False on unbatched input, output, h_n and c_n equal:", same)
assert same

# %%
# An unbatched call needs a 2-D ``h_0``; a 3-D one is refused.
seq_first(single, (torch.zeros(2, 6), torch.zeros(2, 6)))
try:
    seq_first(single, (torch.zeros(2, 1, 6), torch.zeros(2, 1, 6)))
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("a 3-D h_0 was accepted for unbatched input")

# %%
# The unbatched result is sample 0 of the batched one, up to rounding: it is a
# separate call, so it is compared with ``rtol=1e-5, atol=1e-6``.
diff = (out_u - out_s[:, 0]).abs().max().item()
print(f"max |unbatched - batched sample 0| = {diff:.2e}")
torch.testing.assert_close(out_u, out_s[:, 0], rtol=1e-5, atol=1e-6)

# %%
# :func:`rnnstate.check` on the unbatched call indexes without a batch axis.
report = rnnstate.check(seq_first, single)
assert report.ok
report

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read; the table is :func:`rnnstate.check`
# run on the batch-first LSTM, whose identities index ``output[:, -1]``.
fig = rnnstate.plot_unrolled(batch_first, seq_len=L)
report = rnnstate.check(batch_first, x.transpose(0, 1))
assert report.ok
report
