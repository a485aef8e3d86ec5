"""The docs build stays strict: a failing example fails it, a clean one warns about nothing.

Each test copies the real ``docs/`` (conf.py, pages, inventories) next to the real
gallery or a throwaway one, and builds it with the flags ``nox -s docs`` uses. The
last test checks that no stale output survives an edit of what a page depends on.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# The flags of the docs session in noxfile.py: warnings are errors, references nitpicky.
STRICT = ["-W", "-n", "--keep-going"]

GOOD = '''r"""
A tiny page
===========

It prints a shape.
"""

# %%
import torch

print(torch.zeros(2, 3).shape)
'''

RAISING = '''r"""
A broken page
=============

Its code raises.
"""

# %%
raise ValueError("this example is deliberately broken")
'''


MINIMAL_INDEX = """# A throwaway site

```{toctree}
auto_examples/index
api
```
"""


ignore_caches = shutil.ignore_patterns("__pycache__")


def make_site(tmp_path: Path, examples: dict[str, str] | None = None) -> Path:
    """Copy the real docs/ beside the real gallery, or beside a throwaway one.

    With ``examples``, the hand-written pages that link to real gallery pages are
    replaced by a minimal index, so that only the given scripts are built.
    """
    ignore = shutil.ignore_patterns("_build", "auto_examples", "gen_modules", "sg_*.rst")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=ignore)
    # The project beside it: the build serves readers the wheel it builds from it.
    for name in ("README.md", "pyproject.toml", "LICENSE", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "rnnstate", tmp_path / "rnnstate", ignore=ignore_caches)
    if examples is None:
        shutil.copytree(ROOT / "examples", tmp_path / "examples")
        return docs
    for page in docs.glob("*.md"):
        if page.name != "api.md":
            page.unlink()
    (docs / "index.md").write_text(MINIMAL_INDEX)
    gallery = tmp_path / "examples"
    gallery.mkdir()
    shutil.copy(ROOT / "examples" / "GALLERY_HEADER.rst", gallery / "GALLERY_HEADER.rst")
    for name, code in examples.items():
        (gallery / name).write_text(code)
    return docs


def build(
    docs: Path, *flags: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", *flags, str(docs), str(docs / "_build")],
        capture_output=True,
        text=True,
        check=False,
        cwd=docs.parent,  # python -m puts the working directory first on sys.path
        env={**os.environ, "MPLBACKEND": "agg", **(env or {})},
    )


@pytest.mark.slow
def test_an_example_that_raises_fails_the_build_and_is_named(tmp_path: Path) -> None:
    docs = make_site(tmp_path, {"good_example.py": GOOD, "raising_example.py": RAISING})
    done = build(docs, *STRICT)
    assert done.returncode != 0
    assert "raising_example.py" in done.stdout + done.stderr
    assert "this example is deliberately broken" in done.stdout + done.stderr


@pytest.mark.slow
def test_a_clean_build_of_the_whole_site_emits_no_warning(tmp_path: Path) -> None:
    # nox -s tests sets RNNSTATE_FRESH_SITE to the docs session's build folder once it
    # has brought that build up to date with the checkout (strictly, warnings written
    # to <doctrees>.warnings): the whole site is built once per run, not twice.
    fresh = os.environ.get("RNNSTATE_FRESH_SITE")
    if fresh:
        assert Path(fresh, "doctrees.warnings").read_text() == ""
        out = Path(fresh, "html")
    else:
        docs = make_site(tmp_path)
        done = build(docs, "-n")  # without -W, so that every warning is printed and counted
        assert done.returncode == 0, done.stderr
        assert "WARNING" not in done.stderr, done.stderr
        assert "build succeeded." in done.stdout
        out = docs / "_build"
    page = (out / "auto_examples" / "01_one_layer" / "output_vs_h_n.html").read_text()
    assert "torch.equal(output, h_n): False" in page


@pytest.mark.slow
def test_a_throwaway_gallery_builds_with_the_strict_flags(tmp_path: Path) -> None:
    docs = make_site(tmp_path, {"good_example.py": GOOD})
    done = build(docs, *STRICT)
    assert done.returncode == 0, done.stderr
    page = (docs / "_build" / "auto_examples" / "good_example.html").read_text()
    assert "torch.Size([2, 3])" in page
    # The install note links the wheel built from the project beside docs/; the page
    # imports nothing but torch, so it needs no extra.
    assert "Run this page yourself" in page
    (wheel,) = (docs / "_build" / "_downloads").glob("*/rnnstate-*-py3-none-any.whl")
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert f'pip install -c constraints.txt "{wheel.name}"\n' in text


USES_PACKAGE = '''r"""
A page that uses rnnstate
=========================

It prints the package's version.
"""

# %%
import rnnstate

print("rnnstate version", rnnstate.__version__)
'''


def executed(done: subprocess.CompletedProcess[str]) -> int:
    """How many examples sphinx-gallery ran, from its closing summary."""
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    match = re.search(r"executed (\d+) out of \d+ file", done.stdout)
    assert match, done.stdout[-2000:]
    return int(match.group(1))


@pytest.mark.slow
def test_examples_rerun_exactly_when_their_inputs_change(tmp_path: Path) -> None:
    docs = make_site(tmp_path, {"plain_torch.py": GOOD, "uses_package.py": USES_PACKAGE})
    # The copy of the package shadows the installed one, as an edit in a checkout would.
    env = {"PYTHONPATH": str(tmp_path)}
    page = docs / "_build" / "auto_examples" / "uses_package.html"

    assert executed(build(docs, *STRICT, env=env)) == 2
    assert executed(build(docs, *STRICT, env=env)) == 0  # nothing changed

    init = tmp_path / "rnnstate" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.9.9+'))
    assert executed(build(docs, *STRICT, env=env)) == 1  # only the page importing it
    assert "rnnstate version 9.9.9+" in page.read_text()  # its output regenerated

    example = tmp_path / "examples" / "plain_torch.py"
    example.write_text(example.read_text().replace("zeros(2, 3)", "zeros(4, 3)"))
    assert executed(build(docs, *STRICT, env=env)) == 1

    constraints = tmp_path / "constraints.txt"
    constraints.write_text(constraints.read_text() + "# a new pin\n")
    assert executed(build(docs, *STRICT, env=env)) == 2  # pins affect every page
