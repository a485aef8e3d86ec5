r"""
Bidirectional final states: forward at the end, backward at the start
=====================================================================

A bidirectional GRU or LSTM (BiGRU, BiLSTM) runs a second, backward pass over each
sequence, from the last step to the first. Each step of ``output`` is
``[forward | backward]``, ``H_out`` features each; ``h_n`` stacks the directions
*inside* each layer, so its index is ``layer * D + direction`` (0 forward, 1
backward) and ``h_n[-1]`` is the top layer's *backward* final hidden state. The
backward pass ends at step 0, so its final state is ``output[:, 0, H_out:]``, not
anything at step ``-1``. This page shows where each final state is, what a
classifier should take, and two common wrong answers.
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
N, L, H = 4, 6, 5
gru = nn.GRU(input_size=3, hidden_size=H, num_layers=2, batch_first=True, bidirectional=True)
x = torch.randn(N, L, 3)
output, h_n = gru(x)
print("output:", tuple(output.shape), " h_n:", tuple(h_n.shape))
assert output.shape == (N, L, 2 * H)  # (N, L, D*H_out)
assert h_n.shape == (2 * 2, N, H)  # (D*num_layers, N, H_out)

# %%
# Split ``h_n`` into layers and directions
# ----------------------------------------
# ``h_n.view(num_layers, D, N, H_out)`` puts layers and directions on their own
# axes (the widely copied Q&A writes it ``h_n.view(num_layers, num_directions,
# batch, hidden_size)``, :ref:`checked on its own page
# <sphx_glr_auto_examples_12_popular_answer_popular_answer_checked.py>`): ``[-1, 0]``
# is the top forward, ``[-1, 1]`` the top backward state.
by_layer = h_n.view(2, 2, N, H)
print("h_n[-1] is by_layer[-1, 1]:", torch.equal(h_n[-1], by_layer[-1, 1]))
print("h_n[-2] is by_layer[-1, 0]:", torch.equal(h_n[-2], by_layer[-1, 0]))
assert torch.equal(h_n[-1], by_layer[-1, 1]) and torch.equal(h_n[-2], by_layer[-1, 0])

# %%
# :func:`rnnstate.split_hidden` returns the same values, equal element for element
# (``torch.equal``), and like ``view`` it copies nothing: its result starts at the
# same address in memory (``data_ptr``) as ``h_n``.
split = rnnstate.split_hidden(h_n, gru)
print("shape:", tuple(split.shape), " same values:", torch.equal(split, by_layer))
print("same memory as h_n:", split.data_ptr() == h_n.data_ptr())
assert torch.equal(split, by_layer) and split.data_ptr() == h_n.data_ptr()

# %%
# The forward direction ends at the last step
# -------------------------------------------
# Its final state is the first ``H_out`` features of the last step.
forward_final = output[:, -1, :H]
print("torch.equal(output[:, -1, :H], h_n[-2]):", torch.equal(forward_final, h_n[-2]))
assert torch.equal(forward_final, h_n[-2])

# %%
# The backward direction ends at step 0
# -------------------------------------
# It reads the sequence from the end, so the last step it computes is step 0: its
# final state is the *second* half of the *first* step.
backward_final = output[:, 0, H:]
print("torch.equal(output[:, 0, H:], h_n[-1]):", torch.equal(backward_final, h_n[-1]))
assert torch.equal(backward_final, h_n[-1])

# %%
# At the last step, the backward half holds the backward direction's *first*
# step (the rebuild further down shows it), not its final state; neither half of
# the last step is ``h_n[-1]``.
halves = {"forward": output[:, -1, :H], "backward": output[:, -1, H:]}
equal = {name: torch.equal(half, h_n[-1]) for name, half in halves.items()}
print("halves of output[:, -1] equal to h_n[-1]:", equal)
assert equal == {"forward": False, "backward": False}

# %%
# So ``output[:, -1]`` is not "the final state of both directions"
# ----------------------------------------------------------------
# Its forward half is the forward final state; its backward half is not the
# backward one.
last_step = output[:, -1]
both_finals = torch.cat((h_n[-2], h_n[-1]), dim=1)
print("forward halves equal:", torch.equal(last_step[:, :H], both_finals[:, :H]))
print("torch.equal(output[:, -1], cat(h_n[-2], h_n[-1])):", torch.equal(last_step, both_finals))
print(f"max difference: {(last_step - both_finals).abs().max().item():.3f}")
assert torch.equal(last_step[:, :H], both_finals[:, :H])
assert not torch.equal(last_step, both_finals)

# %%
# The classifier feature
# ----------------------
# What a classifier usually wants is the top layer's forward *and* backward final
# hidden states, concatenated: ``torch.cat((h_n[-2], h_n[-1]), dim=1)``, shape
# ``(N, 2 * H_out)``. It
# equals the same two halves read from ``output``, and :func:`rnnstate.final_state`
# and :func:`rnnstate.last_output` return it from either tensor.
feature = torch.cat((h_n[-2], h_n[-1]), dim=1)
from_output = torch.cat((output[:, -1, :H], output[:, 0, H:]), dim=1)
print(
    "feature:",
    tuple(feature.shape),
    " equal to output's halves:",
    torch.equal(feature, from_output),
)
assert feature.shape == (N, 2 * H) and torch.equal(feature, from_output)
assert torch.equal(feature, rnnstate.final_state(h_n, gru))
assert torch.equal(feature, rnnstate.last_output(output, gru))

# %%
# Wrong: ``h_n.reshape(N, -1)``
# -----------------------------
# It has the right shape for a classifier, ``(N, D*num_layers*H_out)``, but
# ``h_n`` is ``(D*num_layers, N, H_out)``: flattening it row by row mixes samples,
# gluing together states of *different samples*. Here ``D*num_layers`` is 4, so row
# 0 of the result is ``h_n[0]`` of samples 0 to 3, not sample 0's states.
wrong = h_n.reshape(N, -1)
print("h_n.reshape(N, -1):", tuple(wrong.shape))  # (N, D*num_layers*H_out) = (4, 2*2*5)
assert wrong.shape == (N, 2 * 2 * H)
sample_0 = torch.cat([h_n[k, 0] for k in range(4)])  # every state of sample 0
print("row 0 is sample 0's states:  ", torch.equal(wrong[0], sample_0))
print("row 0 is h_n[0] of samples 0-3:", torch.equal(wrong[0], h_n[0, :4].flatten()))
assert not torch.equal(wrong[0], sample_0)
assert torch.equal(wrong[0], h_n[0, :4].flatten())

# %%
# Right: move the batch axis first, then flatten. Every row is then its own
# sample's states. (Or take the top layer only, as above, which is what most
# classifiers want.)
right = h_n.permute(1, 0, 2).reshape(N, -1)
own = [torch.equal(right[i], torch.cat([h_n[k, i] for k in range(4)])) for i in range(N)]
print("permute then reshape, each row is its own sample's states:", own)
assert all(own)


# %%
# The backward direction is a GRU over the reversed sequence
# ----------------------------------------------------------
# Copy each direction of each layer into its own 1-layer, forward-only GRU. The
# backward one reads the sequence flipped in time (``x.flip(1)``), and its outputs
# are flipped back; the two halves, side by side, are what the next layer reads.
def one_direction(module: nn.Module, layer: int, reverse: bool) -> nn.Module:
    """Layer ``layer``'s forward or backward direction, as a 1-layer module."""
    suffix = f"_l{layer}" + ("_reverse" if reverse else "")
    weights = {
        f"{name}_l0": getattr(module, name + suffix)
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    }
    single = type(module)(weights["weight_ih_l0"].shape[1], module.hidden_size, batch_first=True)
    single.load_state_dict(weights)
    return single


