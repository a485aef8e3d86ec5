"""The site's reach (issue 19): sitemap, previews, 404, plain notebooks, reproducible builds.

The fast tests check each piece of ``docs/_ext`` on its own. The slow ones build a
throwaway gallery with the real ``docs/conf.py`` (English, then Chinese into its
``zh_CN/`` folder, as the site is built), check the built HTML, the notebooks and the
zips, then build it again from clean and compare every file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType, SimpleNamespace
from xml.etree import ElementTree

import pytest
from docutils.core import publish_doctree

from .test_docs_build import ROOT, STRICT, build, make_site

sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import link_preview
import not_found_links
import notebook_markup
import reader_install
import sitemap_editions

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPOCH = "1795000000"  # 2026-11-18, the year conf.py's copyright names


def load_conf() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rnnstate_docs_conf", ROOT / "docs" / "conf.py")
    assert spec is not None
    assert spec.loader is not None
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


# -- Where the site is hosted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "english", "chinese"),
    [
        # Read the Docs: the English project, then the Chinese translation project.
        ("https://rnnstate.readthedocs.io/en/latest/", "https://rnnstate.readthedocs.io/en/latest/",
         "https://rnnstate.readthedocs.io/zh-cn/latest/"),
        ("https://rnnstate.readthedocs.io/zh-cn/v0.2/", "https://rnnstate.readthedocs.io/en/v0.2/",
         "https://rnnstate.readthedocs.io/zh-cn/v0.2/"),
        # Any other host: the Chinese edition in the zh_CN/ folder, as a local build has it.
        ("https://example.org/rnnstate", "https://example.org/rnnstate/",
         "https://example.org/rnnstate/zh_CN/"),
    ],
)  # fmt: skip
def test_edition_urls_follow_the_hosts_language_folders(
    given: str, english: str, chinese: str
) -> None:
    assert load_conf().edition_urls(given) == {"en": english, "zh_CN": chinese}


def test_edition_urls_come_from_read_the_docs_before_the_projects_own_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RNNSTATE_BASE_URL", "https://example.org/")
    assert load_conf().html_baseurl == "https://example.org/"
    monkeypatch.setenv("READTHEDOCS_CANONICAL_URL", "https://rnnstate.readthedocs.io/zh-cn/latest/")
    assert load_conf().html_baseurl == "https://rnnstate.readthedocs.io/en/latest/"
    monkeypatch.delenv("READTHEDOCS_CANONICAL_URL")
    monkeypatch.delenv("RNNSTATE_BASE_URL")
    assert load_conf().html_baseurl == "https://rnnstate.readthedocs.io/en/latest/"


# -- Descriptions ---------------------------------------------------------------------


def test_a_short_description_is_kept_whole() -> None:
    assert link_preview.trim("One sentence.", 160) == "One sentence."


def test_a_long_description_ends_at_the_last_sentence_that_fits() -> None:
    text = "The first sentence is here. The second one is a little longer. " + "x " * 50
    assert (
        link_preview.trim(text, 80)
        == "The first sentence is here. The second one is a little longer."
    )


def test_a_description_without_a_sentence_end_is_cut_at_a_word() -> None:
    text = "words " * 40
    cut = link_preview.trim(text, 50)
    assert cut.endswith("words…")
    assert len(cut) <= 50


def test_a_chinese_description_ends_at_a_full_stop_or_between_characters() -> None:
    sentence = "双向网络的最后隐藏状态在这里。"
    assert link_preview.trim(sentence * 20, 40) == sentence * 2
    assert link_preview.trim("字" * 100, 20) == "字" * 19 + "…"


def test_the_description_is_the_first_paragraph_outside_notes_and_tables() -> None:
    doctree = publish_doctree(
        "Title\n=====\n\n.. note::\n\n   Go to the end.\n\n"
        "+-----+\n| a b |\n+-----+\n\nThe  first\nparagraph.\n\nThe second.\n"
    )
    assert link_preview.first_paragraph(doctree) == "The first paragraph."
    assert link_preview.first_paragraph(publish_doctree("Title\n=====\n")) == ""
    introducing = publish_doctree("Title\n=====\n\nIt is this:\n\n- a list\n")
    assert link_preview.first_paragraph(introducing) == "It is this"


# -- Notebooks ------------------------------------------------------------------------


class Item:
    uri = "https://docs.pytorch.org/docs/stable/generated/torch.nn.GRU.html#torch.nn.GRU"


BASE = "https://rnnstate.readthedocs.io/en/latest/"
RESOLVER = notebook_markup.Resolver(
    BASE,
    {"gpu": "GPU", "auto_examples/07_packed/packed_sequences": "Packed sequences"},
    {"py:class": {"torch.nn.GRU": Item()}},
)


@pytest.mark.parametrize(
    ("markup", "markdown"),
    [
        (":func:`rnnstate.check`", f"[`rnnstate.check()`]({BASE}api.html#rnnstate.check)"),
        (":func:`~rnnstate.check`", f"[`check()`]({BASE}api.html#rnnstate.check)"),
        (":mod:`rnnstate`", f"[`rnnstate`]({BASE}api.html#module-rnnstate)"),
        (":class:`torch.nn.GRU`", f"[`torch.nn.GRU`]({Item.uri})"),
        (":py:class:`GRU <torch.nn.GRU>`", f"[`GRU`]({Item.uri})"),
        (":attr:`torch.backends.cudnn.allow_tf32`", "`torch.backends.cudnn.allow_tf32`"),
        (":doc:`/gpu`", f"[GPU]({BASE}gpu.html)"),
        (":doc:`the GPU page <../../gpu>`", f"[the GPU page]({BASE}gpu.html)"),
        # What sphinx-gallery leaves of a :ref: (the role dropped, the backticks kept).
        ("`sphx_glr_auto_examples_07_packed_packed_sequences.py`",
         f"[Packed sequences]({BASE}auto_examples/07_packed/packed_sequences.html)"),
        ("`the packed\npage <sphx_glr_auto_examples_07_packed_packed_sequences.py>`",
         f"[the packed page]({BASE}auto_examples/07_packed/packed_sequences.html)"),
        (":download:`the wheel <../x.whl>`", "the wheel"),
        ("``code`` and `x`", "``code`` and `x`"),
    ],
)  # fmt: skip
def test_a_role_becomes_a_link_to_the_hosted_page_or_code(markup: str, markdown: str) -> None:
    assert notebook_markup.rewrite_markdown(markup, "auto_examples/a/b", RESOLVER) == (markdown, [])


@pytest.mark.parametrize(
    "markup",
    [":kbd:`Ctrl`", ":doc:`/missing`", "`sphx_glr_auto_examples_missing.py`", ".. seealso:: x"],
)
def test_markup_with_no_plain_form_is_reported(markup: str) -> None:
    _, problems = notebook_markup.rewrite_markdown(markup, "auto_examples/a/b", RESOLVER)
    assert len(problems) == 1


def test_a_notebook_is_rewritten_only_when_a_cell_changes(tmp_path: Path) -> None:
    notebook = tmp_path / "page.ipynb"
    cells = [{"cell_type": "markdown", "source": ["See :doc:`/gpu`.\n", "Done."]},
             {"cell_type": "code", "source": [":doc:`/gpu`"]}]  # fmt: skip
    notebook.write_text(json.dumps({"cells": cells}))
    assert notebook_markup.rewrite_notebook(notebook, "auto_examples/page", RESOLVER) == []
    content = json.loads(notebook.read_text())
    assert content["cells"][0]["source"] == [f"See [GPU]({BASE}gpu.html).\n", "Done."]
    assert content["cells"][1]["source"] == [":doc:`/gpu`"]  # code stays as it is
    before = notebook.stat().st_mtime_ns
    notebook_markup.rewrite_notebook(notebook, "auto_examples/page", RESOLVER)
    assert notebook.stat().st_mtime_ns == before


def test_page_titles_come_from_markdown_rest_and_gallery_scripts(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("(label)=\n# A page\n")
    (tmp_path / "b.rst").write_text(".. _x:\n\nB page\n======\n")
    (tmp_path / "c.py").write_text('r"""\nC page\n------\n\nIntro.\n"""\n')
    (tmp_path / "empty.md").write_text("no title\n")
    titles = [notebook_markup.page_title(tmp_path / n) for n in ("a.md", "b.rst", "c.py")]
    assert titles == ["A page", "B page", "C page"]
    assert notebook_markup.page_title(tmp_path / "empty.md") == "empty"


# -- Sitemap, 404, zips ---------------------------------------------------------------


def test_the_sitemap_lists_each_page_in_each_edition_with_its_alternates() -> None:
    editions = {"en": "https://x.org/en/latest/", "zh_CN": "https://x.org/zh-cn/latest/"}
    written = sitemap_editions.editions_sitemap(["b.html", "a.html"], editions, {"zh_CN": "zh-CN"})
    root = ElementTree.fromstring(written)  # noqa: S314 - written by the line above
    urls = root.findall(f"{SITEMAP}url")
    assert [u.findtext(f"{SITEMAP}loc") for u in urls] == [
        "https://x.org/en/latest/b.html", "https://x.org/en/latest/a.html",
        "https://x.org/zh-cn/latest/b.html", "https://x.org/zh-cn/latest/a.html",
    ]  # fmt: skip
    alternates = {(a.get("hreflang"), a.get("href")) for a in urls[3].iter(f"{XHTML}link")}
    assert alternates == {
        ("en", "https://x.org/en/latest/a.html"),
        ("zh-CN", "https://x.org/zh-cn/latest/a.html"),
        ("x-default", "https://x.org/en/latest/a.html"),
    }


def test_robots_txt_names_the_sitemap() -> None:
    assert "\nSitemap: https://x.org/sitemap.xml\n" in sitemap_editions.robots(
        "https://x.org/sitemap.xml"
    )


@pytest.mark.parametrize(
    ("uri", "absolute"),
    [
        ("index.html", "/en/latest/index.html"),
        ("questions.html#top", "/en/latest/questions.html#top"),
        ("#page-not-found", "#page-not-found"),
        ("https://docs.pytorch.org/", "https://docs.pytorch.org/"),
        ("/elsewhere.html", "/elsewhere.html"),
    ],
)
def test_the_404_pages_links_are_made_absolute(uri: str, absolute: str) -> None:
    assert not_found_links.absolute(uri, "/en/latest/") == absolute


def test_zip_members_are_dated_by_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert reader_install.zip_date() == reader_install.ZIP_DATE
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")
    assert reader_install.zip_date() == (2026, 11, 18, 11, 6, 40)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # before 1980, which a zip cannot hold
    assert reader_install.zip_date() == (1980, 1, 1, 0, 0, 0)


# -- A throwaway site, built as the real one ------------------------------------------

FIRST = '''r"""
A first page
============

