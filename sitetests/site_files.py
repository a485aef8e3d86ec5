"""The built site's pages, found by globbing, and the checkers' files from npm."""

from __future__ import annotations

from pathlib import Path

import pytest

# Folders of a Sphinx build that hold assets, not pages.
ASSET_FOLDERS = frozenset({"_static", "_sources", "_images", "_downloads"})
# The checkers from npm, pinned by sitetests/package-lock.json; nox -s browser installs them.
NODE_MODULES = Path(__file__).parent / "node_modules"


def built_pages(site: Path) -> list[str]:
    """Every HTML page of the built site, both editions, relative to it (``a/b.html``)."""
    pages = (p.relative_to(site) for p in site.rglob("*.html"))
    return sorted(p.as_posix() for p in pages if not ASSET_FOLDERS.intersection(p.parts))


def node_package_file(relative: str) -> Path:
    """Find a file of the pinned npm packages, or fail saying how to install them."""
    path = NODE_MODULES / relative
    if not path.is_file():
        pytest.fail(f"no {path}: run `npm ci --ignore-scripts` in sitetests/ (nox -s browser does)")
    return path
