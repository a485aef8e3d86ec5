"""Serve readers what they install: the rnnstate wheel, the pinned constraints, one command.

A reader of the site has no clone of this project. At the start of every build this
extension builds the wheel of the checkout being documented (``python -m build --wheel
--no-isolation``: no network; built again only when a file that goes into it changed), and
then, for each gallery page:

- reads which extras the example needs from what it imports (``reader_install_extras``
  maps an imported name to the extra that installs it);
- puts a short install note above the page's download links: it links the wheel and
  ``constraints.txt`` (Sphinx copies both into ``_downloads/``) and gives the one command
  that installs them, ``pip install -c constraints.txt "rnnstate-<version>-...whl[plot]"``;
- writes that command into the first cell of the page's notebook (``first_notebook_cell``
  in ``conf.py`` is its template);
- adds the wheel, the constraints and a ``README.txt`` holding the command to the page's
  zip and to the zips of all examples, so that each runs after unzipping.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import HeaderParser
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as installed_version
from pathlib import Path

from docutils import nodes
from packaging.requirements import Requirement
from packaging.version import Version
from shared import messages, untranslatable
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

# An imported name (a module, or a module's attribute) -> the extra of rnnstate that
# installs what it needs. Every gallery page draws with rnnstate.plot_unrolled.
EXTRAS = {
    "matplotlib": "plot",
    "numpy": "plot",  # matplotlib depends on it
    "rnnstate.drawing": "plot",
    "rnnstate.plot_unrolled": "plot",
    "keras": "keras",
}
# What ``pip install rnnstate`` brings without any extra.
PROVIDED = {"rnnstate", "torch"}
# Files whose content goes into the wheel (beside the package folder).
WHEEL_INPUTS = ("pyproject.toml", "README.md", "LICENSE")
# Zip members are dated this way so that the same inputs give the same zip, or by
# SOURCE_DATE_EPOCH where a reproducible build sets it.
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


def wheel_digest(root: Path, package: str = "rnnstate") -> str:
    """Hash every file that goes into the wheel, so that an unchanged one is not rebuilt."""
    files = [root / name for name in WHEEL_INPUTS]
    files += [
        path
        for path in (root / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]
    try:  # a new backend may build a different wheel from the same files
        backend = installed_version("hatchling")
    except PackageNotFoundError:
        backend = "missing"  # python -m build then says what is missing
    digest = hashlib.sha256(backend.encode())
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"missing")
    return digest.hexdigest()


def build_wheel(root: Path, folder: Path) -> Path:
    """Build the wheel of the project at ``root`` into ``folder``, unless it is there already.

    Raises
    ------
    ExtensionError
        When the project cannot be built; the message holds the builder's last lines.
    """
    stamp = folder / "inputs.sha256"
    digest = wheel_digest(root)
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) == 1 and stamp.is_file() and stamp.read_text() == digest:
        return wheels[0]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # The interpreter running Sphinx, whose build and hatchling come from constraints.txt.
    done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", folder, root],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        raise ExtensionError(
            f"reader_install: could not build the wheel of {root} that the site serves:\n"
            + "\n".join(tail)
        )
    stamp.write_text(digest)
    return wheels[0]


def wheel_extras(wheel: Path) -> list[str]:
    """List the extras that the wheel's metadata declares (``Provides-Extra``)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = HeaderParser().parsestr(archive.read(name).decode())
    return metadata.get_all("Provides-Extra") or []


def imported_names(source: str) -> tuple[set[str], set[str]]:
    """Give the top-level modules a script imports, and every name it uses from them.

    A name is a module (``torch.nn``), a name imported from one (``torch.nn.GRU``) or an
    attribute of an imported module (``rnnstate.plot_unrolled``).
    """
    tree = ast.parse(source)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    modules = {name.split(".")[0] for name in names}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            names.add(f"{node.value.id}.{node.attr}")
    return modules, names


@dataclass(frozen=True)
class Needs:
    """What a script needs installed: rnnstate's extras, and imports that nothing installs."""

    extras: tuple[str, ...]
    unknown: tuple[str, ...]