The first page draws a line and links :func:`rnnstate.check`, :class:`torch.nn.GRU`,
:doc:`/api` and the :ref:`second page <sphx_glr_auto_examples_second.py>`.
"""

# %%
import matplotlib.pyplot as plt

lines = plt.plot([0, 1], [1, 0])  # no repr printed: it holds an address
'''

SECOND = '''r"""
A second page
=============

The second page draws another line; :ref:`sphx_glr_auto_examples_first.py` came first.
"""

# %%
import matplotlib.pyplot as plt

lines = plt.plot([0, 1], [0, 1])
'''

NOT_FOUND = "# Page not found\n\nStart from [the first page](index.md) or [the API](api.md).\n"
ROLES = re.compile(r":[a-z]+:`|\bsphx_glr_|^\s*\.\. \w", re.MULTILINE)


def clean_build(docs: Path) -> None:
    for folder in ("_build", "auto_examples", "gen_modules"):
        shutil.rmtree(docs / folder, ignore_errors=True)
    flags = [*STRICT, "-D", "link_preview_site_page=auto_examples/first"]
    done = build(docs, *flags, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert done.returncode == 0, done.stderr
    zh = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", *flags, "-D", "language=zh_CN",
         "-d", str(docs / "_build" / ".doctrees-zh_CN"), str(docs), str(docs / "_build" / "zh_CN")],
        capture_output=True, text=True, check=False, cwd=docs.parent,
        env={**os.environ, "MPLBACKEND": "agg", "SOURCE_DATE_EPOCH": EPOCH},
    )  # fmt: skip
    assert zh.returncode == 0, zh.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the throwaway site (English, then Chinese); give the English output folder."""
    docs = make_site(tmp_path_factory.mktemp("reach"), {"first.py": FIRST, "second.py": SECOND})
    (docs / "404.md").write_text(NOT_FOUND)
    clean_build(docs)
    return docs / "_build"


