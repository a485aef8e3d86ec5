r"""
The weights: weight_ih_l0, weight_hh_l0, gate order and proj_size
=================================================================

Every state a recurrent module returns is computed from a few named weight
matrices. This page lists them (``weight_ih_l{k}``, ``weight_hh_l{k}``, the biases,
and the ``_reverse`` copies of a bidirectional module), shows the gate order
inside the stacked matrices (LSTM: i, f, g, o; GRU: r, z, n), recomputes one
step of ``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` by hand from those weights and
checks it against the module's first output step, and shows the
``weight_hr_l{k}`` that ``proj_size`` adds.
"""

# %%
# The parameters by name
# ----------------------
# A 2-layer bidirectional LSTM with ``H_in = 3`` and ``H_cell = 4``. Each layer
# ``k`` has an input-to-hidden and a hidden-to-hidden matrix and two biases; a
# bidirectional module has a second set with the suffix ``_reverse``.
import warnings

import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
H_in, H = 3, 4
lstm = nn.LSTM(H_in, H, num_layers=2, batch_first=True, bidirectional=True)
shapes = {name: tuple(p.shape) for name, p in lstm.named_parameters()}
for name, shape in shapes.items():
    print(f"{name:22} {shape}")

# %%
# The four gates of an LSTM are stacked along the first axis, so every matrix
# has ``4 * H_cell`` rows. Layer 0 reads the input (``H_in`` columns); layer 1
# reads both directions of layer 0 (``D * H_out`` columns).
assert shapes["weight_ih_l0"] == shapes["weight_ih_l0_reverse"] == (4 * H, H_in)
assert shapes["weight_ih_l1"] == (4 * H, 2 * H)
assert shapes["weight_hh_l1_reverse"] == (4 * H, H) and shapes["bias_ih_l1"] == (4 * H,)
assert all(shape[0] == 4 * H for shape in shapes.values())
assert len(shapes) == 2 * 2 * 4  # layers * directions * (2 weights + 2 biases)


# %%
# One LSTM step by hand: gate order i, f, g, o
# --------------------------------------------
# Split the pre-activations into four chunks: input gate ``i``, forget gate ``f``,
# cell candidate ``g`` and output gate ``o``, in that order.
def lstm_step(
    x: torch.Tensor,
    h: torch.Tensor,
    c: torch.Tensor,
    weights: tuple[torch.Tensor, ...],
    order: str = "ifgo",
) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM step from a layer's (weight_ih, weight_hh, bias_ih, bias_hh)."""
    w_ih, w_hh, b_ih, b_hh = weights
    gates = dict(zip(order, (x @ w_ih.T + b_ih + h @ w_hh.T + b_hh).chunk(4, dim=1), strict=True))
    c = gates["f"].sigmoid() * c + gates["i"].sigmoid() * gates["g"].tanh()
    return gates["o"].sigmoid() * c.tanh(), c


# %%
# ``layer_weights`` reads the four parameters of one layer and direction by name,
# in the order ``lstm_step`` takes them.
def layer_weights(module: nn.Module, suffix: str) -> tuple[torch.Tensor, ...]:
    """Get the four parameters of one layer and direction, e.g. suffix "l0_reverse"."""
    return tuple(
        getattr(module, f"{kind}_{suffix}")
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    )


# %%
# Run one layer on a batch from a random ``(h_0, c_0)`` and compare its first
# output step with the hand-computed step, which agrees up to ``rtol=1e-5,
# atol=1e-6`` (asserted; the largest difference is printed).
one = nn.LSTM(H_in, H, batch_first=True, bidirectional=True)
x, h_0, c_0 = torch.randn(2, 5, H_in), torch.randn(2, 2, H), torch.randn(2, 2, H)
output, _ = one(x, (h_0, c_0))
by_hand, _ = lstm_step(x[:, 0], h_0[0], c_0[0], layer_weights(one, "l0"))
diff = (by_hand - output[:, 0, :H]).abs().max()
print(f"LSTM step by hand vs output[:, 0, :H]: max |diff| = {diff:.1e}")
torch.testing.assert_close(by_hand, output[:, 0, :H], rtol=1e-5, atol=1e-6)

