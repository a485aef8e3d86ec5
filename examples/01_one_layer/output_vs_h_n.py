r"""
The difference between output and hidden (h_n)
===============================================

A GRU returns two tensors, ``output`` and ``h_n`` (often called ``hidden``), and they
are easy to mistake for one another: print them and rows of one show up in the
other. This page takes the
configuration from a widely copied Q&A (a unidirectional, 3-layer, ``batch_first``
GRU with ``input_size=8`` and ``hidden_size=50`` on a batch of 1024 sequences of 112
steps) and shows what each tensor holds: ``output`` is the *top layer at every
step*, ``h_n`` is *every layer at the last step*. They share exactly one slice.
"""

# %%
# Build the module and run it once. The seed makes every number on this page
# the same each time the site is built.
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
gru = nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
x = torch.randn(1024, 112, 8)  # (N, L, H_in), because batch_first=True
output, h_n = gru(x)

# %%
# ``output`` is batch-first like the input: one vector per sample and step,
# taken from the top layer.
print("output:", tuple(output.shape))  # (N, L, D*H_out) = (1024, 112, 1*50)
assert output.shape == (1024, 112, 50)

# %%
# ``h_n`` is *not* batch-first, whatever ``batch_first`` says: one vector per
# layer (times direction) and sample, taken at the last step.
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
# of ``output`` and the last entry of ``h_n``. The equality is exact (bitwise):
# it is the same number, stored twice.
last_step = output[:, -1]  # (N, H_out): top layer, step L-1
top_layer = h_n[-1]  # (N, H_out): top layer, final state
print("torch.equal(output[:, -1], h_n[-1]):", torch.equal(last_step, top_layer))
assert torch.equal(last_step, top_layer)

# %%
# The two lower layers, ``h_n[0]`` and ``h_n[1]``, never reach ``output``: no
# step of ``output`` equals them.
for layer in (0, 1):
    in_output = any(torch.equal(output[:, t], h_n[layer]) for t in range(output.shape[1]))
    print(f"h_n[{layer}] appears in output: {in_output}")
    assert not in_output

# %%
# Why the question's printout looked like a transpose
# ---------------------------------------------------
# With a sequence of *one* step, ``output`` has a single step, which is the top
# layer's final state. Printed as ``(1, N, H)`` next to ``h_n`` of shape
# ``(3, N, H)``, its rows reappear as ``h_n``'s last slice: it looks like one
# tensor is a rearrangement of the other, yet it is just ``L = 1``.
short_output, short_h_n = gru(x[:, :1])
print("output:", tuple(short_output.shape), " h_n:", tuple(short_h_n.shape))
print("torch.equal(output[:, 0], h_n[-1]):", torch.equal(short_output[:, 0], short_h_n[-1]))
assert torch.equal(short_output[:, 0], short_h_n[-1])

# %%
# The unrolled network
# --------------------
# Columns are time steps, rows are layers (drawn for 6 steps; the module above ran
# 112). The orange row is ``output``; the blue cells, where each layer ends, are
# ``h_n``. They overlap in one cell: ``h_n[2]``.
fig = rnnstate.plot_unrolled(gru, seq_len=6)

# %%
# Every identity, checked
# -----------------------
# :func:`rnnstate.check` runs the module once and evaluates every identity that
# holds between ``output`` and ``h_n`` for this configuration, showing the exact
# expression it ran.
report = rnnstate.check(gru, x)
assert report.ok
report
