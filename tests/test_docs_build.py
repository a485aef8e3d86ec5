"""The docs build stays strict: a failing example fails it, a clean one warns about nothing.

Each test copies the real ``docs/`` (conf.py, pages, inventories) next to a
throwaway gallery and builds it with the flags ``nox -s docs`` uses.
"""

from __future__ import annotations

import os
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


def make_site(tmp_path: Path, examples: dict[str, str] | None = None) -> Path:
    """Copy the real docs/ beside the real gallery, or beside a throwaway one.

    With ``examples``, the hand-written pages that link to real gallery pages are
    replaced by a minimal index, so that only the given scripts are built.
    """
    ignore = shutil.ignore_patterns("_build", "auto_examples", "gen_modules", "sg_*.rst")
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=ignore)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
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


def build(docs: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", *flags, str(docs), str(docs / "_build")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MPLBACKEND": "agg"},
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
    docs = make_site(tmp_path)
    done = build(docs, "-n")  # without -W, so that every warning is printed and counted
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    assert "build succeeded." in done.stdout
    page = (docs / "_build" / "auto_examples" / "01_one_layer" / "output_vs_h_n.html").read_text()
    assert "torch.equal(output, h_n): False" in page


@pytest.mark.slow
def test_a_throwaway_gallery_builds_with_the_strict_flags(tmp_path: Path) -> None:
    docs = make_site(tmp_path, {"good_example.py": GOOD})
    done = build(docs, *STRICT)
    assert done.returncode == 0, done.stderr
    page = (docs / "_build" / "auto_examples" / "good_example.html").read_text()
    assert "torch.Size([2, 3])" in page
