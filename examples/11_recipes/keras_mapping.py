r"""
From Keras: return_sequences and return_state in PyTorch
========================================================

Keras' recurrent layers choose what to return with two flags; a PyTorch module
always returns everything and you pick. ``return_sequences=True`` is ``output``
(Keras is batch-major, so it matches ``batch_first=True``); ``return_state=True``
adds the final ``h`` (and ``c`` for an LSTM) of the layer, which is the top row of
``h_n`` (and ``c_n``). A Keras layer is a single layer: ``num_layers=2`` in PyTorch
is two stacked Keras layers. Keras itself does not run on this page; the PyTorch
side of each line does, with the shapes Keras documents for its layers.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
N, L, H = 4, 7, 5
lstm = nn.LSTM(3, H, batch_first=True)  # one layer, batch-major like Keras
x = torch.randn(N, L, 3)
output, (h_n, c_n) = lstm(x)

# %%
# ``LSTM(H)`` (neither flag) returns the last output, ``(N, H)``.
last = output[:, -1]
print("return_sequences=False:", tuple(last.shape))
assert last.shape == (N, H)

# %%
# ``LSTM(H, return_sequences=True)`` returns every step, ``(N, L, H)``: ``output``.
print("return_sequences=True: ", tuple(output.shape))
assert output.shape == (N, L, H)

# %%
# ``LSTM(H, return_state=True)`` returns ``[last output, h, c]``; ``h`` is the last
# output again and ``c`` the cell state, each ``(N, H)``: ``h_n[-1]`` and ``c_n[-1]``.
keras_h, keras_c = h_n[-1], c_n[-1]
print("return_state=True: h", tuple(keras_h.shape), " c", tuple(keras_c.shape))
print("h equals the last output:", torch.equal(keras_h, last))
assert torch.equal(keras_h, last) and keras_c.shape == (N, H)

# %%
# ``Bidirectional(LSTM(H, return_state=True))`` returns the concatenated output and
# the forward ``h, c`` then the backward ``h, c``. In PyTorch those are ``h_n[-2]``,
# ``c_n[-2]``, ``h_n[-1]``, ``c_n[-1]``, and the "last output" of the backward
# direction is at step 0.
bi = nn.LSTM(3, H, batch_first=True, bidirectional=True)
bi_out, (bi_h, bi_c) = bi(x)
forward_h, backward_h = bi_h[-2], bi_h[-1]
print("forward h at the last step:", torch.equal(forward_h, bi_out[:, -1, :H]))
print("backward h at step 0:      ", torch.equal(backward_h, bi_out[:, 0, H:]))
assert torch.equal(forward_h, bi_out[:, -1, :H]) and torch.equal(backward_h, bi_out[:, 0, H:])

# %%
# Two stacked Keras layers (the first with ``return_sequences=True``) are one
# PyTorch module with ``num_layers=2``; Keras' ``return_state`` on the second
# layer gives the top row, ``h_n[-1]``.
stacked = nn.LSTM(3, H, num_layers=2, batch_first=True)
s_out, (s_h, s_c) = stacked(x)
print(
    "top layer h:", tuple(s_h[-1].shape), " equals last output:", torch.equal(s_h[-1], s_out[:, -1])
)
assert torch.equal(s_h[-1], s_out[:, -1])

# %%
# The picture and the checks
# --------------------------
fig = rnnstate.plot_unrolled(bi, seq_len=L)

# %%
report = rnnstate.check(bi, x)
assert report.ok
report
