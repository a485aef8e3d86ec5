"""A reader's visit, in headless Chromium: pages, search, downloads, themes, copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from .browsing import visit


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    yield context
    context.close()


def gallery_pages(site: Path) -> list[str]:
    pages = sorted(site.glob("auto_examples/*/*.html"))
    return [p.relative_to(site).as_posix() for p in pages if p.name != "index.html"]


def test_the_landing_page_loads_cleanly_and_links_to_the_gallery(
    context: BrowserContext, base_url: str
) -> None:
    seen = visit(context, f"{base_url}/index.html")
    assert seen.errors == []
    assert seen.outside == []
    assert seen.page.locator("a[href='auto_examples/index.html']").count() >= 1
    assert seen.page.locator("table.rnnstate-shapes").count() == 1


def test_every_gallery_page_loads_cleanly(
    context: BrowserContext, base_url: str, site: Path
) -> None:
    pages = gallery_pages(site)
    assert len(pages) >= 13
    problems = {}
    for path in pages:
        seen = visit(context, f"{base_url}/{path}")
        if seen.errors or seen.outside:
            problems[path] = (seen.errors, seen.outside)
        outputs = seen.page.locator("div.sphx-glr-script-out").count()
        seen.page.close()
        assert outputs >= 1, path
    assert problems == {}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bidirectional final state", "03_bidirectional/bidirectional_final_states.html"),
        ("pack_padded_sequence", "07_packed/packed_sequences.html"),
        ("proj_size", "04_lstm/lstm_cell_state_and_proj_size.html"),
        ("batch_first hidden state", "06_batch_first/batch_first_and_unbatched.html"),
        ("enforce_sorted", "07_packed/packed_sequences.html"),
        # The questions GUIDE.md lists, in readers' words.
        ("difference between hidden and output", "01_one_layer/output_vs_h_n.html"),
        ("why pack sequences", "07_packed/packed_sequences.html"),
        ("bidirectional LSTM output", "03_bidirectional/bidirectional_final_states.html"),
        ("GRU batched one by one", "10_exactness/exact_or_close.html"),
        ("padded batch not packed", "08_pitfalls/pitfalls.html"),
        ("encoder decoder bidirectional", "11_recipes/encoder_to_decoder.html"),
    ],
)
def test_the_site_search_finds_the_page_that_answers(
    context: BrowserContext, base_url: str, query: str, expected: str
) -> None:
    seen = visit(context, f"{base_url}/search.html?q={query.replace(' ', '+')}")
    results = seen.page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=15_000)
    seen.page.wait_for_function(
        "() => document.querySelector('#search-results .search-summary')?.textContent.length > 0",
        timeout=15_000,
    )
    hrefs = [results.nth(i).get_attribute("href") or "" for i in range(min(results.count(), 5))]
    assert any(expected in href for href in hrefs), hrefs
    assert seen.errors == []


def test_the_download_links_of_an_example_return_the_files(
    context: BrowserContext, base_url: str
) -> None:
    url = f"{base_url}/auto_examples/07_packed/packed_sequences.html"
    seen = visit(context, url)
    links = seen.page.locator(".sphx-glr-download a.reference.download")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    suffixes = sorted(Path(h).suffix for h in hrefs)
    assert suffixes == [".ipynb", ".py", ".zip"]
    for href in hrefs:
        response = context.request.get(f"{base_url}/auto_examples/07_packed/{href}")
        assert response.status == 200, href
        body = response.body()
        assert len(body) > 500, href
        if href.endswith(".py"):
            assert b"pack_padded_sequence" in body


_CONTRAST = """(selector) => {
  const rgb = (s) => s.match(/[\\d.]+/g).slice(0, 4).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const el = document.querySelector(selector);
  let bgEl = el, bg = null;
  while (bgEl) {
    const value = rgb(getComputedStyle(bgEl).backgroundColor);
    if (value.length < 4 || value[3] > 0) { bg = value; break; }
    bgEl = bgEl.parentElement;
  }
  bg = bg || [255, 255, 255];
  const fg = rgb(getComputedStyle(el).color);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_output_blocks_stay_readable_in_both_themes(
    browser: Browser, base_url: str, theme: str
) -> None:
    with browser.new_context(color_scheme="light") as context:
        context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        seen = visit(context, f"{base_url}/auto_examples/01_one_layer/output_vs_h_n.html")
        shown = seen.page.evaluate("document.body.dataset.theme")
        ratio = seen.page.evaluate(_CONTRAST, "div.sphx-glr-script-out pre")
        table_ratio = seen.page.evaluate(_CONTRAST, ".rnnstate-check td")
    assert shown == theme
    assert ratio >= 4.5, f"output text contrast {ratio:.2f} in {theme} mode"
    assert table_ratio >= 4.5, f"check table contrast {table_ratio:.2f} in {theme} mode"


def test_the_theme_toggle_switches_between_light_and_dark(browser: Browser, base_url: str) -> None:
    themes = []
    backgrounds = []
    with browser.new_context(color_scheme="light") as context:
        seen = visit(context, f"{base_url}/index.html")
        page = seen.page
        for _ in range(3):  # furo cycles auto -> dark -> light (with a light system theme)
            page.locator("button.theme-toggle:visible").first.click()
            themes.append(page.evaluate("document.body.dataset.theme"))
            backgrounds.append(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    assert "dark" in themes
    assert "light" in themes
    dark = backgrounds[themes.index("dark")]
    light = backgrounds[themes.index("light")]
    assert dark != light
    assert seen.errors == []


def test_the_copy_button_copies_a_code_cell(context: BrowserContext, base_url: str) -> None:
    seen = visit(context, f"{base_url}/auto_examples/01_one_layer/output_vs_h_n.html")
    page = seen.page
    cell = page.locator("div.highlight-Python").first
    cell.hover()
    cell.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "nn.GRU(input_size=8, hidden_size=50, num_layers=3, batch_first=True)" in copied
    assert copied == cell.locator("pre").inner_text().rstrip("\n")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("landing", "index.html"),
        ("example", "auto_examples/03_bidirectional/bidirectional_final_states.html"),
        # The Chinese edition, drawn with the CJK font that .ci/run installs.
        ("zh-landing", "zh_CN/index.html"),
        ("zh-example", "zh_CN/auto_examples/03_bidirectional/bidirectional_final_states.html"),
    ],
)
def test_screenshots_are_saved_for_a_person_to_look_at(
    browser: Browser, base_url: str, screenshots: Path, theme: str, name: str, path: str
) -> None:
    target = screenshots / f"{name}-{theme}.png"
    with browser.new_context(viewport={"width": 1280, "height": 900}) as context:
        context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        seen = visit(context, f"{base_url}/{path}")
        seen.page.screenshot(path=str(target), full_page=False)
        shown = seen.page.evaluate("document.body.dataset.theme")
    assert target.stat().st_size > 10_000
    assert shown == theme
