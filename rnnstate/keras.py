"""Port the weights of Keras' recurrent layers to PyTorch's modules and back.

Keras keeps, per layer and direction, a ``kernel`` of shape ``(H_in, G * H)``, a
``recurrent_kernel`` of shape ``(H, G * H)`` and a ``bias``, where ``G`` is the
number of gates (4 for an LSTM, 3 for a GRU, 1 for a plain RNN). PyTorch keeps
the transposed matrices ``weight_ih_l{k}`` ``(G * H, H_in)`` and ``weight_hh_l{k}``
``(G * H, H)`` with two biases, ``bias_ih_l{k}`` and ``bias_hh_l{k}``. Three things
differ beyond the transpose:

- an LSTM's gates are in the same order (``i, f, c, o``), but Keras has one bias
  where PyTorch has two, which add up;
- a GRU's gates are ``z, r, h`` in Keras and ``r, z, n`` in PyTorch, and Keras'
  ``reset_after=True`` bias has two rows, the input and the recurrent bias, which
  are PyTorch's ``bias_ih`` and ``bias_hh``;
- Keras' ``GRU(reset_after=False)`` applies the reset gate before the recurrent
  matrix, which ``nn.GRU`` cannot do, so its weights are refused.

The functions work on tensors (or anything ``torch.as_tensor`` takes, such as
the NumPy arrays of Keras' ``get_weights()``) and never import Keras.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from rnnstate.layout import Layout, describe

__all__ = ["from_keras_weights", "to_keras_weights"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}
_DIRECTIONS = ("forward", "backward")
_NAMES = ("kernel", "recurrent_kernel", "bias")


def _layout(module: object) -> Layout:
    layout = describe(module)  # type: ignore[arg-type]  # describe raises the TypeError
    if layout.proj_size:
        raise ValueError(
            f"module has proj_size={layout.proj_size}, but Keras' LSTM has no projection: "
            "only a module with proj_size=0 maps to Keras layers"
        )
    return layout


def _has_bias(module: nn.Module) -> bool:
    return bool(getattr(module, "bias", True))


def _parameters(module: nn.Module, layer: int, direction: int) -> list[nn.Parameter]:
    """``weight_ih``, ``weight_hh`` (and ``bias_ih``, ``bias_hh``) of one layer and direction."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if _has_bias(module) else [])
    parameters: list[nn.Parameter] = [getattr(module, name + suffix) for name in names]
    return parameters


def _gru_blocks(tensor: torch.Tensor, dim: int) -> torch.Tensor:
    """Swap the first two of a GRU's three gate blocks: ``z, r, h`` <-> ``r, z, n``."""
    first, second, third = tensor.chunk(3, dim=dim)
    return torch.cat((second, first, third), dim=dim)


def to_keras_weights(module: nn.Module) -> list[torch.Tensor]:
    """Give a module's weights in the order and layout of Keras' ``get_weights()``.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        Without ``proj_size``. Each layer is one Keras layer (``Bidirectional``
        around it if the module is bidirectional), stacked in order.

    Returns
    -------
    list of torch.Tensor
        For each layer, for each direction (forward, then backward):
        ``kernel`` ``(H_in, G * H)``, ``recurrent_kernel`` ``(H, G * H)`` and, if
        the module has biases, ``bias``: ``(G * H,)`` for an RNN or LSTM (the
        sum ``bias_ih + bias_hh``), ``(2, 3 * H)`` for a GRU (Keras'
        ``reset_after=True``). New tensors, detached, on the module's device.
        Keras on the torch backend's ``set_weights()`` takes the list of one
        layer as it is.

    Raises
    ------
    TypeError
        If ``module`` is not a recurrent module.
    ValueError
        If ``module`` has a ``proj_size``, which Keras' LSTM lacks.

    Examples
    --------
    >>> lstm = nn.LSTM(3, 5, bidirectional=True)
    >>> [tuple(w.shape) for w in to_keras_weights(lstm)]
    [(3, 20), (5, 20), (20,), (3, 20), (5, 20), (20,)]
    >>> kernel, recurrent_kernel, bias = to_keras_weights(nn.GRU(3, 5))
    >>> tuple(bias.shape)  # input and recurrent bias, Keras' reset_after=True
    (2, 15)
    """
    layout = _layout(module)
    weights: list[torch.Tensor] = []
    with torch.no_grad():
        for layer in range(layout.num_layers):
            for direction in range(layout.num_directions):
                ih, hh, *biases = (p.detach() for p in _parameters(module, layer, direction))
                if layout.mode == "GRU":
                    ih, hh = _gru_blocks(ih, 0), _gru_blocks(hh, 0)
                    biases = [torch.stack([_gru_blocks(b, 0) for b in biases])] if biases else []
                elif biases:
                    biases = [biases[0] + biases[1]]
                weights += [ih.t().clone(), hh.t().clone(), *(b.clone() for b in biases)]
    return weights


def _expected_shapes(layout: Layout, layer: int, has_bias: bool) -> list[tuple[int, ...]]:
    H = layout.hidden_size
    G = _GATES[layout.mode]
    H_in = layout.input_size if layer == 0 else layout.num_directions * H
    shapes: list[tuple[int, ...]] = [(H_in, G * H), (H, G * H)]
    if has_bias:
        shapes.append((2, G * H) if layout.mode == "GRU" else (G * H,))
    return shapes


