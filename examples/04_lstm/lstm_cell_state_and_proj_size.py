r"""
LSTM: hidden state h_n, cell state c_n and proj_size
====================================================

An LSTM returns ``output, (h_n, c_n)``. ``h_n``, the last hidden state, relates to
``output`` exactly as for a GRU; ``c_n``, the cell state, is not part of
``output``. With ``proj_size > 0`` the hidden state is projected down: ``output``
and ``h_n`` have ``H_out = proj_size`` features while ``c_n`` keeps
``H_cell = hidden_size`` (checked here for ``hidden_size=6`` and every
``proj_size`` it allows). This page shows both, and the warning that this PyTorch
build prints for projections on CPU (its version is printed below; other versions
and builds were not checked).
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
# As for a unidirectional GRU, the top row of ``h_n`` is the last step of
# ``output`` (for a bidirectional module it is not: see the :ref:`bidirectional
# page <sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>`).
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
# One step of a 1-layer LSTM by hand, from a random initial state ``(h_0, c_0)`` so
# that every term counts: the four gates come from one affine map of ``x_t`` and
# ``h_0``, in the order input, forget, cell, output (``i, f, g, o``); then
# ``c = sigmoid(f) * c_0 + sigmoid(i) * tanh(g)`` and ``h = sigmoid(o) * tanh(c)``.
# It matches the module up to rounding (``rtol=1e-5, atol=1e-6``).
one = nn.LSTM(3, 6, batch_first=True)
h_0, c_0 = torch.randn(1, 4, 6), torch.randn(1, 4, 6)  # (num_layers, N, H_out or H_cell)
_, (h_1, c_1) = one(x[:, :1], (h_0, c_0))  # a single step
w_ih, w_hh, b = one.weight_ih_l0, one.weight_hh_l0, one.bias_ih_l0 + one.bias_hh_l0
i, f, g, o = (x[:, 0] @ w_ih.T + h_0[0] @ w_hh.T + b).chunk(4, dim=1)
c = torch.sigmoid(f) * c_0[0] + torch.sigmoid(i) * torch.tanh(g)
h = torch.sigmoid(o) * torch.tanh(c)
print(f"max |by hand - module|: h {(h - h_1[0]).abs().max():.2e}, c {(c - c_1[0]).abs().max():.2e}")
torch.testing.assert_close((h, c), (h_1[0], c_1[0]), rtol=1e-5, atol=1e-6)

# %%
# Because the output gate ``sigmoid(o)`` lies between 0 and 1, ``h`` is no larger in
# size than ``tanh(c)`` in exact arithmetic. Here, in float32 on CPU, every entry of
# ``h_n`` is no larger in size than the same entry of ``tanh(c_n)`` computed
# separately (the module computes its own ``tanh``; other backends, which could
# round it differently, were not measured). In float32 the gate can round to
# exactly 1 (``sigmoid(20.0)`` does), so the bound is ``<=``, not ``<``.
bound = c_n.tanh().abs()
print("every |h_n| <= |tanh(c_n)|:", bool((h_n.abs() <= bound).all()))
print("sigmoid(20.0) == 1 in float32:", torch.sigmoid(torch.tensor(20.0)).item() == 1)
assert bool((h_n.abs() <= bound).all())
assert torch.sigmoid(torch.tensor(20.0)).item() == 1

# %%
# proj_size
# ---------
# ``proj_size=2`` multiplies each hidden state by a learned ``(2, 6)`` matrix,
# ``weight_hr_l{k}`` for layer ``k`` (checked by hand below for one layer).
# ``output`` and ``h_n`` shrink to ``H_out = 2``; ``c_n`` keeps ``H_cell = 6``.
#
# On CPU, this PyTorch build (version printed below) warns that oneDNN does not
# support projections; the warning is printed once below, caught so that it does
# not interrupt the output. Other versions and builds were not checked.
projected = nn.LSTM(input_size=3, hidden_size=6, num_layers=2, batch_first=True, proj_size=2)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    p_output, (p_h_n, p_c_n) = projected(x)
print("torch", torch.__version__, "warning:", caught[0].message)
print("output:", tuple(p_output.shape), " h_n:", tuple(p_h_n.shape), " c_n:", tuple(p_c_n.shape))
assert "not supported with oneDNN" in str(caught[0].message)
assert (p_output.shape, p_h_n.shape, p_c_n.shape) == ((4, 5, 2), (2, 4, 2), (2, 4, 6))

# %%
# Each layer has its own projection matrix, a ``(2, 6)`` parameter of the module
# that is learned like the other weights (``requires_grad``).
hr = {n: (tuple(w.shape), w.requires_grad) for n, w in projected.named_parameters() if "hr" in n}
print(hr)
assert hr == {"weight_hr_l0": ((2, 6), True), "weight_hr_l1": ((2, 6), True)}

# %%
# The same holds for every ``proj_size`` that ``hidden_size=6`` allows: ``output``
# and ``h_n`` have ``proj_size`` features, ``c_n`` keeps 6.
features: dict[int, tuple[int, int, int]] = {}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN warning shown above
    for size in range(1, 6):
        out_s, (h_n_s, c_n_s) = nn.LSTM(3, 6, 2, batch_first=True, proj_size=size)(x)
        features[size] = (out_s.shape[-1], h_n_s.shape[-1], c_n_s.shape[-1])
print("proj_size: features of (output, h_n, c_n):", features)
assert features == {size: (size, size, 6) for size in range(1, 6)}

# %%
# By hand, as above, for one step of a 1-layer projected LSTM from a random state:
# ``h`` is ``weight_hr_l0 @ (sigmoid(o) * tanh(c))``, while ``c`` is not projected.
one = nn.LSTM(3, 6, batch_first=True, proj_size=2)
h_0, c_0 = torch.randn(1, 4, 2), torch.randn(1, 4, 6)  # h_0 has H_out = 2 features
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN warning shown above
    _, (h_1, c_1) = one(x[:, :1], (h_0, c_0))
w_ih, w_hh, b = one.weight_ih_l0, one.weight_hh_l0, one.bias_ih_l0 + one.bias_hh_l0
i, f, g, o = (x[:, 0] @ w_ih.T + h_0[0] @ w_hh.T + b).chunk(4, dim=1)
c = torch.sigmoid(f) * c_0[0] + torch.sigmoid(i) * torch.tanh(g)
h = (torch.sigmoid(o) * torch.tanh(c)) @ one.weight_hr_l0.T
torch.testing.assert_close((h, c), (h_1[0], c_1[0]), rtol=1e-5, atol=1e-6)

# %%
# The output/h_n identity is unchanged by the projection.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(p_output[:, -1], p_h_n[-1]))
assert torch.equal(p_output[:, -1], p_h_n[-1])

# %%
# ``proj_size=0``, the default, means no projection: the first LSTM on this page,
# built without ``proj_size``, has ``proj_size == 0``, no ``weight_hr_l0``, and
# ``hidden_size`` features in ``output`` and ``h_n``.
print("proj_size:", lstm.proj_size, " has weight_hr_l0:", hasattr(lstm, "weight_hr_l0"))
assert lstm.proj_size == 0 and not hasattr(lstm, "weight_hr_l0")
assert output.shape[-1] == h_n.shape[-1] == lstm.hidden_size

# %%
# ``proj_size`` must be smaller than ``hidden_size``: PyTorch refuses a
# ``proj_size`` equal to ``hidden_size``, larger than it, or negative.
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
# The picture shows which cells this page read: orange cells make up ``output``
# and blue ones ``h_n`` and ``c_n``, as its legend says, and the code prints each
# blue cell's label (one row of ``h_n`` and the same row of ``c_n``) with its step
# (the last); the table is :func:`rnnstate.check` run on the same projected LSTM.
fig = rnnstate.plot_unrolled(projected, seq_len=5)
finals = [t for t in fig.axes[0].texts if "h_n" in t.get_text()]
steps = {t.get_text().replace("\n", " "): round(t.get_position()[0]) for t in finals}
print("step of each final-state label:", steps)
assert steps == {"h_n[0] c_n[0]": 4, "h_n[1] c_n[1]": 4}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN warning shown above
    report = rnnstate.check(projected, x)
assert report.ok
report
