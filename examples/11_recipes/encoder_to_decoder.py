r"""
Handing a bidirectional encoder's hidden state to a unidirectional decoder
==========================================================================

A seq2seq model often encodes with a bidirectional RNN and decodes with a
unidirectional one. The encoder's ``h_n`` is ``(num_layers * 2, N, H)``, the
decoder's initial state ``h_0`` must be ``(num_layers, N, H_dec)``: the two directions of each
layer have to be merged. Three common ways are summing, averaging, or
concatenating them (then either the decoder is twice as wide or a linear layer
maps ``2 H`` back to ``H``). Slicing ``h_n[:num_layers]`` instead is a silent bug:
with 2 layers it takes layer 0's forward and backward states, and nothing of the
top layer.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
N, H, layers = 3, 6, 2
encoder = nn.GRU(4, H, num_layers=layers, batch_first=True, bidirectional=True)
_, h_n = encoder(torch.randn(N, 9, 4))
print("encoder h_n:", tuple(h_n.shape))  # (num_layers * D, N, H)
assert h_n.shape == (layers * 2, N, H)

# %%
# Passed as it is, it does not fit a 2-layer unidirectional decoder.
decoder = nn.GRU(4, H, num_layers=layers, batch_first=True)
try:
    decoder(torch.randn(N, 5, 4), h_n)
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    raise AssertionError("the encoder's h_n was accepted as it is")

# %%
# Sum and mean keep ``H``: layer ``k`` gets ``h_n[2k] + h_n[2k + 1]``, or half of it.
summed = rnnstate.merge_directions(h_n, encoder, "sum")
averaged = rnnstate.merge_directions(h_n, encoder, "mean")
forward, backward = h_n[0::2], h_n[1::2]  # (num_layers, N, H) each
print(
    "sum:",
    tuple(summed.shape),
    " equals h_n[0::2] + h_n[1::2]:",
    torch.equal(summed, forward + backward),
)
assert torch.equal(summed, forward + backward)
assert torch.equal(averaged, (forward + backward) / 2)

# %%
# Concatenation keeps everything, ``[forward | backward]`` per layer.
concat = rnnstate.merge_directions(h_n, encoder, "concat")
print("concat:", tuple(concat.shape))
assert concat.shape == (layers, N, 2 * H)
assert torch.equal(concat, torch.cat((forward, backward), dim=2))

# %%
# Sum and mean fit the decoder above; the concatenation fits a decoder twice as
# wide, or the same decoder after a linear layer from ``2 H`` to ``H`` (here
# followed by ``tanh``).
y = torch.randn(N, 5, 4)  # the decoder's input
out_sum, out_mean = decoder(y, summed)[0], decoder(y, averaged)[0]
out_wide = nn.GRU(4, 2 * H, num_layers=layers, batch_first=True)(y, concat)[0]
bridge = nn.Linear(2 * H, H)
out_bridge = decoder(y, torch.tanh(bridge(concat)))[0]
shapes = [tuple(o.shape) for o in (out_sum, out_mean, out_wide, out_bridge)]
print("decoder outputs (sum, mean, wide, bridge):", shapes)
assert shapes == [(N, 5, H), (N, 5, H), (N, 5, 2 * H), (N, 5, H)]

# %%
# The silent bug: ``h_n[:num_layers]`` has the right shape, so the decoder accepts
# it, but with 2 layers it is layer 0's two directions, ``h_n.view(2, 2, N,
# H)[0]``; the top layer's states are not in it.
wrong = h_n[:layers]
decoder(torch.randn(N, 5, 4), wrong)  # accepted
print("h_n[:2] is layer 0, forward and backward:", torch.equal(wrong, h_n.view(layers, 2, N, H)[0]))
assert torch.equal(wrong, h_n.view(layers, 2, N, H)[0])
assert not any(torch.equal(row, top) for row in wrong for top in h_n[2:])

# %%
# Check it yourself
# -----------------
# The picture shows which cells of the encoder this page read; the table is
# :func:`rnnstate.check` run on the same encoder.
fig = rnnstate.plot_unrolled(encoder, seq_len=5)
report = rnnstate.check(encoder, torch.randn(N, 9, 4))
assert report.ok
report