def served_files(out: Path) -> dict[str, bytes]:
    """Every file a reader can fetch from the build (not Sphinx's pickled doctrees)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not any(part.startswith(".doctrees") for part in p.parts)
    }


def pages(out: Path) -> list[str]:
    found = sorted(p.relative_to(out).as_posix() for p in out.glob("**/*.html"))
    return [p for p in found if not p.startswith(("_", "zh_CN/"))]


@pytest.mark.slow
def test_no_notebook_on_the_built_site_holds_sphinx_markup(site: Path) -> None:
    notebooks = {p.name: p.read_text() for p in site.glob("_downloads/*/*.ipynb")}
    for archive in site.glob("_downloads/*/*.zip"):
        with zipfile.ZipFile(archive) as zipped:
            notebooks |= {
                f"{archive.name}/{n}": zipped.read(n).decode()
                for n in zipped.namelist()
                if n.endswith(".ipynb")
            }
    assert len(notebooks) >= 4  # two pages' notebooks, and each inside the jupyter zip
    for name, text in notebooks.items():
        markdown = [
            "".join(cell["source"])
            for cell in json.loads(text)["cells"]
            if cell["cell_type"] == "markdown"
        ]
        assert [ROLES.findall(cell) for cell in markdown if ROLES.search(cell)] == [], name
    first = next(t for n, t in notebooks.items() if n == "first.ipynb")
    assert f"[`rnnstate.check()`]({BASE}api.html#rnnstate.check)" in first
    assert f"[second page]({BASE}auto_examples/second.html)" in first


@pytest.mark.slow
def test_the_sitemap_lists_every_page_of_both_editions(site: Path) -> None:
    root = ElementTree.parse(site / "sitemap.xml").getroot()  # noqa: S314 - our build
    locs = {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    excluded = {"404.html", "search.html", "genindex.html", "py-modindex.html", "sg_api_usage.html"}
    listed = [p for p in pages(site) if p not in excluded]
    assert "auto_examples/first.html" in listed
    assert locs == {
        f"{base}{p}" for p in listed for base in (BASE, BASE.replace("/en/", "/zh-cn/"))
    }
    for page in listed:  # the Chinese edition has the same pages
        assert (site / "zh_CN" / page).is_file(), page
    assert (site / "robots.txt").read_text().endswith(f"Sitemap: {BASE}sitemap.xml\n")


@pytest.mark.slow
def test_an_incremental_build_that_runs_one_example_keeps_every_page_in_the_sitemap(
    tmp_path: Path,
) -> None:
    docs = make_site(tmp_path, {"first.py": FIRST, "second.py": SECOND})
    flags = [*STRICT, "-D", "link_preview_site_page=auto_examples/first"]
    assert build(docs, *flags).returncode == 0
    before = (docs / "_build" / "sitemap.xml").read_bytes()
    example = tmp_path / "examples" / "second.py"
    example.write_text(example.read_text() + "\n# an edit\n")
    done = build(docs, *flags)
    assert done.returncode == 0, done.stderr
    assert "executed 1 out of 1 file" in done.stdout  # an incremental build: the edited one
    assert (docs / "_build" / "sitemap.xml").read_bytes() == before
    assert b"auto_examples/first.html" in before


@pytest.mark.slow
def test_each_page_has_one_canonical_url_and_a_description(site: Path) -> None:
    for page in pages(site):
        text = (site / page).read_text()
        assert re.findall(r'<link rel="canonical" href="([^"]+)"', text) == [BASE + page]
        if page not in ("search.html", "genindex.html", "py-modindex.html"):
            assert text.count('<meta name="description" content="') == 1, page
    zh = (site / "zh_CN" / "auto_examples" / "first.html").read_text()
    assert '<link rel="canonical" href="https://rnnstate.readthedocs.io/zh-cn/latest/auto' in zh


@pytest.mark.slow
def test_a_gallery_page_previews_with_its_own_thumbnail(site: Path) -> None:
    text = (site / "auto_examples" / "second.html").read_text()
    tags = dict(re.findall(r'<meta property="(og:[a-z:]+)" content="([^"]*)"', text))
    assert tags["og:title"] == "A second page"
    assert tags["og:url"] == f"{BASE}auto_examples/second.html"
    assert tags["og:description"].startswith("The second page draws another line;")
    assert tags["og:image"] == f"{BASE}_images/sphx_glr_second_thumb.png"
    assert (site / "_images" / "sphx_glr_second_thumb.png").is_file()
    landing = (site / "index.html").read_text()
    assert f'content="{BASE}_images/sphx_glr_first_thumb.png"' in landing  # the site's image


@pytest.mark.slow
def test_the_404_pages_links_resolve_to_files_of_the_build(site: Path) -> None:
    text = (site / "404.html").read_text()
    links = re.findall(r'(?:href|src|action)="(/en/latest/[^"#?]*)', text)
    assert "/en/latest/index.html" in links
    assert "/en/latest/api.html" in links
    assert "/en/latest/search.html" in links  # the search box
    assert [link for link in links if not (site / link.removeprefix("/en/latest/")).is_file()] == []
    assert re.findall(r'href="(?!/|#|https?:)[^"]+"', text) == []  # nothing relative


@pytest.mark.slow
def test_pages_end_without_running_times(site: Path) -> None:
    assert not (site / "sg_execution_times.html").exists()
    assert "Total running time" not in (site / "auto_examples" / "first.html").read_text()


@pytest.mark.slow
def test_two_clean_builds_with_source_date_epoch_give_identical_files(site: Path) -> None:
    first = served_files(site)
    clean_build(site.parent)
    second = served_files(site)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    (archive,) = site.glob("_downloads/*/auto_examples_jupyter.zip")
    with zipfile.ZipFile(archive) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {(2026, 11, 18, 11, 6, 40)}


# -- The same extensions in this process (so that coverage sees them) ------------------

TINY_CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "docs" / "_ext")!r})
extensions = ["sphinx_sitemap", "sphinxext.opengraph", "notfound.extension",
              "sitemap_editions", "link_preview", "not_found_links"]
html_baseurl = "https://x.org/en/latest/"
ogp_site_url = html_baseurl
notfound_urls_prefix = "/en/latest/"
sitemap_url_scheme = "{{link}}"
sitemap_locales = [None]
sitemap_editions = {{"en": html_baseurl, "zh_CN": "https://x.org/zh-cn/latest/"}}
sitemap_excludes = ["404.html", "search.html", "genindex.html"]
ogp_social_cards = {{"enable": False}}
"""


