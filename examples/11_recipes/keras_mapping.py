r"""
From Keras: return_sequences, return_state and Bidirectional in PyTorch
=======================================================================

Keras' recurrent layers choose what to return with flags; PyTorch's modules
return everything and you pick. Keras 3 runs on PyTorch itself
(``KERAS_BACKEND=torch``), so this page runs Keras' ``LSTM`` and ``GRU`` next to
``nn.LSTM`` and ``nn.GRU`` holding the same weights, and shows which Keras
output is which PyTorch tensor: ``return_sequences=True`` and ``output``,
``return_state=True`` and the last hidden state ``h_n`` (and ``c_n``), stacked
layers and ``num_layers``, ``Bidirectional`` and ``h_n[-2]``/``h_n[-1]``,
``Masking``/``mask_zero`` and packed sequences of variable length, and
``stateful=True`` and feeding ``h_n`` back as ``h_0``.
"""

# %%
# Keras on the torch backend
# --------------------------
# The script sets ``KERAS_BACKEND`` to ``torch`` before importing Keras, as
# `Keras' documentation <https://keras.io/getting_started/#configuring-your-backend>`__
# says to; the cell asserts that Keras then runs on the torch backend and that
# TensorFlow was never imported.
import os
import sys

# Before keras is imported: Keras 3 then runs on PyTorch (pip install keras).
os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

keras.utils.set_random_seed(0)  # Keras' weight initialisers
torch.manual_seed(0)
N, L, H_in, H = 4, 7, 3, 5
x = torch.randn(N, L, H_in)  # Keras is batch-major: compare with batch_first=True
print("Keras", keras.__version__, "on the", keras.backend.backend(), "backend")
assert os.environ["KERAS_BACKEND"] == "torch" and keras.backend.backend() == "torch"
assert "tensorflow" not in sys.modules

# %%
# The two frameworks compute the same function with different code, so values
# are compared with ``torch.testing.assert_close`` at ``rtol=1e-5, atol=1e-6``,
# and the largest difference is printed. Each PyTorch module gets the Keras
# layer's weights with ``rnnstate.from_keras_weights`` (the next page,
# :ref:`sphx_glr_auto_examples_11_recipes_keras_weights.py`, does it by hand).


def max_diff(keras_value: torch.Tensor, torch_value: torch.Tensor) -> str:
    """Assert that the two agree to rtol=1e-5, atol=1e-6; give the largest difference."""
    torch.testing.assert_close(keras_value, torch_value, rtol=1e-5, atol=1e-6)
    return f"{(keras_value - torch_value).abs().max().item():.1e}"


# %%
# LSTM: return_sequences and return_state
# ---------------------------------------
# ``LSTM(H, return_sequences=True, return_state=True)`` returns the sequence, the
# last hidden state ``h`` and the cell state ``c``. They are ``output``, ``h_n[-1]``
# and ``c_n[-1]`` of ``nn.LSTM(batch_first=True)``; Keras' states have no leading
# axis for layers and directions.
keras_lstm = keras.layers.LSTM(H, return_sequences=True, return_state=True)
sequence, h, c = keras_lstm(x)
lstm = nn.LSTM(H_in, H, batch_first=True)
rnnstate.from_keras_weights(lstm, keras_lstm.get_weights())
output, (h_n, c_n) = lstm(x)
print("Keras:   sequence", tuple(sequence.shape), " h", tuple(h.shape), " c", tuple(c.shape))
print("PyTorch: output  ", tuple(output.shape), " h_n", tuple(h_n.shape), " c_n", tuple(c_n.shape))
assert sequence.shape == output.shape == (N, L, H)
assert h.shape == c.shape == h_n[-1].shape == c_n[-1].shape == (N, H)

# %%
# Same values, to the stated tolerance:
print("sequence vs output: ", max_diff(sequence, output))
print("h vs h_n[-1]:       ", max_diff(h, h_n[-1]))
print("c vs c_n[-1]:       ", max_diff(c, c_n[-1]))

# %%
# In each framework the last hidden state is the last step of its own sequence,
# bitwise: Keras' ``h`` is ``sequence[:, -1]`` as PyTorch's ``h_n[-1]`` is
# ``output[:, -1]``.
print("Keras:   torch.equal(h, sequence[:, -1]):", torch.equal(h, sequence[:, -1]))
print("PyTorch: torch.equal(h_n[-1], output[:, -1]):", torch.equal(h_n[-1], output[:, -1]))
assert torch.equal(h, sequence[:, -1]) and torch.equal(h_n[-1], output[:, -1])

# %%
# With neither flag, ``LSTM(H)`` returns that last step alone, ``(N, H)``.
plain = keras.layers.LSTM(H)
plain.build(x.shape)
plain.set_weights(keras_lstm.get_weights())
last = plain(x)
print("LSTM(H):", tuple(last.shape), " vs output[:, -1]:", max_diff(last, output[:, -1]))
assert last.shape == (N, H)

