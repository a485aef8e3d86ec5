"""Split, pick, check and draw the states of PyTorch's recurrent modules.

``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` return ``output`` (the top layer at every
step) and ``h_n`` (every layer at its last step), plus ``c_n`` for an LSTM.
:mod:`rnnstate` tells which slice of one is which slice of the other, for every
configuration, and checks it.
"""

from __future__ import annotations

from rnnstate.carry import detach_state, slice_state
from rnnstate.drawing import plot_unrolled
from rnnstate.identities import Identity, Report, check
from rnnstate.indexing import Expressions, Relation, expressions, shape_symbols, state_rows
from rnnstate.keras import from_keras_weights, to_keras_weights
from rnnstate.layout import Layout, Shapes, describe
from rnnstate.states import final_state, last_output, merge_directions, split_hidden

__version__ = "0.1.0"

__all__ = [
    "Expressions",
    "Identity",
    "Layout",
    "Relation",
    "Report",
    "Shapes",
    "__version__",
    "check",
    "describe",
    "detach_state",
    "expressions",
    "final_state",
    "from_keras_weights",
    "last_output",
    "merge_directions",
    "plot_unrolled",
    "shape_symbols",
    "slice_state",
    "split_hidden",
    "state_rows",
    "to_keras_weights",
]
