from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnnstate import Identity, Report, check, describe


def test_check_lists_shapes_and_both_directions_of_a_bidirectional_gru() -> None:
    gru = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    report = check(gru, torch.randn(4, 6, 8))
    assert report.ok
    assert [identity.name for identity in report.identities] == [
        "output shape",
        "h_n shape",
        "forward final, top layer",
        "backward final, top layer",
        "classifier feature",
    ]
    assert report.identities[2].expression == "torch.equal(output[:, -1, :50], h_n[-2])"
    assert report.identities[3].expression == "torch.equal(output[:, 0, 50:], h_n[-1])"
    assert all(identity.max_abs_diff == 0.0 for identity in report.identities[2:])


def test_the_expressions_in_the_report_are_the_ones_a_reader_can_run() -> None:
    gru = nn.GRU(3, 4, num_layers=2, bidirectional=True)
    x = torch.randn(5, 2, 3)
    report = check(gru, x)
    with torch.no_grad():
        output, h_n = gru(x)
    namespace = {"torch": torch, "output": output, "h_n": h_n}
    for identity in report.identities:
        assert eval(identity.expression, namespace) is True  # noqa: S307 - the point of the test


def test_check_of_a_sequence_first_module_indexes_the_step_axis_first() -> None:
    report = check(nn.GRU(3, 4, bidirectional=True), torch.randn(5, 2, 3))
    assert report.identities[2].expression == "torch.equal(output[-1, :, :4], h_n[-2])"
    unidirectional = check(nn.GRU(3, 4), torch.randn(5, 2, 3))
    assert unidirectional.identities[2].expression == "torch.equal(output[-1], h_n[-1])"


def test_check_of_an_lstm_lists_the_cell_state_shape() -> None:
    lstm = nn.LSTM(3, 6, proj_size=2, num_layers=2)
    report = check(lstm, torch.randn(5, 2, 3))
    assert report.ok
    assert "tuple(c_n.shape) == (2, 2, 6)" in [i.expression for i in report.identities]


def test_check_of_packed_input_reads_each_sequence_at_its_last_valid_step() -> None:
    gru = nn.GRU(3, 4, bidirectional=True, batch_first=True)
    x = torch.randn(3, 5, 3)
    packed = pack_padded_sequence(x, [2, 5, 1], batch_first=True, enforce_sorted=False)
    report = check(gru, packed)
    assert report.ok
    assert report.packed
    assert report.setup.startswith("padded, lengths = torch.nn.utils.rnn.pad_packed_sequence(")
    assert "padded[torch.arange(3), lengths - 1, :4]" in report.identities[2].expression


def test_check_uses_the_initial_state() -> None:
    lstm = nn.LSTM(3, 4, num_layers=2)
    h_0, c_0 = torch.randn(2, 2, 4), torch.randn(2, 2, 4)
    assert check(lstm, torch.randn(5, 2, 3), (h_0, c_0)).ok
    gru = nn.GRU(3, 4)
    assert check(gru, torch.randn(5, 3), torch.randn(1, 4)).ok


def test_a_report_that_does_not_hold_says_so() -> None:
    report = Report(
        layout=describe(nn.GRU(3, 4)),
        input_shape=(5, 2, 3),
        packed=False,
        setup="",
        identities=(Identity("made up", "torch.equal(a, b)", False, 0.5),),
    )
    assert not report.ok
    assert "all held: False" in str(report)
    assert 'class="rnnstate-false"' in report._repr_html_()


def test_the_report_prints_as_an_aligned_table() -> None:
    report = check(nn.GRU(3, 4, batch_first=True), torch.randn(2, 5, 3))
    lines = str(report).splitlines()
    assert (
        lines[0]
        == "1-layer unidirectional GRU, batch_first, H_in=3, H_cell=4, H_out=4; input 2 x 5 x 3"
    )
    header, rule = lines[1], lines[2]
    assert header.split() == ["identity", "expression", "held", "max", "|diff|"]
    assert set(rule.replace(" ", "")) == {"-"}
    assert lines[-1] == "all held: True"
    # every row starts its expression column at the same place
    column = header.index("expression")
    assert all(line[column - 2 : column] == "  " for line in lines[3:-1])


def test_the_report_renders_as_an_html_table_with_escaped_code() -> None:
    packed = pack_padded_sequence(torch.randn(2, 5, 3), [5, 2], batch_first=True)
    html = check(nn.GRU(3, 4, batch_first=True), packed)._repr_html_()
    assert html.startswith('<div class="rnnstate-check">')
    assert "<table>" in html
    assert "lengths - 1" in html
    assert html.count("<tr>") == 1 + 3  # header, two shapes, one equality
    assert "<code>padded, lengths = " in html


def test_unbatched_input_is_named_in_the_title() -> None:
    assert check(nn.GRU(3, 4), torch.randn(5, 3)).title.endswith("input 5 x 3 (unbatched)")


@pytest.mark.parametrize(
    ("input", "error", "match"),
    [
        (torch.randn(2, 5, 4), ValueError, r"input has shape \(2, 5, 4\), expected \(N, L, H_in\)"),
        (torch.randn(5), ValueError, r"input has shape \(5,\)"),
        ([1.0], TypeError, "input must be a torch.Tensor or a PackedSequence, got list"),
    ],
)
def test_check_rejects_bad_input(input: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        check(nn.GRU(3, 4, batch_first=True), input)  # type: ignore[arg-type]


def test_check_rejects_packed_input_of_the_wrong_size() -> None:
    packed = pack_padded_sequence(torch.randn(2, 5, 4), [5, 2], batch_first=True)
    with pytest.raises(ValueError, match=r"input.data has shape \(7, 4\)"):
        check(nn.GRU(3, 4, batch_first=True), packed)


@pytest.mark.parametrize(
    ("hx", "error", "match"),
    [
        (torch.zeros(2, 1, 4), ValueError, r"hx has shape \(2, 1, 4\), which looks batch-first"),
        (torch.zeros(1, 3, 4), ValueError, r"hx has shape \(1, 3, 4\), but for this input"),
        (torch.zeros(1, 4), ValueError, r"hx has shape \(1, 4\), but for this input"),
        (torch.zeros(1, 2, 5), ValueError, r"hx has shape \(1, 2, 5\), but a 1-layer"),
        ("h_0", TypeError, "hx must be a torch.Tensor, got str"),
    ],
)
def test_check_rejects_bad_initial_states(hx: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        check(nn.GRU(3, 4, batch_first=True), torch.randn(2, 5, 3), hx)  # type: ignore[arg-type]


def test_check_rejects_an_lstm_state_that_is_not_a_pair() -> None:
    with pytest.raises(TypeError, match=r"hx must be a tuple \(h_0, c_0\) for an LSTM, got Tensor"):
        check(nn.LSTM(3, 4), torch.randn(5, 2, 3), torch.zeros(1, 2, 4))


def test_check_rejects_a_cell_state_of_the_wrong_size() -> None:
    lstm = nn.LSTM(3, 6, proj_size=2)
    with pytest.raises(ValueError, match=r"hx\[1\] has shape \(1, 2, 2\)"):
        check(lstm, torch.randn(5, 2, 3), (torch.zeros(1, 2, 2), torch.zeros(1, 2, 2)))


def test_check_records_no_gradient() -> None:
    gru = nn.GRU(3, 4)
    check(gru, torch.randn(5, 2, 3, requires_grad=True))
    assert all(p.grad is None for p in gru.parameters())
