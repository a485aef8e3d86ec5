"""The built site as search engines, chat previews and notebook readers meet it (issue 19).

Every check reads the built files, found by globbing: a page added later is checked
without a list to update. The site's own URL is read from the landing page's canonical
link, so that a build for any host (``RNNSTATE_BASE_URL``) is checked as it was built.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest

from .site_files import built_pages, hosted_file

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
# Pages no search should land on (conf.py's sitemap_excludes), and the viewcode sources.
NOT_IN_SITEMAP = re.compile(r"^(404|search|genindex|py-modindex|sg_api_usage)\.html$|^_modules/")
# Pages without a doctree, which have nothing to describe.
NO_DESCRIPTION = re.compile(r"^(search|genindex|py-modindex)\.html$|^_modules/")
# A role (:func:`x`), what sphinx-gallery leaves of a :ref:, or a directive.
SPHINX_MARKUP = re.compile(r":[a-z]+:`|\bsphx_glr_\w+\.py|^\s*\.\. [\w:-]+::", re.MULTILINE)


def site_url(site: Path) -> str:
    """Read the URL the build was made for from its landing page's canonical link."""
    found = re.search(r'<link rel="canonical" href="([^"]+)"', (site / "index.html").read_text())
    assert found, "the landing page has no canonical link: html_baseurl is not set"
    return found.group(1).removesuffix("index.html")


def english_pages(site: Path) -> list[str]:
    return [p for p in built_pages(site) if not p.startswith("zh_CN/")]


def meta(text: str) -> dict[str, str]:
    """Read a page's OpenGraph properties and named meta tags."""
    found = re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', text)
    return dict(found)


def notebooks(site: Path) -> Iterator[tuple[str, str]]:
    """Every notebook a reader downloads: each page's, and each inside a zip."""
    for path in sorted(site.glob("_downloads/*/*.ipynb")):
        yield path.name, path.read_text()
    for archive in sorted(site.glob("_downloads/*/*.zip")):
        with zipfile.ZipFile(archive) as zipped:
            for name in zipped.namelist():
                if name.endswith(".ipynb"):
                    yield f"{archive.name}/{name}", zipped.read(name).decode()


def test_no_downloaded_notebook_holds_sphinx_markup(site: Path) -> None:
    found: dict[str, list[str]] = {}
    count = 0
    for name, text in notebooks(site):
        count += 1
        for cell in json.loads(text)["cells"]:
            markup = SPHINX_MARKUP.findall("".join(cell["source"]))
            if cell["cell_type"] == "markdown" and markup:
                found.setdefault(name, []).extend(markup)
    assert count >= 2 * len(list(site.glob("_downloads/*/*.ipynb")))  # pages' and zipped
    assert found == {}


def test_the_notebooks_links_to_this_site_resolve(site: Path) -> None:
    base = site_url(site)
    broken = []
    for name, text in notebooks(site):
        for url in re.findall(r"\]\((" + re.escape(base) + r"[^)\s]*)\)", text):
            path, _, fragment = url.removeprefix(base).partition("#")
            target = site / path
            if not target.is_file() or (fragment and f'id="{fragment}"' not in target.read_text()):
                broken.append(f"{name}: {url}")
    assert broken == []


def test_the_sitemap_lists_every_page_of_both_editions(site: Path) -> None:
    base = site_url(site)
    root = ElementTree.parse(site / "sitemap.xml").getroot()  # noqa: S314 - our own build
    urls = root.findall(f"{SITEMAP}url")
    locs = [u.findtext(f"{SITEMAP}loc") or "" for u in urls]
    pages = [p for p in english_pages(site) if not NOT_IN_SITEMAP.search(p)]
    assert len(pages) >= 20
    assert {loc.removeprefix(base) for loc in locs if loc.startswith(base)} == set(pages)
    chinese = {loc for loc in locs if not loc.startswith(base)}
    assert len(chinese) == len(pages)  # the same pages, at the Chinese edition's URL
    for url in urls:
        hreflang = {a.get("hreflang") for a in url.iter(f"{XHTML}link")}
        assert hreflang == {"en", "zh-CN", "x-default"}
    if (site / "zh_CN" / "index.html").is_file():  # built beside the English edition
        zh_base = site_url(site / "zh_CN")
        built = {p.removeprefix("zh_CN/") for p in built_pages(site) if p.startswith("zh_CN/")}
        assert {loc.removeprefix(zh_base) for loc in chinese} == {
            p for p in built if not NOT_IN_SITEMAP.search(p)
        }


