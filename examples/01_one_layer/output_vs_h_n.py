r"""
Output vs hidden state (h_n) in PyTorch
=======================================

A PyTorch GRU returns two tensors, ``output`` and ``h_n`` (often called ``hidden``,
the last hidden state). Print them and rows of one can show up in the other, so
they are easy to take for the same thing. This page shows the difference between
output and hidden, and how to get the last hidden state from either, in the
configuration of a widely copied Q&A (a unidirectional, 3-layer, ``batch_first``
GRU with ``input_size=8`` and ``hidden_size=50`` on a batch of 1024 sequences of
112 steps): ``output`` is the *top layer at every step*, ``h_n`` is *every layer at
the last step* (the :ref:`stacked-layers page
<sphx_glr_auto_examples_02_layers_stacked_layers.py>` rebuilds the layers one by
one to show both). They share exactly one slice.
"""

# %%
# Build the module and run it once, after seeding the random number generator.
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
gru = nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
x = torch.randn(1024, 112, 8)  # (N, L, H_in), because batch_first=True
output, h_n = gru(x)

# %%
# The seed fixes the weights and the input: seeding again and building again gives
# them back, equal element for element (``torch.equal``).
torch.manual_seed(0)
again = nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
same_weights = all(
    torch.equal(a, b) for a, b in zip(gru.parameters(), again.parameters(), strict=True)
)
same_input = torch.equal(x, torch.randn(1024, 112, 8))
print("same weights:", same_weights, " same input:", same_input)
assert same_weights and same_input

# %%
# ``output`` is batch-first like the input: one vector per sample and step.
print("output:", tuple(output.shape))  # (N, L, D*H_out) = (1024, 112, 1*50)
assert output.shape == (1024, 112, 50)

# %%
# ``h_n`` is *not* batch-first, although the module is: one vector per layer and
# sample (per layer and direction for a bidirectional module, as the :ref:`bidirectional
# page <sphx_glr_auto_examples_03_bidirectional_bidirectional_final_states.py>` shows).
print("h_n:", tuple(h_n.shape))  # (D*num_layers, N, H_out) = (3, 1024, 50)
assert h_n.shape == (3, 1024, 50)

# %%
# So the two are different tensors, and ``torch.equal`` says so: they do not even
# have the same shape.
same = torch.equal(output, h_n)
print("torch.equal(output, h_n):", same)
assert not same

# %%
# They meet in one place: the top layer at the last step is both the last step
# of ``output`` and the last row of ``h_n``. ``torch.equal`` checks that every
# element is equal, with no tolerance, so the two are exactly equal, not just close.
last_step = output[:, -1]  # (N, H_out): top layer, step L-1
top_layer = h_n[-1]  # (N, H_out): top layer, final state
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(last_step, top_layer))
assert torch.equal(last_step, top_layer)

# %%
# That is the only place. Compare every row of ``h_n`` with every step of
# ``output``: one pair is equal, row 2 (the top layer) with the last step. The
# lower layers' rows, ``h_n[0]`` and ``h_n[1]``, equal no step of ``output``.
pairs = [
    (k, t) for k in range(3) for t in range(output.shape[1]) if torch.equal(h_n[k], output[:, t])
]
print("(row of h_n, step of output) pairs that are equal:", pairs)
assert pairs == [(2, 111)]

# %%
# Why the question's printout looked like a transpose
# ---------------------------------------------------
# With a sequence of *one* step, ``output`` has a single step, and it is the top
# layer's final state. The asker's module was not ``batch_first``, so their
# ``output`` printed as ``(1, N, H_out)`` right next to ``h_n`` of shape
# ``(num_layers, N, H_out)``, and its rows reappeared as ``h_n``'s last slice. The
# same weights without ``batch_first`` show it: nothing is transposed, ``L`` is 1.
seq_first = nn.GRU(input_size=8, hidden_size=50, num_layers=3)
seq_first.load_state_dict(gru.state_dict())
short_output, short_h_n = seq_first(x[:, :1].transpose(0, 1))  # (L=1, N, H_in)
print("output:", tuple(short_output.shape), " h_n:", tuple(short_h_n.shape))
print("torch.equal(output[0], h_n[-1]):", torch.equal(short_output[0], short_h_n[-1]))
assert short_output.shape == (1, 1024, 50) and short_h_n.shape == (3, 1024, 50)
assert torch.equal(short_output[0], short_h_n[-1])

# %%
# Check it yourself
# -----------------
# The picture shows which cells of the unrolled GRU this page read, drawn for 6 of
# its 112 steps: orange cells make up ``output`` and blue ones ``h_n``, as its
# legend says, and the code counts the cells tagged with each (one per step, one
# per layer); the table is :func:`rnnstate.check` run on the same module.
fig = rnnstate.plot_unrolled(gru, seq_len=6)
tags = [str(p.get_gid()).split(":") for p in fig.axes[0].patches]
counts = {tag: sum(tag in cell for cell in tags) for tag in ("output", "h_n")}
print("cells tagged:", counts)
assert counts == {"output": 6, "h_n": gru.num_layers}
report = rnnstate.check(gru, x)
assert report.ok
report
