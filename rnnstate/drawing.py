"""Draw a recurrent module unrolled over time.

Needs matplotlib (``pip install "rnnstate[plot]"``), imported on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from rnnstate.indexing import state_rows
from rnnstate.layout import Layout, _check_positive_int, describe
from rnnstate.states import _check_lengths

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_unrolled"]

_PLAIN = "#dfe6ee"
_OUTPUT = "#f4b266"
_FINAL = "#3b6fb6"
_PAD = "#f2f2f2"


def _cell_style(tags: list[str]) -> dict[str, Any]:
    """Colours of one cell: blue if in h_n, orange if in output, hatched if padding."""
    if "h_n" in tags:
        face = _FINAL
    elif "output" in tags:
        face = _OUTPUT
    else:
        face = _PAD if "pad" in tags else _PLAIN
    in_output = "output" in tags
    return {
        "facecolor": face,
        "gid": ":".join(tags),
        "edgecolor": _OUTPUT if in_output else "#8a8a8a",
        "linewidth": 2.0 if in_output else 0.6,
        "hatch": "//" if "pad" in tags else None,
    }


def _draw_sequence(ax: Axes, layout: Layout, seq_len: int, length: int, base: int) -> None:
    """Draw one sequence's cells, bottom layer first, from row ``base`` up."""
    from matplotlib.patches import Rectangle

    D = layout.num_directions
    for layer in range(layout.num_layers):
        for direction in range(D):
            row = base + layer * D + direction
            final = length - 1 if direction == 0 else 0  # the backward pass ends at step 0
            arrow = "\u2192" if direction == 0 else "\u2190"
            ax.text(-0.6, row + 0.3, f"layer {layer} {arrow}", ha="right", va="center", fontsize=8)
            for t in range(seq_len):
                tags = ["cell"]
                if t >= length:
                    tags.append("pad")
                elif layer == layout.num_layers - 1:
                    tags.append("output")
                if t == final:
                    tags.append("h_n")
                    label = "\n".join(state_rows(layout, layer, direction))
                    ax.text(t, row + 0.3, label, ha="center", va="center", fontsize=6.5,
                            color="white", zorder=3)  # fmt: skip
                ax.add_patch(Rectangle((t - 0.4, row), 0.8, 0.6, **_cell_style(tags)))


def _matplotlib() -> tuple[Any, Any]:
    """Import matplotlib, the ``plot`` extra, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            'plot_unrolled needs matplotlib, which is not installed: pip install "rnnstate[plot]"',
            name=error.name,
        ) from error
    return plt, Patch


def plot_unrolled(
    module: nn.Module,
    seq_len: int,
    lengths: torch.Tensor | Sequence[int] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Draw ``module`` unrolled over ``seq_len`` steps: which cells are ``output`` and ``h_n``.

    Each layer is a row (two rows, forward then backward, when bidirectional)
    and each time step a column. The top layer's cells make up ``output``
    (orange); the cell where each layer and direction ends makes up ``h_n``
    (blue) and is labelled ``h_n[k]`` with ``k = layer * D + direction``. The
    forward direction ends at the last valid step, the backward one at step 0.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module to draw.
    seq_len : int
        ``L``, the number of (padded) steps to draw.
    lengths : torch.Tensor or sequence of int, optional
        Valid lengths of a padded or packed batch: one panel per sequence, its
        padded steps greyed out and its final cells marked.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new figure sized to the network.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Each cell is a ``Rectangle`` whose ``gid`` says what
        it is: ``"cell"``, plus ``":output"``, ``":h_n"`` and ``":pad"`` as they apply.

    Raises
    ------
    TypeError, ValueError
        For a non-recurrent module, a bad ``seq_len`` or bad ``lengths``.

    Examples
    --------
    >>> fig = plot_unrolled(nn.GRU(8, 50, num_layers=2, bidirectional=True), seq_len=4)
    >>> sum(p.get_gid().startswith("cell") for p in fig.axes[0].patches)
    16
    """
    plt, Patch = _matplotlib()
    layout = describe(module)
    _check_positive_int(seq_len, "seq_len")
    if lengths is None:
        seq_lengths = [seq_len]
    else:
        checked = _check_lengths(lengths, len(lengths), seq_len, torch.device("cpu"))
        seq_lengths = [int(n) for n in checked]
    D, layers = layout.num_directions, layout.num_layers
    rows = layers * D
    block = rows + 1  # one blank row between sequences
    if ax is None:
        _, ax = plt.subplots(
            figsize=(1.6 + 0.75 * seq_len, 0.9 + 0.45 * block * len(seq_lengths)),
            layout="constrained",
        )
    for s, length in enumerate(seq_lengths):
        base = (len(seq_lengths) - 1 - s) * block
        if len(seq_lengths) > 1:
            ax.text(-0.6, base + rows - 0.2, f"sequence {s} (length {length})", fontsize=8,
                    ha="left", va="bottom", style="italic")  # fmt: skip
        _draw_sequence(ax, layout, seq_len, length, base)
    ax.set_xlim(-2.2, seq_len - 0.4)
    ax.set_ylim(-0.3, block * len(seq_lengths) - 0.6)
    ax.set_xticks(range(seq_len), [f"t={t}" for t in range(seq_len)], fontsize=8)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(layout.summary(), fontsize=9)
    handles = [
        Patch(facecolor=_OUTPUT, edgecolor=_OUTPUT, label="top layer: makes up output"),
        Patch(
            facecolor=_FINAL,
            label="final state: makes up h_n" + (", c_n" if layout.is_lstm else ""),
        ),
    ]
    if lengths is not None:
        handles.append(Patch(facecolor=_PAD, hatch="//", edgecolor="#8a8a8a", label="padding"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 * 6 / (block * len(seq_lengths) + 3)),
        ncol=len(handles),
        fontsize=7,
        frameon=False,
    )
    figure = ax.get_figure(root=True)
    if figure is None:  # pragma: no cover - an Axes always belongs to a figure
        raise ValueError("ax is not attached to a figure")
    return figure