# %%
# The order matters: reading the chunks as i, f, o, g (swapping the last two)
# gives another result.
wrong, _ = lstm_step(x[:, 0], h_0[0], c_0[0], layer_weights(one, "l0"), order="ifog")
print(f"with the order i, f, o, g: max |diff| = {(wrong - output[:, 0, :H]).abs().max():.2f}")
assert (wrong - output[:, 0, :H]).abs().max() > 0.01

# %%
# The _reverse weights
# --------------------
# The backward direction uses the ``_reverse`` weights and its own initial state,
# ``h_0[1]``. Its first step is the *last* step of the sequence, so its first
# output is ``output[:, -1, H:]``.
by_hand, _ = lstm_step(x[:, -1], h_0[1], c_0[1], layer_weights(one, "l0_reverse"))
diff = (by_hand - output[:, -1, H:]).abs().max()
print(f"backward step by hand vs output[:, -1, H:]: max |diff| = {diff:.1e}")
torch.testing.assert_close(by_hand, output[:, -1, H:], rtol=1e-5, atol=1e-6)

# %%
# On the 2-layer ``lstm``, the initial state of layer ``k`` in direction ``d``
# is ``h_0[k * D + d]``: layer 0 starts from ``h_0[0]`` and ``h_0[1]``, layer 1
# from ``h_0[2]`` (forward) and ``h_0[3]`` (backward). Layer 1 reads layer 0's
# output, which a one-layer module given the ``l0`` weights and ``h_0[:2]``
# recomputes:
h_0, c_0 = torch.randn(4, 2, H), torch.randn(4, 2, H)  # (D * num_layers, N, H_out)
output, _ = lstm(x, (h_0, c_0))
layer_0 = nn.LSTM(H_in, H, batch_first=True, bidirectional=True)
layer_0.load_state_dict({k: v for k, v in lstm.state_dict().items() if "_l0" in k})
below, _ = layer_0(x, (h_0[:2], c_0[:2]))  # layer 0's output, (N, L, D*H_out)
print("layer 0's output:", tuple(below.shape))

# %%
# Layer 1's first forward step from ``h_0[2]`` and first backward step from
# ``h_0[3]``, by hand, match the top layer's output up to the same tolerance:
forward, _ = lstm_step(below[:, 0], h_0[2], c_0[2], layer_weights(lstm, "l1"))
backward, _ = lstm_step(below[:, -1], h_0[3], c_0[3], layer_weights(lstm, "l1_reverse"))
diff = max((forward - output[:, 0, :H]).abs().max(), (backward - output[:, -1, H:]).abs().max())
print(f"layer 1 steps by hand from h_0[2] and h_0[3]: max |diff| = {diff:.1e}")
torch.testing.assert_close(forward, output[:, 0, :H], rtol=1e-5, atol=1e-6)
torch.testing.assert_close(backward, output[:, -1, H:], rtol=1e-5, atol=1e-6)

# %%
# One GRU step by hand: gate order r, z, n
# ----------------------------------------
# A GRU stacks three gates: reset ``r``, update ``z`` and the candidate ``n``. The
# reset gate multiplies the hidden part *after* its matrix and bias,
# ``r * (W_hn h + b_hn)``, and the new state is ``(1 - z) * n + z * h``.
gru = nn.GRU(H_in, H, batch_first=True)
h_0 = torch.randn(1, 2, H)
output, _ = gru(x, h_0)
w_ih, w_hh, b_ih, b_hh = layer_weights(gru, "l0")
x_r, x_z, x_n = (x[:, 0] @ w_ih.T + b_ih).chunk(3, dim=1)  # the input's part of r, z, n
h_r, h_z, h_cand = (h_0[0] @ w_hh.T + b_hh).chunk(3, dim=1)  # the hidden state's part
r, z = (x_r + h_r).sigmoid(), (x_z + h_z).sigmoid()
by_hand = (1 - z) * (x_n + r * h_cand).tanh() + z * h_0[0]
print(f"GRU step by hand vs output[:, 0]: max |diff| = {(by_hand - output[:, 0]).abs().max():.1e}")
torch.testing.assert_close(by_hand, output[:, 0], rtol=1e-5, atol=1e-6)

