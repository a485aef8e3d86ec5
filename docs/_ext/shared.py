"""What the site's Sphinx extensions share: what a page's content depends on, and tables.

The extensions in this folder import from here and never from each other.
torch and rnnstate are not imported here: a rebuild with nothing to do must not
pay for importing torch, so each extension imports them where a page is computed.
"""

from __future__ import annotations

import hashlib
import importlib.util
from importlib.metadata import version as installed_version
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: The torch the pages are computed with.
TORCH_VERSION = installed_version("torch")


def package_root(name: str) -> Path | None:
    """Give the folder of the package that ``import name`` loads, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


def package_sources(name: str = "rnnstate") -> list[Path]:
    """List the package's Python sources, sorted."""
    root = package_root(name)
    return sorted(root.rglob("*.py")) if root else []


def package_digest(name: str) -> str:
    """Hash the source of the package that ``import name`` loads, wherever it is."""
    root = package_root(name)
    if root is None:
        return "missing"
    digest = hashlib.sha256()
    for path in package_sources(name):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def note_package(directive: SphinxDirective) -> None:
    """Re-read the directive's page when rnnstate's source changes: its content runs it."""
    for source in package_sources():
        directive.env.note_dependency(str(source))


def table(
    header: list[str], rows: list[list[str]], *, literal_from: int = 1, classes: str = ""
) -> nodes.table:
    """Build a table whose cells from column ``literal_from`` on are code."""
    result = nodes.table(classes=["rnnstate-shapes", *classes.split()])
    group = nodes.tgroup(cols=len(header))
    result += group
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head = nodes.thead()
    group += head
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in header))
    body = nodes.tbody()
    group += body
    for cells in rows:
        entries = [nodes.entry("", nodes.paragraph(text=cell)) for cell in cells[:literal_from]]
        for cell in cells[literal_from:]:
            entry = nodes.entry()
            if cell:
                entry += nodes.paragraph("", "", nodes.literal(text=cell))
            entries.append(entry)
        body += nodes.row("", *entries)
    return result
