"""The site's editions, English and Chinese, built from the same sources.

The English edition is built into ``docs/_build/html`` and the Chinese one, with
``-D language=zh_CN``, into ``docs/_build/html/zh_CN`` (``nox -s docs`` builds both;
on Read the Docs the Chinese edition is a translation project of the same
repository). This extension:

- sets what depends on the language: the Chinese edition's search segments words
  with jieba (``html_search_language = "zh"``), and the announcement is translated;
- gives every page a link to the same page in the other edition (shown by
  ``docs/_templates/page.html``) and ``<link rel="alternate" hreflang>`` tags naming
  both, relative in a local build, absolute where ``rnnstate_edition_urls`` says where
  each edition is hosted.
"""

from __future__ import annotations

import functools
import html
import platform
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shared import TORCH_VERSION, messages, page_messages
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.typing import ExtensionMetadata


@dataclass(frozen=True)
class Edition:
    """One edition: its language code, its HTML lang, its name, and its folder in the site."""

    language: str
    lang: str
    name: str
    folder: str


EDITIONS = (
    Edition("en", "en", "English", ""),
    Edition("zh_CN", "zh-CN", "简体中文", "zh_CN/"),
)


def edition(language: str | None) -> Edition:
    """Give the edition of a language (English for any other)."""
    return next((e for e in EDITIONS if e.language == language), EDITIONS[0])


def page_url(
    pagename: str, suffix: str, here: Edition, there: Edition, base: str | None = None
) -> str:
    """Give the URL of ``pagename`` in edition ``there``, seen from the same page in ``here``.

    Relative, or under ``base``, the other edition's URL (or its path on the host).

    >>> page_url("auto_examples/07_packed/packed_sequences", ".html", EDITIONS[0], EDITIONS[1])
    '../../zh_CN/auto_examples/07_packed/packed_sequences.html'
    >>> page_url("index", ".html", EDITIONS[1], EDITIONS[0])
    '../index.html'
    >>> page_url("api", ".html", EDITIONS[0], EDITIONS[1], "https://x.io/zh-cn/latest/")
    'https://x.io/zh-cn/latest/api.html'
    """
    if base is not None:
        return base.rstrip("/") + "/" + pagename + suffix
    # Up to this edition's root, up out of its folder, then down into the other's.
    up = "../" * (pagename.count("/") + here.folder.count("/"))
    return f"{up}{there.folder}{pagename}{suffix}"


def edition_base(app: Sphinx, pagename: str, there: Edition) -> str | None:
    """Give the base of links to edition ``there`` from ``pagename``, or None for relative.

    Absolute where ``rnnstate_edition_links`` says so (on Read the Docs the editions are
    two projects); from the host's root for a page served at any address (the 404 page),
    whose relative links would break below the top folder.
    """
    url: str | None = app.config.rnnstate_edition_urls.get(there.language)
    if url is None:
        return None
    if pagename in app.config.rnnstate_edition_anywhere:
        return urlsplit(url).path
    return url if app.config.rnnstate_edition_links == "absolute" else None


def chinese_search() -> type:
    """Give Sphinx's Chinese search, with the stemmer its script defines.

    Sphinx 9.0's ``SearchChinese`` ships the English stemmer for the Latin words in
    Chinese text, but its language_data.js then says ``window.Stemmer =
    ChineseStemmer``, which is not defined: the script stops there and the search
    page finds nothing (sitetests/test_chinese_edition.py shows it). The class
    below names the stemmer that is there.
    """
    from sphinx.search.zh import SearchChinese

    class ChineseSearch(SearchChinese):
        language_name = "English"  # names the JavaScript stemmer: EnglishStemmer

    return ChineseSearch


def set_language_options(app: Sphinx, config: Config) -> None:
    """Search Chinese with jieba; write the announcement in the build's language."""
    if config.language and config.language.startswith("zh"):
        from sphinx.search import languages

        languages["zh"] = chinese_search()
        config.html_search_language = "zh"
    _ = messages(config.language)
    options = dict(config.html_theme_options)
    options["announcement"] = _(
        "Every output on this site was produced while it was built, by PyTorch {torch} "
        "on {machine} CPU, Python {python}."
    ).format(torch=TORCH_VERSION, machine=platform.machine(), python=platform.python_version())
    config.html_theme_options = options


def link_editions(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: object
) -> None:
    """Give the page its link to the other edition and its hreflang alternates."""
    here = edition(app.config.language)
    suffix = str(context.get("file_suffix", ".html"))
    alternates = []
    for there in EDITIONS:
        url = page_url(pagename, suffix, here, there, edition_base(app, pagename, there))
        if there is not here:
            other = {"url": url, "lang": there.lang, "name": there.name}
            context["rnnstate_with_edition_link"] = functools.partial(
                with_edition_link, other=other
            )
        alternates.append((there.lang, url))
    alternates.append(("x-default", alternates[0][1]))
    tags = "".join(
        f'<link rel="alternate" hreflang="{lang}" href="{html.escape(url)}">\n'
        for lang, url in alternates
    )
    context["metatags"] = str(context.get("metatags", "")) + tags
    body = context.get("body")
    if here.language != "en" and isinstance(body, str) and "sphx-glr-thumb" in body:
        context["body"] = translate_thumbnails(body, thumbnail_texts(app.config.language))


