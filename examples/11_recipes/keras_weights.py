r"""
Porting LSTM and GRU weights between Keras and PyTorch
======================================================

To move a trained recurrent layer from Keras to PyTorch (or back), its arrays
must be transposed, and for a GRU also reordered. This page copies the weights
of Keras' ``LSTM`` and ``GRU`` into ``nn.LSTM`` and ``nn.GRU`` by hand, checks
the outputs and the final hidden states, and round-trips the weights both ways:
the LSTM's gates are in the same order but Keras has one bias where PyTorch has
two, the GRU's gates are ``z, r, h`` in Keras and ``r, z, n`` in PyTorch with the
two bias rows of ``reset_after=True`` as ``bias_ih`` and ``bias_hh``, and
``reset_after=False`` is a different cell that ``nn.GRU`` does not compute.
``rnnstate.from_keras_weights`` and ``rnnstate.to_keras_weights`` do the
same copies, stacked and bidirectional layers included.
"""

# %%
# The arrays on each side
# -----------------------
# Keras keeps a ``kernel`` ``(H_in, 4 H)``, a ``recurrent_kernel`` ``(H, 4 H)`` and
# one ``bias``; PyTorch keeps the transposed matrices and two biases.
import os

# Before keras is imported: Keras 3 then runs on PyTorch (pip install keras).
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import numpy as np
import torch
from torch import nn

import rnnstate

keras.utils.set_random_seed(0)  # Keras' weight initialisers
torch.manual_seed(0)
N, L, H_in, H = 4, 7, 3, 5
x = torch.randn(N, L, H_in)
keras_lstm = keras.layers.LSTM(H, return_sequences=True, return_state=True)
sequence, h, c = keras_lstm(x)
lstm = nn.LSTM(H_in, H, batch_first=True)
print("Keras:  ", [(v.name, tuple(v.shape)) for v in keras_lstm.weights])
print("PyTorch:", [(name, tuple(p.shape)) for name, p in lstm.named_parameters()])
assert [tuple(v.shape) for v in keras_lstm.weights] == [(H_in, 4 * H), (H, 4 * H), (4 * H,)]

# %%
# Outputs are compared with ``torch.testing.assert_close`` at ``rtol=1e-5,
# atol=1e-6`` (two implementations of the same function), and the largest
# difference is printed.


def max_diff(keras_value: torch.Tensor, torch_value: torch.Tensor) -> str:
    """Assert that the two agree to rtol=1e-5, atol=1e-6; give the largest difference."""
    torch.testing.assert_close(keras_value, torch_value, rtol=1e-5, atol=1e-6)
    return f"{(keras_value - torch_value).abs().max().item():.1e}"


# %%
# LSTM, Keras to PyTorch
# ----------------------
# Transpose both matrices and keep the gate order (``i, f, c, o`` in Keras,
# ``i, f, g, o`` in PyTorch). Keras' one bias goes into ``bias_ih``, and
# ``bias_hh`` is zero, since PyTorch adds the two.
kernel, recurrent_kernel, bias = (torch.as_tensor(w) for w in keras_lstm.get_weights())
with torch.no_grad():
    lstm.weight_ih_l0.copy_(kernel.T)
    lstm.weight_hh_l0.copy_(recurrent_kernel.T)
    lstm.bias_ih_l0.copy_(bias)
    lstm.bias_hh_l0.zero_()
output, (h_n, c_n) = lstm(x)
print("sequence vs output:", max_diff(sequence, output))
print("h vs h_n[-1]:", max_diff(h, h_n[-1]), " c vs c_n[-1]:", max_diff(c, c_n[-1]))

# %%
# ``rnnstate.from_keras_weights`` makes the same copy, bitwise.
helped = nn.LSTM(H_in, H, batch_first=True)
rnnstate.from_keras_weights(helped, keras_lstm.get_weights())
same = all(torch.equal(a, b) for a, b in zip(helped.parameters(), lstm.parameters(), strict=True))
print("from_keras_weights gives the hand-made copy:", same)
assert same

