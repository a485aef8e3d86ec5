"""Make the HTML that furo, sphinx-gallery and viewcode write accessible and valid.

The site's accessibility check (axe-core) and HTML validation (the Nu HTML
Checker) in ``nox -s browser`` found faults in markup the project does not write
itself. This extension rewrites that markup as each page is written, so that every
page, including pages added later, gets the same fixes:

- Page content (the ``html-page-context`` event, any theme): code and output
  blocks and table wrappers, which scroll sideways when their lines are long, get
  ``tabindex="0"`` and a label so that a keyboard can reach and scroll them;
  sphinx-gallery's invalid ``tooltip`` attribute becomes ``data-tooltip``, its
  repeated ``sg-tag-list`` id is written once, and the DataTables block it puts on
  computation-time pages (an invalid ``<style scoped>`` and scripts from CDNs) is
  dropped; viewcode's ``<div>`` blocks inside ``<pre>`` become ``<span>``.
- The theme's chrome (the ``accessible_theme`` Jinja filter, which
  ``docs/_templates/page.html`` applies to furo's page body): furo's three
  ``<aside>`` landmarks get distinct labels, and the page tools before the main
  content (back to top, view source, theme toggle) sit in a labelled ``<nav>``
  instead of outside every landmark.

The CSS half (thumbnail link names, the tooltip, the ``<span>`` blocks) is in
``docs/_static/rnnstate.css``; the notes to upstream are in ``docs/contributing.md``.
Labels come from the ``accessible_html_labels`` option, so that an edition in
another language can translate them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from shared import N_, messages
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util.typing import ExtensionMetadata

LABELS: dict[str, str] = {
    "code": N_("Code"),
    "output": N_("Output"),
    "table": N_("Table"),
    "announcement": N_("Announcement"),
    "navigation": N_("Site navigation"),
    "contents": N_("On this page"),
    "page-tools": N_("Page tools"),
}
# furo's <aside> landmarks, by their first class, and the label each gets.
_ASIDES = {
    "announcement-content": "announcement",
    "sidebar-drawer": "navigation",
    "toc-drawer": "contents",
}

# Pygments' block as Sphinx writes it: an optional wrapper whose classes say what
# the block is (``highlight-python``, ``sphx-glr-script-out`` for an example's
# output), then ``<div class="highlight"><pre>``. furo lets the <pre> scroll.
_CODE_BLOCK = re.compile(
    r'(?:<div class="(?P<wrapper>[^"]*)">)?<div class="highlight">(?P<tag><pre)\b'
)
# The wrapper furo puts around every table, which scrolls sideways when it must.
_TABLE_WRAPPER = re.compile(r'(?P<tag><div) class="(?:[^"]* )?table-wrapper[ "]')
_THUMBNAIL = re.compile(r'(<div class="sphx-glr-thumbcontainer"[^>]*?) tooltip=')
_TAG_LIST = "<div id='sg-tag-list' class='sphx-glr-tag-list'></div>"
# sphinx-gallery's sortable table of computation times: a <style scoped> holding
# <link>s (neither is valid there), jQuery and DataTables from CDNs, and their init.
_DATATABLES = re.compile(
    r"<style scoped>.*?</style>\s*"
    r'(?:<script src="https?://[^"]*"></script>\s*)*'
    r'<script type="text/javascript" class="init">[^<]*DataTable[^<]*</script>',
    re.DOTALL,
)
_PRE = re.compile(r"(<pre\b[^>]*>)(.*?)(</pre>)", re.DOTALL)
_VIEWCODE_BLOCK = re.compile(r'<div (class="viewcode-block")')
_ASIDE = re.compile(r'<aside class="(?P<classes>[^"]*)"(?P<rest>[^>]*)>')
_PAGE_TOOLS = re.compile(
    r'(<div class="article-container">)(?P<tools>.*?)(<article role="main")', re.DOTALL
)


def _with_attributes(tag: str, attributes: Mapping[str, str]) -> str:
    """Add the attributes a start tag (given without its ``>``) does not have yet."""
    for name, value in attributes.items():
        if not re.search(rf"\s{name}=", tag):
            tag += f' {name}="{html.escape(value)}"'
    return tag


def _scroller(label: str) -> dict[str, str]:
    """Attributes that let a keyboard reach a scrolling block, and name it."""
    return {"tabindex": "0", "role": "group", "aria-label": label}


def _rewrite_start_tags(
    body: str, pattern: re.Pattern[str], attributes: Callable[[re.Match[str]], dict[str, str]]
) -> str:
    """Add attributes to the start tag at group ``tag`` of each match of ``pattern``."""
    out: list[str] = []
    position = 0
    for match in pattern.finditer(body):
        # The attributes go just before the tag's ">".
        start, end = match.start("tag"), body.index(">", match.end())
        out += [body[position:start], _with_attributes(body[start:end], attributes(match))]
        position = end
    out.append(body[position:])
    return "".join(out)


def label_scrolling_blocks(body: str, labels: Mapping[str, str]) -> str:
    """Give code and output blocks and table wrappers ``tabindex="0"`` and a label."""

    def code(match: re.Match[str]) -> dict[str, str]:
        wrapper = (match.group("wrapper") or "").split()
        return _scroller(labels["output" if "sphx-glr-script-out" in wrapper else "code"])

    body = _rewrite_start_tags(body, _CODE_BLOCK, code)
    return _rewrite_start_tags(body, _TABLE_WRAPPER, lambda _: _scroller(labels["table"]))


def fix_gallery_markup(body: str) -> str:
    """Make sphinx-gallery's thumbnails, tag lists and timing tables valid HTML."""
    body = _THUMBNAIL.sub(r"\1 data-tooltip=", body)
    # One tag list per gallery section, all with the same id: sg-tags.js fills the first.
    head, first, tail = body.partition(_TAG_LIST)
    body = head + first + tail.replace(_TAG_LIST, "")
    return _DATATABLES.sub("", body)


