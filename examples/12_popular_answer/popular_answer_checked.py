r"""
The popular answer on GRU output and hidden state, checked claim by claim
=========================================================================

A question copied across Q&A sites, titled "Pytorch 中 GRU 单元的隐藏和输出是否相同?"
("Are the hidden state and the output of a GRU in PyTorch the same?"), asks why a
GRU's ``output`` and ``hidden`` look like transposes of each other. The widely
copied answer explains the layout with ``h_n.view(num_layers, num_directions,
batch, hidden_size)`` and a series of ``torch.equal`` checks. Most of them are
right; three of its lines fail when run (a ``SyntaxError``, a ``TypeError`` and an
``IndexError``), one claims ``True`` where the result is ``False``, and its general
recipe fails for an LSTM. Each claim is run below with its real result, at the
answer's own sizes (the LSTM and RNN checks on 4 of its 1024 samples, to keep
the build fast).
"""

# %%
import torch
from torch import nn

import rnnstate

torch.manual_seed(0)
inp = torch.randn(1024, 112, 8)

# %%
# Claim: ``output`` and ``h_n`` are not the same tensor. **Right.**
gru = nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
out, hn = gru(inp)
print("torch.equal(out, hn):", torch.equal(out, hn))
assert not torch.equal(out, hn)

# %%
# Claim: ``hn.view(num_layers, num_directions, batch, hidden_size)`` separates
# layers and directions, here ``hn.view(3, 1, 1024, 50)``, and the last step of
# ``out`` is ``hn_conceptual_view[-1, 0]``. **Right**, and it does not depend on
# ``batch_first``, which does not apply to ``h_n`` (see the :ref:`batch_first page
# <sphx_glr_auto_examples_06_batch_first_batch_first_and_unbatched.py>`).
hn_conceptual_view = hn.view(3, 1, 1024, 50)
last_equal = torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :])
print("torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :]):", last_equal)
assert torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :])

# %%
# The bidirectional example
# -------------------------
# Claim: the module is built with ``nn.GRU(input_size = 8, hidden_size = 50,
# num_layers = 3, batch_first = True bidirectional = True)``.
# **Wrong as written:** a comma is missing, so it does not parse.
line = "gru = nn.GRU(input_size = 8, hidden_size = 50, num_layers = 3, batch_first = True bidirectional = True)"  # noqa: E501
try:
    compile(line, "<answer>", "exec")
except SyntaxError as error:
    print("SyntaxError:", error.msg)
else:
    raise AssertionError("the line parsed")

# %%
# With the comma added it runs, and the rest of the section can be checked.
gru = nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True, bidirectional=True)
out, hn = gru(inp)
hn_conceptual_view = hn.view(3, 2, 1024, 50)
print("out:", tuple(out.shape), " hn:", tuple(hn.shape))

# %%
# Claim: ``torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :])`` is ``False``
# because the shapes differ, ``(1024, 100)`` against ``(1024, 50)``. **Right.**
shapes = tuple(out[:, -1].shape), tuple(hn_conceptual_view[-1, 0, :, :].shape)
print("torch.equal:", torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :]), " shapes:", shapes)
assert not torch.equal(out[:, -1], hn_conceptual_view[-1, 0, :, :])
assert shapes == ((1024, 100), (1024, 50))

# %%
# Claim: the forward direction's final state is the first 50 features of the last
# step: ``torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 0, :, :])`` is ``True``.
# **Right.**
forward_equal = torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 0, :, :])
print("torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 0, :, :]):", forward_equal)
assert torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 0, :, :])

# %%
# Claim: ``torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 1, :, :])`` is ``True``
# for the backward direction. **Wrong: it is False.** ``out[:, -1, :50]`` is the
# *forward* state; the backward direction's final state is the *second* half of
# step *0*, ``out[:, 0, 50:]``, which the answer's general section gets right.
claimed = torch.equal(out[:, -1, :50], hn_conceptual_view[-1, 1, :, :])
corrected = torch.equal(out[:, 0, 50:], hn_conceptual_view[-1, 1, :, :])
print("as written: ", claimed)
print("corrected, torch.equal(out[:, 0, 50:], hn_conceptual_view[-1, 1, :, :]):", corrected)
assert not claimed and corrected

