r"""
h_n holds every layer, output only the top one
==============================================

With ``num_layers > 1`` each layer feeds its whole output sequence to the layer
above. ``h_n[k]`` is layer ``k``'s state after the last step; only the top layer's
states ever reach ``output``. This page rebuilds a 3-layer GRU as three 1-layer
GRUs to show where each row of ``h_n`` comes from, and checks that inter-layer
dropout changes the numbers but not the identities.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
gru = nn.GRU(input_size=4, hidden_size=6, num_layers=3, batch_first=True)
x = torch.randn(5, 7, 4)  # (N, L, H_in)
output, h_n = gru(x)
print("output:", tuple(output.shape), " h_n:", tuple(h_n.shape))
assert (output.shape, h_n.shape) == ((5, 7, 6), (3, 5, 6))

# %%
# One layer at a time
# -------------------
# Copy each layer's weights into its own 1-layer GRU and chain them: layer ``k``
# reads the output sequence of layer ``k - 1``.
layers = []
for k in range(3):
    single = nn.GRU(4 if k == 0 else 6, 6, batch_first=True)
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(single, f"{name}_l0").data.copy_(getattr(gru, f"{name}_l{k}"))
    layers.append(single)

sequence, finals = x, []
for single in layers:
    sequence, final = single(sequence)
    finals.append(final[0])  # (N, H_out): this layer's last step

# %%
# Row ``k`` of ``h_n`` is layer ``k``'s final state. The chained layers run the
# same arithmetic, but as separate calls, so the comparison is made with a
# tolerance and the largest difference is printed (see :ref:`the exactness page
# <sphx_glr_auto_examples_10_exactness_exact_or_close.py>`).
for k, final in enumerate(finals):
    diff = (final - h_n[k]).abs().max().item()
    print(f"layer {k}: max |h_n[{k}] - chained final| = {diff:.2e}")
    torch.testing.assert_close(final, h_n[k], rtol=1e-5, atol=1e-6)

# %%
# The top layer's whole output sequence is ``output``; the lower layers'
# sequences are internal and the module never returns them.
diff = (sequence - output).abs().max().item()
print(f"max |top layer's sequence - output| = {diff:.2e}")
torch.testing.assert_close(sequence, output, rtol=1e-5, atol=1e-6)

# %%
# Inside one call the identity between the two is exact: the last step of
# ``output`` *is* ``h_n[-1]``, and no lower layer appears in ``output``.
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(output[:, -1], h_n[-1]))
assert torch.equal(output[:, -1], h_n[-1])
print("torch.equal(output[:, -1], h_n[0]):", torch.equal(output[:, -1], h_n[0]))
assert not torch.equal(output[:, -1], h_n[0])

# %%
# Dropout between layers
# ----------------------
# ``dropout=0.5`` zeroes half of each lower layer's outputs (in training mode)
# before the next layer reads them. The values change; the identities do not,
# because dropout is applied between layers, never to ``output`` or ``h_n``.
dropped = nn.GRU(4, 6, num_layers=3, batch_first=True, dropout=0.5)
dropped.load_state_dict(gru.state_dict())
dropped.train()
out_d, h_n_d = dropped(x)
print("same numbers as without dropout:", torch.equal(h_n_d[-1], h_n[-1]))
print("torch.equal(output[:, -1], h_n[-1]) with dropout:", torch.equal(out_d[:, -1], h_n_d[-1]))
assert not torch.equal(h_n_d[-1], h_n[-1])
assert torch.equal(out_d[:, -1], h_n_d[-1])

# %%
# Dropout also leaves the bottom layer alone: nothing is dropped before layer 0.
print("h_n[0] equal with and without dropout:", torch.equal(h_n_d[0], h_n[0]))
assert torch.equal(h_n_d[0], h_n[0])

# %%
# The picture and the checks
# --------------------------
# Only the top row is ``output``; each row's last cell is one row of ``h_n``.
fig = rnnstate.plot_unrolled(gru, seq_len=7)

# %%
report = rnnstate.check(gru, x)
assert report.ok
report