# %%
# GRU: the same, without c
# ------------------------
# A Keras ``GRU`` (``reset_after=True``, its default) returns the sequence and
# ``h`` only: ``output`` and ``h_n[-1]`` of ``nn.GRU``.
keras_gru = keras.layers.GRU(H, return_sequences=True, return_state=True)
sequence, h = keras_gru(x)
gru = nn.GRU(H_in, H, batch_first=True)
rnnstate.from_keras_weights(gru, keras_gru.get_weights())
output, h_n = gru(x)
print("Keras:   sequence", tuple(sequence.shape), " h", tuple(h.shape))
print("PyTorch: output  ", tuple(output.shape), " h_n", tuple(h_n.shape))
print("sequence vs output:", max_diff(sequence, output), " h vs h_n[-1]:", max_diff(h, h_n[-1]))
assert keras_gru.reset_after and torch.equal(h, sequence[:, -1])

# %%
# Stacked layers and num_layers
# -----------------------------
# Keras stacks recurrent layers one by one. Two stacked ``LSTM`` layers (the
# first returning sequences) are one ``nn.LSTM(num_layers=2)``, and the states each
# Keras layer returns are its rows of ``h_n`` and ``c_n``: the first layer's ``h, c``
# are ``h_n[0], c_n[0]``, the second's ``h_n[1], c_n[1]``.
first = keras.layers.LSTM(H, return_sequences=True, return_state=True)
second = keras.layers.LSTM(H, return_sequences=True, return_state=True)
sequence_1, h_1, c_1 = first(x)
sequence_2, h_2, c_2 = second(sequence_1)
stacked = nn.LSTM(H_in, H, num_layers=2, batch_first=True)
rnnstate.from_keras_weights(stacked, first.get_weights() + second.get_weights())
output, (h_n, c_n) = stacked(x)
print("second layer's sequence vs output:", max_diff(sequence_2, output))

# %%
# Same values, layer by layer:
print("h_1 vs h_n[0]:", max_diff(h_1, h_n[0]), " h_2 vs h_n[1]:", max_diff(h_2, h_n[1]))
print("c_1 vs c_n[0]:", max_diff(c_1, c_n[0]), " c_2 vs c_n[1]:", max_diff(c_2, c_n[1]))
assert h_n.shape == c_n.shape == (2, N, H)

# %%
# Bidirectional: forward and backward states
# ------------------------------------------
# ``Bidirectional(LSTM(H, return_sequences=True, return_state=True))`` returns five
# things: the sequence, then the forward ``h, c`` and the backward ``h, c``. For
# this one-layer ``nn.LSTM(bidirectional=True)``, ``h_n`` is ``(2, N, H)``: forward
# ``h_n[-2]``, backward ``h_n[-1]`` (and the same rows of ``c_n``).
bi = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True, return_state=True))
sequence, forward_h, forward_c, backward_h, backward_c = bi(x)
bilstm = nn.LSTM(H_in, H, batch_first=True, bidirectional=True)
rnnstate.from_keras_weights(bilstm, bi.get_weights())
output, (h_n, c_n) = bilstm(x)
print("Keras:   sequence", tuple(sequence.shape), " four states", tuple(forward_h.shape))
print("PyTorch: output  ", tuple(output.shape), " h_n and c_n", tuple(h_n.shape))
assert sequence.shape == output.shape == (N, L, 2 * H) and h_n.shape == (2, N, H)

# %%
print("sequence vs output:   ", max_diff(sequence, output))
print("forward_h vs h_n[-2]: ", max_diff(forward_h, h_n[-2]))
print("backward_h vs h_n[-1]:", max_diff(backward_h, h_n[-1]))
print("forward_c vs c_n[-2]: ", max_diff(forward_c, c_n[-2]))
print("backward_c vs c_n[-1]:", max_diff(backward_c, c_n[-1]))

# %%
# In both, the backward direction ends at step 0: its state is the second half of
# the *first* step, and the forward state the first half of the last step.
keras_ok = torch.equal(forward_h, sequence[:, -1, :H]) and torch.equal(
    backward_h, sequence[:, 0, H:]
)
torch_ok = torch.equal(h_n[-2], output[:, -1, :H]) and torch.equal(h_n[-1], output[:, 0, H:])
print("Keras:   forward_h = sequence[:, -1, :H], backward_h = sequence[:, 0, H:]:", keras_ok)
print("PyTorch: h_n[-2] = output[:, -1, :H],     h_n[-1] = output[:, 0, H:]:    ", torch_ok)
assert keras_ok and torch_ok

