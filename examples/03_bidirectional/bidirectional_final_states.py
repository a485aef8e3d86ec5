r"""
Bidirectional final states: forward at the end, backward at the start
=====================================================================

A bidirectional module runs a second, backward pass over each sequence, from the
last step to the first. Each step of ``output`` is ``[forward | backward]``, ``H_out``
features each; ``h_n`` stacks the directions *inside* each layer, so index
``layer * D + direction`` (0 forward, 1 backward) and ``h_n[-1]`` is the top layer's
*backward* state. The backward pass ends at step 0, so its final state is
``output[:, 0, H_out:]``, not anything at step ``-1``. This page shows where each
final state is, what a classifier should take, and two common wrong answers.
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
# axes: ``[-1, 0]`` is the top forward, ``[-1, 1]`` the top backward state.
# :func:`rnnstate.split_hidden` is the same view, checked against the module.
by_layer = h_n.view(2, 2, N, H)
assert torch.equal(by_layer, rnnstate.split_hidden(h_n, gru))
print("h_n[-1] is the top layer's backward state:", torch.equal(h_n[-1], by_layer[-1, 1]))
print("h_n[-2] is the top layer's forward state: ", torch.equal(h_n[-2], by_layer[-1, 0]))
assert torch.equal(h_n[-1], by_layer[-1, 1]) and torch.equal(h_n[-2], by_layer[-1, 0])

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
# At the last step, the backward half is the backward direction's *first* step,
# having seen one input only. It is not its final state.
print("torch.equal(output[:, -1, H:], h_n[-1]):", torch.equal(output[:, -1, H:], h_n[-1]))
assert not torch.equal(output[:, -1, H:], h_n[-1])

# %%
# So ``output[:, -1]`` is not "the final state of both directions"
# ----------------------------------------------------------------
# Half of it is right (forward), half is not (backward after one step).
last_step = output[:, -1]
both_finals = torch.cat((h_n[-2], h_n[-1]), dim=1)
print("torch.equal(output[:, -1], cat(h_n[-2], h_n[-1])):", torch.equal(last_step, both_finals))
print(f"max difference: {(last_step - both_finals).abs().max().item():.3f}")
assert not torch.equal(last_step, both_finals)

# %%
# The classifier feature
# ----------------------
# What a classifier wants is the top layer's forward *and* backward final state:
# ``torch.cat((h_n[-2], h_n[-1]), dim=1)``, shape ``(N, 2 * H_out)``. It equals the
# same two halves read from ``output``, and :func:`rnnstate.final_state` and
# :func:`rnnstate.last_output` give it from either tensor.
feature = torch.cat((h_n[-2], h_n[-1]), dim=1)
from_output = torch.cat((output[:, -1, :H], output[:, 0, H:]), dim=1)
print(
    "feature:",
    tuple(feature.shape),
    " equals the halves of output:",
    torch.equal(feature, from_output),
)
assert torch.equal(feature, from_output)
assert torch.equal(feature, rnnstate.final_state(h_n, gru))
assert torch.equal(feature, rnnstate.last_output(output, gru))

# %%
# Wrong: ``h_n.reshape(N, -1)``
# -----------------------------
# It has the right shape for a classifier, ``(N, D*num_layers*H_out)``, but
# ``h_n`` is ``(D*num_layers, N, H_out)``: flattening it row by row glues together
# states of *different samples*. Row 0 of the result is not sample 0's states.
wrong = h_n.reshape(N, -1)
sample_0 = torch.cat([h_n[k, 0] for k in range(4)])  # every state of sample 0
print("reshape:", tuple(wrong.shape), " row 0 is sample 0:", torch.equal(wrong[0], sample_0))
print(
    "row 0 of the reshape is h_n[0] for samples 0..3:", torch.equal(wrong[0], h_n[0, :4].flatten())
)
assert not torch.equal(wrong[0], sample_0)
assert torch.equal(wrong[0], h_n[0, :4].flatten())

# %%
# Right: move the batch axis first, then flatten. (Or take the top layer only,
# as above, which is what most classifiers want.)
right = h_n.permute(1, 0, 2).reshape(N, -1)
print("permute then reshape, row 0 is sample 0:", torch.equal(right[0], sample_0))
assert torch.equal(right[0], sample_0)

# %%
# The backward direction is a GRU over the reversed sequence
# ----------------------------------------------------------
# Running a forward 1-layer GRU with the backward weights over ``x.flip(1)``
# reproduces the bottom layer's backward states in reverse order (a separate call,
# so compared with a tolerance).
reverse = nn.GRU(3, H, batch_first=True)
for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
    getattr(reverse, f"{name}_l0").data.copy_(getattr(gru, f"{name}_l0_reverse"))
rev_output, rev_h_n = reverse(x.flip(1))
diff = (rev_h_n[0] - h_n[1]).abs().max().item()
print(f"max |backward final of layer 0 - forward GRU on x.flip(1)| = {diff:.2e}")
torch.testing.assert_close(rev_h_n[0], h_n[1], rtol=1e-5, atol=1e-6)

# %%
# Bidirectional LSTM output
# -------------------------
# An LSTM lays out ``output`` and ``h_n`` exactly the same way; its extra ``c_n`` is
# split like ``h_n`` (``c_n[-2]`` forward, ``c_n[-1]`` backward) and never appears
# in ``output``.
bilstm = nn.LSTM(input_size=3, hidden_size=H, num_layers=2, batch_first=True, bidirectional=True)
lstm_output, (lstm_h_n, lstm_c_n) = bilstm(x)
print(
    "output:",
    tuple(lstm_output.shape),
    " h_n:",
    tuple(lstm_h_n.shape),
    " c_n:",
    tuple(lstm_c_n.shape),
)
print(
    "forward:  torch.equal(output[:, -1, :H], h_n[-2]):",
    torch.equal(lstm_output[:, -1, :H], lstm_h_n[-2]),
)
print(
    "backward: torch.equal(output[:, 0, H:], h_n[-1]): ",
    torch.equal(lstm_output[:, 0, H:], lstm_h_n[-1]),
)
assert torch.equal(lstm_output[:, -1, :H], lstm_h_n[-2])
assert torch.equal(lstm_output[:, 0, H:], lstm_h_n[-1])

# %%
# The picture and the checks
# --------------------------
# Forward rows end on the right, backward rows (arrows pointing left) on the left.
fig = rnnstate.plot_unrolled(gru, seq_len=L)

# %%
report = rnnstate.check(gru, x)
assert report.ok
report