# %%
# LSTM, PyTorch to Keras
# ----------------------
# The other way, PyTorch's two biases are added into Keras' one. A freshly
# initialised ``nn.LSTM`` has both biases non-zero.
source = nn.LSTM(H_in, H, batch_first=True)
assert source.bias_ih_l0.all() and source.bias_hh_l0.all()
weights = rnnstate.to_keras_weights(source)
print(
    "Keras' bias = bias_ih + bias_hh:",
    torch.equal(weights[2], source.bias_ih_l0 + source.bias_hh_l0),
)
target = keras.layers.LSTM(H, return_sequences=True)
target.build(x.shape)
target.set_weights(weights)
print("Keras output vs PyTorch output:", max_diff(target(x), source(x)[0]))
assert torch.equal(weights[2], source.bias_ih_l0 + source.bias_hh_l0)

# %%
# Round trips
# -----------
# Keras to PyTorch and back returns the very arrays (the zero ``bias_hh`` adds
# nothing). PyTorch to Keras and back returns the matrices bitwise, but the two
# biases come back added up in ``bias_ih``: the module computes the same
# function up to rounding.
back = rnnstate.to_keras_weights(lstm)
keras_trip = all(np.array_equal(a, b) for a, b in zip(keras_lstm.get_weights(), back, strict=True))
returned = nn.LSTM(H_in, H, batch_first=True)
rnnstate.from_keras_weights(returned, weights)  # PyTorch -> Keras -> PyTorch
matrices = torch.equal(returned.weight_ih_l0, source.weight_ih_l0) and torch.equal(
    returned.weight_hh_l0, source.weight_hh_l0
)
print("Keras -> PyTorch -> Keras, bitwise:", keras_trip, " matrices back bitwise:", matrices)
print("PyTorch -> Keras -> PyTorch, outputs:", max_diff(returned(x)[0], source(x)[0]))
assert keras_trip and matrices and not returned.bias_hh_l0.any()

# %%
# GRU: gates z, r, h against r, z, n
# ----------------------------------
# A Keras ``GRU`` orders its gate blocks update ``z``, reset ``r``, candidate
# ``h``; PyTorch orders them ``r, z, n``. With ``reset_after=True`` (Keras'
# default) the bias has two rows, the input bias and the recurrent bias.
keras_gru = keras.layers.GRU(H, return_sequences=True, return_state=True)
sequence, h = keras_gru(x)
kernel, recurrent_kernel, bias = (torch.as_tensor(w) for w in keras_gru.get_weights())
print("Keras:", [(v.name, tuple(v.shape)) for v in keras_gru.weights])
assert keras_gru.reset_after and bias.shape == (2, 3 * H)

# %%
# Transposing alone puts Keras' ``z`` where PyTorch reads ``r``: the outputs differ.
naive = nn.GRU(H_in, H, batch_first=True)
with torch.no_grad():
    naive.weight_ih_l0.copy_(kernel.T)
    naive.weight_hh_l0.copy_(recurrent_kernel.T)
    naive.bias_ih_l0.copy_(bias[0])
    naive.bias_hh_l0.copy_(bias[1])
gap = (naive(x)[0] - sequence).abs().max().item()
print(f"without reordering the gates, max |difference| = {gap:.1e}")
assert gap > 1e-3

# %%
# Swapping the first two blocks of each array fixes it; bias row 0 is
# ``bias_ih`` and row 1 is ``bias_hh``.


def z_r_h_to_r_z_n(keras_array: torch.Tensor) -> torch.Tensor:
    """Reorder the gate blocks along the last axis: Keras' z, r, h to r, z, n."""
    z, r, candidate = keras_array.chunk(3, dim=-1)
    return torch.cat((r, z, candidate), dim=-1)


gru = nn.GRU(H_in, H, batch_first=True)
with torch.no_grad():
    gru.weight_ih_l0.copy_(z_r_h_to_r_z_n(kernel).T)
    gru.weight_hh_l0.copy_(z_r_h_to_r_z_n(recurrent_kernel).T)
    gru.bias_ih_l0.copy_(z_r_h_to_r_z_n(bias[0]))
    gru.bias_hh_l0.copy_(z_r_h_to_r_z_n(bias[1]))
output, h_n = gru(x)
print("sequence vs output:", max_diff(sequence, output), " h vs h_n[-1]:", max_diff(h, h_n[-1]))