# %%
# Stacked Bidirectional layers
# ----------------------------
# Two stacked ``Bidirectional`` layers are one ``nn.LSTM(num_layers=2,
# bidirectional=True)``, whose ``h_n`` is ``(4, N, H)``: layer by layer, forward
# then backward, so the top layer's two directions are last, ``h_n[-2]`` and
# ``h_n[-1]``.
bi_1 = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True, return_state=True))
bi_2 = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True, return_state=True))
sequence_1, *states_1 = bi_1(x)  # forward h, c, backward h, c of layer 0
sequence_2, *states_2 = bi_2(sequence_1)
deep = nn.LSTM(H_in, H, num_layers=2, batch_first=True, bidirectional=True)
rnnstate.from_keras_weights(deep, bi_1.get_weights() + bi_2.get_weights())
deep_output, (deep_h_n, deep_c_n) = deep(x)

# %%
# Keras' forward and backward ``h`` of layer 0, then of layer 1, are the four rows
# of ``h_n`` in order (and their ``c`` those of ``c_n``):
keras_h, keras_c = states_1[0::2] + states_2[0::2], states_1[1::2] + states_2[1::2]
h_rows = [max_diff(k, t) for k, t in zip(keras_h, deep_h_n, strict=True)]
c_rows = [max_diff(k, t) for k, t in zip(keras_c, deep_c_n, strict=True)]
print("h_n", tuple(deep_h_n.shape), "row by row vs Keras' h:", h_rows)
print("c_n", tuple(deep_c_n.shape), "row by row vs Keras' c:", c_rows)
print("second layer's sequence vs output:", max_diff(sequence_2, deep_output))
assert deep_h_n.shape == (4, N, H) and torch.equal(deep_h_n[-1], deep_output[:, 0, H:])
assert torch.equal(deep_h_n[-2], deep_output[:, -1, :H])

# %%
# merge_mode on the sequence
# --------------------------
# ``merge_mode`` says how Keras combines the two directions' sequences. PyTorch's
# ``output`` is ``"concat"``, ``[forward | backward]``, and each other mode is one
# line on its two halves.
forward, backward = output[..., :H], output[..., H:]
merges = {
    "concat": torch.cat((forward, backward), dim=-1),
    "sum": forward + backward,
    "ave": (forward + backward) / 2,
    "mul": forward * backward,
}
for mode, expected in merges.items():
    layer = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True), merge_mode=mode)
    layer.build(x.shape)
    layer.set_weights(bi.get_weights())
    merged = layer(x)
    print(f"merge_mode={mode!r:9}", tuple(merged.shape), max_diff(merged, expected))

# %%
# ``merge_mode=None`` returns the two sequences as a tuple, both in the input's
# time order: ``output[..., :H]`` and ``output[..., H:]``.
layer = keras.layers.Bidirectional(keras.layers.LSTM(H, return_sequences=True), merge_mode=None)
layer.build(x.shape)
layer.set_weights(bi.get_weights())
result = layer(x)
print(type(result).__name__, "of", len(result), "sequences", end="; ")
print("forward:", max_diff(result[0], forward), " backward:", max_diff(result[1], backward))
assert isinstance(result, tuple) and len(result) == 2

# %%
# Masking against packed sequences
# --------------------------------
# Keras skips padded steps with a mask (``Masking``, or ``mask_zero=True`` on an
# ``Embedding``); PyTorch packs the batch.
lengths = torch.tensor([7, 3, 5, 2])
padded = x.clone()
for i, n in enumerate(lengths.tolist()):
    padded[i, n:] = 0  # the value Masking(mask_value=0.0) looks for
masking = keras.layers.Masking(mask_value=0.0)
masked = masking(padded)
print("valid steps per sample in Keras' mask:", masking.compute_mask(padded).sum(dim=1).tolist())
assert torch.equal(masking.compute_mask(padded).sum(dim=1), lengths)

# %%
# Both then stop each sequence at its last valid step, so the final states agree,
# hidden and cell, backward ones included.
sequence, forward_h, forward_c, backward_h, backward_c = bi(masked)
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
packed_output, (h_n, c_n) = bilstm(packed)
print("forward_h vs h_n[-2]:", max_diff(forward_h, h_n[-2]), end="  ")
print("backward_h vs h_n[-1]:", max_diff(backward_h, h_n[-1]))
print("forward_c vs c_n[-2]:", max_diff(forward_c, c_n[-2]), end="  ")
print("backward_c vs c_n[-1]:", max_diff(backward_c, c_n[-1]))

# %%
# ``Bidirectional``'s masked sequence is zero on padded steps, as
# ``pad_packed_sequence`` pads PyTorch's ``output``; the valid steps agree.
output, _ = pad_packed_sequence(packed_output, batch_first=True)
zero = all(bool((sequence[i, n:] == 0).all()) for i, n in enumerate(lengths.tolist()))
print("Keras' padded steps are zero:", zero, " sequence vs output:", max_diff(sequence, output))
assert zero