# sphinx-sitemap 2.9.0 and sphinx-notfound-page 1.1.0 call what Sphinx 9 deprecates
# (contributing.md lists both).
@pytest.mark.filterwarnings("ignore:'sphinx.environment.BuildEnvironment.app' is deprecated")
@pytest.mark.filterwarnings("ignore:'tags' will become a required keyword argument")
def test_a_tiny_site_gets_descriptions_a_sitemap_and_a_404_page(tmp_path: Path) -> None:
    from .test_docs_extensions import build as build_here

    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text(TINY_CONF)
    (src / "index.rst").write_text(
        "Tiny\n====\n\n.. note::\n\n   Not this.\n\nThe page says this. And more.\n\n"
        ".. toctree::\n\n   other\n"
    )
    (src / "other.rst").write_text(
        "Other\n=====\n\n.. meta::\n   :description: Its own words.\n\nAnother page.\n"
    )
    (src / "404.rst").write_text("Not found\n=========\n\nGo to :doc:`index`.\n")
    out, _ = build_here(src)
    index = (out / "index.html").read_text()
    assert '<meta name="description" content="The page says this. And more." />' in index
    assert '<meta property="og:description" content="The page says this. And more." />' in index
    other = (out / "other.html").read_text()
    assert other.count('name="description"') == 1
    assert '<meta property="og:description" content="Its own words." />' in other
    assert 'href="/en/latest/index.html"' in (out / "404.html").read_text()
    locs = re.findall(r"<loc>([^<]+)</loc>", (out / "sitemap.xml").read_text())
    assert locs == [
        "https://x.org/en/latest/index.html", "https://x.org/en/latest/other.html",
        "https://x.org/zh-cn/latest/index.html", "https://x.org/zh-cn/latest/other.html",
    ]  # fmt: skip
    assert (out / "robots.txt").read_text().endswith("x.org/en/latest/sitemap.xml\n")


