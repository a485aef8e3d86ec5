"""Sphinx configuration: furo, MyST pages, and a gallery executed at build time."""

from __future__ import annotations

import os
import re
import sys
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config

# One OpenMP thread for the torch that runs in this process (the examples, the
# verified tables): Sphinx forks its workers under -j, and an OpenMP worker alive
# at the fork is lost in the child, whose next parallel region then hangs.
os.environ.setdefault("OMP_NUM_THREADS", "1")

DOCS = Path(__file__).parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "rnnstate"
author = "the rnnstate developers"
copyright = "2026, the rnnstate developers"
# Read from the installed metadata rather than by importing torch and rnnstate, so
# that a rebuild with nothing to do does not pay for importing torch.
release = installed_version("rnnstate")
version = release
TORCH_VERSION = installed_version("torch")

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
    # docs/_ext, one job each:
    "answer_table",  # the landing page's table, verified on real modules
    "configurator_data",  # "Your configuration"'s data, every line verified
    "gpu_report",  # the GPU page: committed report and live CPU measurements
    "reader_install",  # the wheel and pins readers install, and the install notes
    "package_source",  # viewcode reads rnnstate without importing torch
    "fresh_gallery",  # re-run examples whose package, torch or pins changed
    "accessible_html",  # accessible, valid markup from the theme and the gallery
    "editions",  # the English and Chinese editions: language options, links between them
    # Reach (settings in their section below): sitemap, previews, 404, plain notebooks.
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "notfound.extension",
    "sitemap_editions",  # one sitemap for both editions, with hreflang; robots.txt
    "link_preview",  # each page's description and preview image
    "not_found_links",  # the 404 page's own links work at any depth
    "notebook_markup",  # no Sphinx roles left in the downloadable notebooks
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "inventories", "data", "locale", "Thumbs.db", ".DS_Store"]
nitpicky = True
templates_path = ["_templates"]

# -- MyST ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- autodoc and napoleon (numpydoc-style docstrings) -------------------------
autodoc_typehints = "none"  # the docstrings carry the types, in PyTorch's words
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_ivar = True
napoleon_preprocess_types = True
napoleon_type_aliases = {
    "sequence": ":term:`sequence`",
    "collection": ":class:`~collections.abc.Collection`",
    "mapping": ":term:`mapping`",
}

# -- intersphinx: committed inventories first, so the build needs no network --
# docs/inventories/make_inventories.py writes them; see its docstring.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", (str(DOCS / "inventories" / "python.inv"), None)),
    "torch": (
        "https://docs.pytorch.org/docs/stable",
        (str(DOCS / "inventories" / "torch.inv"), None),
    ),
    "matplotlib": (
        "https://matplotlib.org/stable",
        (str(DOCS / "inventories" / "matplotlib.inv"), None),
    ),
}

# -- sphinx-gallery -------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # Execute every script, not only plot_*.py: every page is a live result.
    "filename_pattern": r"\.py$",
    "ignore_pattern": r"__init__\.py",
    # Chapters in reading order. A chapter added later without an entry here lands
    # at "*", so the cheat sheet stays last in the sidebar.
    "subsection_order": [
        *(
            f"../examples/{chapter}"
            for chapter in (
                "01_one_layer",
                "02_layers",
                "03_bidirectional",
                "04_lstm",
                "05_plain_rnn",
                "06_batch_first",
                "07_packed",
                "08_pitfalls",
                "09_initial_states",
                "10_exactness",
                "11_recipes",
                "12_popular_answer",
                "14_state_across_batches",
                "15_padding_workflow",
                "16_attention_masks",
                "17_training_mode",
                "18_weights",
            )
        ),
        "*",
        "../examples/13_cheat_sheet",
    ],
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("rnnstate",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"rnnstate": None},
    "download_all_examples": True,
    "remove_config_comments": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "matplotlib_animations": False,
    # docs/_ext/reader_install.py fills in each notebook's wheel, command and torch.
    "first_notebook_cell": (
        "# This notebook needs rnnstate. Put {wheel} and constraints.txt (both\n"
        "# linked from its page, and in the zip of all examples) beside it, then run\n"
        "# %{install}\n"
        "# (constraints.txt pins torch {torch}); or, once rnnstate is on PyPI:\n"
        "# %{pypi}"
    ),
}

# -- Translations (Sphinx's gettext; see the contributing page) ---------------
# The English sources are the originals; `-D language=zh_CN` builds the Chinese
# edition from the catalogs in docs/locale/zh_CN/LC_MESSAGES (nox -s translations
# updates them; docs/_ext/editions.py links the two editions). One catalog per page,
# and no source line numbers in them, so that an edit elsewhere on a page does not
# touch its catalog.
language = "en"
locale_dirs = ["locale/"]
gettext_compact = False
gettext_location = False
gettext_uuid = False

# -- HTML ---------------------------------------------------------------------
html_theme = "furo"
html_title = "rnnstate"
html_static_path = ["_static"]
html_css_files = ["rnnstate.css"]
html_favicon = "_static/favicon.svg"
html_theme_options = {
    "light_logo": "logo-light.svg",
    "dark_logo": "logo-dark.svg",
    # "announcement": written by docs/_ext/editions.py, in the build's language.
}
html_context = {"torch_version": TORCH_VERSION}