# %%
# Without a mask, Keras runs over the padding as PyTorch does on the unpacked
# batch, and the forward states of the shorter sequences are no longer their
# final states.
_, unmasked_h, _, _, _ = bi(padded)
_, (unpacked_h_n, _) = bilstm(padded)
print("without mask vs unpacked h_n[-2]:", max_diff(unmasked_h, unpacked_h_n[-2]))
gap = (unmasked_h - h_n[-2]).abs().max(dim=1).values
print("max |forward_h without mask - h_n[-2]| per sample:", [f"{g:.1e}" for g in gap.tolist()])
assert gap[0] < 1e-6 and (gap[1:] > 1e-3).all()  # sample 0 has no padding

# %%
# A masked unidirectional Keras ``LSTM``, ``GRU`` or ``SimpleRNN`` fills the padded
# steps of its sequence with the last valid step instead of zeros:
simple_rnn = keras.layers.SimpleRNN(H, return_sequences=True)
sequences = {"LSTM": keras_lstm(masked)[0], "GRU": keras_gru(masked)[0]}
sequences["SimpleRNN"] = simple_rnn(masked)  # without return_state: the sequence alone
for name, seq in sequences.items():
    ends = zip(seq, lengths.tolist(), strict=True)
    filled = [torch.equal(s[n:], s[n - 1].expand(L - n, H)) for s, n in ends]
    print(f"{name:9} padded steps repeat the last valid step:", filled)
    assert all(filled)

# %%
# So there ``sequence[:, -1]`` is every sample's final state, while PyTorch's
# padded ``output[:, -1]`` is not.
sequence, h, _ = keras_lstm(masked)
packed_output, (h_n, _) = lstm(packed)
output, _ = pad_packed_sequence(packed_output, batch_first=True)
print("Keras: torch.equal(sequence[:, -1], h):", torch.equal(sequence[:, -1], h))
print("PyTorch: torch.equal(output[:, -1], h_n[-1]):", torch.equal(output[:, -1], h_n[-1]))
print("h vs h_n[-1]:", max_diff(h, h_n[-1]))
assert torch.equal(sequence[:, -1], h) and not torch.equal(output[:, -1], h_n[-1])

# %%
# ``Embedding(mask_zero=True)`` masks the steps whose token is 0; packing the
# embedded batch with the same lengths gives the same final state.
tokens = torch.randint(1, 10, (N, L))
for i, n in enumerate(lengths.tolist()):
    tokens[i, n:] = 0
embedding = keras.layers.Embedding(10, H_in, mask_zero=True)
assert torch.equal(embedding.compute_mask(tokens), tokens != 0)
embedded = embedding(tokens)  # (N, L, H_in), carrying the mask
_, h = keras_gru(embedded)
_, h_n = gru(pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False))
print("GRU on mask_zero embeddings: h vs h_n[-1]:", max_diff(h, h_n[-1]))

# %%
# stateful=True and feeding h_n back
# ----------------------------------
# A ``stateful=True`` layer keeps its final states and starts the next call from
# them. In PyTorch the caller does that: pass ``(h_n, c_n)`` of one chunk as
# ``(h_0, c_0)`` of the next (the streaming page,
# :ref:`sphx_glr_auto_examples_09_initial_states_initial_states_and_streaming.py`,
# shows it in full).
streaming = keras.layers.LSTM(H, return_sequences=True, stateful=True)
keras_chunks = [streaming(x[:, :4]), streaming(x[:, 4:])]
stream = nn.LSTM(H_in, H, batch_first=True)
rnnstate.from_keras_weights(stream, streaming.get_weights())
first_chunk, state = stream(x[:, :4])
second_chunk, state = stream(x[:, 4:], state)  # h_n, c_n of chunk 1 as h_0, c_0
print("chunk 1:", max_diff(keras_chunks[0], first_chunk))
print("chunk 2:", max_diff(keras_chunks[1], second_chunk))

# %%
# ``reset_state()`` is PyTorch's default of starting from zeros (no ``h_0``).
streaming.reset_state()
again = streaming(x[:, 4:])
fresh, _ = stream(x[:, 4:])
print("after reset_state() vs no h_0:", max_diff(again, fresh))

# %%
# Check it yourself
# -----------------
# The picture draws ``bilstm`` unrolled: all ``2 L`` cells, both directions, make
# up ``output``, and the two blue ones ``h_n`` and ``c_n``, the tensors this page
# compared with Keras'; the table is :func:`rnnstate.check` run on the same module.
fig = rnnstate.plot_unrolled(bilstm, seq_len=L)
gids = [str(patch.get_gid()) for patch in fig.axes[0].patches]
assert sum("output" in gid for gid in gids) == 2 * L and sum("h_n" in gid for gid in gids) == 2
report = rnnstate.check(bilstm, x)
assert report.ok
report
