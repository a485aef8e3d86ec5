"""A reader with nothing but the served site can install rnnstate and run every download.

``nox -s downloads`` serves the built site on localhost (the ``base_url`` fixture). For
each gallery page, found by glob, these tests fetch the page over HTTP, read its install
note, fetch the wheel and ``constraints.txt`` it links into an empty folder, run the
note's command there in a fresh virtual environment (no checkout on the path, no ``-e``),
and run the page's script and notebook, fetched over HTTP too, in that environment. The
zip of all examples gets the same: unzipped into an empty folder, the command in its
README.txt run there, and every script in it must be the script its page serves, byte
for byte (which the page's test runs).

One command on the same wheel and constraints makes the same environment, so each
distinct one is made once, shared by the pytest-xdist workers (a file lock keeps a
second worker waiting until the first has made it).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import nbformat
import pytest
from filelock import FileLock
from nbclient import NotebookClient

from .conftest import SITE

# Every gallery page of the built site; colleagues add pages, none is listed by hand.
PAGES = sorted(
    path.relative_to(SITE).as_posix()
    for path in SITE.glob("auto_examples/**/*.html")
    if path.name != "index.html"
)
TIMEOUT = 600  # seconds for one install, script or notebook on a slow, shared machine


class PageParser(HTMLParser):
    """Collect a gallery page's install note (links, command) and its download links."""

    def __init__(self) -> None:
        super().__init__()
        self.note_depth = 0  # > 0 inside the install note's <div>
        self.in_pre = False
        self.in_code = False
        self.note_links: list[str] = []
        self.command = ""  # the note's code block
        self.inline: list[str] = []  # the note's inline code
        self.downloads: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Enter the note, a <pre> in it, or record a download link."""
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if self.note_depth and tag == "div":
            self.note_depth += 1
        elif tag == "div" and "rnnstate-install" in classes:
            self.note_depth = 1
        if tag == "pre" and self.note_depth:
            self.in_pre = True
        if tag == "code" and self.note_depth and "download" not in classes:
            self.in_code = True
            self.inline.append("")
        href = values.get("href")
        if tag == "a" and href and "download" in classes:
            (self.note_links if self.note_depth else self.downloads).append(href)

    def handle_endtag(self, tag: str) -> None:
        """Leave a <div> or a <pre>."""
        if tag == "div" and self.note_depth:
            self.note_depth -= 1
        if tag == "pre":
            self.in_pre = False
        if tag == "code":
            self.in_code = False

    def handle_data(self, data: str) -> None:
        """Keep the text of the note's commands."""
        if self.in_pre:
            self.command += data
        if self.in_code:
            self.inline[-1] += data


@dataclass
class Page:
    """What a reader finds on one gallery page: the note's files and command, the downloads."""

    url: str
    command: str
    wheel: str
    constraints: str
    inline: list[str] = field(default_factory=list)  # the note's inline code
    downloads: dict[str, str] = field(default_factory=dict)  # suffix -> URL


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - localhost only
        data: bytes = response.read()
    return data


def save(url: str, folder: Path) -> Path:
    """Fetch ``url`` into ``folder`` under the name it has in the URL."""
    target = folder / url.rsplit("/", 1)[-1]
    target.write_bytes(fetch(url))
    return target


def read_page(base_url: str, page: str) -> Page:
    url = f"{base_url}/{page}"
    parser = PageParser()
    parser.feed(fetch(url).decode())
    links = [urljoin(url, href) for href in parser.note_links]
    wheels = [link for link in links if link.endswith(".whl")]
    constraints = [link for link in links if link.endswith("/constraints.txt")]
    assert len(wheels) == 1, f"{page}: the install note links {links}"
    assert len(constraints) == 1, f"{page}: the install note links {links}"
    downloads = {Path(href).suffix: urljoin(url, href) for href in parser.downloads}
    return Page(url, parser.command.strip(), wheels[0], constraints[0], parser.inline, downloads)


@pytest.fixture(scope="session")
def pages(base_url: str) -> dict[str, Page]:
    return {page: read_page(base_url, page) for page in PAGES}


def python_of(venv: Path) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / "python"