def needs(source: str, extras: dict[str, str]) -> Needs:
    """Find the extras a script needs (in the order of ``extras``) and imports none provide."""
    modules, names = imported_names(source)
    wanted = {extras[name] for name in names if name in extras}
    known = PROVIDED | set(sys.stdlib_module_names) | set(extras)
    order = list(dict.fromkeys(extras.values()))
    return Needs(
        extras=tuple(sorted(wanted, key=order.index)),
        unknown=tuple(sorted(modules - known)),
    )


def install_command(wheel: str, extras: tuple[str, ...]) -> str:
    """Give the one command that installs the wheel with these extras, pinned."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    return f'pip install -c constraints.txt "{wheel}{suffix}"'


def url_command(extras: tuple[str, ...]) -> str:
    """Give the command with the two links in place of the files (pip wants ``name @ URL``)."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    return f'pip install -c <constraints link> "rnnstate{suffix} @ <wheel link>"'


def pypi_command(extras: tuple[str, ...]) -> str:
    """Give the same command for PyPI, once rnnstate is published there."""
    suffix = f"[{','.join(extras)}]" if extras else ""
    return f'pip install "rnnstate{suffix}"'


def torch_pin(constraints: Path) -> str:
    """Read the version that ``constraints.txt`` pins torch to."""
    for line in constraints.read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if text and Requirement(text).name == "torch":
            (spec,) = Requirement(text).specifier
            return spec.version
    raise ExtensionError(f"reader_install: {constraints} does not pin torch")


def install_note(
    doc_dir: Path,
    wheel: Path,
    constraints: Path,
    extras: tuple[str, ...],
    torch: str,
    _: Callable[[str], str] = str,
) -> str:
    """Write a page's install note in reST; ``doc_dir`` is the page's source folder.

    ``_`` translates its sentences (``shared.messages``); the note is wrapped in
    ``rnnstate-generated``, which keeps it out of the page's own catalog.
    """
    wheel_link = Path(os.path.relpath(wheel, doc_dir)).as_posix()
    constraints_link = Path(os.path.relpath(constraints, doc_dir)).as_posix()
    download = _(
        "Download {wheel} and {constraints} next to the script or notebook below; "
        "then, in a fresh environment:"
    ).format(
        wheel=f":download:`{wheel.name} <{wheel_link}>`",
        constraints=f":download:`constraints.txt <{constraints_link}>`",
    )
    pins = _(
        "The constraints pin torch {torch}, which ran this page. Without downloading, give "
        "pip the links: {url_command}. Once rnnstate is on PyPI, {pypi_command} installs it "
        "from there."
    ).format(
        torch=torch,
        url_command=f"``{url_command(extras)}``",
        pypi_command=f"``{pypi_command(extras)}``",
    )
    title = _("Run this page yourself")
    return f"""
.. rnnstate-generated::

   .. admonition:: {title}
      :class: rnnstate-install

      {download}

      .. code-block:: shell

         {install_command(wheel.name, extras)}

      {pins}

"""


class Generated(SphinxDirective):
    """``.. rnnstate-generated::``: reST written (and translated) by an extension.

    Its text is in the build's language already, so it stays out of the pages' catalogs.
    """

    has_content = True

    def run(self) -> list[nodes.Node]:
        """Parse the content and mark every text in it as not for the catalogs."""
        container = nodes.container()
        self.state.nested_parse(self.content, self.content_offset, container)
        untranslatable(container)
        return list(container.children)


def readme(command: str, torch: str) -> str:
    """Write the README.txt of a zip: how to run what is in it."""
    return (
        "Examples of the rnnstate guide, with the rnnstate wheel the guide was built with\n"
        f"and constraints.txt, which pins torch {torch} (the torch that ran them).\n\n"
        "In a fresh virtual environment, in this folder:\n\n"
        f"    {command}\n\n"
        "then run any script with python, or open any notebook in Jupyter.\n"
    )


