"""Split ``h_n``/``c_n`` and pick the final states a model needs.

Every function takes the module that produced the tensor, checks the tensor
against the module's :class:`~rnnstate.Layout` and indexes it the one right way:
``h_n`` is layer-major (index ``layer * D + direction``), the forward direction
ends at each sequence's last valid step and the backward direction at step 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnstate.layout import (
    Layout,
    _check_state,
    _check_tensor,
    describe,
)

__all__ = ["final_state", "last_output", "merge_directions", "split_hidden"]

Kind = Literal["h", "c"]


def _resolve_kind(state: torch.Tensor, layout: Layout, kind: Kind | None) -> Kind:
    if kind is not None:
        if kind not in ("h", "c"):
            raise ValueError(f"kind must be 'h' or 'c', got {kind!r}")
        if kind == "c" and not layout.is_lstm:
            raise ValueError(f"kind='c' needs an LSTM, but module is a {layout.summary()}")
        return kind
    if state.dim() == 0:
        return "h"
    size = state.shape[-1]
    if size == layout.output_size:
        return "h"
    if layout.is_lstm and size == layout.hidden_size:
        return "c"
    return "h"  # _check_state reports the mismatch against h_n's shape


def _state(
    state: object, layout: Layout, name: str, kind: Kind | None
) -> tuple[torch.Tensor, Kind]:
    tensor = _check_tensor(state, name)
    resolved = _resolve_kind(tensor, layout, kind)
    return _check_state(tensor, layout, name, resolved), resolved


def _by_layer(state: torch.Tensor, layout: Layout) -> torch.Tensor:
    # (num_layers*D, ...) -> (num_layers, D, ...): h_n is layer-major. reshape is a
    # view for the contiguous states modules return, a copy otherwise.
    return state.reshape(layout.num_layers, layout.num_directions, *state.shape[1:])


def split_hidden(
    state: torch.Tensor, module: nn.Module, *, kind: Kind | None = None
) -> torch.Tensor:
    """View ``h_n`` or ``c_n`` with layers and directions on their own axes.

    Parameters
    ----------
    state : torch.Tensor
        ``h_n`` of shape ``(D * num_layers, N, H_out)`` or ``c_n`` of shape
        ``(D * num_layers, N, H_cell)``, or their unbatched 2-D forms; an initial
        state ``h_0``/``c_0`` has the same shapes.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module that produced (or will take) ``state``.
    kind : {"h", "c"}, optional
        Whether ``state`` is a hidden or a cell state. By default it is read off
        the last dimension, which only an LSTM with ``proj_size`` needs.

    Returns
    -------
    torch.Tensor
        Shape ``(num_layers, D, N, H)``, or ``(num_layers, D, H)`` for unbatched
        input; a view of ``state`` unless it is not contiguous. ``[layer, 0]`` is
        the forward and ``[layer, 1]`` the backward direction.

    Raises
    ------
    TypeError
        If ``state`` is not a tensor or ``module`` not a recurrent module.
    ValueError
        If ``state`` does not have the shape this module gives.

    Examples
    --------
    >>> gru = nn.GRU(8, 50, num_layers=3, bidirectional=True)
    >>> output, h_n = gru(torch.randn(112, 4, 8))
    >>> split_hidden(h_n, gru).shape
    torch.Size([3, 2, 4, 50])
    >>> torch.equal(split_hidden(h_n, gru)[-1, 1], h_n[-1])  # top layer, backward
    True
    """
    layout = describe(module)
    tensor, _ = _state(state, layout, "state", kind)
    return _by_layer(tensor, layout)


def final_state(
    state: torch.Tensor, module: nn.Module, layer: int = -1, *, kind: Kind | None = None
) -> torch.Tensor:
    """Concatenate one layer's forward and backward final states, per sample.

    This is the feature a classifier on top of the module wants: for the top
    layer of a bidirectional module it equals ``torch.cat((h_n[-2], h_n[-1]), 1)``.

    Parameters
    ----------
    state : torch.Tensor
        ``h_n`` or ``c_n`` as the module returned it.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module that produced ``state``.
    layer : int, default -1
        Which layer, counted from 0 at the bottom; negative counts from the top.
    kind : {"h", "c"}, optional
        As in :func:`split_hidden`.

    Returns
    -------
    torch.Tensor
        ``(N, D * H)``: forward then backward; ``(D * H,)`` for unbatched input.

    Raises
    ------
    TypeError
        If ``layer`` is not an int, or as :func:`split_hidden`.
    ValueError
        If ``layer`` is out of range, or as :func:`split_hidden`.

    Examples
    --------
    >>> lstm = nn.LSTM(8, 50, num_layers=2, bidirectional=True, batch_first=True)
    >>> output, (h_n, c_n) = lstm(torch.randn(4, 112, 8))
    >>> final_state(h_n, lstm).shape
    torch.Size([4, 100])
    >>> torch.equal(final_state(h_n, lstm), torch.cat((h_n[-2], h_n[-1]), dim=1))
    True
    >>> final_state(c_n, lstm, layer=0).shape
    torch.Size([4, 100])
    """
    layout = describe(module)
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise TypeError(f"layer must be an int, got {type(layer).__name__} {layer!r}")
    if not -layout.num_layers <= layer < layout.num_layers:
        raise ValueError(
            f"layer is {layer}, but a {layout.num_layers}-layer module has layers "
            f"{-layout.num_layers} to {layout.num_layers - 1}"
        )
    tensor, _ = _state(state, layout, "state", kind)
    per_layer = _by_layer(tensor, layout)[layer]
    # (D, N, H) -> (N, D, H) -> (N, D*H); unbatched (D, H) -> (D*H,)
    return per_layer.movedim(0, -2).flatten(-2)


def _check_lengths(lengths: object, N: int, L: int, device: torch.device) -> torch.Tensor:
    if isinstance(lengths, torch.Tensor):
        if (
            lengths.dtype.is_floating_point
            or lengths.dtype.is_complex
            or lengths.dtype == torch.bool
        ):
            raise TypeError(f"lengths must hold integers, got a tensor of dtype {lengths.dtype}")
        values = lengths
    elif isinstance(lengths, Sequence) and not isinstance(lengths, str):
        bad = [v for v in lengths if isinstance(v, bool) or not isinstance(v, int)]
        if bad:
            raise TypeError(f"lengths must hold integers, got {bad[0]!r} in {list(lengths)!r}")
        values = torch.tensor(list(lengths), dtype=torch.int64)
    else:
        raise TypeError(
            "lengths must be a 1-D integer tensor or a sequence of ints, "
            f"got {type(lengths).__name__}"
        )
    if values.dim() != 1 or values.numel() != N:
        raise ValueError(
            f"lengths has shape {tuple(values.shape)}, expected one length per sample: ({N},)"
        )
    low, high = int(values.min()), int(values.max())
    if low < 1:
        raise ValueError(f"lengths must all be at least 1, got {low} in {values.tolist()}")
    if high > L:
        raise ValueError(
            f"lengths must be at most the sequence length L={L}, got {high} in {values.tolist()}"
        )
    return values.to(device=device, dtype=torch.int64)


def _check_features(output: torch.Tensor, layout: Layout, name: str, expected_dims: str) -> None:
    features = layout.num_directions * layout.output_size
    if output.shape[-1] != features:
        raise ValueError(
            f"{name} has {output.shape[-1]} features in its last dimension (shape "
            f"{tuple(output.shape)}), but a {layout.summary()} gives {expected_dims} "
            f"with D*H_out = {features}"
        )


def _last_packed(packed: PackedSequence, layout: Layout) -> torch.Tensor:
    data = packed.data
    if data.dim() != 2:
        raise ValueError(
            f"output.data has shape {tuple(data.shape)}, expected (sum of lengths, D*H_out)"
        )
    _check_features(data, layout, "output.data", "(sum of lengths, D*H_out)")
    H = layout.output_size
    batch_sizes = packed.batch_sizes.to(torch.int64)
    N = int(batch_sizes[0])
    # Rows of data are grouped by step: step t holds the first batch_sizes[t]
    # sequences of the length-sorted batch.
    starts = torch.cumsum(batch_sizes, 0) - batch_sizes
    lengths = (batch_sizes.unsqueeze(1) > torch.arange(N)).sum(0)
    rows = (starts[lengths - 1] + torch.arange(N)).to(data.device)
    last = data[rows, :H]
    if layout.bidirectional:
        last = torch.cat((last, data[:N, H:]), dim=1)
    if packed.unsorted_indices is not None:
        last = last[packed.unsorted_indices.to(data.device)]
    return last


def last_output(
    output: torch.Tensor | PackedSequence,
    module: nn.Module,
    lengths: torch.Tensor | Sequence[int] | None = None,
) -> torch.Tensor:
    """Recover the final states of the top layer from ``output``.

    The forward half comes from each sample's last valid step, the backward half
    from step 0, where the backward direction ends. For a packed call, or a padded
    call in which every sample has all ``L`` steps, those are the steps ``h_n``
    was taken from, so the result equals ``final_state(h_n, module)`` of the same
    call (``torch.equal``; checked on CPU by the tests, and on your own device by
    ``rnnstate verify``). A padded call with shorter samples ran them over the
    padding: its ``h_n`` is not their final state, and neither direction of this
    result is either, except the forward half of a unidirectional module.

    Parameters
    ----------
    output : torch.Tensor or torch.nn.utils.rnn.PackedSequence
        The module's ``output``: padded, laid out as ``module.batch_first`` says,
        ``(N, L, D * H_out)`` or ``(L, N, D * H_out)``, or unbatched
        ``(L, D * H_out)``; or a ``PackedSequence``, whose lengths are used and
        whose original batch order is kept.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module that produced ``output``.
    lengths : torch.Tensor or sequence of int, optional
        The valid length of each sample of a padded ``output``; by default every
        sample has all ``L`` steps. Not allowed with a ``PackedSequence`` or with
        unbatched output.

    Returns
    -------
    torch.Tensor
        ``(N, D * H_out)``, forward then backward; ``(D * H_out,)`` unbatched.

    Raises
    ------
    TypeError
        If ``output`` or ``lengths`` has the wrong type.
    ValueError
        If the shapes do not match the module, or a length is out of range.

    Examples
    --------
    >>> gru = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    >>> output, h_n = gru(torch.randn(4, 112, 8))
    >>> last_output(output, gru).shape
    torch.Size([4, 100])
    >>> torch.equal(last_output(output, gru), final_state(h_n, gru))
    True
    """
    layout = describe(module)
    H = layout.output_size
    if isinstance(output, PackedSequence):
        if lengths is not None:
            raise ValueError("lengths must be None for a PackedSequence, which carries its own")
        return _last_packed(output, layout)
    tensor = _check_tensor(output, "output")
    if tensor.dim() == 2:
        _check_features(tensor, layout, "output", "(L, D*H_out) unbatched")
        if lengths is not None:
            raise ValueError(
                f"lengths must be None for unbatched output of shape {tuple(tensor.shape)}"
            )
        last = tensor[-1, :H]
        return torch.cat((last, tensor[0, H:])) if layout.bidirectional else last
    if tensor.dim() != 3:
        raise ValueError(
            f"output has shape {tuple(tensor.shape)}, expected 3 dimensions "
            f"({'(N, L, D*H_out)' if layout.batch_first else '(L, N, D*H_out)'}) or 2 (unbatched)"
        )
    dims = "(N, L, D*H_out)" if layout.batch_first else "(L, N, D*H_out)"
    _check_features(tensor, layout, "output", dims)
    batch_major = tensor if layout.batch_first else tensor.transpose(0, 1)
    N, L = batch_major.shape[0], batch_major.shape[1]
    if lengths is None:
        last = batch_major[:, -1, :H]
    else:
        steps = _check_lengths(lengths, N, L, tensor.device) - 1
        last = batch_major[torch.arange(N, device=tensor.device), steps, :H]
    return torch.cat((last, batch_major[:, 0, H:]), dim=1) if layout.bidirectional else last


def merge_directions(
    state: torch.Tensor,
    module: nn.Module,
    how: Literal["sum", "mean", "concat"],
    *,
    kind: Kind | None = None,
) -> torch.Tensor:
    """Merge the two directions of each layer's state, for a unidirectional decoder.

    A bidirectional encoder returns ``(num_layers * 2, N, H)``; a unidirectional
    decoder with as many layers wants ``(num_layers, N, H)`` as its ``h_0``.

    Parameters
    ----------
    state : torch.Tensor
        ``h_n`` or ``c_n`` of a bidirectional module.
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The bidirectional module that produced ``state``.
    how : {"sum", "mean", "concat"}
        Add, average, or concatenate forward and backward (then the decoder's
        hidden size must be ``2 * H``, or a linear layer must map it back to ``H``).
    kind : {"h", "c"}, optional
        As in :func:`split_hidden`.

    Returns
    -------
    torch.Tensor
        ``(num_layers, N, H)`` for sum and mean, ``(num_layers, N, 2 * H)`` for
        concat; without the ``N`` axis for unbatched input.

    Raises
    ------
    ValueError
        If ``module`` is unidirectional, ``how`` unknown, or the shape wrong.

    Examples
    --------
    >>> encoder = nn.GRU(8, 50, num_layers=2, bidirectional=True)
    >>> _, h_n = encoder(torch.randn(112, 4, 8))
    >>> merge_directions(h_n, encoder, "sum").shape
    torch.Size([2, 4, 50])
    >>> merge_directions(h_n, encoder, "concat").shape
    torch.Size([2, 4, 100])
    """
    layout = describe(module)
    if not layout.bidirectional:
        raise ValueError(f"merge_directions needs a bidirectional module, got a {layout.summary()}")
    if how not in ("sum", "mean", "concat"):
        raise ValueError(f"how must be 'sum', 'mean' or 'concat', got {how!r}")
    tensor, _ = _state(state, layout, "state", kind)
    split = _by_layer(tensor, layout)
    if how == "sum":
        return split.sum(1)
    if how == "mean":
        return split.mean(1)
    # (num_layers, 2, N, H) -> (num_layers, N, 2, H) -> (num_layers, N, 2H)
    return split.movedim(1, -2).flatten(-2)
