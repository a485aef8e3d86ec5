from __future__ import annotations

import pytest
import torch
from torch import nn

from rnnstate import Layout, describe


@pytest.mark.parametrize(
    ("module", "mode"),
    [
        (nn.RNN(3, 4), "RNN_TANH"),
        (nn.RNN(3, 4, nonlinearity="relu"), "RNN_RELU"),
        (nn.GRU(3, 4), "GRU"),
        (nn.LSTM(3, 4), "LSTM"),
    ],
)
def test_describe_reads_the_mode_of_every_recurrent_module(module: nn.Module, mode: str) -> None:
    assert describe(module).mode == mode


def test_describe_reads_every_field_of_the_configuration() -> None:
    lstm = nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
    assert describe(lstm) == Layout(
        mode="LSTM",
        input_size=3,
        hidden_size=6,
        num_layers=2,
        num_directions=2,
        proj_size=2,
        batch_first=True,
    )
    assert describe(lstm).output_size == 2
    assert describe(lstm).num_states == 4


def test_describe_accepts_subclasses() -> None:
    class MyGRU(nn.GRU):
        pass

    assert describe(MyGRU(3, 4)).mode == "GRU"


@pytest.mark.parametrize("module", [nn.Linear(3, 4), nn.GRUCell(3, 4), nn.LSTMCell(3, 4)])
def test_describe_rejects_modules_that_are_not_recurrent(module: nn.Module) -> None:
    with pytest.raises(TypeError, match=r"module must be an nn.RNN, nn.GRU or nn.LSTM"):
        describe(module)


def test_describe_rejects_a_recurrent_module_with_an_unknown_mode() -> None:
    gru = nn.GRU(3, 4)
    gru.mode = "MYSTERY"
    with pytest.raises(ValueError, match="module has mode 'MYSTERY', expected one of"):
        describe(gru)


def test_the_layout_is_frozen() -> None:
    layout = describe(nn.GRU(3, 4))
    with pytest.raises(AttributeError):
        layout.num_layers = 2  # type: ignore[misc]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("unbatched", [False, True])
def test_shapes_match_what_the_module_returns(
    batch_first: bool, bidirectional: bool, unbatched: bool
) -> None:
    lstm = nn.LSTM(3, 6, num_layers=2, bidirectional=bidirectional, batch_first=batch_first,
                   proj_size=2)  # fmt: skip
    shapes = describe(lstm).shapes(batch_size=None if unbatched else 5, seq_len=7)
    output, (h_n, c_n) = lstm(torch.randn(shapes.input))
    assert (output.shape, h_n.shape, c_n.shape) == (shapes.output, shapes.h_n, shapes.c_n)


def test_shapes_of_a_gru_have_no_cell_state() -> None:
    assert describe(nn.GRU(3, 4)).shapes(2, 3).c_n is None


@pytest.mark.parametrize(
    ("batch_size", "seq_len", "error", "match"),
    [
        (0, 3, ValueError, "batch_size must be at least 1, got 0"),
        (2, 0, ValueError, "seq_len must be at least 1, got 0"),
        (2.0, 3, TypeError, "batch_size must be an int, got float 2.0"),
        (2, True, TypeError, "seq_len must be an int, got bool True"),
    ],
)
def test_shapes_rejects_bad_sizes(
    batch_size: object, seq_len: object, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        describe(nn.GRU(3, 4)).shapes(batch_size, seq_len)  # type: ignore[arg-type]


def test_summary_names_the_configuration() -> None:
    lstm = nn.LSTM(3, 6, num_layers=2, bidirectional=True, batch_first=True, proj_size=2)
    assert describe(lstm).summary() == (
        "2-layer bidirectional LSTM, batch_first, H_in=3, H_cell=6, proj_size=2, H_out=2"
    )
    assert (
        describe(nn.RNN(3, 4, nonlinearity="relu"))
        .summary()
        .startswith("1-layer unidirectional RNN (relu)")
    )
