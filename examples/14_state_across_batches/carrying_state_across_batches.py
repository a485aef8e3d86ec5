r"""
Hidden state across batches: truncated backpropagation through time
===================================================================

To keep an LSTM's memory from one batch to the next, feed ``(h_n, c_n)`` of each
batch back as ``(h_0, c_0)`` of the next. Done naively, the second
``loss.backward()`` fails with "Trying to backward through the graph a second
time". This page reproduces that error and fixes it with ``.detach()`` (on both
``h`` and ``c``), measures which inputs receive gradient with and without the
detach, and then fixes the other errors of the same loop: the last, smaller
batch whose ``h_0`` no longer fits, and an ``h_0`` of the wrong dtype. An ``h_0``
on the wrong device needs a GPU to show; the page tries that error and its fix
only where torch sees one.
"""

# %%
# A stream cut into batches
# -------------------------
# Four streams, each cut into chunks of 6 steps; each batch holds the next
# chunk of all four, so row ``i`` of every batch continues row ``i`` of the one
# before. That is what makes carrying the state meaningful.
import textwrap

import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
lstm = nn.LSTM(input_size=3, hidden_size=5, batch_first=True)
stream = torch.randn(4, 18, 3)  # (N, total steps, H_in)
batches = stream.split(6, dim=1)  # three batches of (4, 6, 3)
print("batches:", [tuple(b.shape) for b in batches])
assert [tuple(b.shape) for b in batches] == [(4, 6, 3)] * 3

# %%
# Trying to backward through the graph a second time
# --------------------------------------------------
# Carrying ``state`` as it comes out of the module works for the first batch and
# fails at the second ``backward()``: the list below records each call that
# returned before the error. The state still belongs to the first batch's
# graph, which the first ``backward()`` has already freed.
state, message, returned = None, "", []
try:
    for x in batches:
        output, state = lstm(x, state)
        returned.append("forward")
        output.pow(2).mean().backward()
        returned.append("backward")
except RuntimeError as error:
    message = str(error)
print("calls that returned:", returned)
print(textwrap.fill("then RuntimeError: " + message, 88))
assert returned == ["forward", "backward", "forward"]
assert "Trying to backward through the graph a second time" in message

# %%
# Detaching only ``h`` is not enough for an LSTM: ``c`` still leads back into
# the previous batch's graph, and the same error comes back.
state, message = None, ""
try:
    for x in batches:
        output, (h, c) = lstm(x, state)
        output.pow(2).mean().backward()
        state = (h.detach(), c)  # c still attached
except RuntimeError as error:
    message = str(error)
print("RuntimeError:", message.split(" (")[0], "...")
assert "Trying to backward through the graph a second time" in message

# %%
# The fix: detach both
# --------------------
# Detach ``h`` and ``c`` after each batch; :func:`rnnstate.detach_state` does
# both. The values carry on (the detached pair equals the pair the module
# returned, asserted); the gradient stops at the edge of the batch (the next
# section measures it).
state = None
for x in batches:
    output, returned_state = lstm(x, state)
    output.pow(2).mean().backward()
    state = rnnstate.detach_state(returned_state, lstm)
print("every batch ran; carried h and c require grad:", [s.requires_grad for s in state])
assert [s.requires_grad for s in state] == [False, False]
assert all(torch.equal(d, s) for d, s in zip(state, returned_state, strict=True))

# %%
# :func:`rnnstate.detach_state` also checks that the pair fits the module: an
# ``h`` cut to 2 samples with a ``c`` of 4 is refused with a ValueError that says
# so, before the module sees it.
message = ""
try:
    rnnstate.detach_state((state[0][:, :2], state[1]), lstm)
except ValueError as error:
    message = str(error)
print(textwrap.fill("ValueError: " + message, 88))
assert "h has shape (1, 2, 5) and c has shape (1, 4, 5)" in message