# %%
# ``rnnstate.from_keras_weights`` makes the same copy. Nothing is added up
# for a GRU, so both round trips are bitwise.
helped = nn.GRU(H_in, H, batch_first=True)
rnnstate.from_keras_weights(helped, keras_gru.get_weights())
same = all(torch.equal(a, b) for a, b in zip(helped.parameters(), gru.parameters(), strict=True))
keras_trip = all(
    np.array_equal(a, b)
    for a, b in zip(keras_gru.get_weights(), rnnstate.to_keras_weights(gru), strict=True)
)
source = nn.GRU(H_in, H, batch_first=True)
rnnstate.from_keras_weights(helped, rnnstate.to_keras_weights(source))
torch_trip = all(
    torch.equal(a, b) for a, b in zip(helped.parameters(), source.parameters(), strict=True)
)
print(
    "same as by hand:", same, " Keras round trip:", keras_trip, " PyTorch round trip:", torch_trip
)
assert same and keras_trip and torch_trip

# %%
# reset_after=False has no nn.GRU
# -------------------------------
# ``GRU(reset_after=False)`` has one bias row and applies the reset gate *before*
# the recurrent matrix: its candidate is ``tanh(W x + U (r * h) + b)``. PyTorch's
# ``nn.GRU`` applies it after: ``tanh(W x + b_ih + r * (U h + b_hh))``. Step 1 of
# the Keras layer, recomputed from its step 0 with each formula:
before_gru = keras.layers.GRU(H, return_sequences=True, reset_after=False)
sequence = before_gru(x)
kernel, recurrent_kernel, bias = (torch.as_tensor(w) for w in before_gru.get_weights())
x_z, x_r, x_h = (x[:, 1] @ kernel + bias).chunk(3, dim=-1)
U_z, U_r, U_h = recurrent_kernel.chunk(3, dim=-1)
h_prev = sequence[:, 0]
z, r = torch.sigmoid(x_z + h_prev @ U_z), torch.sigmoid(x_r + h_prev @ U_r)
print("bias:", tuple(bias.shape))
assert bias.shape == (3 * H,)

# %%
# Keras' step matches the reset-before formula; the reset-after formula gives
# other values for the same weights.
reset_before = z * h_prev + (1 - z) * torch.tanh(x_h + (r * h_prev) @ U_h)
reset_after = z * h_prev + (1 - z) * torch.tanh(x_h + r * (h_prev @ U_h))
print("Keras' step 1 vs reset before U:", max_diff(sequence[:, 1], reset_before))
gap = (sequence[:, 1] - reset_after).abs().max().item()
print(f"Keras' step 1 vs reset after U: max |difference| = {gap:.1e}")
assert gap > 1e-4

# %%
# ``nn.GRU`` given the same numbers (gates reordered, the bias as ``bias_ih``,
# ``bias_hh`` zero) computes the reset-after formula, so the copy does not
# reproduce the Keras layer.
as_torch = nn.GRU(H_in, H, batch_first=True)
with torch.no_grad():
    as_torch.weight_ih_l0.copy_(z_r_h_to_r_z_n(kernel).T)
    as_torch.weight_hh_l0.copy_(z_r_h_to_r_z_n(recurrent_kernel).T)
    as_torch.bias_ih_l0.copy_(z_r_h_to_r_z_n(bias))
    as_torch.bias_hh_l0.zero_()
print("nn.GRU's step 1 vs reset after U:", max_diff(as_torch(x)[0][:, 1], reset_after))
assert not as_torch.bias_hh_l0.any()

# %%
# That copy has ``bias_hh`` zero. A freshly initialised ``nn.GRU`` has both
# biases non-zero; its step 1, recomputed from its step 0 with ``b_hh`` inside
# ``r * (U h + b_hh)`` (PyTorch's blocks are ``r, z, n``):
fresh = nn.GRU(H_in, H, batch_first=True)
assert fresh.bias_ih_l0.all() and fresh.bias_hh_l0.all()
with torch.no_grad():
    steps = fresh(x)[0]
    x_r, x_z, x_n = (x[:, 1] @ fresh.weight_ih_l0.T + fresh.bias_ih_l0).chunk(3, dim=-1)
    h_r, h_z, h_n_part = (steps[:, 0] @ fresh.weight_hh_l0.T + fresh.bias_hh_l0).chunk(3, dim=-1)