# %%
# The general recipe
# ------------------
# Claim: the module is built with ``nn.RECURRENT_MODULE(num_layers = X,
# hidden_state = H, batch_first = True)``. **Wrong:** the argument is
# ``hidden_size``, and ``input_size`` is required too.
tries = ({"hidden_state": 50}, "hidden_state"), ({"hidden_size": 50}, "input_size")
for kwargs, named in tries:  # as written; then hidden_size, still without input_size
    try:
        nn.GRU(num_layers=3, batch_first=True, **kwargs)
    except TypeError as error:
        message = str(error)
    else:
        raise AssertionError(f"{kwargs} without input_size was accepted")
    print("TypeError:", message)
    assert named in message

# %%
# Claim: with ``S`` the sequence length, ``torch.equal(output[:, S, :],
# hn_conceptual_view[-1, 0, :, :])`` is ``True``. **Wrong:** indices run from 0 to
# ``S - 1``, so index ``S`` is out of range. The last step is ``-1`` (or ``S - 1``).
S = inp.shape[1]
try:
    out[:, S, :]
except IndexError as error:
    print("IndexError:", error)
else:
    raise AssertionError("index S was accepted")

# %%
# Claim: for a bidirectional module, ``torch.equal(output[:, S, :H], ...)`` for the
# forward state (the same ``IndexError``; ``output[:, -1, :H]`` is right, as above)
# and ``torch.equal(output[:, 0, H:], hn_conceptual_view[-1, 1, :, :])`` for the
# backward one. **Right** (the second).
backward_equal = torch.equal(out[:, 0, 50:], hn_conceptual_view[-1, 1, :, :])
print("torch.equal(output[:, 0, H:], hn_conceptual_view[-1, 1, :, :]):", backward_equal)
assert torch.equal(out[:, 0, 50:], hn_conceptual_view[-1, 1, :, :])

# %%
# Claim: ``RECURRENT_MODULE`` can be a GRU or an LSTM in ``output, hn =
# rnn_module(inp)``. **Only for a GRU (or RNN):** an LSTM returns ``(h_n, c_n)`` as
# its second value, so ``hn.view`` raises an ``AttributeError``. (Here on 4 of
# the 1024 samples.)
lstm = nn.LSTM(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
output, hn = lstm(inp[:4])
try:
    hn.view(3, 1, 4, 50)  # type: ignore[attr-defined]
except AttributeError as error:
    print("AttributeError:", error)
else:
    raise AssertionError("a tuple had .view")

# %%
# Unpacking ``output, (hn, cn)`` fixes it for the LSTM; an ``nn.RNN`` returns one
# tensor, like the GRU, so the recipe works for it as written.
hn, cn = hn  # the pair that output, (hn, cn) = lstm(inp) unpacks
rnn = nn.RNN(input_size=8, hidden_size=50, num_layers=3, batch_first=True)
rnn_out, rnn_hn = rnn(inp[:4])
lstm_ok = torch.equal(output[:, -1], hn.view(3, 1, 4, 50)[-1, 0])
rnn_ok = torch.equal(rnn_out[:, -1], rnn_hn.view(3, 1, 4, 50)[-1, 0])
print("LSTM with output, (hn, cn):", lstm_ok, " RNN as written:", rnn_ok)
assert lstm_ok and rnn_ok

# %%
# The question itself
# -------------------
# The asker saw rows of ``output`` reappear in ``hidden`` and asked whether they
# are transposes. Their printout has ``output`` with one step next to a ``hidden``
# with two layers: with a sequence of length 1, ``output``'s only step *is* the top
# layer's final state. Nothing is transposed. (The printout does not show every
# size; those below are ours.)
asker = nn.GRU(input_size=8, hidden_size=50, num_layers=2)
rnn_output, hidden = asker(torch.randn(1, 6, 8))  # L = 1, N = 6
print("rnn_output:", tuple(rnn_output.shape), " hidden:", tuple(hidden.shape))
print("torch.equal(rnn_output[0], hidden[-1]):", torch.equal(rnn_output[0], hidden[-1]))
assert torch.equal(rnn_output[0], hidden[-1])

# %%
# Check it yourself
# -----------------
# The picture shows which cells of the answer's bidirectional GRU this page read
# (drawn for 6 of its 112 steps); the table is :func:`rnnstate.check` run on the
# same module at its full size.
fig = rnnstate.plot_unrolled(gru, seq_len=6)
report = rnnstate.check(gru, inp)
assert report.ok
report
