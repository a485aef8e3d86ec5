"""Every task of the project is a nox session: ``python3 -m nox -l`` lists them."""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"  # dependency_groups() in nox.project

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(str(Path(__file__).parent / "pyproject.toml"))
CONSTRAINTS = ROOT / "constraints.txt"
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
SITE = BUILD / "html"
# Folders the docs build generates: a clean build removes them, docs-live ignores them.
# (sphinx-gallery no longer writes sg_execution_times.rst, but one left by an older
# build would be read as a page that no toctree holds, so a clean build removes it.)
GENERATED = [BUILD, DOCS / "auto_examples", DOCS / "gen_modules"]
GENERATED_FILES = [DOCS / "sg_execution_times.rst", DOCS / "sg_api_usage.rst"]
SITETESTS = ROOT / "sitetests"

nox.options.default_venv_backend = "virtualenv"
nox.options.sessions = ["lint", "tests", "docs"]
nox.options.error_on_missing_interpreters = True


def requirements(*groups: str) -> list[str]:
    """List the requirements of these dependency groups of pyproject.toml."""
    found: list[str] = []
    for group in groups:
        found.extend(nox.project.dependency_groups(PYPROJECT, group))
    return found


def install(session: nox.Session, *groups: str) -> None:
    """Install the project (with its plot extra) and these dependency groups, pinned."""
    # Editable, so that doctests, coverage and the gallery all see the one copy in rnnstate/.
    session.install("-c", str(CONSTRAINTS), *requirements(*groups), "-e", ".[plot]")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite and doctests with branch coverage of rnnstate/ and docs/_ext/."""
    install(session, "test", "docs")  # docs: the tests build throwaway sites
    session.run(
        "pytest",
        "--cov",
        "--cov-report=term",
        *session.posargs,
        env={"MPLBACKEND": "agg"},
    )
    if not session.posargs:  # a partial run covers only part of the code
        for folder, minimum in (("rnnstate", "95"), ("docs/_ext", "90")):
            session.run("coverage", "report", f"--include={folder}/*", f"--fail-under={minimum}",
                        "--format=total")  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """Check style, types and metadata: ruff, mypy --strict, validate-pyproject."""
    install(session, "lint", "docs")
    session.run("ruff", "check", *(session.posargs or ["."]))
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    session.run("validate-pyproject", "pyproject.toml")


def sphinx(session: nox.Session, *args: str) -> None:
    """Run sphinx-build strictly: warnings are errors, references nitpicky."""
    session.run("sphinx-build", "-W", "-n", "--keep-going", *args, env={"MPLBACKEND": "agg"})


def build_site(session: nox.Session, *args: str) -> None:
    """Build the whole site from scratch, both editions, warnings as errors.

    The English edition runs every example; the Chinese one (docs/_build/html/zh_CN)
    is built from the catalogs in docs/locale over the same executed gallery, and
    runs none (docs/_ext/fresh_gallery.py fails the build if one would run).
    """
    for folder in GENERATED:
        shutil.rmtree(folder, ignore_errors=True)
    for file in GENERATED_FILES:
        file.unlink(missing_ok=True)
    # Sphinx's caches outside the site: they are pickles, which differ between two
    # builds of the same sources, and no reader needs them.
    sphinx(session, "-b", "html", "-d", str(BUILD / "doctrees"), *args, str(DOCS), str(SITE))
    chinese = ["-D", "language=zh_CN", "-d", str(BUILD / "doctrees-zh_CN")]
    sphinx(session, "-b", "html", *chinese, *args, str(DOCS), str(SITE / "zh_CN"))
    session.log(f"The site is at {(SITE / 'index.html').resolve()}")
    session.log(f"Its Chinese edition is at {(SITE / 'zh_CN' / 'index.html').resolve()}")


def site_is_built() -> bool:
    """Whether a build of the site is there to test (``nox -s docs`` makes one)."""
    return (SITE / "index.html").is_file()


@nox.session
def docs(session: nox.Session) -> None:
    """Build the whole site from scratch into docs/_build/html, warnings as errors."""
    install(session, "docs")
    build_site(session, *session.posargs)


def install_site_checkers(session: nox.Session) -> None:
    """Install axe-core and the Nu HTML Checker from npm, as sitetests/package-lock.json pins."""
    for tool, package in (("npm", "npm"), ("java", "default-jre-headless")):
        if shutil.which(tool) is None:
            session.error(f"the site checks need {tool}: apt-get install {package}")
    lock = SITETESTS / "package-lock.json"
    installed = SITETESTS / "node_modules" / ".package-lock.json"
    if installed.is_file() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    # --ignore-scripts: vnu-jar's install script would download a Java; Debian's runs it.
    npm_ci = ["npm", "ci", "--prefix", str(SITETESTS), "--ignore-scripts", "--prefer-offline"]
    session.run(*npm_ci, "--no-audit", "--no-fund", external=True)


@nox.session(default=False)
def browser(session: nox.Session) -> None:
    """Drive headless Chromium through the built site; check accessibility, HTML and links."""
    install(session, "browser", *([] if site_is_built() else ["docs"]))
    install_site_checkers(session)
    if not site_is_built():
        build_site(session)
    # Every test of the built site but the downloads, which have a session of their own.
    ignore = f"--ignore={SITETESTS / 'test_downloads.py'}"
    session.run("pytest", "-p", "no:cacheprovider", str(SITETESTS), ignore, *session.posargs)
    session.log(f"Screenshots are in {(BUILD / 'screenshots').resolve()}")
    session.log(f"The checkers' reports are in {(BUILD / 'site-checks').resolve()}")


@nox.session(default=False)
def downloads(session: nox.Session) -> None:
    """Install from the served site into fresh venvs and run every download there."""
    if site_is_built():
        # The tests only fetch and run: rnnstate reaches the readers' venvs from the site.
        session.install("-c", str(CONSTRAINTS), *requirements("downloads"))
    else:
        install(session, "downloads", "docs")
        build_site(session)
    session.run("pytest", "-p", "no:cacheprovider", "sitetests/test_downloads.py", *session.posargs)


@nox.session(default=False, venv_backend="none")
def gpu(session: nox.Session) -> None:
    """Run rnnstate verify on a CUDA GPU; write docs/data/gpu-report.json."""
    # The GPU machine's own CUDA build of torch, not the CPU wheel pinned for the site:
    # run in the current environment, with this checkout's rnnstate first on the path.
    report = DOCS / "data" / "gpu-report.json"
    session.run(
        "python",
        "-m",
        "rnnstate",
        "verify",
        "--device",
        "cuda",
        "--json",
        str(report),
        *session.posargs,
        env={"PYTHONPATH": str(ROOT)},
    )


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/, check both, and run the wheel alone."""
    session.install("-c", str(CONSTRAINTS), *requirements("release"))
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # Without --sdist or --wheel, build makes the sdist, then the wheel from the sdist:
    # a file the sdist lacks breaks the wheel here, not on a user's machine. The backend
    # is the pinned hatchling of this venv (--no-isolation), as in the docs build.
    session.run("python", "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT))
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    session.run("twine", "check", "--strict", str(sdist), str(wheel))
    session.run("check-wheel-contents", str(wheel))
    with tarfile.open(sdist) as archive:
        # The tests need the whole checkout (docs, site), so the sdist leaves them out.
        stray = [name for name in archive.getnames() if "/tests/" in name]
    if stray:
        session.error(f"the sdist holds tests it cannot run: {stray[:3]}")
    # The wheel alone (with torch from the pins), away from this checkout.
    session.install("-c", str(CONSTRAINTS), str(wheel))
    session.chdir(session.create_tmp())
    version = wheel.name.split("-")[1]
    shown = session.run("rnnstate", "--version", silent=True)
    # The last line: torch without numpy warns on import (numpy comes with the plot extra).
    if not isinstance(shown, str) or shown.strip().splitlines()[-1] != f"rnnstate {version}":
        session.error(f"rnnstate --version says {shown!r}, the wheel is version {version}")
    session.run("rnnstate", "verify", "--device", "cpu")
    session.log(f"Built and checked {sdist.name} and {wheel.name} in {dist}")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Measure the docs build loop and the helpers' cost; see benchmarks/README.md."""
    install(session, "bench")
    session.run("python", "benchmarks/bench.py", *session.posargs, env={"MPLBACKEND": "agg"})


@nox.session(default=False)
def translations(session: nox.Session) -> None:
    """Update the Chinese catalogs (docs/locale/zh_CN) from the English sources.

    Run it after an English edit: new and changed messages appear in the catalogs,
    untranslated or marked fuzzy, and tests/test_translations.py fails until someone
    translates them. The pages' messages come from Sphinx's gettext builder over the
    executed gallery (built first if there is none); the docs extensions' own strings
    from docs/locale/extract_strings.py.
    """
    install(session, "translations")
    if not site_is_built():
        build_site(session)
    pot = BUILD / "gettext"
    shutil.rmtree(pot, ignore_errors=True)
    sphinx(session, "-b", "gettext", str(DOCS), str(pot))
    session.run("python", str(DOCS / "locale" / "extract_strings.py"), str(pot / "extensions.pot"))
    for stale in pot.rglob("sg_execution_times.pot"):
        stale.unlink()
    locale = DOCS / "locale"
    session.run("sphinx-intl", "update", "-p", str(pot), "-d", str(locale), "-l", "zh_CN")
    # Pages that are gone leave catalogs behind: remove those no template matches.
    wanted = {path.relative_to(pot).with_suffix("") for path in pot.rglob("*.pot")}
    for catalog in (locale / "zh_CN" / "LC_MESSAGES").rglob("*.po"):
        if catalog.relative_to(locale / "zh_CN" / "LC_MESSAGES").with_suffix("") not in wanted:
            session.log(f"removing {catalog}: its page is gone")
            catalog.unlink()
    check = ["pytest", "-q", "-p", "no:cacheprovider", "tests/test_translations.py"]
    session.run(*check, success_codes=[0, 1])
    session.log("Translate what tests/test_translations.py lists, then run it again.")


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
        str(SITE),
    )
