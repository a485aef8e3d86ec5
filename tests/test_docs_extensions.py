"""The docs build's own extensions: verified configurations, never-stale gallery."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import configurations
import fresh_gallery


def test_every_configuration_of_the_page_verifies() -> None:
    data = configurations.configurations()
    # RNN and GRU: 4 layer counts x 2 directions x 2 layouts x 3 inputs; LSTM twice (proj_size)
    assert len(data) == 2 * 48 + 96
    entry = data["GRU|3|1|1|0|padded"]
    assert entry["shapes"] == {
        "output": ["N", "L", "D*H_out"],
        "h_n": ["D*num_layers", "N", "H_out"],
        "c_n": None,
    }


def test_a_line_that_does_not_hold_fails_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    real = configurations.lines

    def wrong(config: configurations.Config) -> tuple[str, list[configurations.Line]]:
        setup, result = real(config)
        result[0].code = result[0].code.replace("-1", "0", 1)  # the first step, not the last
        return setup, result

    monkeypatch.setattr(configurations, "lines", wrong)
    config = configurations.Config("GRU", 2, True, True, False, "padded")
    with pytest.raises(
        configurations.ExpressionFailedError, match=r"output\[:, 0, :H_out\] != h_n\[-2\]"
    ):
        configurations.verify(config)


def test_a_wrong_shape_fails_verification(monkeypatch: pytest.MonkeyPatch) -> None:
    real = configurations.symbols

    def batch_first_h_n(config: configurations.Config) -> dict[str, list[str] | None]:
        shapes = real(config)
        shapes["h_n"] = ["N", "D*num_layers", "H_out"]
        return shapes

    monkeypatch.setattr(configurations, "symbols", batch_first_h_n)
    config = configurations.Config("LSTM", 2, False, True, False, "padded")
    with pytest.raises(configurations.ExpressionFailedError, match="h_n has shape"):
        configurations.verify(config)


def test_the_gallery_fingerprint_follows_imports_pins_and_source(tmp_path: Path) -> None:
    example = tmp_path / "page.py"
    example.write_text("import torch\nfrom rnnstate import check\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")
    packages = {"rnnstate": "aaa", "other": "bbb"}
    first = fresh_gallery.fingerprint(example, constraints, packages)
    assert "rnnstate aaa" in first
    assert "other" not in first  # the page does not import it
    assert fresh_gallery.fingerprint(example, constraints, {**packages, "other": "ccc"}) == first
    assert fresh_gallery.fingerprint(example, constraints, {**packages, "rnnstate": "ddd"}) != first
    constraints.write_text("torch==2.13.1\n")
    assert fresh_gallery.fingerprint(example, constraints, packages) != first


def test_imported_packages_reads_every_form_of_import() -> None:
    source = "import a.b\nfrom c.d import e\nfrom . import f\nimport g as h\n"
    assert fresh_gallery.imported_packages(source) == {"a", "c", "g"}