def reader_env() -> dict[str, str]:
    """Give the environment a reader's command runs in: nothing of this checkout on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "MPLBACKEND": "agg"}


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=reader_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def pip_command(command: str) -> list[str]:
    """Split a ``pip install ...`` command of the site into words; refuse anything else."""
    words = shlex.split(command)
    assert words[:2] == ["pip", "install"], f"not a pip command: {command!r}"
    return words


class Environments:
    """Fresh virtual environments, one per install command and files, made as a reader would."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def install(self, command: str, files: Path) -> Path:
        """Make a venv, run ``command`` (``pip install ...``) in ``files``; give its Python.

        The venv is named by the command and the bytes of the files it installs from:
        another test (in any worker) with the same gets the same venv, made once.
        """
        words = pip_command(command)
        key = hashlib.sha256(command.encode())
        for path in sorted(files.iterdir()):
            key.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
        venv = self.root / key.hexdigest()[:12]
        python = python_of(venv)
        with FileLock(f"{venv}.lock"):
            if (venv / "made").is_file():
                return python
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            done = run([str(python), "-m", *words], files)
            assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            # rnnstate comes from the venv: nothing of this checkout is on the path.
            where = run([str(python), "-c", "import rnnstate; print(rnnstate.__file__)"], files)
            assert where.stdout.startswith(str(venv)), where.stdout + where.stderr[-2000:]
            (venv / "made").write_text(command)
        return python

    def kernel(self, python: Path, files: Path) -> str:
        """Register ``python`` as a Jupyter kernel where nbclient looks; give its name."""
        name = "rnnstate-reader-" + python.parents[1].name
        with FileLock(f"{python.parents[1]}.kernel.lock"):
            if (python.parents[1] / "kernel").is_file():
                return name
            # Jupyter is the reader's own: installed after the note's command, pinned too.
            install = ["-m", "pip", "install", "-c", "constraints.txt", "ipykernel"]
            done = run([str(python), *install], files)
            assert done.returncode == 0, done.stderr[-3000:]
            register = ["-m", "ipykernel", "install", "--prefix", sys.prefix, "--name", name]
            done = run([str(python), *register], files)
            assert done.returncode == 0, done.stderr[-3000:]
            (python.parents[1] / "kernel").write_text(name)
        return name


@pytest.fixture(scope="session")
def environments(tmp_path_factory: pytest.TempPathFactory) -> Environments:
    """Give the venvs' folder: one for all pytest-xdist workers of this run."""
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "venvs"
    root.mkdir(exist_ok=True)
    return Environments(root)


def installed_from(page: Page, environments: Environments, folder: Path) -> Path:
    """Fetch the note's wheel and constraints into ``folder``, run its command; give Python."""
    save(page.wheel, folder)
    save(page.constraints, folder)
    return environments.install(page.command, folder)