# sphinx-gallery writes each thumbnail's title and tooltip as raw HTML, which the
# catalogs never see: they are looked up among the translated messages instead.
THUMBNAIL_TITLE = re.compile(r'(<div class="sphx-glr-thumbnail-title">)([^<]*)(</div>)')
TOOLTIP = re.compile(r'((?:data-)?tooltip=")([^"]*)(")')
# Inline markup, as a thumbnail shows its text without it.
MARKUP = re.compile(
    r":[\w:.-]+:`(?:[^`<]*<[^`>]*>|~?(?:[^`]*\.)?([^`.]*))`"  # a role: its title or last name
    r"|\{[\w:.-]+\}`(?:[^`<]*<[^`>]*>|~?(?:[^`]*\.)?([^`.]*))`"
    r"|``([^`]*)``|`([^`<]*)(?: <[^`>]*>)?`_{0,2}|\*\*([^*]*)\*\*|\*([^*]*)\*"
)


def plain(text: str) -> str:
    """Give a message's text as a thumbnail shows it: markup gone, spaces collapsed.

    >>> plain("Packed ``h_n`` and :func:`rnnstate.check`, **see** `this <https://x.io>`_")
    'Packed h_n and check, see this'
    """

    def keep(match: re.Match[str]) -> str:
        title = re.match(r"[:{][\w:.-]+[:}]`([^`<]*)<", match.group(0))
        if title:
            return title.group(1).strip()
        return next((group for group in match.groups() if group is not None), "")

    return " ".join(MARKUP.sub(keep, text).split())


# How many opening letters identify a message (see thumbnail_texts).
OPENING = 60


def letters(text: str) -> str:
    """Reduce a text to its letters and digits, role names and link targets left out.

    sphinx-gallery strips a tooltip's markup in its own way (a role keeps its whole
    target, an asterisk goes); compared this way, both sides read the same.

    >>> letters(":class:`torch.nn.GRU`'s ``(D*L)`` `doc <https://x.io>`_") == letters(
    ...     "torch.nn.GRU's (DL) doc")
    True
    """
    return re.sub(r"\W+", "", re.sub(r"[:{][\w:.-]+[:}]`|<[^<>]*>`_", "", text))


def thumbnail_texts(language: str | None) -> dict[str, str]:
    """Map each message's English text, plain and as letters, to its plain translation."""
    texts: dict[str, str] = {}
    for english, shown in page_messages(language).items():
        # The opening letters too: sphinx-gallery shortens some tooltips.
        texts[plain(english)] = texts[letters(english)[:OPENING]] = plain(shown)
    return texts


def translate_thumbnails(body: str, texts: dict[str, str]) -> str:
    """Translate the titles and tooltips that sphinx-gallery wrote as raw HTML."""

    def swap(match: re.Match[str]) -> str:
        english = html.unescape(match.group(2))
        shown = texts.get(" ".join(english.split())) or texts.get(letters(english)[:OPENING])
        if shown is None:
            return match.group(0)
        return match.group(1) + html.escape(shown, quote=True) + match.group(3)

    return TOOLTIP.sub(swap, THUMBNAIL_TITLE.sub(swap, body))


MAIN = '<article role="main" id="furo-main-content">'


def with_edition_link(page: str, other: dict[str, str] | None) -> str:
    """Put the link to the other edition at the top of the page's main content.

    Applied to the whole page by docs/_templates/page.html (as the page's
    ``rnnstate_with_edition_link``), so that pages whose templates replace the content
    block (the index, the search page) get the link too.

    >>> other = {"url": "../a.html", "lang": "en", "name": "English"}
    >>> with_edition_link(MAIN + "<h1>", other)[len(MAIN):].split("</p>")[0]
    '<p class="rnnstate-edition"><a href="../a.html" hreflang="en" lang="en">English</a>'
    """
    if not other:
        return page
    link = (
        f'<p class="rnnstate-edition"><a href="{html.escape(other["url"])}" '
        f'hreflang="{other["lang"]}" lang="{other["lang"]}">{html.escape(other["name"])}</a></p>'
    )
    return page.replace(MAIN, MAIN + link, 1)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the hosting URLs and connect the language options and the page links."""
    app.add_config_value("rnnstate_edition_urls", {}, "html", types=frozenset({dict}))
    app.add_config_value("rnnstate_edition_links", "relative", "html", types=frozenset({str}))
    app.add_config_value("rnnstate_edition_anywhere", ["404"], "html", types=frozenset({list}))
    app.connect("config-inited", set_language_options)
    app.connect("html-page-context", link_editions)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
