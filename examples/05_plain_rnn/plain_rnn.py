r"""
nn.RNN: the same output and hidden state layout, tanh or relu
=============================================================

``nn.RNN``, the plain (vanilla, Elman) RNN, is the simplest recurrent module:
``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ``relu`` instead of
``tanh``). Its ``output`` and ``h_n`` are laid out as a GRU's: only the cell
differs. This page runs both nonlinearities through the same identities and
computes two steps by hand.
"""

# %%
# The identities of the :ref:`bidirectional page
# <sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>` hold for
# a 2-layer bidirectional ``nn.RNN`` with either nonlinearity.
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
# Two steps by hand
# -----------------
# The formula above, applied twice to a 1-layer ``tanh`` RNN started from zeros,
# gives its first two output steps up to rounding (``rtol=1e-5, atol=1e-6``); the
# second step uses ``W_hh``.
rnn = nn.RNN(4, 6, batch_first=True)
output, h_n = rnn(x)
h = torch.zeros(3, 6)
for t in range(2):
    h = torch.tanh(
        x[:, t] @ rnn.weight_ih_l0.T + rnn.bias_ih_l0 + h @ rnn.weight_hh_l0.T + rnn.bias_hh_l0
    )
    print(f"step {t}: max |by hand - output[:, {t}]| = {(h - output[:, t]).abs().max().item():.2e}")
    torch.testing.assert_close(h, output[:, t], rtol=1e-5, atol=1e-6)

# %%
# With ``relu`` nothing bounds the state: entries can exceed 1, while ``tanh``
# keeps every entry between -1 and 1.
relu = nn.RNN(4, 6, nonlinearity="relu", batch_first=True)
with torch.no_grad():
    relu.weight_hh_l0.mul_(3)  # a large recurrent weight makes the growth visible
_, relu_h_n = relu(x)
_, tanh_h_n = rnn(x)
print(
    f"largest |h_n|: relu {relu_h_n.abs().max().item():.2f}, tanh {tanh_h_n.abs().max().item():.2f}"
)
assert tanh_h_n.abs().max() <= 1 < relu_h_n.abs().max()

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read; the table is
# :func:`rnnstate.check` run on a 2-layer bidirectional ``relu`` RNN.
rnn = nn.RNN(4, 6, num_layers=2, nonlinearity="relu", batch_first=True, bidirectional=True)
fig = rnnstate.plot_unrolled(rnn, seq_len=5)
report = rnnstate.check(rnn, x)
assert report.ok
report
