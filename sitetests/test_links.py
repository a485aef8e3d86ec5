"""Every link of the built site resolves, without the network.

Each local ``href``, ``src``, ``srcset`` or form ``action`` of every page must name
a file of the build, and each ``#fragment`` an ``id`` (or ``<a name>``) on the page
it points to. External links are listed in the report, never fetched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from .site_files import built_pages, hosted_file

# The attributes that hold a URL, and (for srcset) several.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "poster", "data", "xlink:href"})
# The page the host serves for any missing address: its links are absolute paths on the
# host (the site's URL path, then the file), so that they work at any depth.
NOT_FOUND = "404.html"
# Schemes that name no file and no server to check.
NOT_LINKS = frozenset({"mailto", "tel", "data", "javascript", "blob"})


@dataclass
class Page:
    """The targets a page offers (ids) and the URLs it refers to."""

    ids: set[str] = field(default_factory=set)
    urls: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.page.ids.add(value)
            elif name in URL_ATTRIBUTES:
                self.page.urls.append(value.strip())
            elif name == "srcset":
                self.page.urls += [c.split()[0] for c in value.split(",") if c.strip()]


def parse(path: Path) -> Page:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.page


@dataclass
class LinkCheck:
    """Every page's links, sorted into broken local ones and external ones."""

    pages: int
    broken: list[str]
    external: dict[str, list[str]]


def check_links(site: Path) -> LinkCheck:
    """Resolve every local link of the built site; list the external ones."""
    paths = built_pages(site)
    pages = {path: parse(site / path) for path in paths}
    broken: list[str] = []
    external: dict[str, list[str]] = defaultdict(list)
    for source, page in pages.items():
        for url in page.urls:
            parts = urlsplit(url)
            if parts.scheme in NOT_LINKS:
                continue
            if parts.scheme or parts.netloc:
                external[url].append(source)
                continue
            path = unquote(parts.path)
            if PurePosixPath(source).name == NOT_FOUND and path.startswith("/"):
                # The 404 page links by path on the host (either edition's).
                hosted = hosted_file(site, path)
                target = hosted.relative_to(site).as_posix() if hosted else None
            else:
                target = _resolve(source, path)
            if target is None:
                broken.append(f"{source}: {url} (outside the site)")
            elif not (site / target).is_file():
                broken.append(f"{source}: {url} (no file {target})")
            elif parts.fragment and target.endswith(".html"):
                ids = pages[target].ids if target in pages else parse(site / target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{source}: {url} (no id {parts.fragment!r} in {target})")
    return LinkCheck(len(pages), broken, dict(external))


def _resolve(source: str, path: str) -> str | None:
    """Give the site-relative file a link's path names, or None if it leaves the site."""
    if not path:
        return source
    if path.startswith("/"):
        return None  # the site is served from a sub-path too: root-relative links break there
    parts: list[str] = []
    for part in (PurePosixPath(source).parent / path).parts:
        if part == "..":
            if not parts:
                return None
            parts.pop()
        elif part != ".":
            parts.append(part)
    target = "/".join(parts)
    return f"{target}/index.html" if path.endswith("/") else target


@pytest.fixture(scope="module")
def links(site: Path, report: Callable[[str, str, str], Path]) -> LinkCheck:
    result = check_links(site)
    lines = []
    for url, pages in result.external.items():
        more = len(set(pages)) - 1
        lines.append(f"{url}  from {min(pages)}" + (f" and {more} more pages" if more else ""))
    report(
        "external-links.txt",
        "".join(f"{line}\n" for line in sorted(lines)),
        f"{len(result.external)} external links, listed and not fetched",
    )
    return result


def test_every_built_page_is_read(links: LinkCheck) -> None:
    assert links.pages >= 50


def test_every_local_link_and_fragment_resolves(links: LinkCheck) -> None:
    assert links.broken == []


def test_a_missing_file_and_a_missing_fragment_are_both_reported(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/page.html#there">ok</a> <a href="sub/page.html#gone">gone</a>'
        '<img src="missing.png"> <a href="#top" id="top">top</a>'
        '<a href="https://example.org/x">out</a> <a href="mailto:a@b.c">mail</a>'
    )
    (tmp_path / "sub" / "page.html").write_text(
        '<h1 id="there">x</h1><a href="../index.html">up</a><a href="../../out.html">out</a>'
        '<img srcset="../missing.png 1x, ../index.html 2x">'
    )
    result = check_links(tmp_path)
    assert result.pages == 2
    assert result.broken == [
        "index.html: sub/page.html#gone (no id 'gone' in sub/page.html)",
        "index.html: missing.png (no file missing.png)",
        "sub/page.html: ../../out.html (outside the site)",
        "sub/page.html: ../missing.png (no file missing.png)",
    ]
    assert result.external == {"https://example.org/x": ["index.html"]}
