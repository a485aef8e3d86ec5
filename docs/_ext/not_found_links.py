"""Make the links in the 404 page's own text work at whatever depth the page is served.

The host serves ``404.html`` in place of any missing page, at that page's URL: a link
relative to the site's root (``index.html``) would point into the missing page's folder.
``sphinx-notfound-page`` makes the theme's links (sidebar, search box, assets) absolute
with ``notfound_urls_prefix``; this extension does the same for the links that the page's
text makes (``docs/404.md``), as its doctree is resolved.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata


def absolute(uri: str, prefix: str) -> str:
    """Prefix a link relative to the site's root; leave full URLs and fragments alone."""
    if "://" in uri or uri.startswith(("/", "#", "mailto:")):
        return uri
    return prefix.rstrip("/") + "/" + uri


def absolute_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Make the 404 page's internal links absolute with ``notfound_urls_prefix``."""
    if docname != app.config.notfound_pagename:
        return
    prefix = app.config.notfound_urls_prefix or "/"
    for reference in doctree.findall(nodes.reference):
        if "refuri" in reference:
            reference["refuri"] = absolute(reference["refuri"], prefix)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Fix the 404 page's own links once they are resolved (sphinx-notfound-page is loaded)."""
    app.connect("doctree-resolved", absolute_links)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