# %%
# What the detach changes in the gradient
# ---------------------------------------
# Run two batches and ask autograd how much gradient the second batch's loss
# sends to each step of each batch's input. First with the state attached:
first = batches[0].clone().requires_grad_()
second = batches[1].clone().requires_grad_()
_, attached = lstm(first)
output, _ = lstm(second, attached)
g_first, g_second = torch.autograd.grad(output.pow(2).mean(), [first, second])
print("|grad| into each step of batch 1:", " ".join(f"{v:.1e}" for v in g_first.norm(dim=(0, 2))))
assert bool((g_first.norm(dim=(0, 2)) > 0).all())

# %%
# Then with the carried state detached: the first batch's input is not in the
# second batch's graph at all, so autograd returns ``None`` for it, and the
# second batch's own gradient is unchanged (asserted with zero tolerance).
_, carried = lstm(first)
output, _ = lstm(second, rnnstate.detach_state(carried, lstm))
d_first, d_second = torch.autograd.grad(output.pow(2).mean(), [first, second], allow_unused=True)
print("gradient into batch 1:", d_first)
assert d_first is None
torch.testing.assert_close(d_second, g_second, rtol=0, atol=0)

# %%
# Without the detach, every step of the first batch gets a gradient from the
# second batch's loss, the smaller the further back the step is. Detaching only
# cuts that path into earlier batches.
norms = g_first.norm(dim=(0, 2))
print("each step's |grad| larger than the step before it:", bool((norms[1:] > norms[:-1]).all()))
assert bool((norms[1:] > norms[:-1]).all())

# %%
# ``backward(retain_graph=True)`` also makes the error go away, but it leaves the
# state attached (the carried ``h`` still requires grad, below), so each
# ``backward()`` runs back through the earlier batches again, along the attached
# path measured above.
state = None
for x in batches:
    output, state = lstm(x, state)
    output.pow(2).mean().backward(retain_graph=True)
print("retain_graph=True ran; the carried h still requires grad:", state[0].requires_grad)
assert state[0].requires_grad

# %%
# The last batch is smaller
# -------------------------
# A ``DataLoader`` over 10 samples in batches of 4 ends with a batch of 2, and
# the carried state, made for 4, no longer fits it.
from torch.utils.data import DataLoader

loader = DataLoader(torch.randn(10, 6, 3), batch_size=4)
state, message = None, ""
try:
    for x in loader:
        output, state = lstm(x, state)
        state = rnnstate.detach_state(state, lstm)
except RuntimeError as error:
    message = str(error)
print(f"batch of {len(x)}: RuntimeError:", message)
assert "Expected hidden[0] size (1, 2, 5), got [1, 4, 5]" in message

# %%
# One fix: keep the first ``len(x)`` rows of the state. The state's batch axis is
# axis 1; :func:`rnnstate.slice_state` slices it there, for ``h`` and ``c``
# together: its result equals ``h[:, :2]`` and ``c[:, :2]`` (asserted).
full = rnnstate.detach_state(lstm(batches[0])[1], lstm)  # h and c, (1, 4, 5) each
sliced = rnnstate.slice_state(full, lstm, 2)
print("sliced h and c:", [tuple(s.shape) for s in sliced])
assert all(torch.equal(s, f[:, :2]) for s, f in zip(sliced, full, strict=True))

# %%
# The state's batch axis does not follow ``batch_first``: the same LSTM built
# with ``batch_first=False`` and given the same batch, time first, returns a
# state of the same shape, batch on axis 1, and
# :func:`rnnstate.slice_state` keeps the same rows of it.
time_first = nn.LSTM(input_size=3, hidden_size=5)  # batch_first=False
time_first.load_state_dict(lstm.state_dict())
full_tf = rnnstate.detach_state(time_first(batches[0].transpose(0, 1))[1], time_first)
print("h_n, batch_first=True then False:", tuple(full[0].shape), tuple(full_tf[0].shape))
sliced_tf = rnnstate.slice_state(full_tf, time_first, 2)
assert full_tf[0].shape == full[0].shape == (1, 4, 5)
assert all(torch.equal(s, f[:, :2]) for s, f in zip(sliced_tf, full_tf, strict=True))

