from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rnnstate.cli import main


def test_it_explains_a_configuration_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gru", "--hidden-size", "50", "--num-layers", "3", "--bidirectional",
                 "--batch-first"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "module:  3-layer bidirectional GRU, batch_first" in out
    assert "h_n:     (6, 4, 50)" in out
    assert "torch.equal(output[:, 0, 50:], h_n[-1])" in out
    assert out.rstrip().endswith("all held: True")


def test_it_packs_with_the_given_lengths(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lstm", "--proj-size", "3", "--lengths", "2", "5", "1", "4"]) == 0
    out = capsys.readouterr().out
    assert "pack_padded_sequence(x, [2, 5, 1, 4], batch_first=False, enforce_sorted=False)" in out
    assert "c_n:     (1, 4, 16)" in out
    assert "padded[lengths - 1, torch.arange(4)]" in out


def test_it_pads_to_the_longest_length(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gru", "--seq-len", "9", "--lengths", "2", "3", "1", "4"]) == 0
    assert "output:  (4, 4, 16)  (after pad_packed_sequence)" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["rnn", "rnn_relu"])
def test_it_builds_plain_rnns_with_either_nonlinearity(
    mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([mode, "--batch", "0"]) == 0
    out = capsys.readouterr().out
    assert ("RNN (relu)" if mode == "rnn_relu" else "RNN (tanh)") in out
    assert "(unbatched)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["gru", "--proj-size", "2"], "--proj-size is only for lstm"),
        (["lstm", "--proj-size", "16"], "--proj-size must be smaller than --hidden-size (16)"),
        (["gru", "--lengths", "2", "3"], "--lengths needs one length per sample (4), got 2"),
        (["gru", "--batch", "0", "--lengths", "2"], "--lengths needs a batch"),
        (["gru", "--batch", "1", "--lengths", "9"], "--lengths must be at most --seq-len (5)"),
        (["gru", "--num-layers", "0"], "expected a positive integer, got 0"),
        (["gru", "--num-layers", "two"], "expected a positive integer, got 'two'"),
        (["gru", "--batch", "-1"], "expected an integer >= 0, got -1"),
        (["gru", "--batch", "x"], "expected an integer >= 0, got 'x'"),
        (["transformer"], "invalid choice: 'transformer'"),
    ],
)
def test_bad_arguments_exit_with_2_and_say_why(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_python_dash_m_rnnstate_runs_the_command_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rnnstate", "gru", "--seq-len", "3"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "all held: True" in done.stdout


def test_help_describes_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rnnstate", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "usage: rnnstate" in done.stdout
    assert "--lengths LEN [LEN ...]" in done.stdout


def test_it_exits_1_when_an_identity_does_not_hold(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import rnnstate.cli
    from rnnstate import Identity, Report, check

    def failing_check(*args: object) -> Report:
        report = check(*args)  # type: ignore[arg-type]
        broken = Identity("broken", "torch.equal(output, h_n)", False, 1.0)
        return Report(report.layout, report.input_shape, report.packed, report.setup, (broken,))

    monkeypatch.setattr(rnnstate.cli, "check", failing_check)
    assert main(["gru"]) == 1
    assert "all held: False" in capsys.readouterr().out


def test_the_rnnstate_console_script_is_installed_and_runs() -> None:
    script = Path(sys.executable).parent / "rnnstate"
    assert script.is_file(), f"installing the project puts an rnnstate command at {script}"
    done = subprocess.run(
        [str(script), "lstm", "--bidirectional", "--proj-size", "4"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "c_n:     (2, 4, 16)" in done.stdout