def set_first_cell(notebook: Path, text: str) -> None:
    """Put ``text`` into the notebook's first cell (sphinx-gallery's first_notebook_cell)."""
    import json

    content = json.loads(notebook.read_text())
    cell = content["cells"][0]
    if cell["cell_type"] != "code":
        raise ExtensionError(f"reader_install: {notebook} does not start with a code cell")
    if cell["source"] != [text]:
        cell["source"] = [text]
        notebook.write_text(json.dumps(content, indent=2))


def rewrite_zip(archive: Path, folder: Path, added: dict[str, bytes]) -> None:
    """Rewrite a sphinx-gallery zip from the current files in ``folder``, plus ``added``.

    Its members are read again from ``folder`` (where sphinx-gallery zipped them from),
    so that each notebook carries its rewritten first cell. What an earlier build added
    (an older wheel, say) is dropped first.
    """
    with zipfile.ZipFile(archive) as old:
        names = [name for name in old.namelist() if not _ours(name)]
    members = {name: (folder / name).read_bytes() for name in names}
    members.update(added)
    new = archive.with_name(archive.name + ".tmp")
    with zipfile.ZipFile(new, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(zipfile.ZipInfo(name, date_time=zip_date()), data)
    digest = hashlib.sha256(new.read_bytes()).hexdigest()
    new.replace(archive)
    keep_date_if_unchanged(archive, digest)


def keep_date_if_unchanged(archive: Path, digest: str) -> None:
    """Give a rewritten zip the date it had when it last held the same bytes.

    sphinx-gallery writes each zip again on every build (without what this extension
    adds), and Sphinx reads a page again when a file it links is newer than the page:
    without this, every gallery page would be read and written again on a build in
    which nothing changed. ``<zip>.written`` records the digest and date of the zip
    this extension last wrote.
    """
    record = archive.with_name(archive.name + ".written")
    previous = record.read_text().split() if record.is_file() else []
    if len(previous) == 2 and previous[0] == digest and previous[1].isdigit():
        os.utime(archive, ns=(int(previous[1]), int(previous[1])))
    else:
        record.write_text(f"{digest} {archive.stat().st_mtime_ns}\n")


def zip_date() -> tuple[int, int, int, int, int, int]:
    """Give the date of every zip member: SOURCE_DATE_EPOCH (UTC) if set, else ZIP_DATE."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not epoch:
        return ZIP_DATE
    # A zip cannot date anything before 1980 (its epoch).
    year, month, day, hour, minute, second = time.gmtime(max(int(epoch), 315532800))[:6]
    return (year, month, day, hour, minute, second)


def _ours(name: str) -> bool:
    """Whether a zip member is one that this extension adds."""
    return name in ("constraints.txt", "README.txt") or ("/" not in name and name.endswith(".whl"))


@dataclass
class Page:
    """A gallery page: its script in the sources, and what it needs installed."""

    docname: str
    script: Path
    needs: Needs


class ReaderInstall:
    """The build's wheel and constraints, and each gallery page's needs."""

    def __init__(self, app: Sphinx) -> None:
        """Build the wheel and read every gallery page's needs."""
        root = Path(app.config.reader_install_root or Path(app.confdir).parent)
        if not (root / "pyproject.toml").is_file():
            raise ExtensionError(
                f"reader_install: no pyproject.toml in {root}: the site serves the wheel "
                "built from the checkout it documents (set reader_install_root)"
            )
        self.srcdir = Path(app.srcdir)
        self.constraints = root / "constraints.txt"
        self.torch = torch_pin(self.constraints)
        built = installed_version("torch")
        if Version(built).public != Version(self.torch).public:
            logger.warning(
                f"the site says its pages ran with torch {self.torch} (constraints.txt), "
                f"but this build runs torch {built}",
                type="rnnstate",
                subtype="install",
            )
        self.wheel = build_wheel(root, Path(app.doctreedir) / "reader_install")
        self.provided = wheel_extras(self.wheel)
        self.extras: dict[str, str] = app.config.reader_install_extras
        self.template: str = app.config.sphinx_gallery_conf.get("first_notebook_cell") or ""
        self.galleries = _gallery_dirs(app)
        self._ = messages(app.config.language)
        self.pages = {page.docname: page for page in self._pages()}

    def _pages(self) -> list[Page]:
        pages = []
        for gallery in self.galleries:
            for script in sorted(gallery.rglob("*.py")):
                if script.with_suffix(".rst").is_file():
                    docname = script.with_suffix("").relative_to(self.srcdir).as_posix()
                    pages.append(Page(docname, script, needs(script.read_text(), self.extras)))
        for page in pages:
            self._check(page)
        return pages

    def _check(self, page: Page) -> None:
        for module in page.needs.unknown:
            logger.warning(
                f"the example imports {module!r}, which neither rnnstate nor one of its "
                "extras installs: add it to reader_install_extras",
                location=page.docname,
                type="rnnstate",
                subtype="install",
            )
        for extra in page.needs.extras:
            if extra not in self.provided:
                logger.warning(
                    f"the example needs rnnstate's extra {extra!r}, which the wheel does not "
                    "declare: add it to [project.optional-dependencies] in pyproject.toml",
                    location=page.docname,
                    type="rnnstate",
                    subtype="install",
                )

    def command(self, extras: tuple[str, ...]) -> str:
        """Give the install command of the site's wheel with these extras."""
        return install_command(self.wheel.name, extras)

    def note(self, page: Page) -> str:
        """Write the install note of one page, in the build's language."""
        doc_dir = (self.srcdir / page.docname).parent
        extras = page.needs.extras
        return install_note(doc_dir, self.wheel, self.constraints, extras, self.torch, self._)

    def first_cell(self, extras: tuple[str, ...]) -> str:
        """Write the first cell of a notebook that needs these extras."""
        return self.template.format(
            wheel=self.wheel.name,
            install=self.command(extras),
            pypi=pypi_command(extras),
            torch=self.torch,
        )

    def package_downloads(self) -> None:
        """Write each notebook's first cell; add the wheel and constraints to each zip."""
        for page in self.pages.values():
            notebook = page.script.with_suffix(".ipynb")
            if self.template and notebook.is_file():
                set_first_cell(notebook, self.first_cell(page.needs.extras))
            archive = page.script.with_suffix(".zip")
            if archive.is_file():
                rewrite_zip(archive, archive.parent, self._added(page.needs.extras))
        everything = tuple(
            dict.fromkeys(e for page in self.pages.values() for e in page.needs.extras)
        )
        for gallery in self.galleries:
            for kind in ("python", "jupyter"):
                archive = gallery / f"{gallery.name}_{kind}.zip"
                if archive.is_file():
                    rewrite_zip(archive, gallery, self._added(everything))

    def _added(self, extras: tuple[str, ...]) -> dict[str, bytes]:
        return {
            self.wheel.name: self.wheel.read_bytes(),
            "constraints.txt": self.constraints.read_bytes(),
            "README.txt": readme(self.command(extras), self.torch).encode(),
        }


def _gallery_dirs(app: Sphinx) -> list[Path]:
    conf = app.config.sphinx_gallery_conf
    dirs = conf["gallery_dirs"]
    return [Path(app.srcdir, d) for d in ([dirs] if isinstance(dirs, str) else dirs)]


_STATE: dict[str, ReaderInstall] = {}


def prepare(app: Sphinx) -> None:
    """After sphinx-gallery wrote the gallery: build the wheel, fix notebooks and zips."""
    state = ReaderInstall(app)
    state.package_downloads()
    _STATE["build"] = state


def add_install_note(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put the install note just above a gallery page's download links."""
    page = _STATE["build"].pages.get(docname)
    marker = f".. _sphx_glr_download_{docname.replace('/', '_')}.py:"
    if page is not None and marker in source[0]:
        source[0] = source[0].replace(marker, _STATE["build"].note(page) + marker, 1)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Build and serve the wheel; run after sphinx-gallery's builder-inited (priority 500)."""
    app.add_config_value("reader_install_root", None, "env", types=frozenset({str, type(None)}))
    app.add_config_value("reader_install_extras", EXTRAS, "env", types=frozenset({dict}))
    app.connect("builder-inited", prepare, priority=600)
    app.connect("source-read", add_install_note)
    app.add_directive("rnnstate-generated", Generated)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
