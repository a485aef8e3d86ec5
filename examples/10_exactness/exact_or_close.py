r"""
Exact or only close: a table measured at build time
===================================================

Some equalities between recurrent outputs hold *by construction*: the slice of
``output`` and the row of ``h_n`` are the same stored number, so ``torch.equal`` is
``True`` on every machine. Others compare two different computations of the same
math (a cell loop against the fused module, chunks against one pass, a sample
alone against the same sample inside a batch); those agree up to floating-point
rounding, and whether they are bitwise equal depends on shapes, dtype and kernels.
This page measures both kinds on the machine that built the site, asserts
``torch.equal`` only for the first, and ``allclose`` with a stated tolerance for the
second. It also answers why a GRU gives slightly different results for a batch
than for each sample run one by one.
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
    rows.append((what, where, torch.equal(a, b), (a - b).abs().max().item()))


# %%
# By construction: output slices vs h_n
# -------------------------------------
# For every mode and dtype, the forward final is the last step of ``output`` and the
# backward final is step 0. These must be bitwise equal.
for dtype in (torch.float32, torch.float64):
    for cls in (nn.RNN, nn.GRU, nn.LSTM):
        module = cls(3, 16, num_layers=2, batch_first=True, bidirectional=True).to(dtype)
        x = torch.randn(8, 10, 3, dtype=dtype)
        output, hidden = module(x)
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden
        record("output slices vs h_n", f"{cls.__name__}, {dtype}",
               rnnstate.last_output(output, module), rnnstate.final_state(h_n, module))  # fmt: skip
assert all(bitwise for what, _, bitwise, _ in rows if what == "output slices vs h_n")
print(f"{len(rows)} configurations, all bitwise equal")

# %%
# Different computations of the same math
# ---------------------------------------
# A ``GRUCell``/``LSTMCell`` loop against the module, with the same weights.
for hidden_size, batch in ((5, 1), (64, 8)):
    gru = nn.GRU(3, hidden_size, batch_first=True)
    cell = nn.GRUCell(3, hidden_size)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in gru.state_dict().items()})
    x = torch.randn(batch, 10, 3)
    h = torch.zeros(batch, hidden_size)
    steps = []
    for t in range(10):
        h = cell(x[:, t], h)
        steps.append(h)
    record(
        "GRUCell loop vs nn.GRU", f"H={hidden_size}, N={batch}", torch.stack(steps, 1), gru(x)[0]
    )

    lstm = nn.LSTM(3, hidden_size, batch_first=True)
    lcell = nn.LSTMCell(3, hidden_size)
    lcell.load_state_dict({k.removesuffix("_l0"): v for k, v in lstm.state_dict().items()})
    h, c = torch.zeros(batch, hidden_size), torch.zeros(batch, hidden_size)
    steps = []
    for t in range(10):
        h, c = lcell(x[:, t], (h, c))
        steps.append(h)
    record(
        "LSTMCell loop vs nn.LSTM", f"H={hidden_size}, N={batch}", torch.stack(steps, 1), lstm(x)[0]
    )

# %%
# Streaming in chunks, feeding ``h_n`` back, against one pass.
for hidden_size, chunk in ((5, 4), (64, 3)):
    lstm = nn.LSTM(3, hidden_size, num_layers=2, batch_first=True)
    x = torch.randn(4, 12, 3)
    state, outs = None, []
    for piece in x.split(chunk, dim=1):
        out, state = lstm(piece, state)
        outs.append(out)
    record("chunked vs one pass (LSTM)", f"H={hidden_size}, chunks of {chunk}",
           torch.cat(outs, 1), lstm(x)[0])  # fmt: skip

# %%
# A GRU batched or one by one
# ---------------------------
# One sample alone against the same sample inside a batch (a frequent report: "GRU
# gives different results batched and one by one"). The batched call multiplies
# bigger matrices, which may be blocked and summed in another order.
for hidden_size, batch in ((5, 4), (64, 32)):
    gru = nn.GRU(16, hidden_size, batch_first=True)
    x = torch.randn(batch, 10, 16)
    batched = gru(x)[0]
    alone = torch.cat([gru(x[i : i + 1])[0] for i in range(batch)])
    record("one by one vs batched (GRU)", f"H={hidden_size}, N={batch}", alone, batched)

# %%
# Packed sequences against each sequence run alone with its own length.
gru = nn.GRU(3, 16, batch_first=True, bidirectional=True)
lengths = [10, 7, 3]
x = torch.randn(3, 10, 3)
padded, _ = pad_packed_sequence(gru(pack_padded_sequence(x, lengths, batch_first=True))[0],
                                batch_first=True)  # fmt: skip
for i, n in enumerate(lengths):
    record("packed vs sequence alone", f"length {n}", padded[i, :n], gru(x[i : i + 1, :n])[0][0])

# %%
# The table
# ---------
# Only the first block is asserted to be bitwise. Everything below it is asserted
# to be close (``rtol=1e-5, atol=1e-5``), and its ``bitwise`` column is what this
# machine happened to give, not a promise.
width = max(len(what) for what, *_ in rows)
where_w = max(len(where) for _, where, *_ in rows)
print(f"measured on {platform.machine()}, torch {torch.__version__}\n")
print(f"{'comparison':<{width}}  {'configuration':<{where_w}}  bitwise  max |diff|")
for what, where, bitwise, diff in rows:
    print(f"{what:<{width}}  {where:<{where_w}}  {bitwise!s:<7}  {diff:.2e}")

# %%
# Every row that is not bitwise by construction is within the stated tolerance.
for what, where, bitwise, diff in rows:
    assert bitwise or diff <= 1e-5, (what, where, diff)
print("largest difference anywhere:", f"{max(diff for *_, diff in rows):.2e}")

# %%
# On a GPU, cuDNN computes recurrent modules with other kernels, and for float32
# it is allowed to use TF32, a faster format with a shorter mantissa: the flag
# below is on by default. The "close" rows then differ by more than here; this
# page, built on a CPU, cannot measure that. The rows of the first block compare a
# number with itself, so no kernel can make them differ.
print("torch.backends.cudnn.allow_tf32 =", torch.backends.cudnn.allow_tf32)
assert torch.backends.cudnn.allow_tf32

# %%
# The configuration of the first block, drawn and checked:
module = nn.GRU(3, 16, num_layers=2, batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(module, seq_len=5)

# %%
report = rnnstate.check(module, torch.randn(8, 10, 3))
assert report.ok
report
