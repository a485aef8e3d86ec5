"""Re-run a gallery example whenever anything it depends on changes, and only then.

sphinx-gallery re-runs an example when the example file changes (it keeps an MD5
of it next to the generated copy). Its output also depends on the ``rnnstate``
package it imports, on the torch that runs it and on the pinned constraints; a
change to any of those would leave stale outputs on the site. Before
sphinx-gallery looks at its MD5s, this extension computes a fingerprint of each
example's inputs, keeps it in a ``.deps`` file beside the MD5, and deletes the
MD5 of every example whose fingerprint changed, which makes sphinx-gallery run
that example again. Examples whose inputs did not change are left alone.
"""

from __future__ import annotations

import ast
import hashlib
import platform
from importlib.metadata import version as installed_version
from pathlib import Path

from shared import package_digest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

# Local packages whose source an example's output depends on when it imports them.
TRACKED_PACKAGES = ("rnnstate",)


def imported_packages(source: str) -> set[str]:
    """Give the top-level names an example imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def fingerprint(example: Path, constraints: Path, packages: dict[str, str]) -> str:
    """Hash everything the example's output depends on."""
    source = example.read_text()
    parts = [
        f"torch {installed_version('torch')}",
        f"python {platform.python_version()}",
        "constraints " + hashlib.sha256(constraints.read_bytes()).hexdigest()
        if constraints.is_file()
        else "no constraints",
        "example " + hashlib.sha256(source.encode()).hexdigest(),
    ]
    parts += [
        f"{name} {packages[name]}" for name in sorted(imported_packages(source) & set(packages))
    ]
    return "\n".join(parts) + "\n"


def invalidate_changed_examples(app: Sphinx) -> None:
    """Delete the MD5 of each example whose inputs changed since its last run."""
    conf = app.config.sphinx_gallery_conf
    examples_dirs = conf["examples_dirs"]
    gallery_dirs = conf["gallery_dirs"]
    if isinstance(examples_dirs, str):
        examples_dirs, gallery_dirs = [examples_dirs], [gallery_dirs]
    constraints = Path(app.confdir).parent / "constraints.txt"
    packages = {name: package_digest(name) for name in TRACKED_PACKAGES}
    stale = 0
    would_run: list[str] = []
    # A translated edition shows the English build's executed gallery: it runs nothing.
    translated = (app.config.language or "en") != "en"
    for examples, gallery in zip(examples_dirs, gallery_dirs, strict=True):
        src_root = Path(app.confdir, examples).resolve()
        out_root = Path(app.srcdir, gallery)
        for example in sorted(src_root.rglob("*.py")):
            target = out_root / example.relative_to(src_root)
            deps = Path(f"{target}.deps")
            current = fingerprint(example, constraints, packages)
            if deps.is_file() and deps.read_text() == current:
                if not Path(f"{target}.md5").is_file():
                    would_run.append(example.name)  # never ran through
                continue
            would_run.append(example.name)
            if translated:
                continue
            Path(f"{target}.md5").unlink(missing_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            deps.write_text(current)
            stale += 1
    if translated and would_run:
        raise ExtensionError(
            f"fresh_gallery: the {app.config.language} edition reuses the executed gallery of "
            f"the English build, but these examples have not run with their current inputs: "
            f"{', '.join(would_run)}. Build the English edition first (nox -s docs builds both)."
        )
    logger.info(f"fresh_gallery: {stale} example(s) with changed inputs will run")


def setup(app: Sphinx) -> ExtensionMetadata:
    """Run before sphinx-gallery generates the gallery (its handler has priority 500)."""
    app.connect("builder-inited", invalidate_changed_examples, priority=400)
    # Pages computed at build time depend on torch too: a new torch re-reads them all.
    app.add_config_value("rnnstate_torch_version", installed_version("torch"), "env")
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
