"""What a recurrent module's output and states look like.

:func:`describe` reads the configuration of an ``nn.RNN``, ``nn.GRU`` or
``nn.LSTM`` into a :class:`Layout`, which knows the shapes of everything the
module returns. The private helpers below check a tensor against a layout and
are shared by the rest of the package, so that every function rejects the same
bad input with the same message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

__all__ = ["Layout", "Mode", "Shapes", "describe"]

Mode = Literal["RNN_TANH", "RNN_RELU", "GRU", "LSTM"]

_MODES: tuple[Mode, ...] = ("RNN_TANH", "RNN_RELU", "GRU", "LSTM")
_NAMES: dict[Mode, str] = {
    "RNN_TANH": "RNN (tanh)",
    "RNN_RELU": "RNN (relu)",
    "GRU": "GRU",
    "LSTM": "LSTM",
}


@dataclass(frozen=True)
class Shapes:
    """The shapes of what a module takes and returns for one call.

    Attributes
    ----------
    input : tuple of int
        ``(N, L, H_in)`` with ``batch_first``, ``(L, N, H_in)`` without, or
        ``(L, H_in)`` for unbatched input.
    output : tuple of int
        ``(N, L, D * H_out)``, ``(L, N, D * H_out)`` or ``(L, D * H_out)``.
    h_n : tuple of int
        ``(D * num_layers, N, H_out)``, or ``(D * num_layers, H_out)``
        unbatched; never batch-first.
    c_n : tuple of int or None
        ``(D * num_layers, N, H_cell)`` for an LSTM, else None.
    """

    input: tuple[int, ...]
    output: tuple[int, ...]
    h_n: tuple[int, ...]
    c_n: tuple[int, ...] | None


@dataclass(frozen=True)
class Layout:
    """The configuration of a recurrent module that fixes its output layout.

    Build one with :func:`describe`.

    Attributes
    ----------
    mode : {"RNN_TANH", "RNN_RELU", "GRU", "LSTM"}
        The recurrence, as ``module.mode`` names it.
    input_size : int
        ``H_in``, the features of each input step.
    hidden_size : int
        ``H_cell``, the size of the hidden state inside each cell (and of ``c_n``).
    num_layers : int
        The number of stacked layers.
    num_directions : int
        ``D``: 2 for a bidirectional module, else 1.
    proj_size : int
        The LSTM projection size, 0 when there is none.
    batch_first : bool
        Whether input and output are ``(N, L, ...)``; never affects ``h_n``/``c_n``.
    """

    mode: Mode
    input_size: int
    hidden_size: int
    num_layers: int
    num_directions: int
    proj_size: int
    batch_first: bool

    @property
    def output_size(self) -> int:
        """``H_out``: ``proj_size`` if it is set, else ``hidden_size``."""
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    @property
    def is_lstm(self) -> bool:
        """Whether the module returns a cell state ``c_n`` as well."""
        return self.mode == "LSTM"

    @property
    def bidirectional(self) -> bool:
        """Whether ``D`` is 2."""
        return self.num_directions == 2

    @property
    def num_states(self) -> int:
        """``D * num_layers``, the first dimension of ``h_n`` and ``c_n``."""
        return self.num_layers * self.num_directions

    def summary(self) -> str:
        """Describe the configuration in words.

        Examples
        --------
        >>> describe(nn.GRU(8, 50, num_layers=3, batch_first=True)).summary()
        '3-layer unidirectional GRU, batch_first, H_in=8, H_cell=50, H_out=50'
        """
        parts = [
            f"{self.num_layers}-layer",
            "bidirectional" if self.bidirectional else "unidirectional",
            _NAMES[self.mode],
        ]
        words = " ".join(parts)
        if self.batch_first:
            words += ", batch_first"
        words += f", H_in={self.input_size}, H_cell={self.hidden_size}"
        if self.proj_size:
            words += f", proj_size={self.proj_size}"
        return words + f", H_out={self.output_size}"

    def shapes(self, batch_size: int | None, seq_len: int) -> Shapes:
        """Give the shapes of input, output, ``h_n`` and ``c_n`` for one call.

        Parameters
        ----------
        batch_size : int or None
            ``N``; None for unbatched (2-D) input.
        seq_len : int
            ``L``, the (padded) sequence length.

        Returns
        -------
        Shapes
            The four shapes; ``c_n`` is None unless the module is an LSTM.

        Examples
        --------
        >>> layout = describe(nn.LSTM(8, 50, num_layers=2, bidirectional=True, proj_size=20))
        >>> layout.shapes(batch_size=4, seq_len=7)
        Shapes(input=(7, 4, 8), output=(7, 4, 40), h_n=(4, 4, 20), c_n=(4, 4, 50))
        >>> layout.shapes(batch_size=None, seq_len=7).h_n
        (4, 20)
        """
        if batch_size is not None:
            _check_positive_int(batch_size, "batch_size")
        _check_positive_int(seq_len, "seq_len")
        features = self.num_directions * self.output_size
        if batch_size is None:
            inp: tuple[int, ...] = (seq_len, self.input_size)
            out: tuple[int, ...] = (seq_len, features)
            batch: tuple[int, ...] = ()
        elif self.batch_first:
            inp = (batch_size, seq_len, self.input_size)
            out = (batch_size, seq_len, features)
            batch = (batch_size,)
        else:
            inp = (seq_len, batch_size, self.input_size)
            out = (seq_len, batch_size, features)
            batch = (batch_size,)
        h_n = (self.num_states, *batch, self.output_size)
        c_n = (self.num_states, *batch, self.hidden_size) if self.is_lstm else None
        return Shapes(input=inp, output=out, h_n=h_n, c_n=c_n)


def describe(module: nn.Module) -> Layout:
    """Read the layout of a recurrent module.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        Any ``nn.RNNBase``, subclasses included.

    Returns
    -------
    Layout
        The configuration that fixes the shapes of ``output``, ``h_n`` and ``c_n``.

    Raises
    ------
    TypeError
        If ``module`` is not a recurrent module (``nn.GRUCell`` included: a
        cell returns no ``output`` sequence).
    ValueError
        If its ``mode`` is not one of RNN_TANH, RNN_RELU, GRU, LSTM.

    Examples
    --------
    >>> layout = describe(nn.GRU(8, 50, num_layers=3, batch_first=True))
    >>> layout.mode, layout.num_layers, layout.num_directions, layout.output_size
    ('GRU', 3, 1, 50)
    """
    if not isinstance(module, nn.RNNBase):
        raise TypeError(
            f"module must be an nn.RNN, nn.GRU or nn.LSTM (an nn.RNNBase), "
            f"got {type(module).__module__}.{type(module).__qualname__}"
        )
    mode = module.mode
    if mode not in _MODES:
        raise ValueError(f"module has mode {mode!r}, expected one of {', '.join(_MODES)}")
    return Layout(
        mode=mode,
        input_size=int(module.input_size),
        hidden_size=int(module.hidden_size),
        num_layers=int(module.num_layers),
        num_directions=2 if module.bidirectional else 1,
        proj_size=int(module.proj_size),
        batch_first=bool(module.batch_first),
    )


def _check_positive_int(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")


def _check_tensor(value: object, name: str) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    return value


def _state_size(layout: Layout, kind: Literal["h", "c"]) -> int:
    return layout.output_size if kind == "h" else layout.hidden_size


def _check_state(state: object, layout: Layout, name: str, kind: Literal["h", "c"]) -> torch.Tensor:
    """Check that ``state`` is an ``h_n``/``c_n`` (or h_0/c_0) of ``layout``."""
    tensor = _check_tensor(state, name)
    size = _state_size(layout, kind)
    shape = tuple(tensor.shape)
    if tensor.dim() in (2, 3) and shape[0] == layout.num_states and shape[-1] == size:
        return tensor
    what = f"a {layout.summary()}"
    expected = f"({layout.num_states}, N, {size}) or ({layout.num_states}, {size})"
    if tensor.dim() == 3 and shape[1] == layout.num_states and shape[0] != layout.num_states:
        raise ValueError(
            f"{name} has shape {shape}, which looks batch-first; {what} gives "
            f"{expected} whatever batch_first says (batch_first only changes input and "
            f"output): pass the state as the module returned it, or use {name}.transpose(0, 1)"
        )
    raise ValueError(f"{name} has shape {shape}, but {what} gives {expected}")
