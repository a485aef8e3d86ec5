"""One sitemap for both editions of the site, and a robots.txt that points at it.

``sphinx-sitemap`` lists the pages this build wrote, at ``html_baseurl``, in the order
the pages were written: an incremental build that writes a few pages lists only those.
The site has an edition per language, built from the same sources (so with the same
pages), each at its own URL (``sitemap_editions``: a Sphinx language -> its edition's
base URL, the default edition first). After the build, this extension rewrites that
sitemap from every document of the build (less ``sitemap_excludes``, matched as
sphinx-sitemap matches them) so that it lists every page of every edition, sorted,
each with ``hreflang`` alternates naming the page in every edition (``sitemap_hreflang``
gives each language's code; the default edition is also ``x-default``), and writes a
``robots.txt`` that names the sitemap. Every edition writes the same list, so the one
at the site's root covers both.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path
from xml.etree import ElementTree

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"


def page_links(uris: Iterable[str], excludes: Iterable[str]) -> list[str]:
    """Give the pages' links a sitemap lists, sorted: every one not excluded."""
    patterns = list(excludes)
    return sorted({u for u in uris if not any(fnmatch.fnmatch(u, p) for p in patterns)})


def editions_sitemap(links: list[str], editions: dict[str, str], hreflang: dict[str, str]) -> bytes:
    """Write the sitemap of every page in every edition, with its alternates."""
    ElementTree.register_namespace("", SITEMAP)
    ElementTree.register_namespace("xhtml", XHTML)
    root = ElementTree.Element(f"{{{SITEMAP}}}urlset")
    default = next(iter(editions.values()))
    for base in editions.values():
        for link in links:
            url = ElementTree.SubElement(root, f"{{{SITEMAP}}}url")
            ElementTree.SubElement(url, f"{{{SITEMAP}}}loc").text = base + link
            alternates = [(hreflang.get(lang, lang), other) for lang, other in editions.items()]
            for code, other in [*alternates, ("x-default", default)]:
                ElementTree.SubElement(
                    url, f"{{{XHTML}}}link", rel="alternate", hreflang=code, href=other + link
                )
    ElementTree.indent(root, space=" ")
    written: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def robots(sitemap_url: str) -> str:
    """Write a robots.txt that lets every crawler in and names the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {sitemap_url}\n"


def rewrite_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Replace sphinx-sitemap's file with the editions' sitemap; write robots.txt."""
    sitemap = Path(app.outdir) / app.config.sitemap_filename
    if exception is not None or app.builder.format != "html":
        return
    base_url = app.config.html_baseurl
    editions = app.config.sitemap_editions or {app.config.language: base_url}
    uris = (app.builder.get_target_uri(doc) for doc in app.env.found_docs)
    links = page_links(uris, app.config.sitemap_excludes)
    sitemap.write_bytes(editions_sitemap(links, editions, app.config.sitemap_hreflang))
    (Path(app.outdir) / "robots.txt").write_text(robots(base_url + app.config.sitemap_filename))


def setup(app: Sphinx) -> ExtensionMetadata:
    """Run after sphinx-sitemap has written its file (build-finished, priority 500)."""
    app.add_config_value("sitemap_editions", {}, "html", types=frozenset({dict}))
    app.add_config_value("sitemap_hreflang", {}, "html", types=frozenset({dict}))
    app.connect("build-finished", rewrite_sitemap, priority=600)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
