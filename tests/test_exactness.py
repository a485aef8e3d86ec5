"""The exactness report: its generator on CPU, its renderer, and its GPU path."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import exactness

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="torch sees no CUDA GPU here")


@pytest.fixture(scope="module")
def cpu_report() -> dict[str, object]:
    return exactness.measure("cpu")


def test_the_cpu_report_says_where_and_when_it_was_measured(cpu_report: dict[str, object]) -> None:
    provenance = cpu_report["provenance"]
    assert isinstance(provenance, dict)
    assert provenance["device"].startswith("CPU")
    assert provenance["torch"] == torch.__version__
    assert provenance["cuda"] is None
    assert cpu_report["settings"] == ["float32", "float16", "bfloat16", "float64"]


def test_the_identities_hold_bitwise_on_cpu_in_float32_and_float64(
    cpu_report: dict[str, object],
) -> None:
    rows = cpu_report["identities"]
    assert isinstance(rows, list)
    assert len(rows) == 4 * 2 * 2 * 3  # modes x layers x directions x inputs
    for row in rows:
        assert row["results"]["float32"] == "bitwise", row
        assert row["results"]["float64"] == "bitwise", row


def test_every_half_precision_result_is_recorded_as_it_came(cpu_report: dict[str, object]) -> None:
    rows = cpu_report["identities"]
    assert isinstance(rows, list)
    for row in rows:
        for name in ("float16", "bfloat16"):
            assert row["results"][name] == "bitwise" or row["results"][name].startswith(
                ("unsupported: ", "differs: ")
            )


def test_the_differences_are_small_but_measured(cpu_report: dict[str, object]) -> None:
    rows = cpu_report["differences"]
    assert isinstance(rows, list)
    comparisons = {row["comparison"] for row in rows}
    assert comparisons == {
        "GRUCell loop vs nn.GRU",
        "LSTMCell loop vs nn.LSTM",
        "chunked (5 steps) vs one pass, 2-layer LSTM",
    }
    for row in rows:
        assert 0 <= row["max_abs_diff"] < (1e-5 if row["setting"] == "float32" else 1e-12)


def test_asking_for_cuda_without_a_gpu_fails_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: the no-GPU path cannot be taken")
    out = tmp_path / "report.json"
    assert exactness.main(["--device", "cuda", "--out", str(out)]) == 1
    assert "no CUDA GPU is available" in capsys.readouterr().err
    assert not out.exists()


def test_the_report_is_written_as_json(tmp_path: Path) -> None:
    out = tmp_path / "data" / "report.json"
    assert exactness.main(["--device", "cpu", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert set(report) == {"provenance", "settings", "identities", "differences"}


@cuda
@pytest.mark.cuda
def test_the_gpu_report_measures_tf32_on_and_off() -> None:
    report = exactness.measure("cuda")
    assert report["settings"][:2] == ["float32, TF32 on", "float32, TF32 off"]
    for row in report["identities"]:
        assert row["results"]["float64"] == "bitwise", row
    assert any(d["comparison"].startswith("CPU vs CUDA") for d in report["differences"])