def test_robots_txt_points_at_the_sitemap(site: Path) -> None:
    robots = (site / "robots.txt").read_text()
    assert f"Sitemap: {site_url(site)}sitemap.xml" in robots.splitlines()


def test_each_page_has_one_canonical_link_and_a_description(site: Path) -> None:
    base = site_url(site)
    problems = []
    for page in english_pages(site):
        text = (site / page).read_text()
        if re.findall(r'<link rel="canonical" href="([^"]+)"', text) != [base + page]:
            problems.append(f"{page}: canonical")
        descriptions = re.findall(r'<meta name="description" content="([^"]*)"', text)
        if not NO_DESCRIPTION.search(page) and (
            len(descriptions) != 1 or not 20 <= len(descriptions[0]) <= 170
        ):
            problems.append(f"{page}: description {descriptions}")
    assert problems == []


def test_every_gallery_page_previews_with_its_own_thumbnail(site: Path) -> None:
    base = site_url(site)
    pages = [
        p for p in english_pages(site) if re.fullmatch(r"auto_examples/[^/]+/(?!index)\w+\.html", p)
    ]
    assert len(pages) >= 13
    for page in pages:
        tags = meta((site / page).read_text())
        name = Path(page).stem
        assert tags["og:url"] == base + page
        assert tags["og:title"]
        assert tags["og:description"] == tags["description"]
        assert tags["og:image"] == f"{base}_images/sphx_glr_{name}_thumb.png", page
        assert (site / tags["og:image"].removeprefix(base)).is_file()
    landing = meta((site / "index.html").read_text())
    assert (site / landing["og:image"].removeprefix(base)).is_file()  # the site's image


def test_the_404_page_links_the_landing_page_configuration_and_questions(site: Path) -> None:
    text = (site / "404.html").read_text()
    prefix = urlsplit(site_url(site)).path
    links = re.findall(r'(?:href|src|action)="(/[^"#?]*)', text)
    for page in ("index.html", "your-configuration.html", "questions.html", "search.html"):
        assert prefix + page in links
    # Links to the other edition's 404 page start at its own path on the host.
    files = {link: hosted_file(site, link) for link in links}
    missing = [link for link, file in files.items() if file is None or not file.is_file()]
    assert missing == []
    assert 'role="search"' in text or 'class="sidebar-search"' in text


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    yield context
    context.close()


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        # The mistakes page shows what goes wrong with a bidirectional module's final states.
        ("auto_examples/03_bidirectional/bidirectional_final_states.html", "Five mistakes"),
        ("auto_examples/07_packed/packed_sequences.html", "BiLSTM classifier on packed"),
        ("auto_examples/07_packed/packed_sequences.html", "Variable length sequences"),
    ],
)
def test_a_gallery_page_ends_with_related_examples_that_fit(
    context: BrowserContext, base_url: str, page: str, expected: str
) -> None:
    tab = context.new_page()
    tab.goto(f"{base_url}/{page}")
    related = tab.locator("p.rubric", has_text="Related examples")
    assert related.count() == 1
    titles = tab.locator(
        ".rubric ~ .sphx-glr-thumbnails .sphx-glr-thumbnail-title"
    ).all_inner_texts()
    assert len(titles) == 3
    assert any(expected in title for title in titles), titles
    links = tab.locator(".rubric ~ .sphx-glr-thumbnails a").all()
    hrefs = [link.get_attribute("href") or "" for link in links]
    assert not any(href.endswith(page.rsplit("/", 1)[-1]) for href in hrefs)  # not itself
    tab.close()
