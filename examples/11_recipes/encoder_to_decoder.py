r"""
Handing a bidirectional encoder's state to a unidirectional decoder
===================================================================

A seq2seq model often encodes with a bidirectional RNN and decodes with a
unidirectional one. The encoder's ``h_n`` is ``(num_layers * 2, N, H)``, the
decoder's ``h_0`` must be ``(num_layers, N, H_dec)``: the two directions of each
layer have to be merged. Three common ways are summing, averaging, or
concatenating them (then either the decoder is twice as wide or a linear layer
maps ``2 H`` back to ``H``). Slicing ``h_n[:num_layers]`` instead is a silent bug:
it takes layer 0's two directions and layer 1's forward one.
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
# Sum and mean keep ``H``: layer ``k`` gets ``h_n[2k] + h_n[2k + 1]``.
summed = rnnstate.merge_directions(h_n, encoder, "sum")
forward, backward = h_n[0::2], h_n[1::2]  # (num_layers, N, H) each
print(
    "sum:",
    tuple(summed.shape),
    " equals h_n[0::2] + h_n[1::2]:",
    torch.equal(summed, forward + backward),
)
assert torch.equal(summed, forward + backward)
averaged = rnnstate.merge_directions(h_n, encoder, "mean")
torch.testing.assert_close(averaged, (forward + backward) / 2)

# %%
# Concatenation keeps everything, ``[forward | backward]`` per layer.
concat = rnnstate.merge_directions(h_n, encoder, "concat")
print("concat:", tuple(concat.shape))
assert torch.equal(concat, torch.cat((forward, backward), dim=2))

# %%
# Any of them is a valid ``h_0`` for a decoder with the same number of layers.
decoder = nn.GRU(4, H, num_layers=layers, batch_first=True)
out, _ = decoder(torch.randn(N, 5, 4), summed)
wide = nn.GRU(4, 2 * H, num_layers=layers, batch_first=True)
out_wide, _ = wide(torch.randn(N, 5, 4), concat)
bridge = nn.Linear(2 * H, H)
out_bridge, _ = decoder(torch.randn(N, 5, 4), torch.tanh(bridge(concat)))
print("decoder outputs:", tuple(out.shape), tuple(out_wide.shape), tuple(out_bridge.shape))

# %%
# The silent bug: ``h_n[:num_layers]`` has the right shape but the wrong rows.
wrong = h_n[:layers]
print(
    "h_n[:2] is layer 0 forward and layer 0 backward:",
    torch.equal(wrong, h_n.view(layers, 2, N, H)[0]),
)
assert torch.equal(wrong, h_n.view(layers, 2, N, H)[0])

# %%
# The picture and the checks
# --------------------------
fig = rnnstate.plot_unrolled(encoder, seq_len=5)

# %%
report = rnnstate.check(encoder, torch.randn(N, 9, 4))
assert report.ok
report
