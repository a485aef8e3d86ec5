"""The built site's pages, found by globbing, and the checkers' files from npm."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

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


def hosted_paths(site: Path) -> dict[str, str]:
    """Map each edition's URL path (from its canonical link) to its folder in ``site``."""
    paths = {}
    for folder in ("", "zh_CN/"):
        index = site / folder / "index.html"
        text = index.read_text(encoding="utf-8") if index.is_file() else ""
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', text)
        if canonical:
            path = urlsplit(canonical.group(1)).path.removesuffix("index.html")
            if path not in ("/", f"/{folder}"):
                paths[path] = folder
    return paths


def hosted_file(site: Path, path: str) -> Path | None:
    """Give the built file a root-relative path names on the host, or None if none does."""
    for prefix, folder in hosted_paths(site).items():
        if path.startswith(prefix):
            return site / folder / path.removeprefix(prefix)
    return None