# %%
# Run layer by layer, the directions reproduce ``output`` and every row of ``h_n``,
# in the order ``layer * D + direction`` (separate calls, so compared with
# ``rtol=1e-5, atol=1e-6``).
sequence, finals = x, []
for layer in range(2):
    fwd_out, fwd_h = one_direction(gru, layer, reverse=False)(sequence)
    bwd_out, bwd_h = one_direction(gru, layer, reverse=True)(sequence.flip(1))
    finals += [fwd_h[0], bwd_h[0]]
    sequence = torch.cat((fwd_out, bwd_out.flip(1)), dim=2)
print(f"max |rebuilt - output| = {(sequence - output).abs().max().item():.2e}")
torch.testing.assert_close(sequence, output, rtol=1e-5, atol=1e-6)
torch.testing.assert_close(torch.stack(finals), h_n, rtol=1e-5, atol=1e-6)

# %%
# In particular, the backward half of the last step is the *first* step that the
# top layer's backward GRU computes (same tolerance), as said above.
diff = (bwd_out[:, 0] - output[:, -1, H:]).abs().max().item()
print(f"max |first backward step - output[:, -1, H:]| = {diff:.2e}")
torch.testing.assert_close(bwd_out[:, 0], output[:, -1, H:], rtol=1e-5, atol=1e-6)

