r"""
LSTM: h_n, c_n and proj_size
============================

An LSTM returns ``output, (h_n, c_n)``. ``h_n`` relates to ``output`` exactly as for a
GRU; ``c_n``, the cell state, never appears in ``output`` at all. With
``proj_size > 0`` the hidden state is projected down: ``output`` and ``h_n`` have
``H_out = proj_size`` features while ``c_n`` keeps ``hidden_size``. This page shows
both, and explains the warning PyTorch prints for projections on CPU.
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
# ``c_n`` has the same shape here, but it is a different quantity (the memory
# cell, from which ``h = o * tanh(c)`` is computed) and it matches no step of
# ``output``.
matches = [torch.equal(output[:, t], c_n[-1]) for t in range(5)]
print("c_n[-1] equals some step of output:", any(matches))
assert not any(matches)

# %%
# ``h_n`` is computed from ``c_n``: ``h = o * tanh(c)`` with the output gate ``o``
# in (0, 1), so each entry of ``h`` is smaller in size than ``tanh(c)``.
bound = c_n.tanh().abs()
print("every |h_n| <= |tanh(c_n)|:", bool((h_n.abs() <= bound).all()))
assert bool((h_n.abs() <= bound).all())

# %%
# proj_size
# ---------
# ``proj_size=2`` multiplies each hidden state by a learned ``(2, 6)`` matrix.
# ``output`` and ``h_n`` shrink to ``H_out = 2``; ``c_n`` keeps ``H_cell = 6``.
#
# On CPU PyTorch warns that oneDNN has no kernel for projections and uses its
# default one instead. The warning is about speed, not results; this page catches
# it to show it once rather than let it interrupt the output.
projected = nn.LSTM(input_size=3, hidden_size=6, num_layers=2, batch_first=True, proj_size=2)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    p_output, (p_h_n, p_c_n) = projected(x)
for warning in caught:
    print("warning:", warning.message)
print("output:", tuple(p_output.shape), " h_n:", tuple(p_h_n.shape), " c_n:", tuple(p_c_n.shape))
assert (p_output.shape, p_h_n.shape, p_c_n.shape) == ((4, 5, 2), (2, 4, 2), (2, 4, 6))

# %%
# The output/h_n identity is unchanged by the projection.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(p_output[:, -1], p_h_n[-1]))
assert torch.equal(p_output[:, -1], p_h_n[-1])

# %%
# ``proj_size`` must be smaller than ``hidden_size``: PyTorch refuses anything else.
try:
    nn.LSTM(input_size=3, hidden_size=6, proj_size=6)
except ValueError as error:
    print("ValueError:", error)
else:
    raise AssertionError("proj_size == hidden_size was accepted")

# %%
# :func:`rnnstate.describe` knows both sizes: ``output_size`` is ``H_out``, while
# ``hidden_size`` is ``H_cell``, the size of ``c_n``.
layout = rnnstate.describe(projected)
print(layout.summary())
print(layout.shapes(batch_size=4, seq_len=5))
assert (layout.output_size, layout.hidden_size) == (2, 6)

# %%
# The picture and the checks
# --------------------------
# Each final cell holds one row of ``h_n`` and the same row of ``c_n``.
fig = rnnstate.plot_unrolled(projected, seq_len=5)

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the oneDNN note shown above
    report = rnnstate.check(projected, x)
assert report.ok
report
