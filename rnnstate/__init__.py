"""Split, pick, check and draw the states of PyTorch's recurrent modules.

``nn.RNN``, ``nn.GRU`` and ``nn.LSTM`` return ``output`` (the top layer at every
step) and ``h_n`` (every layer at its last step), plus ``c_n`` for an LSTM.
:mod:`rnnstate` tells which slice of one is which slice of the other, for every
configuration, and checks it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rnnstate.identities import Identity, Report, check
from rnnstate.keras import from_keras_weights, to_keras_weights
from rnnstate.layout import Layout, Shapes, describe
from rnnstate.states import final_state, last_output, merge_directions, split_hidden

if TYPE_CHECKING:
    from rnnstate.drawing import plot_unrolled

__version__ = "0.1.0"

__all__ = [
    "Identity",
    "Layout",
    "Report",
    "Shapes",
    "__version__",
    "check",
    "describe",
    "final_state",
    "from_keras_weights",
    "last_output",
    "merge_directions",
    "plot_unrolled",
    "split_hidden",
    "to_keras_weights",
]


def __getattr__(name: str) -> object:
    # plot_unrolled needs matplotlib, an optional extra: import it on first use
    # so that ``import rnnstate`` works with torch alone.
    if name == "plot_unrolled":
        from rnnstate.drawing import plot_unrolled

        return plot_unrolled
    raise AttributeError(f"module 'rnnstate' has no attribute {name!r}")