# %%
# In the loop, slice only when the batch is smaller than the state:
state = None
for x in loader:
    if state is not None and len(x) < state[0].shape[1]:
        state = rnnstate.slice_state(state, lstm, len(x))
    output, state = lstm(x, state)
    state = rnnstate.detach_state(state, lstm)
last = x
print("last batch:", tuple(last.shape), " its h_n:", tuple(state[0].shape))
assert state[0].shape == (1, 2, 5) and state[1].shape == (1, 2, 5)

# %%
# Slicing hands sample ``i`` of the previous batch's state to sample ``i`` of the
# small batch (the rows kept are the first ones, asserted above), which is right
# only if the loader lines the streams up that way, as the stream batches above
# do. When the batches hold unrelated sequences, there is nothing to carry:
# start each batch from ``None``. Or drop the small batch: ``drop_last=True``
# leaves only full batches.
sizes = [len(x) for x in DataLoader(torch.randn(10, 6, 3), batch_size=4, drop_last=True)]
print("batch sizes with drop_last=True:", sizes)
assert sizes == [4, 4]

# %%
# An initial state of the wrong dtype
# -----------------------------------
# An ``h_0`` in float64 for a float32 module raises a RuntimeError. With the
# torch that built this page its message (below) names a dtype problem but not
# ``h_0``.
x = batches[0]
h_0 = torch.zeros(1, 4, 5, dtype=torch.float64)
c_0, message = torch.zeros(1, 4, 5), ""
try:
    lstm(x, (h_0, c_0))
except RuntimeError as error:
    message = str(error)
print("RuntimeError:", message)
assert "dtype" in message and "h_0" not in message

# %%
# The fix is to make the state where the input is: ``x.new_zeros`` takes the
# input's dtype and device, or convert with ``h_0.to(x)``.
h_0 = x.new_zeros(1, 4, 5)
output, (h_n, c_n) = lstm(x, (h_0, c_0))
converted, _ = lstm(x, (torch.zeros(1, 4, 5, dtype=torch.float64).to(x), c_0))
print("h_0:", h_0.dtype, h_0.device, " same result either way:", torch.equal(output, converted))
assert (h_0.dtype, h_0.device) == (x.dtype, x.device) and torch.equal(output, converted)

# %%
# An initial state on the wrong device
# ------------------------------------
# A state on another device than the module's weights is the other mismatch.
# Showing its error needs a second device: the cell below tries it only where
# torch sees a CUDA GPU, and prints what happened there. The output says
# whether the machine that built this page had one.
if torch.cuda.is_available():
    try:
        lstm(x, (h_0.cuda(), c_0.cuda()))
    except RuntimeError as error:
        print("RuntimeError:", error)
    else:
        print("no error")
else:
    print("torch.cuda.is_available():", torch.cuda.is_available(), "- no second device here")

# %%
# The same fix is meant to cover it: ``h_0.to(x)`` converts the state to the
# input's dtype and device (`Tensor.to
# <https://docs.pytorch.org/docs/stable/generated/torch.Tensor.to.html>`__ with a
# tensor argument takes that tensor's dtype and device), and ``x.new_zeros``
# makes it there. The dtype half ran above. The device half runs only where
# torch sees a CUDA GPU: the cell below then moves the state there and back
# with ``.to(x)`` and asserts that the call gives the output above; without a
# GPU it runs nothing, and this page shows no device fix.
if torch.cuda.is_available():
    moved, _ = lstm(x, (h_0.cuda().to(x), c_0.cuda().to(x)))
    print("with .to(x), same output as above:", torch.equal(moved, output))
    assert torch.equal(moved, output)
else:
    print("torch.cuda.is_available():", torch.cuda.is_available(), "- device fix not run here")

# %%
# :mod:`rnnstate` has no helper for this one: ``.to(x)`` already is the one-line
# fix.
#
# Check it yourself
# -----------------
# The picture shows the cells whose states this page carried from batch to
# batch; the table is :func:`rnnstate.check` run on the same module, with a
# carried state as ``h_0``.
fig = rnnstate.plot_unrolled(lstm, seq_len=6)
report = rnnstate.check(lstm, last, state)
assert report.ok
report