# -- Search: pages that answer nothing stay out of the index ---------------------
# sphinx-gallery writes an API usage report (sg_api_usage) and index pages (the
# guide's and one per chapter) that repeat the headers and first paragraphs of the
# pages they link to. In the search results they would push the pages that answer
# down, so they are marked ``nosearch``: Sphinx then indexes them with no title and
# no words (sitetests/test_search.py checks it).
NO_SEARCH = re.compile(r"(^|/)sg_api_usage$|^auto_examples/([^/]+/)?index$")

# Rank results by how many query words a page has in its titles, not by its best
# word alone (see the file's header).
html_search_scorer = str(DOCS / "search_scorer.js")


def keep_out_of_search(app: Sphinx, doctree: nodes.document) -> None:
    """Mark a generated page that answers nothing as ``nosearch``."""
    docname = app.env.current_document.docname
    if NO_SEARCH.search(docname):
        app.env.metadata[docname]["nosearch"] = ""


# -- Reach: search engines, previews, 404 -----------------------------------------
# The one place that says where the site is hosted. Each edition has its own base URL,
# by Sphinx language (English at the root of a local build, Chinese in its zh_CN/):
# - on Read the Docs, READTHEDOCS_CANONICAL_URL names the edition being built
#   (.../en/latest/, or .../zh-cn/latest/ for the Chinese translation project), and
#   the other edition is the same URL with Read the Docs' language folder swapped;
# - elsewhere, RNNSTATE_BASE_URL names the English edition (default below); the
#   Chinese one swaps the language folder too, or, for a URL without one, is its zh_CN/.
# The canonical links, the sitemap, the preview cards and the 404 page's links use them.
DEFAULT_BASE_URL = "https://rnnstate.readthedocs.io/en/latest/"
# The editions, with their HTML language codes, are listed once, in docs/_ext/editions.py.
from editions import EDITIONS

EDITION_FOLDERS = {"en": "en", "zh_CN": "zh-cn"}  # Sphinx language -> Read the Docs folder


def edition_urls(url: str) -> dict[str, str]:
    """Give every edition's base URL (by Sphinx language), from the URL of any one."""
    url = url.rstrip("/") + "/"
    for folder in EDITION_FOLDERS.values():
        found = re.search(rf"/{re.escape(folder)}/([^/]+/)?$", url)
        if found:
            host, version = url[: found.start()], found.group(1) or ""
            return {lang: f"{host}/{f}/{version}" for lang, f in EDITION_FOLDERS.items()}
    return {lang: url if lang == "en" else f"{url}{lang}/" for lang in EDITION_FOLDERS}


EDITION_URLS = edition_urls(
    os.environ.get("READTHEDOCS_CANONICAL_URL")
    or os.environ.get("RNNSTATE_BASE_URL")
    or DEFAULT_BASE_URL
)
# The link from each page to the same page in the other edition (docs/_ext/editions.py):
# absolute on Read the Docs, where the editions are two projects; relative elsewhere,
# so that a local build works from file:// too (the 404 page's start at the host's root).
rnnstate_edition_urls = EDITION_URLS
rnnstate_edition_links = "absolute" if os.environ.get("READTHEDOCS_CANONICAL_URL") else "relative"
# This build's edition: English here, its own language once the build knows it (below).
html_baseurl = EDITION_URLS["en"]
sitemap_url_scheme = "{link}"  # html_baseurl is already the edition's full URL
sitemap_locales = [None]  # sitemap_editions writes the alternates of both editions
sitemap_editions = EDITION_URLS
sitemap_hreflang = {edition.language: edition.lang for edition in EDITIONS}
# Pages a search should not land on: the 404 page, the search page, the indexes, the
# highlighted sources and the gallery's API usage report.
sitemap_excludes = [
    "404.html",
    "search.html",
    "genindex.html",
    "py-modindex.html",
    "_modules/*",
    "sg_api_usage.html",
]
ogp_site_name = "rnnstate"
ogp_social_cards = {"enable": False}  # the preview image is the page's own figure
link_preview_site_page = "auto_examples/01_one_layer/output_vs_h_n"
notebook_markup_base_url = EDITION_URLS["en"]  # the notebooks are written in English
# Two clean builds of one commit give the same files: no running times on the pages
# and no computation-time pages (whose numbers differ on every run).
sphinx_gallery_conf["write_computation_times"] = False
sphinx_gallery_conf["min_reported_time"] = float("inf")
# "Related examples" closes each gallery page: the three pages closest to it by the
# words of their text and code. The recommender counts a word's uses over the whole
# gallery, so max_df=100 drops only what every page repeats (torch, output, h_n) and
# keeps the topic words: the packed page then suggests the other variable-length
# pages, the bidirectional page the mistakes made with its final states.
sphinx_gallery_conf["recommender"] = {"enable": True, "n_examples": 3, "min_df": 3, "max_df": 100}


def use_edition_url(app: Sphinx, config: Config) -> None:
    """Point the canonical links, previews and 404 links at this build's edition."""
    base = EDITION_URLS.get(config.language or "en", EDITION_URLS["en"])
    config.html_baseurl = base
    config.ogp_site_url = base
    config.notfound_urls_prefix = urlsplit(base).path


def setup(app: Sphinx) -> None:
    """Connect this file's own hooks."""
    app.connect("doctree-read", keep_out_of_search)
    app.connect("config-inited", use_edition_url)
