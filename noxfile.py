"""Every task of the project is a nox session: ``python3 -m nox -l`` lists them."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
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
# What the last successful strict build of the site was built from (site_inputs) and what
# it left in the site (site_state); and the lock that the sessions which build the site
# take, so that two of them started at once do not build it together.
SITE_INPUTS = BUILD / "site-inputs.sha256"
SITE_LOCK = ROOT / ".nox" / "site.lock"
# The environment variables that docs/conf.py and docs/_ext read (tests/test_noxfile.py
# fails when they read one that is not listed here).
BUILD_VARIABLES = ("OMP_NUM_THREADS", "READTHEDOCS_CANONICAL_URL", "RNNSTATE_BASE_URL",
                   "SOURCE_DATE_EPOCH")  # fmt: skip

nox.options.sessions = ["lint", "tests", "docs"]
nox.options.error_on_missing_interpreters = True

# One environment serves every session: the same pins, installed once. uv installs it
# (about 8 s, against about 60 s for pip on the 2-core machine; benchmarks/README.md),
# with the settings of this machine's pip, so both pick the same wheels. It is made
# again from scratch whenever constraints.txt, pyproject.toml or the Python changes.
SHARED = ROOT / ".nox" / "shared"
SHARED_BIN = SHARED / ("Scripts" if os.name == "nt" else "bin")
SHARED_GROUPS = (
    *("test", "docs", "browser", "downloads", "release"),
    *("lint", "translations", "bench", "docs-live"),
)


def requirements(*groups: str) -> list[str]:
    """List the requirements of these dependency groups of pyproject.toml."""
    found: list[str] = []
    for group in groups:
        found.extend(nox.project.dependency_groups(PYPROJECT, group))
    return list(dict.fromkeys(found))


def shared_stamp() -> str:
    """Say what the shared environment was made from; another stamp remakes it.

    The version line of rnnstate/__init__.py is in it too: the editable install's
    metadata (which the site reads) carries the version it was installed with.
    """
    digest = hashlib.sha256()
    for path in (CONSTRAINTS, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    init = (ROOT / "rnnstate" / "__init__.py").read_text().splitlines()
    digest.update(str([line for line in init if line.startswith("__version__")]).encode())
    digest.update(f"{sys.version} {sys.platform} {' '.join(SHARED_GROUPS)}".encode())
    return digest.hexdigest() + "\n"


def pip_settings_for_uv(session: nox.Session, python: Path) -> tuple[list[str], dict[str, str]]:
    """Give uv the indexes, wheel folders and constraints that pip is configured with.

    pip reads them from pip.conf files and PIP_* variables, which uv ignores; without
    them uv would take other wheels than pip (here, a CUDA torch instead of the CPU
    wheel on disk). pip considers every index for the best version: so does uv with
    ``--index-strategy unsafe-best-match``.
    """
    listed = session.run(str(python), "-m", "pip", "config", "list", silent=True, external=True)
    flags = {"index-url": "--index-url", "extra-index-url": "--extra-index-url",
             "find-links": "--find-links", "constraint": "--constraint"}  # fmt: skip
    args: list[str] = ["--index-strategy", "unsafe-best-match"]
    env: dict[str, str] = {}
    for line in str(listed or "").splitlines():
        key, _, value = line.partition("=")
        name, value = key.rsplit(".", 1)[-1], value.strip().strip("'\"")
        if name in flags:
            for item in value.split():
                if item not in args:
                    args += [flags[name], item]
        elif name == "cert":
            env["SSL_CERT_FILE"] = value
        elif name == "no-index" and value.lower() in ("1", "true", "yes", "on"):
            args.append("--no-index")
    return args, env


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (POSIX), so that two sessions never both install."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: sessions run one at a time there
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_env(session: nox.Session) -> None:
    """Make the shared environment unless it is there with the current stamp."""
    stamp_file, stamp = SHARED / ".rnnstate-stamp", shared_stamp()
    with locked(SHARED.with_suffix(".lock")):
        if stamp_file.is_file() and stamp_file.read_text() == stamp:
            session.log(f"Reusing {SHARED}: made from the current pins")
            return
        shutil.rmtree(SHARED, ignore_errors=True)
        session.run(sys.executable, "-m", "venv", str(SHARED), external=True)
        python = SHARED_BIN / "python"
        pinned = ["-c", str(CONSTRAINTS)]
        session.run(str(python), "-m", "pip", "install", "-q", *pinned, "uv", external=True)
        args, env = pip_settings_for_uv(session, python)
        # Editable, so that doctests, coverage and the gallery all see the one copy in
        # rnnstate/; its plot extra too. Compiled as pip compiles, since a process that
        # may not write .pyc files (PYTHONDONTWRITEBYTECODE) compiles all it imports.
        install = ["pip", "install", "-q", "--compile-bytecode", "--python", str(python)]
        install += [*args, *pinned]
        session.run(str(SHARED_BIN / "uv"), *install, *requirements(*SHARED_GROUPS),
                    "-e", f"{ROOT}[plot]", external=True, env=env)  # fmt: skip
        stamp_file.write_text(stamp)


def run(
    session: nox.Session,
    tool: str,
    *args: str,
    env: dict[str, str] | None = None,
    success_codes: list[int] | None = None,
) -> None:
    """Run ``tool`` from the shared environment, as if it were active."""
    active = {
        "VIRTUAL_ENV": str(SHARED),
        "PATH": f"{SHARED_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    session.run(str(SHARED_BIN / tool), *args, env={**active, **(env or {})}, external=True,
                success_codes=success_codes)  # fmt: skip


def workers(session: nox.Session, dist: str = "loadfile") -> list[str]:
    """pytest-xdist's options: every core, unless the command line says otherwise.

    ``loadfile`` keeps each test module in one worker, so that its module-scoped
    fixtures (a throwaway site, an audit of every page) run once.
    """
    return [] if "-n" in session.posargs else ["-n", "auto", "--dist", dist]


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """Run the test suite and doctests with branch coverage of rnnstate/ and docs/_ext/.

    The suite runs on every core (pytest-xdist); a built site is brought up to date
    first and reused by the tests that would otherwise build the whole site again.
    """
    shared_env(session)
    # One thread per worker: the workers already use every core.
    env = {"MPLBACKEND": "agg", "OMP_NUM_THREADS": "1"}
    if site_is_built():
        refresh_site(session)
        env["RNNSTATE_FRESH_SITE"] = str(BUILD)
    run(session, "pytest", *workers(session), "--cov", "--cov-report=term", *session.posargs,
        env=env)  # fmt: skip
    if not session.posargs:  # a partial run covers only part of the code
        for folder, minimum in (("rnnstate", "95"), ("docs/_ext", "90")):
            run(session, "coverage", "report", f"--include={folder}/*",
                f"--fail-under={minimum}", "--format=total")  # fmt: skip


@nox.session(venv_backend="none")
def lint(session: nox.Session) -> None:
    """Check style, types and metadata: ruff, mypy --strict, validate-pyproject."""
    shared_env(session)
    run(session, "ruff", "check", *(session.posargs or ["."]))
    run(session, "ruff", "format", "--check", ".")
    run(session, "mypy")
    run(session, "validate-pyproject", "pyproject.toml")


def sphinx(session: nox.Session, *args: str, doctrees: Path) -> None:
    """Run sphinx-build strictly: warnings are errors, references nitpicky.

    Its warnings are also written to ``<doctrees>.warnings`` (empty after a build that
    passed). A failed build forgets what it read: Sphinx would not read those pages
    again in the next incremental build, and their warnings would go unseen.
    """
    warnings = ["-w", str(doctrees.with_suffix(".warnings"))]
    try:
        run(session, "sphinx-build", "-W", "-n", "--keep-going", "-d", str(doctrees), *warnings,
            *args, env={"MPLBACKEND": "agg"})  # fmt: skip
    except BaseException:
        shutil.rmtree(doctrees, ignore_errors=True)
        raise


def site_inputs(*args: str) -> str | None:
    """Fingerprint what the site is built from, or give None where git cannot list it.

    Every file git lists in this checkout (tracked, or new and not ignored by the
    project's .gitignore files): its path, size, modification time and bytes; the
    distributions installed in the shared environment and its stamp; the environment
    variables the build reads; and the build's own arguments. A conservative superset
    of the build's inputs: an edit to any file of the checkout, even one undone since,
    changes it.
    """
    git = shutil.which("git")
    if git is None:
        return None

    def listed(*command: str) -> bytes:
        done = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [git, *command], cwd=ROOT, capture_output=True, check=True
        )
        return done.stdout

    try:
        top = Path(os.fsdecode(listed("rev-parse", "--show-toplevel").strip()))
        names = listed("ls-files", "-z", "--cached", "--others",
                       "--exclude-per-directory=.gitignore")  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    if top.resolve() != ROOT.resolve():  # not a repository of its own: git lists another's
        return None
    installed = sorted(path.name for pattern in ("lib/python*/site-packages/*.dist-info",
                                                 "Lib/site-packages/*.dist-info")
                       for path in SHARED.glob(pattern))  # fmt: skip
    variables = {name: os.environ.get(name) for name in BUILD_VARIABLES}
    digest = hashlib.sha256(f"{shared_stamp()}{installed}{variables}{args!r}".encode())
    for name in sorted(set(names.split(b"\0")) - {b""}):
        path = ROOT / os.fsdecode(name)
        digest.update(name + b"\0")
        if path.is_file():
            status = path.stat()
            digest.update(f"{status.st_size} {status.st_mtime_ns}".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest() + "\n"


def site_state() -> str:
    """Fingerprint the built site itself: every file's path, size and modification time.

    A build that writes into the site without leaving a fingerprint (docs-live), or a
    file changed or removed by hand, changes it.
    """
    digest = hashlib.sha256()
    for path in sorted(SITE.rglob("*")):
        if path.is_file():
            status = path.stat()
            line = f"{path.relative_to(SITE).as_posix()} {status.st_size} {status.st_mtime_ns}\n"
            digest.update(line.encode())
    return digest.hexdigest() + "\n"


def build_site(session: nox.Session, *args: str, clean: bool = True) -> None:
    """Build the site, both editions, warnings as errors; from scratch unless ``clean=False``.

    The English edition runs every example; the Chinese one (docs/_build/html/zh_CN)
    is built from the catalogs in docs/locale over the same executed gallery, and
    runs none (docs/_ext/fresh_gallery.py fails the build if one would run). An
    incremental build (``clean=False``) reads again only what changed and runs again
    only the examples whose inputs changed (the fingerprints of fresh_gallery.py).
    """
    with locked(SITE_LOCK):
        _build_site(session, *args, clean=clean)


def _build_site(session: nox.Session, *args: str, clean: bool) -> None:
    """Build the site (see ``build_site``); the caller holds ``SITE_LOCK``."""
    inputs = site_inputs(*args)
    SITE_INPUTS.unlink(missing_ok=True)  # a build that fails leaves no fingerprint
    if clean:
        for folder in GENERATED:
            shutil.rmtree(folder, ignore_errors=True)
        for file in GENERATED_FILES:
            file.unlink(missing_ok=True)
    # Sphinx's caches outside the site: they are pickles, which differ between two
    # builds of the same sources, and no reader needs them.
    sphinx(session, "-b", "html", *args, str(DOCS), str(SITE), doctrees=BUILD / "doctrees")
    chinese = ["-D", "language=zh_CN"]
    sphinx(session, "-b", "html", *chinese, *args, str(DOCS), str(SITE / "zh_CN"),
           doctrees=BUILD / "doctrees-zh_CN")  # fmt: skip
    # Only if nothing changed while it ran: an edit made then is seen by the next session.
    if inputs is not None and site_inputs(*args) == inputs:
        SITE_INPUTS.write_text(inputs + site_state())
    session.log(f"The site is at {(SITE / 'index.html').resolve()}")
    session.log(f"Its Chinese edition is at {(SITE / 'zh_CN' / 'index.html').resolve()}")


def site_is_built() -> bool:
    """Whether a build of the site is there (``nox -s docs`` makes one)."""
    return (SITE / "index.html").is_file() and (SITE / "zh_CN" / "index.html").is_file()


def refresh_site(session: nox.Session) -> None:
    """Bring the built site up to date with the checkout, or build it if there is none.

    Every session that tests the site calls this, so that none tests a stale one. A
    site that a strict build without extra arguments made from the very files of this
    checkout (``site_inputs``), and that nothing has written to since (``site_state``),
    is left as it is; otherwise an incremental build of both editions, which with little
    changed runs no example and takes a few seconds. The sessions that build take
    ``SITE_LOCK`` (POSIX): one that waited for another's build finds the site up to
    date if that build succeeded and nothing changed since it began.
    """
    with locked(SITE_LOCK):
        _refresh_site(session)


def _refresh_site(session: nox.Session) -> None:
    """Bring the site up to date (see ``refresh_site``); the caller holds ``SITE_LOCK``."""
    stored = SITE_INPUTS.read_text() if SITE_INPUTS.is_file() else None
    inputs = site_inputs()
    if site_is_built() and inputs is not None and stored == inputs + site_state():
        session.log("The built site is up to date: built from the files of this checkout")
        return
    _build_site(session, clean=not site_is_built())


@nox.session(venv_backend="none")
def docs(session: nox.Session) -> None:
    """Build the whole site from scratch into docs/_build/html, warnings as errors."""
    shared_env(session)
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


@nox.session(default=False, venv_backend="none")
def browser(session: nox.Session) -> None:
    """Drive headless Chromium through the built site; check accessibility, HTML and links."""
    shared_env(session)
    install_site_checkers(session)
    refresh_site(session)
    # Every test of the built site but the downloads, which have a session of their own.
    ignore = f"--ignore={SITETESTS / 'test_downloads.py'}"
    run(session, "pytest", "-p", "no:cacheprovider", *workers(session), str(SITETESTS), ignore,
        *session.posargs)  # fmt: skip
    session.log(f"Screenshots are in {(BUILD / 'screenshots').resolve()}")
    session.log(f"The checkers' reports are in {(BUILD / 'site-checks').resolve()}")


@nox.session(default=False, venv_backend="none")
def downloads(session: nox.Session) -> None:
    """Install from the served site into fresh venvs and run every download there."""
    shared_env(session)
    refresh_site(session)
    # The tests only fetch and run: rnnstate reaches the readers' venvs from the site.
    # Each download is a test of its own, spread over the workers (--dist load).
    run(session, "pytest", "-p", "no:cacheprovider", *workers(session, "load"),
        "sitetests/test_downloads.py", *session.posargs)  # fmt: skip


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


@nox.session(default=False, venv_backend="none")
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel into dist/, check both, and run the wheel alone."""
    shared_env(session)
    dist = ROOT / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    # Without --sdist or --wheel, build makes the sdist, then the wheel from the sdist:
    # a file the sdist lacks breaks the wheel here, not on a user's machine. The backend
    # is the pinned hatchling of the environment (--no-isolation), as in the docs build.
    run(session, "python", "-m", "build", "--no-isolation", "--outdir", str(dist), str(ROOT))
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    run(session, "twine", "check", "--strict", str(sdist), str(wheel))
    run(session, "check-wheel-contents", str(wheel))
    with tarfile.open(sdist) as archive:
        # The tests need the whole checkout (docs, site), so the sdist leaves them out.
        stray = [name for name in archive.getnames() if "/tests/" in name]
    if stray:
        session.error(f"the sdist holds tests it cannot run: {stray[:3]}")
    # The wheel alone (with torch from the pins) in an environment of its own, away
    # from this checkout.
    alone = Path(session.create_tmp()).resolve() / "wheel-alone"
    shutil.rmtree(alone, ignore_errors=True)
    run(session, "uv", "venv", "-q", "--python", str(SHARED_BIN / "python"), str(alone))
    python = alone / SHARED_BIN.name / "python"
    args, env = pip_settings_for_uv(session, SHARED_BIN / "python")
    run(session, "uv", "pip", "install", "-q", "--python", str(python), *args,
        "-c", str(CONSTRAINTS), str(wheel), env=env)  # fmt: skip
    session.chdir(alone)
    version = wheel.name.split("-")[1]
    command = alone / SHARED_BIN.name / "rnnstate"
    shown = session.run(str(command), "--version", silent=True, external=True)
    # The last line: torch without numpy warns on import (numpy comes with the plot extra).
    if not isinstance(shown, str) or shown.strip().splitlines()[-1] != f"rnnstate {version}":
        session.error(f"rnnstate --version says {shown!r}, the wheel is version {version}")
    session.run(str(command), "verify", "--device", "cpu", external=True)
    session.log(f"Built and checked {sdist.name} and {wheel.name} in {dist}")


@nox.session(default=False, venv_backend="none")
def bench(session: nox.Session) -> None:
    """Measure the docs build loop and the helpers' cost; see benchmarks/README.md."""
    shared_env(session)
    run(session, "python", "benchmarks/bench.py", *session.posargs, env={"MPLBACKEND": "agg"})


@nox.session(default=False, venv_backend="none")
def translations(session: nox.Session) -> None:
    """Update the Chinese catalogs (docs/locale/zh_CN) from the English sources.

    Run it after an English edit: new and changed messages appear in the catalogs,
    untranslated or marked fuzzy, and tests/test_translations.py fails until someone
    translates them. The pages' messages come from Sphinx's gettext builder over the
    executed gallery (brought up to date first); the docs extensions' own strings
    from docs/locale/extract_strings.py.
    """
    shared_env(session)
    pot = BUILD / "gettext"
    with locked(SITE_LOCK):  # the gettext build reads the gallery that the site's build writes
        _refresh_site(session)
        shutil.rmtree(pot, ignore_errors=True)
        sphinx(session, "-b", "gettext", str(DOCS), str(pot), doctrees=BUILD / "doctrees-gettext")
    run(session, "python", str(DOCS / "locale" / "extract_strings.py"), str(pot / "extensions.pot"))
    for stale in pot.rglob("sg_execution_times.pot"):
        stale.unlink()
    locale = DOCS / "locale"
    run(session, "sphinx-intl", "update", "-p", str(pot), "-d", str(locale), "-l", "zh_CN")
    # Pages that are gone leave catalogs behind: remove those no template matches.
    wanted = {path.relative_to(pot).with_suffix("") for path in pot.rglob("*.pot")}
    for catalog in (locale / "zh_CN" / "LC_MESSAGES").rglob("*.po"):
        if catalog.relative_to(locale / "zh_CN" / "LC_MESSAGES").with_suffix("") not in wanted:
            session.log(f"removing {catalog}: its page is gone")
            catalog.unlink()
    check = ["-q", "-p", "no:cacheprovider", "tests/test_translations.py"]
    run(session, "pytest", *check, success_codes=[0, 1])
    session.log("Translate what tests/test_translations.py lists, then run it again.")


@nox.session(name="docs-live", default=False, venv_backend="none")
def docs_live(session: nox.Session) -> None:
    """Serve the site on localhost and rebuild it on every change.

    sphinx-autobuild serves and watches; where its worker processes are forked (Linux,
    Python 3.13 or older), every rebuild is forked from a process that has imported
    Sphinx, torch and matplotlib once (docs/live.py). Only the English
    edition is rebuilt. Warnings show but do not stop a rebuild, so its doctrees are
    its own (``doctrees-live``): a page it read with a warning is read again by the
    next strict build, which fails on it. The examples' outputs are shared with
    ``nox -s docs``: after one of those, the first rebuild runs no example.
    """
    shared_env(session)
    # Its rebuilds write into the site without -W (and without SITE_LOCK): the next
    # session that tests the site builds it again, strictly.
    SITE_INPUTS.unlink(missing_ok=True)
    ignores: list[str] = []
    for path in [*GENERATED, *GENERATED_FILES]:
        ignores += ["--ignore", str(path)]
    run(
        session,
        "python",
        str(DOCS / "live.py"),
        "-b",
        "html",
        "-n",
        "-d",
        str(BUILD / "doctrees-live"),
        *ignores,
        "--watch",
        str(ROOT / "rnnstate"),
        "--watch",
        str(ROOT / "examples"),
        *session.posargs,
        str(DOCS),
        str(SITE),
        env={"MPLBACKEND": "agg"},
    )
