"""Every task of the project is a nox session: ``python3 -m nox -l`` lists them."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

ROOT = Path(__file__).parent
CONSTRAINTS = ROOT / "constraints.txt"
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
# Folders the docs build generates: a clean build removes them, docs-live ignores them.
GENERATED = [BUILD, DOCS / "auto_examples", DOCS / "gen_modules"]
GENERATED_FILES = [DOCS / "sg_execution_times.rst", DOCS / "sg_api_usage.rst"]

nox.options.default_venv_backend = "virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]
nox.options.error_on_missing_interpreters = True


def install(session: nox.Session, *groups: str, extras: str = "plot") -> None:
    """Install the project and the given dependency groups, pinned by constraints.txt."""
    requirements: list[str] = []
    for group in groups:
        requirements.extend(nox.project.dependency_groups(nox.project.load_toml(), group))
    # Editable, so that doctests, coverage and the gallery all see the one copy in rnnstate/.
    session.install("-c", str(CONSTRAINTS), *requirements, "-e", f".[{extras}]")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite and doctests with branch coverage of rnnstate/."""
    install(session, "test", "docs")  # docs: the tests build throwaway sites
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        *session.posargs,
        env={"MPLBACKEND": "agg"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and types: ruff check, ruff format --check, mypy --strict."""
    install(session, "lint", "docs")
    session.run("ruff", "check", *(session.posargs or ["."]))
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the whole site from scratch into docs/_build/html, warnings as errors."""
    install(session, "docs")
    for folder in GENERATED:
        shutil.rmtree(folder, ignore_errors=True)
    for file in GENERATED_FILES:
        file.unlink(missing_ok=True)
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-W",
        "-n",
        "--keep-going",
        *session.posargs,
        str(DOCS),
        str(BUILD / "html"),
        env={"MPLBACKEND": "agg"},
    )
    session.log(f"The site is at {(BUILD / 'html' / 'index.html').resolve()}")


@nox.session(name="docs-live", default=False)
def docs_live(session: nox.Session) -> None:
    """Serve the site on localhost and rebuild it on every change."""
    install(session, "docs-live")
    ignores: list[str] = []
    for path in [*GENERATED, *GENERATED_FILES]:
        ignores += ["--ignore", str(path)]
    session.run(
        "sphinx-autobuild",
        "-b",
        "html",
        "-n",
        *ignores,
        "--watch",
        str(ROOT / "rnnstate"),
        "--watch",
        str(ROOT / "examples"),
        *session.posargs,
        str(DOCS),
        str(BUILD / "html"),
    )