def _as_tensor(value: object, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be an array or a tensor, got {type(value).__name__}")
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"{name} must be an array or a tensor, got {type(value).__name__}"
        ) from error


def from_keras_weights(module: nn.Module, weights: Sequence[object]) -> None:
    """Copy the weights of Keras recurrent layers into a PyTorch module, in place.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module to overwrite, without ``proj_size``: an ``nn.LSTM`` for Keras'
        ``LSTM``, an ``nn.GRU`` for ``GRU(reset_after=True)`` (Keras' default), an
        ``nn.RNN`` for ``SimpleRNN``, with ``bias=False`` for ``use_bias=False``.
    weights : list of torch.Tensor
        Or of anything ``torch.as_tensor`` takes, such as the NumPy arrays of
        Keras' ``get_weights()``. In the order of
        ``[w for layer in keras_layers for w in layer.get_weights()]``: for each
        layer, for each direction (a ``Bidirectional``'s forward layer, then its
        backward layer), ``kernel``, ``recurrent_kernel`` and ``bias``, in the
        shapes :func:`to_keras_weights` gives.

    Raises
    ------
    TypeError
        If ``module`` is not a recurrent module, ``weights`` is not a sequence, or
        one of its items is not an array.
    ValueError
        If ``module`` has a ``proj_size``, ``weights`` holds the wrong number of
        arrays or one of the wrong shape, or comes from ``GRU(reset_after=False)``.

    Notes
    -----
    An LSTM's or plain RNN's single Keras ``bias`` goes into ``bias_ih``, and
    ``bias_hh`` is set to zero: the module then computes what the Keras layer
    computes, up to rounding.

    Examples
    --------
    >>> source, target = nn.GRU(3, 5), nn.GRU(3, 5)
    >>> from_keras_weights(target, to_keras_weights(source))
    >>> pairs = zip(source.parameters(), target.parameters(), strict=True)
    >>> all(torch.equal(a, b) for a, b in pairs)
    True
    """
    layout = _layout(module)
    if isinstance(weights, (torch.Tensor, str, bytes)) or not isinstance(weights, Sequence):
        raise TypeError(
            f"weights must be a list of arrays (Keras' get_weights()), got {type(weights).__name__}"
        )
    has_bias = _has_bias(module)
    per_direction = 3 if has_bias else 2
    expected_count = layout.num_layers * layout.num_directions * per_direction
    if len(weights) != expected_count:
        listed = ", ".join(_NAMES[:per_direction])
        raise ValueError(
            f"weights holds {len(weights)} arrays, but a {layout.summary()}"
            f"{'' if has_bias else ' without bias'} takes {expected_count}: "
            f"{listed} for each layer and direction"
        )
    tensors = [_as_tensor(w, f"weights[{i}]") for i, w in enumerate(weights)]
    plan: list[tuple[nn.Parameter, torch.Tensor]] = []
    index = 0
    for layer in range(layout.num_layers):
        shapes = _expected_shapes(layout, layer, has_bias)
        for direction in range(layout.num_directions):
            group = tensors[index : index + per_direction]
            for offset, (tensor, shape) in enumerate(zip(group, shapes, strict=True)):
                where = (
                    f"weights[{index + offset}] ({_NAMES[offset]} of layer {layer}, "
                    f"{_DIRECTIONS[direction]})"
                )
                gru_bias = layout.mode == "GRU" and offset == 2
                _check_shape(tensor, shape, layout, where, gru_bias=gru_bias)
            index += per_direction
            parameters = _parameters(module, layer, direction)
            plan += zip(parameters, _torch_layout(layout, group), strict=True)
    with torch.no_grad():
        for parameter, value in plan:
            parameter.copy_(value)


def _check_shape(
    tensor: torch.Tensor, shape: tuple[int, ...], layout: Layout, where: str, *, gru_bias: bool
) -> None:
    if tuple(tensor.shape) == shape:
        return
    if gru_bias and tuple(tensor.shape) == shape[1:]:
        raise ValueError(
            f"{where} has shape {tuple(tensor.shape)}: a 1-D bias comes from Keras' "
            "GRU(reset_after=False), which applies the reset gate before the recurrent "
            "matrix while nn.GRU applies it after, so its weights do not carry over; "
            "use GRU(reset_after=True), Keras' default"
        )
    raise ValueError(
        f"{where} has shape {tuple(tensor.shape)}, but a {layout.summary()} expects {shape}"
    )


def _torch_layout(layout: Layout, group: list[torch.Tensor]) -> list[torch.Tensor]:
    """One direction's Keras arrays as ``weight_ih, weight_hh[, bias_ih, bias_hh]``."""
    kernel, recurrent_kernel, *bias = group
    ih, hh = kernel.t(), recurrent_kernel.t()
    if layout.mode == "GRU":
        ih, hh = _gru_blocks(ih, 0), _gru_blocks(hh, 0)
        return [ih, hh, *(_gru_blocks(row, 0) for row in (bias[0] if bias else []))]
    return [ih, hh, *((bias[0], torch.zeros_like(bias[0])) if bias else ())]
