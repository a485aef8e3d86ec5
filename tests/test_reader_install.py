"""The docs build serves readers the wheel, the constraints and the command that installs them."""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from sphinx.errors import ExtensionError

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import reader_install

ROOT = Path(__file__).parents[1]
EXTRAS = reader_install.EXTRAS


def test_a_page_that_draws_needs_the_plot_extra_and_nothing_else() -> None:
    source = "import torch\nfrom torch import nn\nimport rnnstate\nrnnstate.plot_unrolled(gru)\n"
    assert reader_install.needs(source, EXTRAS) == reader_install.Needs(("plot",), ())


def test_a_page_that_only_checks_needs_no_extra() -> None:
    source = "import itertools\nimport rnnstate\nprint(rnnstate.check(gru, x))\n"
    assert reader_install.needs(source, EXTRAS) == reader_install.Needs((), ())


def test_extras_come_in_the_order_of_the_mapping_whatever_the_import_order() -> None:
    source = "import os\nimport keras\nfrom rnnstate import plot_unrolled\n"
    assert reader_install.needs(source, EXTRAS).extras == ("plot", "keras")


def test_an_import_that_nothing_installs_is_reported() -> None:
    source = "import pandas\nimport torch.nn\nfrom __future__ import annotations\n"
    assert reader_install.needs(source, EXTRAS).unknown == ("pandas",)


def test_an_attribute_of_a_variable_is_not_taken_for_a_module() -> None:
    # ``rnnstate`` here is a variable, not the package: no extra for its attribute.
    source = "rnnstate = object()\nrnnstate.plot_unrolled\n"
    assert reader_install.needs(source, EXTRAS) == reader_install.Needs((), ())


def test_the_commands_name_the_wheel_and_the_extras() -> None:
    wheel = "rnnstate-1.2.3-py3-none-any.whl"
    assert (
        reader_install.install_command(wheel, ("plot", "keras"))
        == 'pip install -c constraints.txt "rnnstate-1.2.3-py3-none-any.whl[plot,keras]"'
    )
    assert reader_install.install_command(wheel, ()) == (
        'pip install -c constraints.txt "rnnstate-1.2.3-py3-none-any.whl"'
    )
    assert reader_install.pypi_command(("plot",)) == 'pip install "rnnstate[plot]"'
    assert reader_install.url_command(("plot",)) == (
        'pip install -c <constraints link> "rnnstate[plot] @ <wheel link>"'
    )


def test_the_torch_pin_is_read_from_the_constraints(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# pins\nsympy==1.14.0\ntorch==2.13.0  # the CPU wheel\n")
    assert reader_install.torch_pin(constraints) == "2.13.0"
    constraints.write_text("sympy==1.14.0\n")
    with pytest.raises(ExtensionError, match=r"constraints.txt does not pin torch"):
        reader_install.torch_pin(constraints)


def test_the_note_links_both_files_relative_to_the_page(tmp_path: Path) -> None:
    wheel = tmp_path / "docs" / "_build" / "reader_install" / "rnnstate-0.1.0-py3-none-any.whl"
    page_dir = tmp_path / "docs" / "auto_examples" / "01_one_layer"
    note = reader_install.install_note(
        page_dir, wheel, tmp_path / "constraints.txt", ("plot",), "2.13.0"
    )
    expected_link = "../../_build/reader_install/rnnstate-0.1.0-py3-none-any.whl"
    assert f":download:`rnnstate-0.1.0-py3-none-any.whl <{expected_link}>`" in note
    assert ":download:`constraints.txt <../../../constraints.txt>`" in note
    assert 'pip install -c constraints.txt "rnnstate-0.1.0-py3-none-any.whl[plot]"' in note
    assert 'pip install "rnnstate[plot]"' in note
    assert "torch 2.13.0" in note


def copy_project(target: Path) -> Path:
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, target / name)
    shutil.copytree(
        ROOT / "rnnstate", target / "rnnstate", ignore=shutil.ignore_patterns("__pycache__")
    )
    return target


