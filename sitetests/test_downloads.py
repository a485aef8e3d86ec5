"""Every download runs where a reader would run it.

``nox -s downloads`` makes a fresh virtual environment holding only what the
README tells a reader to install (torch and ``rnnstate[plot]``, plus ipykernel for
the notebooks), names its Python in ``$RNNSTATE_READER_PYTHON`` and registers it as
the Jupyter kernel ``$RNNSTATE_KERNEL``. Each script then runs as its own process
in it, and each notebook in a real kernel.
"""

from __future__ import annotations

import os
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

KERNEL = os.environ.get("RNNSTATE_KERNEL", "rnnstate-reader")


def stems(site: Path, suffix: str) -> set[str]:
    return {p.stem for p in site.glob(f"_downloads/*/*{suffix}") if "auto_examples" not in p.name}


@pytest.fixture(scope="session")
def reader_python() -> Path:
    value = os.environ.get("RNNSTATE_READER_PYTHON")
    if not value:
        pytest.fail("set RNNSTATE_READER_PYTHON to a reader's environment: run `nox -s downloads`")
    return Path(value)


def test_every_gallery_page_has_a_script_and_a_notebook(site: Path) -> None:
    pages = [
        p for p in site.glob("auto_examples/*/*.html")
        if p.name not in ("index.html", "sg_execution_times.html")
    ]  # fmt: skip
    assert {p.stem for p in pages} == stems(site, ".py") == stems(site, ".ipynb")


def test_the_zip_of_all_examples_holds_every_script(site: Path) -> None:
    (archive,) = (site / "_downloads").glob("*/auto_examples_python.zip")
    with zipfile.ZipFile(archive) as zipped:
        names = {Path(name).stem for name in zipped.namelist() if name.endswith(".py")}
    assert names == stems(site, ".py")


def test_the_downloaded_script_runs_in_a_fresh_environment(
    script: Path, reader_python: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        [str(reader_python), str(script)],
        cwd=tmp_path,  # no checkout beside it: only the installed package
        env={**os.environ, "MPLBACKEND": "agg", "PYTHONPATH": ""},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_downloaded_notebook_executes_in_a_jupyter_kernel(
    notebook: Path, reader_python: Path, tmp_path: Path
) -> None:
    nb = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        nb, kernel_name=KERNEL, timeout=600, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(o.get("output_type") == "stream" for o in outputs)