r, z = torch.sigmoid(x_r + h_r), torch.sigmoid(x_z + h_z)
b_hn = fresh.bias_hh_l0.detach()[2 * H :]  # b_hh's candidate block

# %%
# The formula with ``b_hh`` inside the reset gate gives ``nn.GRU``'s step; with
# ``b_hh`` outside, ``tanh(W x + b_ih + r * (U h) + b_hh)``, it does not.
inside = z * steps[:, 0] + (1 - z) * torch.tanh(x_n + r * h_n_part)
outside = z * steps[:, 0] + (1 - z) * torch.tanh(x_n + r * (h_n_part - b_hn) + b_hn)
print("nn.GRU's step 1 vs b_hh inside r * (...):", max_diff(steps[:, 1], inside))
gap = (steps[:, 1] - outside).abs().max().item()
print(f"nn.GRU's step 1 vs b_hh outside: max |difference| = {gap:.1e}")
assert gap > 1e-4

# %%
# ``nn.GRU`` takes no ``reset_after`` argument.
try:
    nn.GRU(H_in, H, batch_first=True, reset_after=False)
except TypeError as error:
    print("TypeError:", error)
else:
    raise AssertionError("nn.GRU accepted reset_after")

# %%
# ``rnnstate.from_keras_weights`` refuses such weights rather than give a
# module that computes something else.
try:
    rnnstate.from_keras_weights(nn.GRU(H_in, H, batch_first=True), before_gru.get_weights())
except ValueError as error:
    print("ValueError:", error)
else:
    raise AssertionError("the weights of GRU(reset_after=False) were accepted")

# %%
# Stacked and bidirectional layers
# --------------------------------
# For several layers, list each Keras layer's weights in order; a
# ``Bidirectional`` lists its forward layer's, then its backward layer's, which
# become PyTorch's ``*_reverse`` parameters.
layers = [keras.layers.Bidirectional(keras.layers.GRU(H, return_sequences=True)) for _ in range(2)]
model = keras.Sequential([keras.Input((L, H_in)), *layers])
deep = nn.GRU(H_in, H, num_layers=2, batch_first=True, bidirectional=True)
keras_weights = [w for layer in layers for w in layer.get_weights()]
rnnstate.from_keras_weights(deep, keras_weights)
print("2-layer bidirectional GRU, Keras vs PyTorch:", max_diff(model(x), deep(x)[0]))

# %%
# ``Bidirectional.get_weights()`` is its forward layer's arrays, then its backward
# layer's; the backward kernel, reordered and transposed, is ``weight_ih_l0_reverse``.
wrapper = layers[0]
halves = wrapper.forward_layer.get_weights() + wrapper.backward_layer.get_weights()
in_order = all(np.array_equal(a, b) for a, b in zip(wrapper.get_weights(), halves, strict=True))
backward_kernel = torch.as_tensor(wrapper.backward_layer.get_weights()[0])
reverse = torch.equal(deep.weight_ih_l0_reverse, z_r_h_to_r_z_n(backward_kernel).T)
print("forward's arrays, then backward's:", in_order, " backward kernel is *_reverse:", reverse)
assert in_order and reverse
assert not torch.equal(deep.weight_ih_l0, deep.weight_ih_l0_reverse)  # so the order matters

# %%
# ``rnnstate.to_keras_weights(deep)`` gives back the Keras arrays, in the same
# order, bitwise.
back = rnnstate.to_keras_weights(deep)
deep_trip = all(np.array_equal(a, b) for a, b in zip(keras_weights, back, strict=True))
print(len(back), "arrays; Keras -> PyTorch -> Keras, bitwise:", deep_trip)
assert deep_trip

# %%
# Check it yourself
# -----------------
# The picture draws ``deep``, the 2-layer bidirectional GRU above: its ``2 L``
# top-layer cells make up ``output``, which this page compared with Keras', and
# its four blue cells ``h_n``; the table is :func:`rnnstate.check` run on the same
# module.
fig = rnnstate.plot_unrolled(deep, seq_len=L)
gids = [str(patch.get_gid()) for patch in fig.axes[0].patches]
assert sum("output" in gid for gid in gids) == 2 * L and sum("h_n" in gid for gid in gids) == 4
report = rnnstate.check(deep, x)
assert report.ok
report
