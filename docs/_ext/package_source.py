"""Give viewcode rnnstate's source by reading it, not by importing it (and torch)."""

from __future__ import annotations

from typing import Any

from shared import package_root
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.typing import ExtensionMetadata


def find_package_source(app: Sphinx, modname: str) -> tuple[str, dict[str, Any]] | None:
    """Read ``rnnstate.*`` modules' source for viewcode; leave other modules to it."""
    top, _, rest = modname.partition(".")
    root = package_root("rnnstate")
    if top != "rnnstate" or root is None:
        return None
    path = root / (rest.replace(".", "/") + ".py" if rest else "__init__.py")
    code = path.read_text()
    return code, ModuleAnalyzer.for_string(code, modname).find_tags()


def setup(app: Sphinx) -> ExtensionMetadata:
    """Answer viewcode's question for rnnstate's modules."""
    app.setup_extension("sphinx.ext.viewcode")
    app.connect("viewcode-find-source", find_package_source)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
