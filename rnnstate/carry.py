"""Carry a state from one call into the next, as ``h_0`` (and ``c_0``).

Keeping the hidden state across batches means passing ``h_n`` (and ``c_n`` for an
LSTM) of one call as the initial state of the next. Two things go wrong there:
the carried state still holds the previous batch's graph, so the next
``backward()`` runs into it; and the last batch of an epoch is often smaller than
the state. :func:`detach_state` and :func:`slice_state` fix each, for a single
tensor or an LSTM's ``(h, c)`` pair alike, after checking the state against the
module that takes it.
"""

from __future__ import annotations

from typing import overload

import torch
from torch import nn

from rnnstate.layout import Layout, _check_positive_int, _check_state, describe

__all__ = ["detach_state", "slice_state"]

Pair = tuple[torch.Tensor, torch.Tensor]


def _check_carried(state: object, layout: Layout) -> tuple[torch.Tensor, ...]:
    """Check ``state`` against ``layout``: a tensor ``h``, or ``(h, c)`` for an LSTM."""
    if layout.is_lstm:
        if isinstance(state, torch.Tensor):
            raise TypeError(
                "state is a single tensor, but an LSTM's state is a pair (h, c): "
                "pass both, as the LSTM returned them"
            )
        if not isinstance(state, (tuple, list)) or len(state) != 2:
            got = f"a {type(state).__name__}"
            if isinstance(state, (tuple, list)):
                got += f" of {len(state)}"
            raise TypeError(f"state must be a pair (h, c) for an LSTM, got {got}")
        h = _check_state(state[0], layout, "state[0] (h)", "h")
        c = _check_state(state[1], layout, "state[1] (c)", "c")
        if h.shape[1:-1] != c.shape[1:-1]:
            raise ValueError(
                f"h has shape {tuple(h.shape)} and c has shape {tuple(c.shape)}: "
                "they must come from the same call (same batch size, or both unbatched)"
            )
        return h, c
    if isinstance(state, (tuple, list)):
        raise TypeError(
            f"state is a {type(state).__name__}, but a {layout.summary()} has one "
            "state tensor h; only an LSTM's state is a pair (h, c)"
        )
    return (_check_state(state, layout, "state", "h"),)


@overload
def detach_state(state: None, module: nn.Module) -> None: ...
@overload
def detach_state(state: torch.Tensor, module: nn.Module) -> torch.Tensor: ...
@overload
def detach_state(state: Pair, module: nn.Module) -> Pair: ...
def detach_state(
    state: torch.Tensor | Pair | None, module: nn.Module
) -> torch.Tensor | Pair | None:
    """Cut a carried state off the graph of the call that produced it.

    Use it between batches when the state is kept across them (truncated
    backpropagation through time): the values carry on, the gradient stops at
    the batch edge. For an LSTM it detaches both ``h`` and ``c``; detaching
    only ``h`` leaves the previous graph reachable through ``c``.

    Parameters
    ----------
    state : torch.Tensor, tuple of torch.Tensor, or None
        ``h_n`` as the module returned it, or ``(h_n, c_n)`` for an LSTM. None,
        the module's own default for "no initial state", is returned as is.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module that produced ``state`` and will take it as ``h_0``.

    Returns
    -------
    torch.Tensor, tuple of torch.Tensor, or None
        The same values, sharing storage with ``state``, with
        ``requires_grad=False``; a tuple ``(h, c)`` for an LSTM.

    Raises
    ------
    TypeError
        If ``state`` is a single tensor for an LSTM, a pair for another module,
        or not a tensor.
    ValueError
        If a tensor does not have the shape this module gives.

    Examples
    --------
    >>> lstm = nn.LSTM(3, 5)
    >>> output, state = lstm(torch.randn(6, 4, 3))
    >>> state[0].requires_grad, state[1].requires_grad
    (True, True)
    >>> h, c = detach_state(state, lstm)
    >>> h.requires_grad, c.requires_grad
    (False, False)
    >>> torch.equal(h, state[0]) and torch.equal(c, state[1])
    True
    """
    layout = describe(module)
    if state is None:
        return None
    tensors = _check_carried(state, layout)
    if layout.is_lstm:
        return tensors[0].detach(), tensors[1].detach()
    return tensors[0].detach()


@overload
def slice_state(state: torch.Tensor, module: nn.Module, batch_size: int) -> torch.Tensor: ...
@overload
def slice_state(state: Pair, module: nn.Module, batch_size: int) -> Pair: ...
def slice_state(
    state: torch.Tensor | Pair, module: nn.Module, batch_size: int
) -> torch.Tensor | Pair:
    """Keep the first ``batch_size`` samples of a carried state, for a smaller batch.

    The batch axis of ``h_n`` and ``c_n`` is axis 1, whatever ``batch_first``
    says; this slices along it. Sample ``i`` of the smaller batch then starts
    from the state in which sample ``i`` of the previous batch ended, which is
    what carrying a state means only if the data loader keeps each stream in
    the same row of every batch.

    Parameters
    ----------
    state : torch.Tensor or tuple of torch.Tensor
        ``h_n`` of shape ``(D * num_layers, N, H_out)``, or ``(h_n, c_n)`` for an
        LSTM, as the module returned it.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module that produced ``state`` and will take it as ``h_0``.
    batch_size : int
        The new ``N``, at least 1 and at most the state's ``N``.

    Returns
    -------
    torch.Tensor or tuple of torch.Tensor
        ``state[:, :batch_size]`` (a view), or the pair of them for an LSTM.

    Raises
    ------
    TypeError
        If ``batch_size`` is not an int, or as :func:`detach_state`.
    ValueError
        If ``batch_size`` is below 1 or above the state's ``N``, if the state is
        unbatched, or if its shape does not fit the module.

    Examples
    --------
    >>> gru = nn.GRU(3, 5, num_layers=2, batch_first=True)
    >>> output, h_n = gru(torch.randn(4, 6, 3))
    >>> slice_state(h_n, gru, batch_size=2).shape
    torch.Size([2, 2, 5])
    >>> torch.equal(slice_state(h_n, gru, 2), h_n[:, :2])
    True
    """
    layout = describe(module)
    tensors = _check_carried(state, layout)
    _check_positive_int(batch_size, "batch_size")
    first = tensors[0]
    if first.dim() == 2:
        raise ValueError(
            f"state has shape {tuple(first.shape)}, an unbatched state "
            f"(D*num_layers, H): it has no batch axis to slice"
        )
    N = first.shape[1]
    if batch_size > N:
        raise ValueError(
            f"batch_size is {batch_size}, but the state holds {N} samples (shape "
            f"{tuple(first.shape)}): a state can be sliced to a smaller batch, not grown; "
            "start a larger batch from zeros (pass no initial state)"
        )
    sliced = tuple(t[:, :batch_size] for t in tensors)
    if layout.is_lstm:
        return sliced[0], sliced[1]
    return sliced[0]
