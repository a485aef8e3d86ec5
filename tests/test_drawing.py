from __future__ import annotations

from collections import Counter

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import nn

from rnnstate import plot_unrolled


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    plt.close("all")


def tags(fig: Figure) -> Counter[str]:
    gids = [p.get_gid() or "" for p in fig.axes[0].patches]
    return Counter(gid for gid in gids if gid.startswith("cell"))


def test_every_layer_direction_and_step_is_one_cell() -> None:
    fig = plot_unrolled(nn.LSTM(3, 4, num_layers=3, bidirectional=True), seq_len=5)
    assert sum(tags(fig).values()) == 3 * 2 * 5


def test_the_top_layer_is_output_and_each_row_ends_in_h_n() -> None:
    fig = plot_unrolled(nn.GRU(3, 4, num_layers=2, bidirectional=True), seq_len=5)
    assert tags(fig) == Counter({
        "cell": 2 * 4,  # bottom layer, both directions, steps that are not final
        "cell:h_n": 2,  # bottom layer finals
        "cell:output": 2 * 4,  # top layer
        "cell:output:h_n": 2,  # top layer finals
    })  # fmt: skip


def test_h_n_cells_are_labelled_with_their_index() -> None:
    fig = plot_unrolled(nn.LSTM(3, 4, num_layers=2, bidirectional=True), seq_len=3)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {f"h_n[{k}]\nc_n[{k}]" for k in range(4)} <= labels


def test_lengths_grey_out_padding_and_move_the_forward_final() -> None:
    fig = plot_unrolled(nn.GRU(3, 4, bidirectional=True), seq_len=5, lengths=[5, 2])
    counts = tags(fig)
    assert counts["cell:pad"] == 2 * 3  # sequence 1, both directions, steps 2..4
    assert counts["cell:output:h_n"] == 2 * 2
    # sequence 1's forward final sits at step 1 (its last valid step)
    finals = [
        p
        for p in fig.axes[0].patches
        if isinstance(p, Rectangle) and p.get_gid() == "cell:output:h_n"
    ]
    assert sorted(round(p.get_x() + 0.4) for p in finals) == [0, 0, 1, 4]


def test_it_draws_into_a_given_axes() -> None:
    fig, ax = plt.subplots()
    assert plot_unrolled(nn.RNN(3, 4), seq_len=2, ax=ax) is fig
    assert len(ax.patches) == 2


def test_it_accepts_lengths_as_a_tensor() -> None:
    fig = plot_unrolled(nn.GRU(3, 4), seq_len=3, lengths=torch.tensor([3, 1]))
    assert tags(fig)["cell:pad"] == 2


@pytest.mark.parametrize(
    ("seq_len", "lengths", "error", "match"),
    [
        (0, None, ValueError, "seq_len must be at least 1, got 0"),
        (3, [4], ValueError, "lengths must be at most the sequence length L=3, got 4"),
        (3, [0], ValueError, "lengths must all be at least 1"),
        (3, [1.5], TypeError, "lengths must hold integers"),
    ],
)
def test_it_rejects_bad_sizes(
    seq_len: int, lengths: list[float] | None, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        plot_unrolled(nn.GRU(3, 4), seq_len, lengths)  # type: ignore[arg-type]


def test_it_rejects_a_module_that_is_not_recurrent() -> None:
    with pytest.raises(TypeError, match=r"module must be an nn.RNN"):
        plot_unrolled(nn.Linear(3, 4), 3)
