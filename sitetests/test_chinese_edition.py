"""The Chinese edition (docs/_build/html/zh_CN): complete, linked both ways, searchable.

Every page of the English edition has its Chinese page, in Chinese; each page links
to the same page in the other edition, both ways, with ``hreflang``; the site's
search finds pages from Chinese queries (jieba splits the words); the Chinese pages
offer the same downloads as the English ones; and a CJK font is there for the
screenshots of Chinese pages that test_browser.py saves.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page

from .browsing import ranked, visit
from .browsing import search_page as open_search
from .site_files import built_pages, hosted_file

ZH = "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
GUIDE = "auto_examples/"

# (what a Chinese reader types, the page that answers it)
QUERIES = [
    ("隐藏状态和输出的区别", GUIDE + "01_one_layer/output_vs_h_n"),
    ("最后一个隐藏状态", GUIDE + "01_one_layer/output_vs_h_n"),
    ("多层 h_n", GUIDE + "02_layers/stacked_layers"),
    ("双向 LSTM 最终隐藏状态", GUIDE + "03_bidirectional/bidirectional_final_states"),
    ("细胞状态 c_n", GUIDE + "04_lstm/lstm_cell_state_and_proj_size"),
    ("无批次维度的输入", GUIDE + "06_batch_first/batch_first_and_unbatched"),
    ("打包序列", GUIDE + "07_packed/packed_sequences"),
    ("变长序列 打包", GUIDE + "07_packed/packed_sequences"),
    ("初始状态 分块", GUIDE + "09_initial_states/initial_states_and_streaming"),
    ("完全相等 近似相等", GUIDE + "10_exactness/exact_or_close"),
    ("Keras return_sequences", GUIDE + "11_recipes/keras_mapping"),
    ("Pytorch 中 GRU 单元的隐藏和输出是否相同", GUIDE + "12_popular_answer/popular_answer_checked"),
    ("速查表", GUIDE + "13_cheat_sheet/cheat_sheet"),
    ("跨批次 隐藏状态 detach", GUIDE + "14_state_across_batches/carrying_state_across_batches"),
    ("注意力 掩码", GUIDE + "16_attention_masks/attention_over_padded_output"),
    ("门的顺序", GUIDE + "18_weights/weights_and_gate_order"),
]


def english_pages(site: Path) -> list[str]:
    """List the English edition's pages (everything outside zh_CN/)."""
    return [page for page in built_pages(site) if not page.startswith(f"{ZH}/")]


def chinese_pages(site: Path) -> list[str]:
    """List the Chinese edition's pages, relative to its own folder."""
    return [page.removeprefix(f"{ZH}/") for page in built_pages(site) if page.startswith(f"{ZH}/")]


