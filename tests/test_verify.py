"""``rnnstate verify``: the measurement on CPU, its command line, and its GPU path."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import rnnstate
from rnnstate import verify
from rnnstate.cli import main as cli_main

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA GPU here")


@pytest.fixture(scope="module")
def cpu_report() -> dict[str, object]:
    return verify.measure("cpu")


def test_the_cpu_report_says_where_and_when_it_was_measured(cpu_report: dict[str, object]) -> None:
    provenance = cpu_report["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["device"].startswith("CPU")
    assert provenance["torch"] == torch.__version__
    assert provenance["cuda"] is None
    assert provenance["rnnstate"] == rnnstate.__version__
    assert cpu_report["settings"] == ["float32", "float16", "bfloat16", "float64"]


def test_every_identity_holds_bitwise_on_cpu_in_every_dtype_half_precision_included(
    cpu_report: dict[str, object],
) -> None:
    # Each identity compares a stored number with itself, so it holds whatever the
    # dtype: float16 and bfloat16 are held to "bitwise" like float32 and float64.
    rows = cpu_report["identities"]
    assert isinstance(rows, list)
    assert len(rows) == 4 * 2 * 2 * 3  # modes x layers x directions x inputs
    for row in rows:
        assert row["results"] == dict.fromkeys(verify.DTYPES, "bitwise"), row


def test_the_differences_are_small_and_the_lstm_cell_loop_drifts_in_float32(
    cpu_report: dict[str, object],
) -> None:
    rows = cpu_report["differences"]
    assert isinstance(rows, list)
    diffs = {(row["comparison"], row["setting"]): row["max_abs_diff"] for row in rows}
    comparisons = {"GRUCell loop vs nn.GRU", "LSTMCell loop vs nn.LSTM"}
    comparisons.add("chunked (5 steps) vs one pass, 2-layer LSTM")
    assert set(diffs) == {(c, s) for c in comparisons for s in ("float32", "float64")}
    for (_, setting), diff in diffs.items():
        assert 0 <= diff < (1e-5 if setting == "float32" else 1e-12)
    # Measured on this project's CPU with torch 2.13: the LSTMCell loop rounds
    # differently from the fused nn.LSTM (1.2e-07), so the measurement is not a
    # comparison of a result with itself.
    assert diffs["LSTMCell loop vs nn.LSTM", "float32"] > 0


def test_an_identity_that_does_not_hold_is_recorded_and_fails_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing_check(*args: object) -> rnnstate.Report:
        report = rnnstate.check(*args)  # type: ignore[arg-type]
        broken = rnnstate.Identity("backward final", "torch.equal(output, h_n)", False, 1.0)
        return rnnstate.Report(
            report.layout, report.input_shape, report.packed, report.setup, (broken,)
        )

    monkeypatch.setattr(verify, "check", failing_check)
    configuration = ("GRU", 0, 1, True, "padded")
    assert verify._held(configuration, "cpu", "float32") == "differs: backward final"
    assert verify.main(["--device", "cpu", "--dtype", "float64", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS: RNN, 1 layer(s), D=1, padded, float64: backward final" in out
    assert "0 of 48 identity checks held bitwise on CPU" in out.splitlines()[-1]


def test_a_dtype_the_backend_lacks_is_recorded_as_unsupported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def lacking(*args: object) -> torch.nn.RNNBase:
        raise TypeError("Cannot convert a MPS Tensor to float64 dtype")

    monkeypatch.setattr(verify, "_module", lacking)
    result = verify._held(("LSTM", 0, 1, False, "padded"), "cpu", "float64")
    assert result == "unsupported: Cannot convert a MPS Tensor to float64 dtype"
    report = verify.measure("cpu", ["float64"])
    assert report["differences"]  # the drift measurement builds its own modules
    assert "48 not supported by this backend" in verify.format_report(report)


def test_the_comparison_against_cpu_runs_and_tf32_is_compared_on_and_off() -> None:
    # On a GPU this compares it with the CPU; run against the CPU itself here, it
    # exercises the same code and finds no difference at all.
    x = torch.randn(3, 7, verify.H_IN)
    rows = verify._against_cpu("cpu", ["float32, TF32 on", "float32, TF32 off"], x)
    assert [row["comparison"] for row in rows] == [
        "CPU vs CPU, 2-layer LSTM",
        "CPU vs CPU, 2-layer LSTM",
        "TF32 on vs off, 2-layer GRU",
    ]
    assert [row["max_abs_diff"] for row in rows] == [0.0, 0.0, 0.0]


def test_cuda_measures_float32_with_tf32_on_and_off() -> None:
    assert verify.settings("cuda:1") == [
        "float32, TF32 on",
        "float32, TF32 off",
        "float16",
        "bfloat16",
        "float64",
    ]
    assert verify.settings("mps", ["float64", "float32"]) == ["float64", "float32"]


def test_the_command_prints_a_table_writes_json_and_shows_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "data" / "report.json"
    assert cli_main(["verify", "--device", "cpu", "--dtype", "float64", "--json", str(out)]) == 0
    captured = capsys.readouterr()
    assert "module             layers  D  input             float64" in captured.out
    assert "LSTM, proj_size=3  3       2  packed, unsorted  bitwise" in captured.out
    assert "48 of 48 identity checks held bitwise on CPU" in captured.out
    assert captured.err.startswith("rnnstate verify: 1/")
    assert "49/49 measured (differences, float64)" in captured.err
    report = json.loads(out.read_text())
    assert set(report) == {"provenance", "settings", "identities", "differences"}
    assert report["settings"] == ["float64"]


def test_the_progress_bar_redraws_one_line_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = verify._Bar(stream)
    bar(1, 2, "first")
    bar(2, 2, "second")
    assert stream.getvalue().count("\r[") == 2
    assert "] 2/2 second" in stream.getvalue()
    assert stream.getvalue().endswith("\n")


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.rstrip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--device", "tpu"], "--device must be one of cpu, cuda, mps (or cuda:N), got 'tpu'"),
        (["--device", "cpu:1"], "--device must be one of cpu, cuda, mps (or cuda:N), got 'cpu:1'"),
        (["--device", "cuda:x"], "got 'cuda:x'"),
        (["--dtype", "float32", "int8"], "--dtype must be among float32, float16, bfloat16, "),
    ],
)
def test_a_bad_device_or_dtype_exits_with_2_and_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = one_line_error(capsys, ["verify", *argv])
    assert err.startswith("rnnstate verify: error: ")
    assert message in err


def test_a_device_torch_does_not_see_exits_with_2_and_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    err = one_line_error(capsys, ["verify", "--device", "cuda"])
    assert f"--device cuda: torch {torch.__version__} (" in err
    assert err.endswith("sees no CUDA GPU here")
    err = one_line_error(capsys, ["verify", "--device", "mps"])
    assert err.endswith("sees no Apple GPU (MPS) here")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    err = one_line_error(capsys, ["verify", "--device", "cuda:1"])
    assert err.endswith("--device cuda:1: torch sees 1 CUDA GPU(s) here")


def test_the_default_device_is_the_best_one_torch_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert verify.best_device() == "mps"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert verify.best_device() == "cuda"


def test_python_dash_m_rnnstate_verify_runs_on_cpu() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "rnnstate", "verify", "--device", "cpu", "--dtype", "float32"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "48 of 48 identity checks held bitwise" in done.stdout


def test_the_version_has_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        cli_main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"rnnstate {rnnstate.__version__}\n"
    assert version("rnnstate") == rnnstate.__version__


def test_the_gpu_page_renders_the_cpu_report_with_one_row_per_configuration(
    cpu_report: dict[str, object],
) -> None:
    sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))
    import gpu_report
    from docutils import nodes

    (section,) = gpu_report.report_nodes(cpu_report, "Measured live on CPU")
    text = section.astext()
    assert "Measured on CPU" in text
    assert f"torch {torch.__version__}" in text
    (table,) = section.findall(nodes.table)  # the full table, folded away
    assert len(list(table.findall(nodes.row))) == 1 + 48  # header, then one per configuration


@cuda
@pytest.mark.cuda
def test_the_gpu_report_measures_tf32_on_and_off() -> None:
    report = verify.measure("cuda")
    assert report["settings"][:2] == ["float32, TF32 on", "float32, TF32 off"]
    for row in report["identities"]:
        assert row["results"]["float64"] == "bitwise", row
    assert any(d["comparison"].startswith("CPU vs CUDA") for d in report["differences"])
