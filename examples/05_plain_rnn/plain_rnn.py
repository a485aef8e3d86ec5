r"""
nn.RNN: the same output and hidden state layout, tanh or relu
=============================================================

``nn.RNN``, the plain (vanilla, Elman) RNN, is the simplest recurrent module:
``h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`` (or ``relu`` instead of
``tanh``). Its ``output`` and ``h_n`` are laid out as the :ref:`bidirectional page
<sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>` shows for a
GRU, down to the order of every row of ``h_n``: only the cell's formula differs.
This page runs both nonlinearities through the same checks and computes two steps
of each by hand.
"""

# %%
# A 2-layer bidirectional ``nn.RNN`` with either nonlinearity has the GRU's
# shapes: ``output`` is ``(N, L, D*H_out)`` and ``h_n`` is
# ``(D*num_layers, N, H_out)``.
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
x = torch.randn(3, 5, 4)  # (N, L, H_in)
rnns = {
    name: nn.RNN(4, 6, num_layers=2, nonlinearity=name, batch_first=True, bidirectional=True)
    for name in ("tanh", "relu")
}
for name, rnn in rnns.items():
    output, h_n = rnn(x)
    print(f"{name}: output {tuple(output.shape)}, h_n {tuple(h_n.shape)}")
    assert (output.shape, h_n.shape) == ((3, 5, 2 * 6), (2 * 2, 3, 6))

# %%
# As for the GRU, the top layer's forward final state is the first half of the
# last step, and its backward final state the second half of step 0.
for name, rnn in rnns.items():
    output, h_n = rnn(x)
    found = (torch.equal(output[:, -1, :6], h_n[-2]), torch.equal(output[:, 0, 6:], h_n[-1]))
    print(f"{name}: torch.equal forward, backward:", found)
    assert found == (True, True)


# %%
# Layer by layer
# --------------
# Copy each direction of each layer into its own 1-layer, forward-only RNN, as
# the bidirectional page does for the GRU: the backward one reads the sequence
# flipped in time, and its outputs are flipped back.
def one_direction(rnn: nn.RNN, layer: int, reverse: bool) -> nn.RNN:
    """Layer ``layer``'s forward or backward direction, as a 1-layer RNN."""
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    weights = {f"{name}_l0": getattr(rnn, name + suffix) for name in names}
    size = weights["weight_ih_l0"].shape[1]
    single = nn.RNN(size, rnn.hidden_size, nonlinearity=rnn.nonlinearity, batch_first=True)
    single.load_state_dict(weights)
    return single


# %%
# Chained, the directions reproduce ``output`` and every row of ``h_n`` in the
# order ``layer * D + direction``, with either nonlinearity (separate calls, so
# compared with ``rtol=1e-5, atol=1e-6``).
for name, rnn in rnns.items():
    output, h_n = rnn(x)
    sequence, finals = x, []
    for layer in range(2):
        fwd_out, fwd_h = one_direction(rnn, layer, reverse=False)(sequence)
        bwd_out, bwd_h = one_direction(rnn, layer, reverse=True)(sequence.flip(1))
        finals += [fwd_h[0], bwd_h[0]]
        sequence = torch.cat((fwd_out, bwd_out.flip(1)), dim=2)
    print(f"{name}: max |rebuilt - output| = {(sequence - output).abs().max().item():.2e}")
    torch.testing.assert_close((sequence, torch.stack(finals)), (output, h_n), rtol=1e-5, atol=1e-6)

# %%
# Two steps by hand
# -----------------
# The formula above, applied twice to a 1-layer RNN started from zeros, gives its
# first two output steps up to rounding (``rtol=1e-5, atol=1e-6``), with ``tanh``
# and with ``relu``; the second step uses ``W_hh``.
for name, act in (("tanh", torch.tanh), ("relu", torch.relu)):
    rnn = nn.RNN(4, 6, nonlinearity=name, batch_first=True)
    output, h = rnn(x)[0], torch.zeros(3, 6)
    w_ih, w_hh, b = rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0 + rnn.bias_hh_l0
    for t in range(2):
        h = act(x[:, t] @ w_ih.T + h @ w_hh.T + b)
        diff = (h - output[:, t]).abs().max().item()
        print(f"{name}, step {t}: max |by hand - output[:, {t}]| = {diff:.2e}")
        torch.testing.assert_close(h, output[:, t], rtol=1e-5, atol=1e-6)

# %%
# ``relu`` bounds the state only from below, at 0: here, with ``W_hh`` tripled,
# entries exceed 1. ``tanh`` keeps every entry between -1 and 1. Both are checked
# over every step of ``output``.
relu = nn.RNN(4, 6, nonlinearity="relu", batch_first=True)
with torch.no_grad():
    relu.weight_hh_l0.mul_(3)  # a large recurrent weight makes the growth visible
relu_out, tanh_out = relu(x)[0], nn.RNN(4, 6, batch_first=True)(x)[0]
print(f"relu: min {relu_out.min().item():.2f}, max {relu_out.max().item():.2f}")
print(f"tanh: largest |entry| {tanh_out.abs().max().item():.2f}")
assert relu_out.min() >= 0 and relu_out.max() > 1 and tanh_out.abs().max() <= 1

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read: orange cells make up ``output``
# and blue ones ``h_n``, as its legend says, and the code counts the cells tagged
# with each (one per step and direction of the top layer, one per layer and
# direction); the table is :func:`rnnstate.check` run on the 2-layer bidirectional
# ``relu`` RNN.
rnn = rnns["relu"]
fig = rnnstate.plot_unrolled(rnn, seq_len=5)
tags = [str(p.get_gid()).split(":") for p in fig.axes[0].patches]
counts = {tag: sum(tag in cell for cell in tags) for tag in ("output", "h_n")}
print("cells tagged:", counts)
assert counts == {"output": 2 * 5, "h_n": 2 * 2}
report = rnnstate.check(rnn, x)
assert report.ok
report