def test_the_gallery_notebooks_are_rewritten_where_sphinx_gallery_wrote_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "gallery" / "ch").mkdir(parents=True)
    (tmp_path / "gpu.md").write_text("# The GPU page\n")
    (tmp_path / "gallery" / "ch" / "page.rst").write_text("Page\n====\n")
    notebook = tmp_path / "gallery" / "ch" / "page.ipynb"
    cells = [{"cell_type": "markdown", "source": ["See :doc:`/gpu` and :kbd:`C`."]}]
    notebook.write_text(json.dumps({"cells": cells}))
    config = SimpleNamespace(
        sphinx_gallery_conf={"gallery_dirs": "gallery"},
        notebook_markup_base_url="https://x.org/",
        html_baseurl="",
        source_suffix={".md": "markdown", ".rst": "restructuredtext"},
    )
    app = SimpleNamespace(config=config, srcdir=str(tmp_path), env=SimpleNamespace())
    warned: list[str] = []
    monkeypatch.setattr(notebook_markup.logger, "warning", lambda m, **_: warned.append(m))
    notebook_markup.rewrite_gallery_notebooks(app)  # type: ignore[arg-type]
    assert len(warned) == 1
    assert "no plain Markdown for ':kbd:`C`' in page.ipynb" in warned[0]
    text = json.loads(notebook.read_text())["cells"][0]["source"]
    assert text == ["See [The GPU page](https://x.org/gpu.html) and :kbd:`C`."]
