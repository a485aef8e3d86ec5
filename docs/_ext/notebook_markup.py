"""Rewrite the Sphinx markup left in the gallery's notebooks into Markdown a notebook renders.

sphinx-gallery turns each example's text cells into Markdown, but leaves Sphinx's roles
as they are: a reader who opens a downloaded notebook sees ":func:`rnnstate.check`", and
a ``:ref:`` to another page becomes its label in backticks. This extension rewrites
every notebook of the gallery right after sphinx-gallery wrote it (``builder-inited``,
before ``reader_install`` puts the notebooks into the zips), so that the pages' download
links and the zips serve the same, rewritten notebooks:

- a role naming an ``rnnstate`` object links to its entry on the hosted API page
  (``notebook_markup_base_url``, the English edition), with the name as code;
- a role naming another object links to its documentation where an intersphinx
  inventory lists it, else stays as code;
- ``:doc:`` and a ``:ref:`` to a gallery page link to the hosted page;
- ``:download:`` and ``:term:`` keep their text.

Anything else (another role, a directive) is reported as a warning naming the notebook,
so that the strict build fails until this extension learns its plain form.
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

# ``:func:`text <target>``` or ``:py:func:`~target``` (the text may span lines).
ROLE = re.compile(r":(?:(?P<domain>[a-z]+):)?(?P<role>[a-z]+):`(?P<body>[^`]+)`")
# What sphinx-gallery leaves of a ``:ref:``: the role is dropped, the backticks stay.
GALLERY_REF = re.compile(r"(?<![`\w])`(?P<body>[^`]*?\bsphx_glr_\w+?\.py>?)`(?!`)")
DIRECTIVE = re.compile(r"^\s*\.\. [\w:-]+::", re.MULTILINE)
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)

# A Python role -> the intersphinx object types it may name, best first.
PY_ROLES = {
    "func": ("py:function", "py:method"),
    "meth": ("py:method", "py:function"),
    "class": ("py:class", "py:exception"),
    "exc": ("py:exception", "py:class"),
    "attr": ("py:attribute", "py:property", "py:data"),
    "data": ("py:data", "py:attribute"),
    "const": ("py:data", "py:attribute"),
    "mod": ("py:module",),
    "obj": ("py:function", "py:class", "py:method", "py:attribute", "py:data", "py:module"),
}
CALLABLE = {"func", "meth"}


class Resolver:
    """Give the plain Markdown of a role: links to the hosted site, or code."""

    def __init__(self, base_url: str, pages: dict[str, str], inventory: dict[str, Any]) -> None:
        """Hold the hosted site's URL, page titles by docname, and intersphinx's objects."""
        self.base_url = base_url
        self.pages = pages
        self.inventory = inventory

    def page_link(self, docname: str, text: str | None) -> str | None:
        """Link a page of the site by its docname, titled ``text`` or by its own title."""
        if docname not in self.pages:
            return None
        return f"[{text or self.pages[docname]}]({self.base_url}{docname}.html)"

    def python(self, role: str, body: str) -> str:
        """Write a Python role as a link to its documentation, with the name as code."""
        match = EXPLICIT.match(body)
        text, target = (match["text"], match["target"]) if match else (None, body)
        target = target.lstrip("~.")
        if text is None:
            text = target.rsplit(".", 1)[-1] if body.startswith("~") else target
            text += "()" if role in CALLABLE else ""
        url = self.url_of(role, target)
        return f"[`{text}`]({url})" if url else f"`{text}`"

    def url_of(self, role: str, target: str) -> str | None:
        """Find where an object is documented: the site's API page, or an inventory."""
        if target == "rnnstate":
            return f"{self.base_url}api.html#module-rnnstate"
        if target.startswith("rnnstate."):
            return f"{self.base_url}api.html#{target}"
        for objtype in PY_ROLES[role]:
            item = self.inventory.get(objtype, {}).get(target)
            if item is not None:
                return str(item.uri if hasattr(item, "uri") else item[2])
        return None

    def doc(self, body: str, docname: str) -> str | None:
        """Write a ``:doc:`` role as a link to the hosted page."""
        match = EXPLICIT.match(body)
        text, target = (match["text"], match["target"]) if match else (None, body)
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(docname), target))
        return self.page_link(resolved, text)

    def gallery_ref(self, body: str) -> str | None:
        """Write a reference to a gallery page's label as a link to the hosted page."""
        match = EXPLICIT.match(body)
        text, label = (match["text"], match["target"]) if match else (None, body)
        for docname in self.pages:
            if label == f"sphx_glr_{docname.replace('/', '_')}.py":
                return self.page_link(docname, text)
        return None


