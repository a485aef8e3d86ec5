"""Fixtures for tests of the built site: the site itself, a local server, a browser.

These tests read ``docs/_build/html`` (or ``$RNNSTATE_SITE``); ``nox -s browser``
and ``nox -s downloads`` build it first when it is missing.
"""

from __future__ import annotations

import functools
import http.server
import os
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .site_files import hosted_paths

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).parents[1]
SITE = Path(os.environ.get("RNNSTATE_SITE", ROOT / "docs" / "_build" / "html"))


def downloads(suffix: str) -> list[Path]:
    """List the per-page downloads of the built site with this suffix (not the zip of all)."""
    return sorted(p for p in SITE.glob(f"_downloads/*/*{suffix}") if "auto_examples" not in p.name)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give tests asking for ``script`` or ``notebook`` one case per download."""
    for name, suffix in (("script", ".py"), ("notebook", ".ipynb")):
        if name in metafunc.fixturenames:
            files = downloads(suffix)
            metafunc.parametrize(name, files, ids=[p.name for p in files])


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `python3 -m nox -s docs` first")
    return SITE


@pytest.fixture(scope="session")
def screenshots(site: Path) -> Path:
    """Where screenshots go: next to the build, for a person to look at."""
    folder = site.parent / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


REPORTS = SITE.parent / "site-checks"
_STARTED = pytest.StashKey[float]()


@pytest.fixture(scope="session")
def report() -> Callable[[str, str, str], Path]:
    """Write a checker's full report next to the build; its summary ends pytest's output.

    The summary goes to ``<report>.summary`` beside it, so that it reaches the end of
    the output from whichever pytest-xdist worker wrote it.
    """
    REPORTS.mkdir(parents=True, exist_ok=True)

    def write(name: str, text: str, summary: str) -> Path:
        path = REPORTS / name
        path.write_text(text)
        Path(f"{path}.summary").write_text(f"{summary}: {path}\n")
        return path

    return write


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_STARTED] = time.time()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """List the reports this run's site checks wrote (external links, axe, the HTML checker)."""
    started = config.stash.get(_STARTED, time.time())
    found = sorted(REPORTS.glob("*.summary")) if REPORTS.is_dir() else []
    lines = [path.read_text().strip() for path in found if path.stat().st_mtime >= started]
    if lines:
        terminalreporter.section("site checks")
        for line in lines:
            terminalreporter.line(line)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(
        self,
        request: Any,  # noqa: ANN401 - socketserver's own annotation
        client_address: Any,  # noqa: ANN401
        server: socketserver.BaseServer,
        *,
        directory: str,
        hosted: dict[str, str],
    ) -> None:
        # URL path of an edition on its host -> its folder in the built site (hosted_paths).
        self.hosted = hosted  # before super(): it handles the request
        super().__init__(request, client_address, server, directory=directory)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def translate_path(self, path: str) -> str:
        # The 404 page links its assets by their path on the host (/en/latest/_static/...),
        # as it is served for any missing address: serve those paths as the host would.
        for prefix, folder in self.hosted.items():
            if path.startswith(prefix):
                path = "/" + folder + path.removeprefix(prefix)
                break
        return super().translate_path(path)


@pytest.fixture(scope="session")
def base_url(site: Path) -> Iterator[str]:
    """Serve the site on a free port of 127.0.0.1 for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(site), hosted=hosted_paths(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium (``$CHROMIUM``), driven by playwright, which downloads no browser."""
    from playwright.sync_api import sync_playwright  # only the browser session installs it

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium, or set $CHROMIUM")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
