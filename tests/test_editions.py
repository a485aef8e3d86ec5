"""The two editions: links between them, Chinese search, translated thumbnails and labels."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import configurator_data
import editions
import shared

EN, ZH = editions.EDITIONS
URLS = {"en": "https://x.io/en/latest/", "zh_CN": "https://x.io/zh-cn/latest/"}


def fake_app(language: str = "en", links: str = "relative") -> Any:  # noqa: ANN401
    config = SimpleNamespace(
        language=language,
        rnnstate_edition_urls=URLS,
        rnnstate_edition_links=links,
        rnnstate_edition_anywhere=["404"],
    )
    return SimpleNamespace(config=config)


def test_an_unknown_language_gets_the_english_edition() -> None:
    assert editions.edition("fr") is EN
    assert editions.edition("zh_CN") is ZH


def test_links_are_relative_locally_absolute_on_the_host_and_from_the_root_on_the_404_page() -> (
    None
):
    assert editions.edition_base(fake_app(), "api", ZH) is None
    assert editions.edition_base(fake_app(links="absolute"), "api", ZH) == URLS["zh_CN"]
    assert editions.edition_base(fake_app(), "404", ZH) == "/zh-cn/latest/"
    no_urls = fake_app()
    no_urls.config.rnnstate_edition_urls = {}
    assert editions.edition_base(no_urls, "404", ZH) is None


def test_a_page_gets_its_other_edition_link_and_hreflang_alternates() -> None:
    context: dict[str, Any] = {"file_suffix": ".html", "metatags": "<meta>\n"}
    editions.link_editions(fake_app("zh_CN"), "auto_examples/a/b", "page.html", context, None)
    assert context["metatags"].splitlines() == [
        "<meta>",
        '<link rel="alternate" hreflang="en" href="../../../auto_examples/a/b.html">',
        '<link rel="alternate" hreflang="zh-CN" href="../../../zh_CN/auto_examples/a/b.html">',
        '<link rel="alternate" hreflang="x-default" href="../../../auto_examples/a/b.html">',
    ]
    page = context["rnnstate_with_edition_link"](editions.MAIN + "<h1>Title</h1>")
    assert 'href="../../../auto_examples/a/b.html" hreflang="en" lang="en">English</a>' in page
    assert editions.with_edition_link("<p>no article</p>", None) == "<p>no article</p>"


def test_the_chinese_edition_searches_with_jieba_and_a_stemmer_that_exists() -> None:
    from sphinx.search import languages

    config = SimpleNamespace(language="zh_CN", html_search_language=None, html_theme_options={})
    before = languages["zh"]
    try:
        editions.set_language_options(None, config)  # type: ignore[arg-type]
        assert config.html_search_language == "zh"
        chinese = languages["zh"]
        assert isinstance(chinese, type)
        assert chinese.language_name == "English"  # the stemmer language_data.js defines
    finally:
        languages["zh"] = before
    assert "本站的每一个输出" in config.html_theme_options["announcement"]


def test_the_english_announcement_names_the_torch_that_built_the_site() -> None:
    config = SimpleNamespace(language="en", html_search_language=None, html_theme_options={})
    editions.set_language_options(None, config)  # type: ignore[arg-type]
    assert config.html_search_language is None
    assert f"PyTorch {shared.TORCH_VERSION}" in config.html_theme_options["announcement"]


def test_thumbnail_titles_and_tooltips_are_looked_up_among_the_translations() -> None:
    texts = {"A page about h_n": "关于 h_n 的页面"}
    body = (
        '<div class="sphx-glr-thumbcontainer" data-tooltip="A page about h_n">'
        '<div class="sphx-glr-thumbnail-title">A page about h_n</div>'
        '<div class="sphx-glr-thumbnail-title">Not in the catalogs</div>'
    )
    shown = editions.translate_thumbnails(body, texts)
    assert shown.count("关于 h_n 的页面") == 2
    assert "Not in the catalogs" in shown


def test_every_thumbnail_title_of_the_gallery_has_a_translation() -> None:
    texts = editions.thumbnail_texts("zh_CN")
    titles = [
        "Packed sequences of variable length: forward h_n stops at each last valid step",
        "Bidirectional (BiLSTM, BiGRU)",
    ]
    assert all(re.search(r"[\u4e00-\u9fff]", texts[title]) for title in titles)
    assert editions.thumbnail_texts("en") == {}


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Your sizes (optional)"), ("zh_CN", "你的尺寸")]
)
def test_the_configurator_controls_are_labelled_in_the_build_language(
    language: str, label: str
) -> None:
    form = configurator_data.form_html(shared.messages(language), "cheat_sheet.html")
    assert label in form
    for name in ("mode", "num_layers", "bidirectional", "batch_first", "proj", "input", "k"):
        assert f'name="{name}"' in form
    assert '<a href="cheat_sheet.html">' in form


def test_the_configurator_data_carries_translations_only_where_they_differ() -> None:
    data: dict[str, object] = {"configurations": {"k": {"lines": [{"what": "classifier feature"}]}}}
    assert configurator_data.translated_text(data, str) == {}
    chinese = configurator_data.translated_text(data, shared.messages("zh_CN"))
    assert chinese["classifier feature"] == "分类器特征"
    assert chinese["copy"] == "复制"
    assert set(configurator_data.script_strings()) <= set(chinese)
