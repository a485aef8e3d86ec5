"""What the site's Sphinx extensions share: what a page's content depends on, and tables.

The extensions in this folder import from here and never from each other.
torch and rnnstate are not imported here: a rebuild with nothing to do must not
pay for importing torch, so each extension imports them where a page is computed.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Callable
from importlib.metadata import version as installed_version
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

#: The torch the pages are computed with.
TORCH_VERSION = installed_version("torch")
#: A function that translates one of the extensions' strings (``messages`` gives one).
Translate = Callable[[str], str]
#: The catalogs of the translated editions (docs/locale/<language>/LC_MESSAGES).
LOCALE = Path(__file__).parents[1] / "locale"


def N_(text: str) -> str:  # noqa: N802 - gettext's name for a string translated later
    """Mark a string for the catalogs (``nox -s translations``); translated where shown.

    For strings defined before the build's language is known (labels, table headers);
    ``messages(language)`` translates them where they are shown.
    """
    return text


def messages(language: str | None) -> Translate:
    """Give the function that translates the extensions' own strings into ``language``.

    The strings that the extensions write on pages (table captions and labels, the
    install note, "Your configuration"'s labels) are marked ``_("...")`` in their code;
    ``nox -s translations`` extracts them into the catalog ``extensions.po`` beside the
    pages' catalogs, and this reads it. English, or a language without that catalog,
    keeps the strings as written. A string missing from the catalog stays English here;
    tests/test_translations.py fails on it, so a build never shows one silently.
    """
    catalog = LOCALE / (language or "en") / "LC_MESSAGES" / "extensions.po"
    if not catalog.is_file():
        return str
    found = _read_catalog(catalog, catalog.stat().st_mtime_ns)
    return lambda text: found.get(text, text)


@functools.cache
def _read_catalog(catalog: Path, mtime: int) -> dict[str, str]:
    """Read a catalog's translated, not fuzzy, messages (again when it changed on disk)."""
    from babel.messages.pofile import read_po

    with catalog.open("rb") as stream:
        read = read_po(stream)
    return {
        str(message.id): str(message.string)
        for message in read
        if message.id and message.string and not message.fuzzy
    }


def page_messages(language: str | None) -> dict[str, str]:
    """Give every translated message of the pages' catalogs in ``language`` (none in English)."""
    folder = LOCALE / (language or "en") / "LC_MESSAGES"
    found: dict[str, str] = {}
    for catalog in sorted(folder.rglob("*.po")) if folder.is_dir() else []:
        found.update(_read_catalog(catalog, catalog.stat().st_mtime_ns))
    return found


def untranslatable(node: nodes.Node) -> None:
    """Keep a generated node's text out of the pages' catalogs: it is translated already."""
    for element in node.findall(nodes.TextElement):
        element["translatable"] = False


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