@pytest.mark.slow
def test_the_wheel_is_built_once_and_again_when_the_package_changes(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    out = tmp_path / "out"
    wheel = reader_install.build_wheel(project, out)
    assert wheel.name.startswith("rnnstate-")
    assert wheel.name.endswith("-py3-none-any.whl")
    assert reader_install.wheel_extras(wheel) == ["keras", "plot"]
    built = wheel.stat().st_mtime_ns
    assert reader_install.build_wheel(project, out) == wheel
    assert wheel.stat().st_mtime_ns == built  # nothing changed: not built again
    init = project / "rnnstate" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9+'))
    again = reader_install.build_wheel(project, out)
    assert again.name.startswith("rnnstate-9.9.9+")
    assert sorted(p.name for p in out.glob("*.whl")) == [again.name]


@pytest.mark.slow
def test_a_project_that_does_not_build_fails_the_docs_build_saying_why(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('readme = "README.md"', 'readme = "NO.md"'))
    with pytest.raises(ExtensionError, match=r"could not build the wheel(.|\n)*NO\.md"):
        reader_install.build_wheel(project, tmp_path / "out")


def test_the_notebook_first_cell_is_rewritten_only_when_it_differs(tmp_path: Path) -> None:
    notebook = tmp_path / "page.ipynb"
    cells = [{"cell_type": "code", "source": ["# {install}"]}, {"cell_type": "markdown"}]
    notebook.write_text(json.dumps({"cells": cells}))
    reader_install.set_first_cell(notebook, "# pip install x")
    assert json.loads(notebook.read_text())["cells"][0]["source"] == ["# pip install x"]
    written = notebook.stat().st_mtime_ns
    reader_install.set_first_cell(notebook, "# pip install x")
    assert notebook.stat().st_mtime_ns == written
    notebook.write_text(json.dumps({"cells": cells[::-1]}))
    with pytest.raises(ExtensionError, match="does not start with a code cell"):
        reader_install.set_first_cell(notebook, "# pip install x")


def test_a_zip_is_rewritten_from_the_current_files_with_the_added_ones(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "page.py").write_text("new")
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a/page.py", "old")
        zipped.writestr("README.txt", "stale")
        zipped.writestr("rnnstate-0.0.9-py3-none-any.whl", "an older build's wheel")
    added = {"README.txt": b"fresh", "rnnstate-0.1.0-py3-none-any.whl": b"wheel"}
    reader_install.rewrite_zip(archive, tmp_path, added)
    with zipfile.ZipFile(archive) as zipped:
        assert sorted(zipped.namelist()) == [
            "README.txt",
            "a/page.py",
            "rnnstate-0.1.0-py3-none-any.whl",
        ]
        assert zipped.read("a/page.py") == b"new"
        assert zipped.read("README.txt") == b"fresh"


def sphinx_gallery_zip(archive: Path) -> None:
    """Write the zip as sphinx-gallery does on every build: the page alone, dated now."""
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("page.py", "code")


def test_a_zip_rewritten_with_the_same_bytes_keeps_the_date_sphinx_last_saw(
    tmp_path: Path,
) -> None:
    (tmp_path / "page.py").write_text("code")
    archive = tmp_path / "page.zip"
    sphinx_gallery_zip(archive)
    reader_install.rewrite_zip(archive, tmp_path, {"README.txt": b"install"})
    first = archive.stat().st_mtime_ns
    os.utime(archive, ns=(first - 10**9, first - 10**9))  # as if written a second earlier
    sphinx_gallery_zip(archive)  # the next build: sphinx-gallery writes it again
    reader_install.rewrite_zip(archive, tmp_path, {"README.txt": b"install"})
    assert archive.stat().st_mtime_ns == first
    sphinx_gallery_zip(archive)
    reader_install.rewrite_zip(archive, tmp_path, {"README.txt": b"a new command"})
    assert archive.stat().st_mtime_ns != first
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.read("README.txt") == b"a new command"


GALLERY_CONF = """
import sys
sys.path.insert(0, {ext!r})
extensions = ["sphinx_gallery.gen_gallery", "reader_install"]
reader_install_root = {root!r}
sphinx_gallery_conf = {{
    "examples_dirs": {examples!r},
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\\.py$",
    "download_all_examples": True,
    "first_notebook_cell": "# %{{install}} (torch {{torch}}; wheel {{wheel}}; or %{{pypi}})",
}}
"""
PAGE = '''r"""
A page
======

It draws nothing.
"""

# %%
import rnnstate

print(rnnstate.__version__)
'''


def gallery_site(tmp_path: Path, page: str) -> tuple[Path, Path]:
    """Lay out a one-page gallery with reader_install, documenting this checkout."""
    src, examples = tmp_path / "src", tmp_path / "examples"
    src.mkdir()
    examples.mkdir()
    (examples / "GALLERY_HEADER.rst").write_text("Gallery\n=======\n")
    (examples / "page.py").write_text(page)
    ext = str(ROOT / "docs" / "_ext")
    (src / "conf.py").write_text(
        GALLERY_CONF.format(ext=ext, root=str(ROOT), examples=str(examples))
    )
    (src / "index.rst").write_text("Site\n====\n\n.. toctree::\n\n   auto_examples/index\n")
    return src, tmp_path / "out"


def build_gallery(src: Path, out: Path) -> str:
    from io import StringIO

    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    warnings = StringIO()
    with docutils_namespace():
        app = Sphinx(
            str(src), str(src), str(out), str(out.parent / "doctrees"), "html",
            status=None, warning=warnings, freshenv=True,
        )  # fmt: skip
        app.build()
    return warnings.getvalue()


@pytest.mark.slow
def test_a_gallery_page_gets_the_note_the_first_cell_and_a_zip_with_the_wheel(
    tmp_path: Path,
) -> None:
    src, out = gallery_site(tmp_path, PAGE)
    assert build_gallery(src, out) == ""
    page = (out / "auto_examples" / "page.html").read_text()
    assert "Run this page yourself" in page
    assert "constraints.txt" in page
    notebook = json.loads((src / "auto_examples" / "page.ipynb").read_text())
    first = "".join(notebook["cells"][0]["source"])
    assert first.startswith('# %pip install -c constraints.txt "rnnstate-')
    with zipfile.ZipFile(src / "auto_examples" / "auto_examples_python.zip") as archive:
        names = archive.namelist()
    assert "constraints.txt" in names
    assert "README.txt" in names
    assert any(name.endswith("-py3-none-any.whl") for name in names)


@pytest.mark.slow
def test_a_page_importing_what_nothing_installs_warns_with_its_name(tmp_path: Path) -> None:
    # Imported inside a function that never runs: the page runs, its imports still count.
    page = PAGE + "\n\ndef later() -> None:\n    import json_stream_not_here  # noqa: F401\n"
    src, out = gallery_site(tmp_path, page)
    warnings = build_gallery(src, out)
    assert "auto_examples/page" in warnings
    assert "'json_stream_not_here', which neither rnnstate nor one of its extras" in warnings