def rewrite_markdown(text: str, docname: str, resolver: Resolver) -> tuple[str, list[str]]:
    """Rewrite one Markdown cell; give the new text and what could not be rewritten."""
    problems: list[str] = []

    def role(match: re.Match[str]) -> str:
        name, body = match["role"], " ".join(match["body"].split())
        plain: str | None = None
        if match["domain"] in (None, "py") and name in PY_ROLES:
            plain = resolver.python(name, body)
        elif name == "doc":
            plain = resolver.doc(body, docname)
        elif name == "ref":
            plain = resolver.gallery_ref(body)
        elif name in ("download", "term"):
            explicit = EXPLICIT.match(body)
            plain = explicit["text"] if explicit else body
        if plain is None:
            problems.append(match[0])
            return match[0]
        return plain

    def gallery_ref(match: re.Match[str]) -> str:
        plain = resolver.gallery_ref(" ".join(match["body"].split()))
        if plain is None:
            problems.append(match[0])
            return match[0]
        return plain

    text = ROLE.sub(role, text)
    text = GALLERY_REF.sub(gallery_ref, text)
    problems += [m[0].strip() for m in DIRECTIVE.finditer(text)]
    return text, problems


def rewrite_notebook(notebook: Path, docname: str, resolver: Resolver) -> list[str]:
    """Rewrite a notebook's Markdown cells in place (only if they change); list problems."""
    content = json.loads(notebook.read_text())
    problems: list[str] = []
    changed = False
    for cell in content["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        new, found = rewrite_markdown(source, docname, resolver)
        problems += found
        if new != source:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        notebook.write_text(json.dumps(content, indent=2))
    return problems


def page_title(source: Path) -> str:
    """Read a page's title from its source: Markdown, reST or a gallery script."""
    lines = [line.strip() for line in source.read_text(encoding="utf-8").splitlines()]
    for number, line in enumerate(lines):
        if source.suffix == ".md" and line.startswith("# "):
            return line[2:].strip()
        underline = lines[number + 1] if number + 1 < len(lines) else ""
        if line and underline and set(underline) <= set("=-~^*#") and len(underline) >= 3:
            return line.removeprefix('r"""').removeprefix('"""').strip()
    return source.stem


def site_pages(srcdir: Path, suffixes: tuple[str, ...]) -> dict[str, str]:
    """Give every page of the sources (docname -> title), gallery pages included."""
    pages: dict[str, str] = {}
    for path in sorted(srcdir.rglob("*")):
        parts = path.relative_to(srcdir).parts
        if path.suffix not in suffixes or any(p.startswith(("_", ".")) for p in parts):
            continue
        docname = path.relative_to(srcdir).with_suffix("").as_posix()
        script = path.with_suffix(".py")
        pages[docname] = page_title(script if script.is_file() else path)
    return pages


def rewrite_gallery_notebooks(app: Sphinx) -> None:
    """Rewrite every notebook of the gallery that sphinx-gallery has just written."""
    conf = app.config.sphinx_gallery_conf
    dirs = conf["gallery_dirs"]
    srcdir = Path(app.srcdir)
    resolver = Resolver(
        app.config.notebook_markup_base_url or app.config.html_baseurl or "",
        site_pages(srcdir, tuple(app.config.source_suffix)),
        getattr(app.env, "intersphinx_inventory", {}),
    )
    for gallery in [dirs] if isinstance(dirs, str) else dirs:
        for notebook in sorted((srcdir / gallery).rglob("*.ipynb")):
            docname = notebook.relative_to(srcdir).with_suffix("").as_posix()
            for problem in rewrite_notebook(notebook, docname, resolver):
                logger.warning(
                    f"notebook_markup: no plain Markdown for {problem!r} in {notebook.name}; "
                    "a notebook would show it raw (teach docs/_ext/notebook_markup.py its form)",
                    location=docname,
                    type="rnnstate",
                    subtype="notebook",
                )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Rewrite notebooks after sphinx-gallery (500), before reader_install's zips (600)."""
    app.add_config_value("notebook_markup_base_url", "", "env", types=frozenset({str}))
    app.connect("builder-inited", rewrite_gallery_notebooks, priority=550)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