def read(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def target(page: Path, href: str) -> Path:
    """Give the file a link of ``page`` points to (from the host's root on the 404 page)."""
    path = href.split("#", 1)[0]
    if path.startswith("/"):
        site = next(p for p in page.parents if (p / "index.html").is_file() and p.name != ZH)
        hosted = hosted_file(site, path)
        assert hosted is not None, f"{page}: {href} is on no edition's path"
        return hosted.resolve()
    return (page.parent / path).resolve()


def test_every_english_page_has_its_chinese_page_and_no_more(site: Path) -> None:
    assert len(english_pages(site)) > 40
    assert chinese_pages(site) == english_pages(site)


def test_every_chinese_page_is_in_chinese(site: Path) -> None:
    english = []
    # Pages of code (the highlighted sources, the module index, the search) have a
    # Chinese title and little prose; every other page has Chinese prose.
    prose = [p for p in chinese_pages(site) if not p.startswith("_modules/")]
    prose = [p for p in prose if p not in ("search.html", "py-modindex.html", "genindex.html")]
    for page in chinese_pages(site):
        soup = read(site / ZH / page)
        heading = soup.find("h1")
        title = heading.get_text() if heading else soup.title.get_text() if soup.title else ""
        article = soup.find("article")
        text = article.get_text(" ", strip=True) if article else ""
        if (
            soup.html is None
            or soup.html.get("lang") != "zh-CN"
            or not CJK.search(title)
            or (page in prose and len(CJK.findall(text)) < 10)
        ):
            english.append(page)
    assert english == []


@pytest.mark.parametrize(("here", "there", "lang"), [("", ZH + "/", "zh-CN"), (ZH + "/", "", "en")])
def test_every_page_links_to_the_same_page_in_the_other_edition(
    site: Path, here: str, there: str, lang: str
) -> None:
    pages = chinese_pages(site)
    wrong = {}
    for page in pages:
        path = site / here / page
        soup = read(path)
        link = soup.select_one("p.rnnstate-edition a")
        alternate = soup.find("link", rel="alternate", hreflang=lang)
        found = [target(path, str(tag["href"])) if tag else None for tag in (link, alternate)]
        if link is None or link.get("hreflang") != lang or found != [(site / there / page)] * 2:
            wrong[page] = found
    assert wrong == {}


def downloads_of(page: Path) -> dict[str, str]:
    """Map each file a page offers for download to the SHA-256 of its content."""
    offered = {}
    for link in read(page).select("a.download.reference"):
        path = target(page, str(link["href"]))
        assert path.is_file(), (page, link["href"])
        offered[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return offered


def test_the_chinese_pages_offer_the_same_downloads_as_the_english_ones(site: Path) -> None:
    # The English files are installed and run by sitetests/test_downloads.py.
    pages = [page for page in chinese_pages(site) if page.startswith(GUIDE)]
    compared = {page: downloads_of(site / ZH / page) for page in pages}
    assert sum(len(files) for files in compared.values()) >= 60
    assert compared == {page: downloads_of(site / page) for page in pages}


@pytest.fixture(scope="module")
def search_page(browser: Browser, base_url: str) -> Iterator[Page]:
    with open_search(browser, f"{base_url}/{ZH}/search.html") as page:
        yield page


@pytest.mark.parametrize(("query", "expected"), QUERIES, ids=[q for q, _ in QUERIES])
def test_the_chinese_search_lists_the_answering_page_in_its_top_3(
    search_page: Page, query: str, expected: str
) -> None:
    top = ranked(search_page, query)[:3]
    assert expected in top, f"{query!r}: the search lists {top}, not {expected}"


def test_the_chinese_search_index_holds_chinese_words(site: Path) -> None:
    text = (site / ZH / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(text[text.index("(") + 1 : text.rindex(")")])["terms"]
    # jieba's words, not single characters or whole sentences.
    assert {"隐藏", "双向", "打包", "填充"} <= set(terms)
    assert max(len(term) for term in terms if CJK.match(term)) <= 8


def test_the_language_link_leads_to_the_other_edition_in_the_browser(
    browser: Browser, base_url: str
) -> None:
    page = GUIDE + "03_bidirectional/bidirectional_final_states.html"
    with browser.new_context() as context:
        seen = visit(context, f"{base_url}/{page}")
        seen.page.click("p.rnnstate-edition a")
        seen.page.wait_for_load_state("networkidle")
        assert seen.page.url == f"{base_url}/{ZH}/{page}"
        assert seen.page.locator("html").get_attribute("lang") == "zh-CN"
        seen.page.click("p.rnnstate-edition a")
        seen.page.wait_for_load_state("networkidle")
        assert seen.page.url == f"{base_url}/{page}"
        assert seen.errors == []


def test_a_cjk_font_is_installed_for_the_screenshots() -> None:
    # Without one, Chromium draws Chinese as empty boxes in the screenshots of the Chinese
    # pages (sitetests/test_browser.py); .ci/run installs fonts-noto-cjk.
    listing = shutil.which("fc-list")
    assert listing is not None, "fontconfig's fc-list is missing: apt-get install fonts-noto-cjk"
    fonts = subprocess.run([listing, ":lang=zh"], capture_output=True, text=True, check=True)
    assert fonts.stdout.strip(), "no Chinese font: apt-get install fonts-noto-cjk"


def test_the_gallery_thumbnails_of_the_chinese_edition_are_in_chinese(site: Path) -> None:
    # sphinx-gallery writes their titles and tooltips as raw HTML (docs/_ext/editions.py).
    english = []
    for page in ("auto_examples/index.html", "api.html"):
        soup = read(site / ZH / page)
        for title in soup.select("div.sphx-glr-thumbnail-title"):
            if not CJK.search(title.get_text()):
                english.append((page, title.get_text()))
        for box in soup.select("div.sphx-glr-thumbcontainer"):
            tip = str(box.get("data-tooltip") or box.get("tooltip") or "")
            if not CJK.search(tip):
                english.append((page, tip[:60]))
    assert english == []
