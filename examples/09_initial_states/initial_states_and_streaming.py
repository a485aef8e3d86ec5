r"""
Initial hidden state h_0, and streaming a sequence in chunks
============================================================

``h_0`` (and ``c_0`` for an LSTM) has the shape of ``h_n`` (and ``c_n``), and
defaults to zeros. Feeding ``h_n`` of one call back as ``h_0`` of the next lets a
unidirectional model process a long sequence chunk by chunk, as in streaming or
truncated backpropagation through time, with the result of one pass up to
rounding. A bidirectional model cannot be streamed that way: its backward
direction needs the part of the sequence that has not arrived yet.
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
# The initial state's shape is the final state's shape: ``(D*num_layers, N,
# H_out)`` for ``h`` and ``(D*num_layers, N, H_cell)`` for ``c`` (the same here,
# without ``proj_size``), whatever ``batch_first`` says (the :ref:`batch_first page
# <sphx_glr_auto_examples_06_batch_first_batch_first_and_unbatched.py>` shows it).
shapes = rnnstate.describe(lstm).shapes(batch_size=N, seq_len=L)
print("h_0 and h_n:", shapes.h_n, "  c_0 and c_n:", shapes.c_n)
h_0, c_0 = torch.zeros(shapes.h_n), torch.zeros(shapes.c_n)
assert (h_0.shape, c_0.shape) == ((2, N, 5), (2, N, 5))

# %%
# Passing zeros gives exactly what passing nothing gives.
out_default, (h_n, c_n) = lstm(x)
out_zeros, (h_n_zeros, c_n_zeros) = lstm(x, (h_0, c_0))
same = [
    torch.equal(a, b) for a, b in ((out_default, out_zeros), (h_n, h_n_zeros), (c_n, c_n_zeros))
]
print("zeros == no (h_0, c_0), for output, h_n and c_n:", same)
assert all(same)
assert h_n_zeros.shape == h_0.shape and c_n_zeros.shape == c_0.shape

# %%
# Streaming in chunks
# -------------------
# Split the 12 steps into chunks of 4 and carry ``(h_n, c_n)`` from each chunk into
# the next. The result is compared with the one pass with ``rtol=1e-5,
# atol=1e-6``: the chunks are separate calls, which need not round as one pass
# does (the :ref:`exactness page
# <sphx_glr_auto_examples_10_exactness_exact_or_close.py>` measures it).
state = None
chunks = []
for chunk in x.split(4, dim=1):
    out, state = lstm(chunk, state)
    chunks.append(out)
streamed = torch.cat(chunks, dim=1)
assert state is not None
print(
    f"chunked vs one pass: max |diff| of output = {(streamed - out_default).abs().max().item():.2e}"
)
torch.testing.assert_close(streamed, out_default, rtol=1e-5, atol=1e-6)
torch.testing.assert_close(state, (h_n, c_n), rtol=1e-5, atol=1e-6)

# %%
# Truncated backpropagation through time
# --------------------------------------
# To train on a long stream without backpropagating through all of it, detach the
# hidden state carried between chunks (or between batches of one stream): the
# numbers flow forward, the gradient stops at the chunk edge. The numbers: the last
# chunk's output matches the one pass, as above (``rtol=1e-5, atol=1e-6``).
x_grad = x.clone().requires_grad_()
state = None
for chunk in x_grad.split(4, dim=1):
    out, (h, c) = lstm(chunk, state)
    state = (h.detach(), c.detach())
print(f"last chunk vs one pass: max |diff| = {(out - out_default[:, 8:]).abs().max().item():.2e}")
torch.testing.assert_close(out, out_default[:, 8:], rtol=1e-5, atol=1e-6)

# %%
# The gradient: the last chunk's loss has a zero gradient with respect to the
# earlier chunks' input.
out.pow(2).mean().backward()  # the last chunk's loss
assert x_grad.grad is not None
print(
    "gradient on steps 0-7:",
    x_grad.grad[:, :8].abs().sum().item(),
    " on steps 8-11:",
    round(x_grad.grad[:, 8:].abs().sum().item(), 3),
)
assert bool((x_grad.grad[:, :8] == 0).all()) and bool((x_grad.grad[:, 8:] != 0).any())

# %%
# A bidirectional model cannot be streamed
# ----------------------------------------
# In one pass, the backward half of step 0 depends on the last step of the
# sequence: its gradient with respect to ``x[:, -1]`` is not zero. A chunk that
# ends before the sequence does cannot provide that.
bi = nn.GRU(3, 5, batch_first=True, bidirectional=True)
x_grad = x.clone().requires_grad_()
bi(x_grad)[0][:, 0, 5:].sum().backward()
assert x_grad.grad is not None
print(
    "|d output[:, 0, backward] / d x[:, -1]| summed:",
    round(x_grad.grad[:, -1].abs().sum().item(), 3),
)
assert bool((x_grad.grad[:, -1] != 0).any())


# %%
# Chunk by chunk, as for the LSTM above (``h_n`` carried into the next chunk):
# the forward half still matches the one pass (below ``1e-5``); the backward half
# does not.
def chunked(inputs: torch.Tensor) -> torch.Tensor:
    """``output`` of ``bi`` run over 4-step chunks, carrying ``h_n`` into the next."""
    pieces, h = [], None
    for chunk in inputs.split(4, dim=1):
        out, h = bi(chunk, h)
        pieces.append(out)
    return torch.cat(pieces, dim=1)


full_out, chunked_out = bi(x)[0], chunked(x)
fwd = (chunked_out[..., :5] - full_out[..., :5]).abs().max().item()
bwd = (chunked_out[..., 5:] - full_out[..., 5:]).abs().max().item()
print(f"bidirectional, chunked vs one pass: forward half {fwd:.2e}, backward half {bwd:.3f}")
assert fwd < 1e-5 and bwd > 1e-2

# %%
# The backward direction of each chunk starts from the chunk's own end instead of
# the sequence's end, and from the state carried in ``h_n``. The Jacobian of the
# backward half of a step lists the input steps it reads: step 0
# reads the first chunk only, and step 7, where the second chunk's backward
# direction starts, reads step 7 and, through the carried state, steps 0-3.
expected = {  # (step, run): the input steps the backward half of that step reads
    (0, "one pass"): list(range(L)),
    (0, "chunked"): [0, 1, 2, 3],
    (7, "one pass"): list(range(7, L)),
    (7, "chunked"): [0, 1, 2, 3, 7],
}
runs = {"one pass": lambda v: bi(v)[0], "chunked": chunked}
for (step, name), steps in expected.items():
    jac = torch.autograd.functional.jacobian(lambda v, r=runs[name], t=step: r(v)[:, t, 5:], x)
    reads = jac.abs().sum(dim=(0, 1, 2, 4)).nonzero().flatten().tolist()  # axis 3: input step
    print(f"backward half of step {step}, {name}: reads input steps {reads}")
    assert reads == steps


# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read; the table is :func:`rnnstate.check`
# run on the same LSTM from a random ``(h_0, c_0)``: the identities hold from it
# too.
fig = rnnstate.plot_unrolled(lstm, seq_len=4)
report = rnnstate.check(lstm, x, (torch.randn(shapes.h_n), torch.randn(shapes.c_n)))
assert report.ok
report
