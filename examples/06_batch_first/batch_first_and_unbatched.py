r"""
batch_first does not apply to the hidden state, and input without batch dimension
=================================================================================

``batch_first=True`` is easy to misread: it makes ``input`` and ``output``
``(N, L, ...)``, but the hidden state stays ``(D*num_layers, N, H_out)``, for
``h_0`` going in and ``h_n`` (and ``c_n``) coming out. This page shows that, what a
batch-first ``h_0`` does, and the shapes of unbatched input (a 2-D tensor without
batch dimension), which needs a 2-D ``h_0`` too.
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
# Same weights, same numbers: only the layout of ``output`` differs.
print("outputs equal after transpose:", torch.equal(out_s.transpose(0, 1), out_b))
print("h_n equal as they are:        ", torch.equal(h_s, h_b))
assert torch.equal(out_s.transpose(0, 1), out_b) and torch.equal(h_s, h_b)

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
# expected shape and PyTorch accepts it. Meant as ``(N, num_layers, H)``, it is
# read as ``(num_layers, N, H)``: layer ``k`` of sample ``i`` starts from the state
# meant for layer ``i`` of sample ``k``. Only the states with ``i == k`` land where
# they were meant; nothing fails, and the output is different.
x2 = torch.randn(2, L, 4)  # N = 2 = D*num_layers
per_sample = torch.randn(2, 2, 6)  # meant as (N, num_layers, H)
meant = per_sample.transpose(0, 1).contiguous()  # (num_layers, N, H): what to pass
right_out, _ = batch_first(x2, (meant, torch.zeros(2, 2, 6)))
wrong_out, _ = batch_first(x2, (per_sample, torch.zeros(2, 2, 6)))  # accepted as it is
print("accepted; outputs equal:", torch.equal(right_out, wrong_out))
assert torch.equal(per_sample[1, 0], meant[0, 1])  # layer 1 of sample 0 got (layer 0, sample 1)
assert torch.equal(per_sample.diagonal(), meant.diagonal())  # i == k: right by chance
assert not torch.equal(right_out, wrong_out)

# %%
# :mod:`rnnstate` rejects a batch-first state with a message that says so.
try:
    rnnstate.split_hidden(h_b.transpose(0, 1), batch_first)
except ValueError as error:
    print("ValueError:", error)
else:
    raise AssertionError("a batch-first h_n was accepted")

# %%
# Unbatched input
# ---------------
# A 2-D input ``(L, H_in)`` is one sequence without batch dimension; ``batch_first``
# changes nothing then (the two modules give the same result). ``output`` is
# ``(L, D*H_out)`` and ``h_n`` ``(D*num_layers, H_out)``.
single = x[:, 0]  # (L, H_in): sample 0
out_u, (h_u, c_u) = seq_first(single)
print("unbatched output:", tuple(out_u.shape), " h_n:", tuple(h_u.shape), " c_n:", tuple(c_u.shape))
assert out_u.shape == (L, 6) and h_u.shape == c_u.shape == (2, 6)
assert torch.equal(out_u[-1], h_u[-1])
assert torch.equal(batch_first(single)[0], out_u)

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
