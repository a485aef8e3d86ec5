"""Tell search engines and chat previews what each page is: its description and its image.

A search result shows a page's ``<meta name="description">``, and a link pasted in a
chat shows its OpenGraph card (``sphinxext-opengraph`` writes the tags). This extension
gives both the same words and a picture of the page's own, as each page is written:

- the description is the page's first paragraph of prose (not a note, a table or a
  caption), taken from the doctree after translation, so that each edition describes
  its pages in its own language (a page's own ``.. meta:: :description:`` wins); it is
  cut to ``link_preview_length`` characters at the
  end of a sentence or, failing that, of a word;
- the image of a gallery page is its own thumbnail (the figure that sphinx-gallery
  drew from the page's output); any other page shows the thumbnail of the gallery page
  named by ``link_preview_site_page``.
"""

from __future__ import annotations

import html
import posixpath
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.typing import ExtensionMetadata

# Containers whose paragraphs do not describe the page: notes, tables, captions, lists
# of links, footnotes.
NOT_PROSE = (
    nodes.Admonition,
    nodes.Invisible,
    nodes.table,
    nodes.caption,
    nodes.sidebar,
    nodes.topic,
    nodes.footnote,
    nodes.citation,
    nodes.field_list,
    nodes.rubric,
)
# A description the page gives itself (Sphinx writes ``content`` first).
OWN_DESCRIPTION = re.compile(
    r'<meta content="([^"]*)" name="description"|<meta name="description" content="([^"]*)"'
)
# The end of a sentence: Latin punctuation before a space, or the CJK full stop,
# exclamation and question marks.
SENTENCE_END = re.compile(r"[.!?](?=\s)|[\u3002\uff01\uff1f]")


def first_paragraph(doctree: nodes.document) -> str:
    """Give the text of a page's first paragraph of prose, whitespace collapsed."""
    for paragraph in doctree.findall(nodes.paragraph):
        parent = paragraph.parent
        inside_other = False
        while parent is not None:
            if isinstance(parent, NOT_PROSE):
                inside_other = True
                break
            parent = parent.parent
        # A paragraph that introduces a list or a table ends with a colon; alone it is
        # a statement.
        text = " ".join(paragraph.astext().split()).rstrip(":\uff1a")
        if not inside_other and text:
            return text
    return ""


def trim(text: str, length: int) -> str:
    """Cut ``text`` to at most ``length`` characters, at a sentence's or a word's end."""
    if len(text) <= length:
        return text
    ends = [m.end() for m in SENTENCE_END.finditer(text) if m.end() <= length]
    if ends and ends[-1] >= length // 2:
        return text[: ends[-1]].strip()
    space = text.rfind(" ", 0, length)
    if space >= length // 2:
        return text[:space].rstrip(",;:") + "…"
    return text[: length - 1] + "…"  # a script without spaces: cut between characters


def thumbnail(env: BuildEnvironment, docname: str, imagedir: str) -> str | None:
    """Give a gallery page's thumbnail as a path in the built site, if it has one."""
    folder, name = posixpath.split(docname)
    source = posixpath.join(folder, "images", "thumb", f"sphx_glr_{name}_thumb.png")
    if source not in env.images:
        return None
    _, unique_name = env.images[source]
    return posixpath.join(imagedir, unique_name)


def add_preview(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """Write the description tag; hand the description and image to sphinxext-opengraph."""
    if doctree is None:  # search, index: no page of prose
        return
    fields = dict(context.get("meta") or {})
    own = OWN_DESCRIPTION.search(context.get("metatags", ""))
    if own:  # the page's own .. meta:: description, which Sphinx has written
        description = html.unescape(own.group(1) or own.group(2))
    else:
        description = trim(first_paragraph(doctree), app.config.link_preview_length)
    if description and not own:
        context["metatags"] = context.get("metatags", "") + (
            f'<meta name="description" content="{html.escape(description)}" />\n'
        )
    if description:
        fields["og:description"] = html.escape(description, quote=False)
    imagedir = getattr(app.builder, "imagedir", "_images")
    image = thumbnail(app.env, pagename, imagedir) or thumbnail(
        app.env, app.config.link_preview_site_page, imagedir
    )
    if image is not None:
        fields["og:image"] = image
        title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title") or ""))
        fields["og:image:alt"] = html.escape(title, quote=False)
    context["meta"] = fields


def setup(app: Sphinx) -> ExtensionMetadata:
    """Run before sphinxext-opengraph (500) reads the page's fields."""
    app.add_config_value("link_preview_length", 160, "html", types=frozenset({int}))
    app.add_config_value("link_preview_site_page", "", "html", types=frozenset({str}))
    app.connect("html-page-context", add_preview, priority=450)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
