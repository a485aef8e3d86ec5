r"""
Exact or only close: a table measured at build time
===================================================

Some equalities between recurrent outputs compare a slice of ``output`` with a row
of ``h_n`` returned by the same call; on the CPU that built this site they held
bitwise (``torch.equal``) in every configuration below. Others compare two
different computations of the same math (a cell loop against the fused module,
chunks against one pass, a sample alone against the same sample inside a batch);
those can differ by rounding (some below do), and whether they come out bitwise
equal was measured here for float32 on this machine's CPU only. This page
measures both kinds on the machine that built the site, asserts ``torch.equal``
for the first, and for the second an absolute bound of ``1e-5`` on the
difference, which is what ``torch.allclose(a, b, rtol=0, atol=1e-5)`` checks. It
also shows where a GRU's slightly different results for a batch and for each
sample run alone can come from.

To measure your own GPU, Apple silicon or torch, run ``rnnstate verify`` there:
it runs the comparisons of the :doc:`/gpu` page on the device you name.
"""

# %%
import platform

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

torch.manual_seed(0)
rows: list[tuple[str, str, bool, float]] = []


def record(what: str, where: str, a: torch.Tensor, b: torch.Tensor) -> None:
    """Add a row: whether ``a`` and ``b`` are bitwise equal, and how far apart."""
    diff = (a - b).abs().max().item()
    assert torch.allclose(a, b, rtol=0, atol=1e-5) == (diff <= 1e-5)  # the same test
    rows.append((what, where, torch.equal(a, b), diff))


# %%
# Output slices against h_n
# -------------------------
# For each mode and dtype, the forward final state ``h_n[-2]`` is the first half
# of the last step of ``output`` and the backward one ``h_n[-1]`` the second half
# of step 0: bitwise equal in all six, and :func:`rnnstate.last_output` and
# :func:`rnnstate.final_state` agree.
for dtype in (torch.float32, torch.float64):
    for cls in (nn.RNN, nn.GRU, nn.LSTM):
        module = cls(3, 16, num_layers=2, batch_first=True, bidirectional=True).to(dtype)
        output, hidden = module(torch.randn(8, 10, 3, dtype=dtype))
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden
        slices = torch.cat((output[:, -1, :16], output[:, 0, 16:]), dim=1)  # forward | backward
        rows_of_h_n = torch.cat((h_n[-2], h_n[-1]), dim=1)
        record("output slices vs h_n", f"{cls.__name__}, {dtype}", slices, rows_of_h_n)
        assert torch.equal(rnnstate.last_output(output, module), rnnstate.final_state(h_n, module))
assert all(bitwise for what, _, bitwise, _ in rows if what == "output slices vs h_n")
print(f"{len(rows)} configurations, all bitwise equal")

# %%
# Different computations of the same math
# ---------------------------------------
# Floating-point addition is not associative: the same three numbers summed in
# another order can give another float32 result.
a, b, c = torch.tensor(1e8), torch.tensor(-1e8), torch.tensor(1.0)
print("(a + b) + c =", ((a + b) + c).item(), "  a + (b + c) =", (a + (b + c)).item())
assert not torch.equal((a + b) + c, a + (b + c))


# %%
# So two computations that sum the same products in another order may differ in
# the last bits. First, a ``GRUCell``/``LSTMCell`` loop against the module, with
# the same weights.
def cell_loop(cell: nn.Module, x: torch.Tensor, hidden_size: int) -> torch.Tensor:
    """Run ``cell`` over the steps of a batch-first ``x``; return every h."""
    state = torch.zeros(x.shape[0], hidden_size)
    lstm_state = (state, torch.zeros_like(state))
    steps = []
    for t in range(x.shape[1]):
        if isinstance(cell, nn.LSTMCell):
            lstm_state = cell(x[:, t], lstm_state)
            steps.append(lstm_state[0])
        else:
            state = cell(x[:, t], state)
            steps.append(state)
    return torch.stack(steps, dim=1)


# %%
for hidden_size, batch in ((5, 1), (64, 8)):
    x = torch.randn(batch, 10, 3)
    for module_cls, cell_cls in ((nn.GRU, nn.GRUCell), (nn.LSTM, nn.LSTMCell)):
        module, cell = module_cls(3, hidden_size, batch_first=True), cell_cls(3, hidden_size)
        cell.load_state_dict({k.removesuffix("_l0"): v for k, v in module.state_dict().items()})
        what = f"{cell_cls.__name__} loop vs nn.{module_cls.__name__}"
        record(what, f"H={hidden_size}, N={batch}", cell_loop(cell, x, hidden_size), module(x)[0])