def fix_viewcode_blocks(body: str) -> str:
    """Turn viewcode's ``<div>`` blocks inside ``<pre>`` (where no div may be) into spans."""

    def spans(match: re.Match[str]) -> str:
        start, code, end = match.groups()
        if not _VIEWCODE_BLOCK.search(code):
            return match.group(0)
        # Pygments writes no <div> inside <pre>: every </div> there closes a viewcode block.
        code = _VIEWCODE_BLOCK.sub(r"<span \1", code).replace("</div>", "</span>")
        return start + code + end

    return _PRE.sub(spans, body)


def fix_content(body: str, labels: Mapping[str, str]) -> str:
    """Apply every fix to a page's content."""
    return label_scrolling_blocks(fix_viewcode_blocks(fix_gallery_markup(body)), labels)


def fix_theme(page: str, labels: Mapping[str, str]) -> str:
    """Label furo's landmarks and put its page tools in one (see the module docstring)."""

    def aside(match: re.Match[str]) -> str:
        kind = _ASIDES.get(next(iter(match.group("classes").split()), ""))
        if kind is None:
            return match.group(0)
        tag = f'<aside class="{match.group("classes")}"{match.group("rest")}'
        return _with_attributes(tag, {"aria-label": labels[kind]}) + ">"

    def page_tools(match: re.Match[str]) -> str:
        nav = _with_attributes('<nav class="page-tools"', {"aria-label": labels["page-tools"]})
        return f"{match.group(1)}{nav}>{match.group('tools')}</nav>{match.group(3)}"

    return _PAGE_TOOLS.sub(page_tools, _ASIDE.sub(aside, page), count=1)


def _labels(app: Sphinx) -> dict[str, str]:
    _ = messages(app.config.language)
    return {**{key: _(label) for key, label in LABELS.items()}, **app.config.accessible_html_labels}


def on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Fix the content of the page about to be written."""
    if isinstance(context.get("body"), str):
        context["body"] = fix_content(context["body"], _labels(app))


def register_theme_filter(app: Sphinx) -> None:
    """Offer ``accessible_theme`` to the HTML templates (docs/_templates/page.html uses it)."""
    if isinstance(app.builder, StandaloneHTMLBuilder):
        labels = _labels(app)
        filters = app.builder.templates.environment.filters
        # Sphinx's template environment does not autoescape: a str comes out as it is.
        filters["accessible_theme"] = lambda page: fix_theme(str(page), labels)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the label option, the content fixes and the theme filter."""
    app.add_config_value("accessible_html_labels", {}, "html", types=frozenset({dict}))
    app.connect("builder-inited", register_theme_filter)
    app.connect("html-page-context", on_page_context)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