# %%
# One RNN step by hand
# --------------------
# ``nn.RNN`` has no gates; with its default ``tanh``, one step is
# ``tanh(W_ih x + b_ih + W_hh h + b_hh)``.
rnn = nn.RNN(H_in, H, batch_first=True)
output, _ = rnn(x, h_0)
w_ih, w_hh, b_ih, b_hh = layer_weights(rnn, "l0")
by_hand = (x[:, 0] @ w_ih.T + b_ih + h_0[0] @ w_hh.T + b_hh).tanh()
print(f"RNN step by hand vs output[:, 0]: max |diff| = {(by_hand - output[:, 0]).abs().max():.1e}")
torch.testing.assert_close(by_hand, output[:, 0], rtol=1e-5, atol=1e-6)

# %%
# proj_size adds weight_hr_l0
# ---------------------------
# With ``proj_size=2`` each layer gains ``weight_hr_l{k}``, ``(proj_size, H_cell)``,
# which projects ``h`` down; ``weight_hh_l{k}`` then reads the projected ``h``, so
# it has ``proj_size`` columns. (On CPU, PyTorch can warn that oneDNN has no
# kernel for projections; :ref:`sphx_glr_auto_examples_04_lstm_lstm_cell_state_and_proj_size.py`
# explains that warning, and this page filters it out.)
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="LSTM with projections is not supported")
    projected = nn.LSTM(H_in, 6, batch_first=True, proj_size=2)
    h_0, c_0 = torch.randn(1, 2, 2), torch.randn(1, 2, 6)
    output, _ = projected(x, (h_0, c_0))
print({name: tuple(p.shape) for name, p in projected.named_parameters() if "weight" in name})
assert (projected.weight_hr_l0.shape, projected.weight_hh_l0.shape) == ((2, 6), (24, 2))

# %%
# A second layer gains its own ``weight_hr_l1``, and it reads the projected ``h``
# of layer 0 as its input, so ``weight_ih_l1`` has ``proj_size`` columns too:
deep = nn.LSTM(H_in, 6, num_layers=2, batch_first=True, proj_size=2)
names = ("weight_ih_l1", "weight_hh_l1", "weight_hr_l1")
layer_1 = {name: tuple(getattr(deep, name).shape) for name in names}
print(layer_1)
assert list(layer_1.values()) == [(24, 2), (24, 2), (2, 6)]

# %%
# By hand: the LSTM step as before, then the projection. It matches the module's
# first output step up to the same ``rtol=1e-5, atol=1e-6``.
h, _ = lstm_step(x[:, 0], h_0[0], c_0[0], layer_weights(projected, "l0"))
by_hand = h @ projected.weight_hr_l0.T
diff = (by_hand - output[:, 0]).abs().max()
print(f"projected step by hand vs output[:, 0]: max |diff| = {diff:.1e}")
torch.testing.assert_close(by_hand, output[:, 0], rtol=1e-5, atol=1e-6)

# %%
# Porting weights to or from Keras starts from these names and gate orders; the
# Keras page, :ref:`sphx_glr_auto_examples_11_recipes_keras_mapping.py`, maps
# what each library returns.
#
# Check it yourself
# -----------------
# The picture shows the cells whose weights this page listed; the table is
# :func:`rnnstate.check` run on the same module.
fig = rnnstate.plot_unrolled(lstm, seq_len=5)
report = rnnstate.check(lstm, x)
assert report.ok
report