# %%
# Streaming in chunks, feeding the returned ``(h_n, c_n)`` back as the next
# chunk's initial state, against one pass.
for hidden_size, chunk in ((5, 4), (64, 3)):
    lstm = nn.LSTM(3, hidden_size, num_layers=2, batch_first=True)
    x = torch.randn(4, 12, 3)
    state, outs = None, []
    for piece in x.split(chunk, dim=1):
        out, state = lstm(piece, state)
        outs.append(out)
    where = f"H={hidden_size}, chunks of {chunk}"
    record("chunked vs one pass (LSTM)", where, torch.cat(outs, 1), lstm(x)[0])

# %%
# A GRU batched or one by one
# ---------------------------
# One sample alone against the same sample inside a batch (a frequent report: "GRU
# gives different results batched and one by one"). The table shows what this
# machine did.
for hidden_size, batch in ((5, 4), (64, 32)):
    gru = nn.GRU(16, hidden_size, batch_first=True)
    x = torch.randn(batch, 10, 16)
    batched = gru(x)[0]
    alone = torch.cat([gru(x[i : i + 1])[0] for i in range(batch)])
    record("one by one vs batched (GRU)", f"H={hidden_size}, N={batch}", alone, batched)

# %%
# One place such a difference can come from: the same matrix product with the
# GRU's recurrent weights, computed for 32 samples at once and for one sample at
# a time, is not bitwise equal here.
h = torch.randn(32, 64)
at_once = h @ gru.weight_hh_l0.T
one_by_one = torch.cat([h[i : i + 1] @ gru.weight_hh_l0.T for i in range(32)])
diff = (at_once - one_by_one).abs().max().item()
print(f"bitwise: {torch.equal(at_once, one_by_one)}, max |diff| {diff:.2e}")
assert not torch.equal(at_once, one_by_one)

# %%
# Packed sequences against each sequence run alone with its own length.
gru = nn.GRU(3, 16, batch_first=True, bidirectional=True)
lengths = [10, 7, 3]
x = torch.randn(3, 10, 3)
packed_output = gru(pack_padded_sequence(x, lengths, batch_first=True))[0]
padded, _ = pad_packed_sequence(packed_output, batch_first=True)
for i, n in enumerate(lengths):
    record("packed vs sequence alone", f"length {n}", padded[i, :n], gru(x[i : i + 1, :n])[0][0])

# %%
# The table
# ---------
# Only the first block is asserted to be bitwise. Every other row is asserted to
# differ by at most ``1e-5`` in absolute value (``max |diff| <= 1e-5``), and its
# ``bitwise`` column is what this machine happened to give, not a promise.
width = max(len(what) for what, *_ in rows)
where_w = max(len(where) for _, where, *_ in rows)
print(f"measured on {platform.machine()}, torch {torch.__version__}\n")
print(f"{'comparison':<{width}}  {'configuration':<{where_w}}  bitwise  max |diff|")
for what, where, bitwise, diff in rows:
    print(f"{what:<{width}}  {where:<{where_w}}  {bitwise!s:<7}  {diff:.2e}")

# %%
# Every row that is not bitwise equal is within that bound, and some rows are not.
for what, where, bitwise, diff in rows:
    assert bitwise or diff <= 1e-5, (what, where, diff)
inexact = sum(not bitwise for _, _, bitwise, _ in rows)
print(f"{inexact} rows not bitwise equal; largest difference {max(d for *_, d in rows):.2e}")
assert inexact > 0

# %%
# What this page cannot tell about a GPU
# --------------------------------------
# This page ran on a CPU. On a CUDA GPU, PyTorch runs these modules through cuDNN,
# with other kernels, and lets cuDNN use TF32, a format with a shorter mantissa,
# for float32 when :attr:`torch.backends.cudnn.allow_tf32` is ``True``, which is
# its default (printed below). None of that was measured here. We expect the
# first block to stay bitwise there, since both sides are read from one call's
# result, but that is an argument, not a measurement; the "close" rows may differ
# by more. The :doc:`GPU page </gpu>` says what has been measured.
print("torch.backends.cudnn.allow_tf32 =", torch.backends.cudnn.allow_tf32)
assert torch.backends.cudnn.allow_tf32

# %%
# Check it yourself
# -----------------
# The picture shows which cells the first block read; the table is
# :func:`rnnstate.check` run on the same configuration.
module = nn.GRU(3, 16, num_layers=2, batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(module, seq_len=5)
report = rnnstate.check(module, torch.randn(8, 10, 3))
assert report.ok
report
