r"""
LSTM: hidden state h_n, cell state c_n and proj_size
====================================================

An LSTM returns ``output, (h_n, c_n)``. ``h_n``, the last hidden state, relates to
``output`` exactly as for a GRU; ``c_n``, the cell state, is not part of
``output``. With ``proj_size > 0`` the hidden state is projected down: ``output``
and ``h_n`` have ``H_out = proj_size`` features while ``c_n`` keeps
``H_cell = hidden_size``. This page shows both, and the warning PyTorch prints for
projections on CPU.
"""

# %%
import warnings

import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
lstm = nn.LSTM(input_size=3, hidden_size=6, num_layers=2, batch_first=True)
x = torch.randn(4, 5, 3)
output, (h_n, c_n) = lstm(x)
print("output:", tuple(output.shape), " h_n:", tuple(h_n.shape), " c_n:", tuple(c_n.shape))
assert (output.shape, h_n.shape, c_n.shape) == ((4, 5, 6), (2, 4, 6), (2, 4, 6))

# %%
# ``h_n`` behaves as for any recurrent module: its top row is the last step of
# ``output``.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(output[:, -1], h_n[-1]))
assert torch.equal(output[:, -1], h_n[-1])

# %%
# ``c_n`` has the same shape here, but it is another quantity, and no row of it
# equals any step of ``output``.
matches = [(k, t) for k in range(2) for t in range(5) if torch.equal(output[:, t], c_n[k])]
print("(row of c_n, step of output) pairs that are equal:", matches)
assert matches == []

# %%
# How h is computed from c
# ------------------------
# One step of a 1-layer LSTM from zeros, by hand: the four gates come from one
# affine map, in the order input, forget, cell, output (``i, f, g, o``); then
# ``c = sigmoid(f) * c_0 + sigmoid(i) * tanh(g)`` with ``c_0 = 0``, and
# ``h = sigmoid(o) * tanh(c)``. It matches the module up to rounding
# (``rtol=1e-5, atol=1e-6``).
one = nn.LSTM(3, 6, batch_first=True)
_, (h_1, c_1) = one(x[:, :1])  # a single step
i, f, g, o = (x[:, 0] @ one.weight_ih_l0.T + one.bias_ih_l0 + one.bias_hh_l0).chunk(4, dim=1)
c = torch.sigmoid(i) * torch.tanh(g)
h = torch.sigmoid(o) * torch.tanh(c)
torch.testing.assert_close((h, c), (h_1[0], c_1[0]), rtol=1e-5, atol=1e-6)

# %%
# Because the output gate ``sigmoid(o)`` lies between 0 and 1, no entry of ``h`` is
# larger in size than the same entry of ``tanh(c)``. In float32 the gate can round
# to exactly 1 (``sigmoid(20.0)`` does), so the bound is ``<=``, not ``<``.
bound = c_n.tanh().abs()
print("every |h_n| <= |tanh(c_n)|:", bool((h_n.abs() <= bound).all()))
print("sigmoid(20.0) == 1 in float32:", torch.sigmoid(torch.tensor(20.0)).item() == 1)
assert bool((h_n.abs() <= bound).all())
assert torch.sigmoid(torch.tensor(20.0)).item() == 1

# %%
# proj_size
# ---------
# ``proj_size=2`` multiplies each hidden state by a learned ``(2, 6)`` matrix,
# ``weight_hr_l{k}`` (checked by hand below). ``output`` and ``h_n`` shrink to
# ``H_out = 2``; ``c_n`` keeps ``H_cell = 6``.
#
# On CPU, this PyTorch warns that oneDNN does not support projections; the warning
# is printed once below, caught so that it does not interrupt the output.
projected = nn.LSTM(input_size=3, hidden_size=6, num_layers=2, batch_first=True, proj_size=2)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    p_output, (p_h_n, p_c_n) = projected(x)
print("warning:", caught[0].message)
print("output:", tuple(p_output.shape), " h_n:", tuple(p_h_n.shape), " c_n:", tuple(p_c_n.shape))
assert "not supported with oneDNN" in str(caught[0].message)
assert projected.weight_hr_l0.shape == (2, 6)
assert (p_output.shape, p_h_n.shape, p_c_n.shape) == ((4, 5, 2), (2, 4, 2), (2, 4, 6))

# %%
# By hand, as above, for one step of a 1-layer projected LSTM: ``h`` is
# ``weight_hr_l0 @ (sigmoid(o) * tanh(c))``, while ``c`` is not projected.
one = nn.LSTM(3, 6, batch_first=True, proj_size=2)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN warning shown above
    _, (h_1, c_1) = one(x[:, :1])
i, f, g, o = (x[:, 0] @ one.weight_ih_l0.T + one.bias_ih_l0 + one.bias_hh_l0).chunk(4, dim=1)
c = torch.sigmoid(i) * torch.tanh(g)
h = (torch.sigmoid(o) * torch.tanh(c)) @ one.weight_hr_l0.T
torch.testing.assert_close((h, c), (h_1[0], c_1[0]), rtol=1e-5, atol=1e-6)

# %%
# The output/h_n identity is unchanged by the projection.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(p_output[:, -1], p_h_n[-1]))
assert torch.equal(p_output[:, -1], p_h_n[-1])

# %%
# ``proj_size`` must be smaller than ``hidden_size``; ``proj_size=0``, the default,
# means no projection. PyTorch refuses a ``proj_size`` equal to ``hidden_size``,
# larger than it, or negative.
assert nn.LSTM(input_size=3, hidden_size=6, proj_size=0).proj_size == 0
for proj_size in (6, 7, -1):
    try:
        nn.LSTM(input_size=3, hidden_size=6, proj_size=proj_size)
    except ValueError as error:
        print(f"proj_size={proj_size}: ValueError:", error)
    else:
        raise AssertionError(f"proj_size={proj_size} was accepted")

# %%
# :func:`rnnstate.describe` knows both sizes: ``output_size`` is ``H_out``, while
# ``hidden_size`` is ``H_cell``, the size of ``c_n``.
layout = rnnstate.describe(projected)
print(layout.summary())
print(layout.shapes(batch_size=4, seq_len=5))
assert (layout.output_size, layout.hidden_size) == (2, 6)

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read (each final cell holds one row of
# ``h_n`` and the same row of ``c_n``); the table is :func:`rnnstate.check` run on
# the same projected LSTM.
fig = rnnstate.plot_unrolled(projected, seq_len=5)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN warning shown above
    report = rnnstate.check(projected, x)
assert report.ok
report
