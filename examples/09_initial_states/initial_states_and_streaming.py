r"""
Initial states, and streaming a sequence in chunks
==================================================

``h_0`` (and ``c_0`` for an LSTM) has exactly the shape of ``h_n`` (and ``c_n``), and
defaults to zeros. Feeding ``h_n`` of one call back as ``h_0`` of the next lets a
unidirectional model process a long sequence chunk by chunk, as in streaming or
truncated backpropagation through time, with the same result as one pass. A
bidirectional model cannot be streamed that way: its backward direction needs
the part of the sequence that has not arrived yet.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
N, L = 2, 12
lstm = nn.LSTM(3, 5, num_layers=2, batch_first=True)
x = torch.randn(N, L, 3)

# %%
# The initial state's shape is the final state's shape, ``(D*num_layers, N, H)``,
# for ``h`` and ``c`` alike, whatever ``batch_first`` says.
shapes = rnnstate.describe(lstm).shapes(batch_size=N, seq_len=L)
print("h_0 and h_n:", shapes.h_n, "  c_0 and c_n:", shapes.c_n)
h_0, c_0 = torch.zeros(shapes.h_n), torch.zeros(shapes.c_n)
assert (h_0.shape, c_0.shape) == ((2, N, 5), (2, N, 5))

# %%
# Passing zeros is the same as passing nothing.
out_default, (h_n, c_n) = lstm(x)
out_zeros, (h_n_zeros, c_n_zeros) = lstm(x, (h_0, c_0))
print("zeros == no h_0:", torch.equal(out_default, out_zeros) and torch.equal(h_n, h_n_zeros))
assert torch.equal(out_default, out_zeros) and torch.equal(h_n, h_n_zeros)

# %%
# Streaming in chunks
# -------------------
# Split the 12 steps into chunks of 4 and carry ``(h_n, c_n)`` from each chunk into
# the next.
state = None
chunks = []
for chunk in x.split(4, dim=1):
    out, state = lstm(chunk, state)
    chunks.append(out)
streamed = torch.cat(chunks, dim=1)
assert state is not None
diff = (streamed - out_default).abs().max().item()
print(
    f"chunked vs one pass: max |diff| of output = {diff:.2e}, of h_n = "
    f"{(state[0] - h_n).abs().max().item():.2e}"
)
torch.testing.assert_close(streamed, out_default, rtol=1e-5, atol=1e-6)
torch.testing.assert_close(state[0], h_n, rtol=1e-5, atol=1e-6)

# %%
# The chunked result is compared with a tolerance: chunking changes how the
# work is split into kernel calls, which can change the rounding. On some shapes
# and backends it comes out bitwise equal; the exactness page measures it.
#
# Truncated backpropagation through time
# --------------------------------------
# To train on a long stream without backpropagating through all of it, detach the
# carried state: the numbers flow forward, the gradient stops at the chunk edge.
state = None
for chunk in x.split(4, dim=1):
    out, (h, c) = lstm(chunk, state)
    loss = out.pow(2).mean()
    loss.backward()
    state = (h.detach(), c.detach())
print("carried state requires grad:", state[0].requires_grad)
assert not state[0].requires_grad

# %%
# A bidirectional model cannot be streamed
# ----------------------------------------
# Chunk by chunk, the backward direction of each chunk starts from the chunk's own
# end instead of the sequence's end, and nothing can carry the future back into an
# earlier chunk. The forward half still matches; the backward half does not.
bi = nn.GRU(3, 5, batch_first=True, bidirectional=True)
full_out, _ = bi(x)
pieces, h = [], None
for chunk in x.split(4, dim=1):
    out, h = bi(chunk, h)
    pieces.append(out)
chunked = torch.cat(pieces, dim=1)
fwd = (chunked[..., :5] - full_out[..., :5]).abs().max().item()
bwd = (chunked[..., 5:] - full_out[..., 5:]).abs().max().item()
print(f"bidirectional, chunked vs one pass: forward half {fwd:.2e}, backward half {bwd:.3f}")
assert fwd < 1e-5
assert bwd > 1e-2

# %%
# The picture and the checks
# --------------------------
# ``check`` with an initial state: the identities do not depend on ``h_0``.
fig = rnnstate.plot_unrolled(lstm, seq_len=4)

# %%
report = rnnstate.check(lstm, x, (torch.randn(shapes.h_n), torch.randn(shapes.c_n)))
assert report.ok
report
