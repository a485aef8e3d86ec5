"""The Chinese edition's catalogs: complete, current, faithful to the markup and the glossary.

Each catalog in docs/locale/zh_CN/LC_MESSAGES holds one page's messages (``nox -s
translations`` updates them from the English sources). These tests fail on an
untranslated or fuzzy message, on a translation that loses or changes a piece of
code, a cross-reference or a link target of its English message, on reST that no
longer parses, and on a core term of docs/locale/zh_CN/glossary.md translated
another way.
"""

from __future__ import annotations

import importlib.util
import io
import re
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from docutils import nodes
from docutils.core import publish_doctree

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test suite runs on 3.11+ (README); mypy checks for rnnstate's lowest Python
    import tomli as tomllib  # type: ignore[import-not-found]

LOCALE = Path(__file__).parents[1] / "docs" / "locale" / "zh_CN"
MESSAGES = LOCALE / "LC_MESSAGES"
CATALOGS = sorted(MESSAGES.rglob("*.po"))
# Catalogs of Markdown pages (MyST); the gallery pages are reST. Sphinx parses every
# translation on a page with the page's own parser, so the API reference's docstrings
# (reST in English) are translated in MyST: {func}`check` where the English has
# :func:`check`.
MARKDOWN = {"index", "questions", "contributing", "gpu", "your-configuration", "404", "api"}

# Inline markup, in the order it must be recognised: roles first (MyST, then reST),
# then double-backtick literals, then single-backtick spans (MyST code, reST links).
TOKEN = re.compile(
    r"\{(?P<myst_role>[\w:-]+)\}`(?P<myst_body>[^`]*)`"
    r"|:(?P<rst_role>[\w:.-]+):`(?P<rst_body>[^`]*)`"
    r"|``(?P<literal>.+?)``"
    r"|`(?P<span>[^`]+)`(?P<link>__?)?"
    r"|\]\((?P<md_url>[^)\s]+)\)"
)
TARGET = re.compile(r"<([^<>]+)>\s*$")


def markup(text: str) -> Counter[tuple[str, str]]:
    """Count the pieces of inline markup a translation must keep as they are.

    Code (literals, inline code, default-role text) and the targets of roles and links
    must survive translation unchanged; the titles of links and references may change.

    >>> sorted(markup(":ref:`the page <label>` and ``h_n[-1]``"))
    [('literal', 'h_n[-1]'), ('role ref', 'label')]
    """
    found: Counter[tuple[str, str]] = Counter()
    for match in TOKEN.finditer(text):
        role = match["myst_role"] or match["rst_role"]
        if role:
            body = match["myst_body"] if match["myst_role"] else match["rst_body"]
            target = TARGET.search(body)
            found[f"role {role}", (target[1] if target else body).strip()] += 1
        elif match["literal"] is not None:
            found["literal", match["literal"]] += 1
        elif match["md_url"]:
            found["link", match["md_url"]] += 1
        elif match["link"]:
            target = TARGET.search(match["span"])
            found["link", target[1] if target else match["span"]] += 1
        else:
            found["code", match["span"]] += 1
    return found


def rest_problems(text: str) -> Counter[str]:
    """Parse a reST message with docutils: its warnings and its inline markup, counted.

    Markup glued to a Chinese character is not markup for docutils (reST wants a space
    or punctuation around it) and shows as raw backticks, so the inline nodes are counted
    too: a translation must produce the same ones as its English message.

    >>> rest_problems("使用``h_n``的形状") == rest_problems("使用 ``h_n`` 的形状")
    False
    """
    # Sphinx's roles are unknown to bare docutils: keep their text as plain interpreted text.
    plain = re.sub(r":[\w:.-]+:`", "`", text)
    stream = io.StringIO()
    tree = publish_doctree(
        plain,
        settings_overrides={
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": stream,
            "input_encoding": "unicode",
        },
    )
    found: Counter[str] = Counter(
        node.tagname for node in tree.findall(nodes.Element) if isinstance(node, nodes.Inline)
    )
    # Targets of references live elsewhere on the page, in the English message too.
    for line in stream.getvalue().splitlines():
        if re.search(r"\((WARNING|ERROR|SEVERE)", line) and "Unknown target name" not in line:
            found[line.split(") ", 1)[-1]] += 1
    return found


def core_terms() -> list[tuple[re.Pattern[str], str]]:
    """Read the glossary's core table: (English pattern, the one Chinese term)."""
    text = (LOCALE / "glossary.md").read_text(encoding="utf-8")
    table = text.split("## Core terms", 1)[1].split("\n## ", 1)[0]
    terms = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if (
            len(cells) >= 2
            and cells[1]
            and not set(cells[0]) <= set("-: ")
            and "English" not in cells[0]
        ):
            terms.append((re.compile(rf"\b{cells[0]}\b", re.IGNORECASE), cells[1]))
    return terms


