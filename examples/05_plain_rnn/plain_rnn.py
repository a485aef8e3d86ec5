r"""
nn.RNN: the same layout, tanh or relu
=====================================

``nn.RNN`` is the simplest recurrent module, ``h_t = tanh(W_ih x_t + b_ih + W_hh
h_{t-1} + b_hh)`` (or ``relu``). Everything about ``output`` and ``h_n`` is the same
as for a GRU: only the cell differs. This page runs both nonlinearities through
the same checks, and computes one step by hand.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
x = torch.randn(3, 5, 4)  # (N, L, H_in)
for nonlinearity in ("tanh", "relu"):
    rnn = nn.RNN(
        4, 6, num_layers=2, nonlinearity=nonlinearity, batch_first=True, bidirectional=True
    )
    output, h_n = rnn(x)
    print(f"{nonlinearity}: output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
    assert (output.shape, h_n.shape) == ((3, 5, 12), (4, 3, 6))
    assert torch.equal(output[:, -1, :6], h_n[-2]) and torch.equal(output[:, 0, 6:], h_n[-1])

# %%
# One step by hand
# ----------------
# The first output step of a 1-layer ``tanh`` RNN started from zeros is a single
# affine map followed by ``tanh``; it matches the module up to rounding.
rnn = nn.RNN(4, 6, batch_first=True)
output, h_n = rnn(x)
by_hand = torch.tanh(x[:, 0] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + rnn.bias_hh_l0)
diff = (by_hand - output[:, 0]).abs().max().item()
print(f"max |by hand - output[:, 0]| = {diff:.2e}")
torch.testing.assert_close(by_hand, output[:, 0], rtol=1e-5, atol=1e-6)

# %%
# With ``relu`` nothing bounds the state: entries can exceed 1, which ``tanh``
# never allows.
relu = nn.RNN(4, 6, nonlinearity="relu", batch_first=True)
with torch.no_grad():
    relu.weight_hh_l0.mul_(3)  # a large recurrent weight makes the growth visible
_, relu_h_n = relu(x)
_, tanh_h_n = rnn(x)
print(
    f"largest |h_n|: relu {relu_h_n.abs().max().item():.2f}, tanh {tanh_h_n.abs().max().item():.2f}"
)
assert tanh_h_n.abs().max() < 1 < relu_h_n.abs().max()

# %%
# The picture and the checks
# --------------------------
rnn = nn.RNN(4, 6, num_layers=2, nonlinearity="relu", batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(rnn, seq_len=5)

# %%
report = rnnstate.check(rnn, x)
assert report.ok
report