# %%
# Bidirectional LSTM output
# -------------------------
# A BiLSTM lays out ``output`` and ``h_n`` the same way: the same shapes, the
# forward final state at the last step and the backward one at step 0.
bilstm = nn.LSTM(input_size=3, hidden_size=H, num_layers=2, batch_first=True, bidirectional=True)
lstm_output, (lstm_h_n, lstm_c_n) = bilstm(x)
print("output:", tuple(lstm_output.shape), " h_n:", tuple(lstm_h_n.shape))
print(
    "forward:  torch.equal(output[:, -1, :H], h_n[-2]):",
    torch.equal(lstm_output[:, -1, :H], lstm_h_n[-2]),
)
print(
    "backward: torch.equal(output[:, 0, H:], h_n[-1]): ",
    torch.equal(lstm_output[:, 0, H:], lstm_h_n[-1]),
)
assert (lstm_output.shape, lstm_h_n.shape) == (output.shape, h_n.shape)
assert torch.equal(lstm_output[:, -1, :H], lstm_h_n[-2])
assert torch.equal(lstm_output[:, 0, H:], lstm_h_n[-1])

# %%
# Rebuilt layer by layer as above, its directions reproduce ``output`` and every
# row of ``h_n``, and of its extra ``c_n``, in the order ``layer * D + direction``
# (``rtol=1e-5, atol=1e-6``): ``c_n`` has the shape and the order of ``h_n``.
sequence, states = x, []
for layer in range(2):
    fwd_out, (fwd_h, fwd_c) = one_direction(bilstm, layer, reverse=False)(sequence)
    bwd_out, (bwd_h, bwd_c) = one_direction(bilstm, layer, reverse=True)(sequence.flip(1))
    states += [(fwd_h[0], fwd_c[0]), (bwd_h[0], bwd_c[0])]
    sequence = torch.cat((fwd_out, bwd_out.flip(1)), dim=2)
rebuilt = (sequence, *(torch.stack(rows) for rows in zip(*states, strict=True)))
torch.testing.assert_close(rebuilt, (lstm_output, lstm_h_n, lstm_c_n), rtol=1e-5, atol=1e-6)

# %%
# No row of ``c_n`` is a half of any step of ``output``.
halves = [lstm_output[:, t, half] for t in range(L) for half in (slice(None, H), slice(H, None))]
in_output = any(torch.equal(c, half) for c in lstm_c_n for half in halves)
print("c_n:", tuple(lstm_c_n.shape), " some row of c_n is in output:", in_output)
assert lstm_c_n.shape == lstm_h_n.shape and not in_output

# %%
# Check it yourself
# -----------------
# The picture shows which cells this page read: orange cells make up ``output``
# and blue ones ``h_n``, as its legend says, and the code counts the cells tagged
# ``output`` (both rows of the top layer) and prints the step of each ``h_n`` label
# (the last for the forward rows ``h_n[0]`` and ``h_n[2]``, step 0 for the backward
# rows ``h_n[1]`` and ``h_n[3]``); the table is :func:`rnnstate.check` run on the
# same GRU.
fig = rnnstate.plot_unrolled(gru, seq_len=L)
ax = fig.axes[0]
n_output = sum("output" in str(p.get_gid()).split(":") for p in ax.patches)
steps = {t.get_text(): round(t.get_position()[0]) for t in ax.texts if "h_n" in t.get_text()}
print("cells tagged output:", n_output, " step of each h_n label:", steps)
assert n_output == 2 * L and steps == {"h_n[0]": L - 1, "h_n[1]": 0, "h_n[2]": L - 1, "h_n[3]": 0}
report = rnnstate.check(gru, x)
assert report.ok
report