@pytest.fixture(scope="session", autouse=True)
def environments_made_side_by_side(
    request: pytest.FixtureRequest,
    pages: dict[str, Page],
    environments: Environments,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Have each pytest-xdist worker make a different environment (and its kernel) first.

    Otherwise both workers start on pages of the same command, and one waits for the
    other's ``pip install`` for most of a minute, then again for the next environment.
    Of the distinct environments that the selected pages' tests need, a worker makes
    every ``count``-th, counting from its number; the tests then find them made (or wait
    on the file lock for the other worker's). The rest are made when first needed.
    """
    needed: dict[str, Page] = {}  # command -> a page whose note runs it
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "environments" in getattr(item, "fixturenames", ()):
            page = pages[callspec.params["page"]]
            needed.setdefault(page.command, page)
    number = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    for page in list(needed.values())[number::count]:
        files = tmp_path_factory.mktemp("files")
        environments.kernel(installed_from(page, environments, files), files)


def test_the_site_has_gallery_pages(site: Path) -> None:
    assert len(PAGES) >= 13, PAGES


def test_every_page_links_one_wheel_and_the_constraints(pages: dict[str, Page]) -> None:
    assert {page.wheel for page in pages.values()} == {next(iter(pages.values())).wheel}
    for name, page in pages.items():
        wheel = page.wheel.rsplit("/", 1)[-1]
        assert page.command.startswith(f'pip install -c constraints.txt "{wheel}'), name
        assert {".py", ".ipynb", ".zip"} <= set(page.downloads), name


@pytest.mark.parametrize("page", PAGES)
def test_the_page_script_runs_after_the_install_note_s_command(
    page: str, pages: dict[str, Page], environments: Environments, tmp_path: Path
) -> None:
    found = pages[page]
    (tmp_path / "files").mkdir()
    python = installed_from(found, environments, tmp_path / "files")
    script = save(found.downloads[".py"], tmp_path)
    done = run([str(python), script.name], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("page", PAGES)
def test_the_page_notebook_runs_in_a_kernel_of_that_environment(
    page: str, pages: dict[str, Page], environments: Environments, tmp_path: Path
) -> None:
    found = pages[page]
    (tmp_path / "files").mkdir()
    python = installed_from(found, environments, tmp_path / "files")
    kernel = environments.kernel(python, tmp_path / "files")
    notebook = save(found.downloads[".ipynb"], tmp_path)
    nb = nbformat.read(notebook, as_version=4)  # type: ignore[no-untyped-call]
    assert found.command in nb.cells[0].source  # the first cell says the same
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=TIMEOUT, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(o.get("output_type") == "stream" for o in outputs)


def test_the_page_zip_holds_the_script_the_notebook_and_what_installs_them(
    pages: dict[str, Page], tmp_path: Path
) -> None:
    for name, page in pages.items():
        archive = save(page.downloads[".zip"], tmp_path)
        with zipfile.ZipFile(archive) as zipped:
            names = set(zipped.namelist())
            readme = zipped.read("README.txt").decode()
        stem = Path(name).stem
        wheel = page.wheel.rsplit("/", 1)[-1]
        assert names == {f"{stem}.py", f"{stem}.ipynb", wheel, "constraints.txt", "README.txt"}
        assert f"    {page.command}\n" in readme


def test_the_command_works_from_the_links_too(
    pages: dict[str, Page], environments: Environments, tmp_path: Path
) -> None:
    # The note's second way: the two links instead of the files, pip's "name @ URL" form.
    page = pages[PAGES[0]]
    (tmp_path / "files").mkdir()
    python = installed_from(page, environments, tmp_path / "files")
    (command,) = [
        code.replace("<constraints link>", page.constraints).replace("<wheel link>", page.wheel)
        for code in page.inline
        if code.startswith("pip install -c <constraints link> ")
    ]
    report = tmp_path / "report.json"
    resolve = ["--dry-run", "--ignore-installed", "--quiet", "--report", str(report)]
    done = run([str(python), "-m", *shlex.split(command), *resolve], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    chosen = {item["metadata"]["name"]: item for item in json.loads(report.read_text())["install"]}
    assert chosen["rnnstate"]["download_info"]["url"] == page.wheel
    assert "matplotlib" in chosen  # the page's extra


@pytest.fixture(scope="session")
def unzipped(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Fetch the zip of all examples over HTTP and unzip it into an empty folder."""
    parser = PageParser()
    index = f"{base_url}/auto_examples/index.html"
    parser.feed(fetch(index).decode())
    (link,) = [href for href in parser.downloads if href.endswith("_python.zip")]
    folder = tmp_path_factory.mktemp("all-examples")
    archive = save(urljoin(index, link), tmp_path_factory.mktemp("zip"))
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(folder)
    return folder


@pytest.fixture(scope="session")
def unzipped_python(unzipped: Path, environments: Environments) -> Path:
    """Run the command of the zip's README.txt in the unzipped folder; give the venv's Python."""
    lines = (unzipped / "README.txt").read_text().splitlines()
    (command,) = [line.strip() for line in lines if line.strip().startswith("pip install")]
    files = unzipped.parent / "zip-files"
    files.mkdir(exist_ok=True)
    for name in ("constraints.txt", *(p.name for p in unzipped.glob("*.whl"))):
        shutil.copy(unzipped / name, files / name)
    python = environments.install(command, files)  # the venv of a page with that command
    # The command itself, from the unzipped folder, into that venv: it must work there.
    done = run([str(python), "-m", *pip_command(command)], unzipped)
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
    return python


def test_the_zips_command_installs_rnnstate_from_the_unzipped_folder(
    unzipped_python: Path, unzipped: Path
) -> None:
    done = run(
        [str(unzipped_python), "-c", "import rnnstate; print(rnnstate.__version__)"], unzipped
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = unzipped.glob("rnnstate-*.whl")
    assert done.stdout.strip() == wheel.name.split("-")[1]


@pytest.mark.parametrize("page", PAGES)
def test_each_script_of_the_unzipped_examples_is_the_one_its_page_serves(
    page: str, unzipped: Path, pages: dict[str, Page]
) -> None:
    # The page's script runs in test_the_page_script_runs_after_the_install_note_s_command.
    script = Path(page).relative_to("auto_examples").with_suffix(".py")
    assert (unzipped / script).is_file(), sorted(p.name for p in unzipped.rglob("*"))
    assert (unzipped / script).read_bytes() == fetch(pages[page].downloads[".py"])


def test_the_notebook_zip_holds_every_notebook_and_what_installs_them(
    base_url: str, tmp_path: Path
) -> None:
    parser = PageParser()
    index = f"{base_url}/auto_examples/index.html"
    parser.feed(fetch(index).decode())
    (link,) = [href for href in parser.downloads if href.endswith("_jupyter.zip")]
    with zipfile.ZipFile(save(urljoin(index, link), tmp_path)) as zipped:
        names = set(zipped.namelist())
    notebooks = {
        str(Path(page).relative_to("auto_examples").with_suffix(".ipynb")) for page in PAGES
    }
    assert notebooks <= names
    assert {"constraints.txt", "README.txt"} <= names
    assert len([name for name in names if name.endswith(".whl")]) == 1
