"""Hypothesis strategies shared by the property tests."""

from __future__ import annotations

import torch
from hypothesis import strategies as st
from torch import nn


@st.composite
def recurrent_modules(draw: st.DrawFn, input_size: int = 3) -> nn.RNNBase:
    """Draw a seeded nn.RNN (tanh or relu), nn.GRU or nn.LSTM (with or without proj_size)."""
    mode = draw(st.sampled_from(["RNN_TANH", "RNN_RELU", "GRU", "LSTM"]))
    hidden = draw(st.integers(2, 5))
    options = {
        "num_layers": draw(st.integers(1, 3)),
        "bidirectional": draw(st.booleans()),
        "batch_first": draw(st.booleans()),
    }
    torch.manual_seed(draw(st.integers(0, 2**16)))
    if mode == "LSTM":
        proj_size = draw(st.integers(0, hidden - 1))
        return nn.LSTM(input_size, hidden, proj_size=proj_size, **options)
    if mode == "GRU":
        return nn.GRU(input_size, hidden, **options)
    nonlinearity = "relu" if mode == "RNN_RELU" else "tanh"
    return nn.RNN(input_size, hidden, nonlinearity=nonlinearity, **options)
