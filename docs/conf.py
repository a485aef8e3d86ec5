"""Sphinx configuration: furo, MyST pages, and a gallery executed at build time."""

from __future__ import annotations

import platform
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

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
    "rnnstate_docs",  # docs/_ext: tables verified at build time
    "fresh_gallery",  # docs/_ext: re-run examples whose package, torch or pins changed
    "reader_install",  # docs/_ext: the wheel and pins readers install, and install notes
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "inventories", "data", "Thumbs.db", ".DS_Store"]
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
napoleon_type_aliases = {"sequence": ":term:`sequence`"}

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
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("rnnstate",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"rnnstate": None},
    "download_all_examples": True,
    "remove_config_comments": True,
    "capture_repr": ("_repr_html_", "__repr__"),
    "matplotlib_animations": False,
    "min_reported_time": 1,
    # docs/_ext/reader_install.py fills in each notebook's wheel, command and torch.
    "first_notebook_cell": (
        "# This notebook needs rnnstate. Put {wheel} and constraints.txt (both\n"
        "# linked from its page, and in the zip of all examples) beside it, then run\n"
        "# %{install}\n"
        "# (constraints.txt pins torch {torch}); or, once rnnstate is on PyPI:\n"
        "# %{pypi}"
    ),
}

# -- HTML ---------------------------------------------------------------------
html_theme = "furo"
html_title = "rnnstate"
html_static_path = ["_static"]
html_css_files = ["rnnstate.css"]
html_favicon = "_static/favicon.svg"
html_theme_options = {
    "light_logo": "logo-light.svg",
    "dark_logo": "logo-dark.svg",
    "announcement": (
        f"Every output on this site was produced while it was built, by PyTorch "
        f"{TORCH_VERSION} on {platform.machine()} CPU, Python {platform.python_version()}."
    ),
}
html_context = {"torch_version": TORCH_VERSION}