def catalog_id(path: Path) -> str:
    """Name a catalog by its page, as the test ids show it."""
    return path.relative_to(MESSAGES).with_suffix("").as_posix()


def entries(path: Path) -> list[polib.POEntry]:
    """Give the live (not obsolete) messages of a catalog."""
    return [entry for entry in polib.pofile(str(path)) if not entry.obsolete]


def test_there_is_a_catalog_for_every_page_source() -> None:
    docs = MESSAGES.parents[2]
    pages = {p.relative_to(docs).with_suffix("").as_posix() for p in docs.glob("*.md")}
    assert pages, "no Markdown pages found"
    assert pages <= {catalog_id(path) for path in CATALOGS}


def test_the_extensions_catalog_holds_every_string_the_extensions_show() -> None:
    spec = importlib.util.spec_from_file_location("extract", LOCALE.parent / "extract_strings.py")
    assert spec is not None
    assert spec.loader is not None
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    wanted = {text for text, _origin in extract.strings(measured=False)}
    assert len(wanted) > 50
    held = {entry.msgid for entry in entries(MESSAGES / "extensions.po")}
    assert sorted(wanted - held) == []


def test_the_glossary_has_core_terms() -> None:
    assert len(core_terms()) >= 6


@pytest.mark.parametrize("catalog", CATALOGS, ids=catalog_id)
def test_every_message_is_translated_and_none_is_fuzzy(catalog: Path) -> None:
    untranslated = [e.msgid[:60] for e in entries(catalog) if not e.msgstr]
    fuzzy = [e.msgid[:60] for e in entries(catalog) if e.fuzzy]
    assert (untranslated, fuzzy) == ([], [])


@pytest.mark.parametrize("catalog", CATALOGS, ids=catalog_id)
def test_translations_keep_code_references_and_link_targets(catalog: Path) -> None:
    changed = [
        (e.msgid[:80], sorted((markup(e.msgid) - markup(e.msgstr)).elements()))
        for e in entries(catalog)
        if e.msgstr and markup(e.msgid) != markup(e.msgstr)
    ]
    assert changed == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=catalog_id)
def test_translations_use_the_role_syntax_of_their_page(catalog: Path) -> None:
    # A reST role on a MyST page (or the other way round) shows as raw text.
    foreign = r":[\w:.-]+:`" if catalog_id(catalog) in MARKDOWN else r"\{[\w:.-]+\}`"
    wrong = [
        e.msgstr[:80]
        for e in entries(catalog)
        if re.search(foreign, re.sub(r"``.+?``", "", e.msgstr))  # not inside code
    ]
    assert wrong == []


@pytest.mark.parametrize(
    "catalog", [c for c in CATALOGS if catalog_id(c) not in MARKDOWN], ids=catalog_id
)
def test_rest_translations_parse_as_cleanly_as_their_english(catalog: Path) -> None:
    broken = [
        (entry.msgid[:60], rest_problems(entry.msgstr) - rest_problems(entry.msgid))
        for entry in entries(catalog)
        if entry.msgstr and rest_problems(entry.msgstr) != rest_problems(entry.msgid)
    ]
    assert broken == []


@pytest.mark.parametrize("catalog", CATALOGS, ids=catalog_id)
def test_core_terms_are_translated_as_the_glossary_says(catalog: Path) -> None:
    terms = core_terms()
    off = []
    for entry in entries(catalog):
        if not entry.msgstr:
            continue
        # Code and the extensions' {placeholders} are not prose.
        prose = re.sub(r"\{\w+\}", " ", TOKEN.sub(" ", entry.msgid))
        off += [
            (entry.msgid[:60], chinese)
            for pattern, chinese in terms
            if pattern.search(prose) and chinese not in entry.msgstr
        ]
    assert off == []


def test_the_same_english_is_translated_the_same_way_on_every_page() -> None:
    # A chapter's title is in its own index and in the guide's index, for example.
    seen: dict[str, dict[str, list[str]]] = {}
    for catalog in CATALOGS:
        for entry in entries(catalog):
            if entry.msgstr:
                by_text = seen.setdefault(entry.msgid, {})
                # The same role is {doc}`x` on a MyST page and :doc:`x` on a reST one.
                text = re.sub(r"\{([\w:.-]+)\}`", r":\1:`", entry.msgstr)
                by_text.setdefault(text, []).append(catalog_id(catalog))
    differing = {msgid[:60]: ways for msgid, ways in seen.items() if len(ways) > 1}
    assert differing == {}


def test_every_reviewed_page_records_the_review_of_its_chinese_text() -> None:
    claims = MESSAGES.parents[2] / "claims"
    reviews = [path for path in claims.rglob("*.toml") if path.name != "README.toml"]
    assert len(reviews) >= 25
    missing = [
        str(path.relative_to(claims))
        for path in reviews
        if not tomllib.loads(path.read_text(encoding="utf-8")).get("translation_review")
    ]
    assert missing == []
