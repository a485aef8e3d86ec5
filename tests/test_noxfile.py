"""What the nox sessions share: one environment, uv's view of pip's settings, one built site.

The stamp that remakes the environment, the settings uv gets from pip, and the fingerprint
that tells a session the built site is up to date.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import threading
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def noxfile() -> ModuleType:
    """Import noxfile.py once (nox registers each session when the file is run)."""
    spec = importlib.util.spec_from_file_location("noxfile_under_test", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeSession:
    """Answer ``pip config list`` as pip does, with the settings given."""

    def __init__(self, listed: str) -> None:
        self.listed = listed
        self.commands: list[tuple[str, ...]] = []

    def run(self, *args: str, **_: object) -> str:
        """Record the command; give what pip would print."""
        self.commands.append(args)
        return self.listed


def test_uv_gets_the_indexes_wheel_folders_constraints_and_cert_pip_is_configured_with(
    noxfile: ModuleType,
) -> None:
    listed = (
        ":env:.find-links='/opt/wheels'\n"
        "global.cert='/etc/ssl/certs/ca.crt'\n"
        "global.constraint='/etc/pip/constraints.txt'\n"
        "global.extra-index-url='file:///a/simple file:///b/simple'\n"
        "global.find-links='/opt/wheels'\n"
        "global.index-url='https://mirror.example/simple'\n"
        "global.timeout='60'\n"
    )
    session = FakeSession(listed)
    args, env = noxfile.pip_settings_for_uv(session, Path("/venv/bin/python"))
    assert session.commands == [("/venv/bin/python", "-m", "pip", "config", "list")]
    assert args == [
        "--index-strategy", "unsafe-best-match",  # pip takes the best version of every index
        "--find-links", "/opt/wheels",  # once, though pip lists it twice
        "--constraint", "/etc/pip/constraints.txt",
        "--extra-index-url", "file:///a/simple",
        "--extra-index-url", "file:///b/simple",
        "--index-url", "https://mirror.example/simple",
    ]  # fmt: skip
    assert env == {"SSL_CERT_FILE": "/etc/ssl/certs/ca.crt"}


def test_without_pip_settings_uv_only_gets_pips_index_strategy(noxfile: ModuleType) -> None:
    args, env = noxfile.pip_settings_for_uv(FakeSession(""), Path("python"))
    assert (args, env) == (["--index-strategy", "unsafe-best-match"], {})


def test_a_changed_pin_changes_the_stamp_that_keeps_the_shared_environment(
    noxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")
    monkeypatch.setattr(noxfile, "CONSTRAINTS", constraints)
    first = noxfile.shared_stamp()
    assert noxfile.shared_stamp() == first
    constraints.write_text("torch==2.13.1\n")
    assert noxfile.shared_stamp() != first


def test_a_new_version_of_rnnstate_changes_the_stamp(
    noxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rnnstate").mkdir()
    init = tmp_path / "rnnstate" / "__init__.py"
    init.write_text('"""The package."""\n__version__ = "0.1.0"\n')
    monkeypatch.setattr(noxfile, "ROOT", tmp_path)
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp_path / name).write_text("")
    monkeypatch.setattr(noxfile, "CONSTRAINTS", tmp_path / "constraints.txt")
    first = noxfile.shared_stamp()
    init.write_text('"""The package, documented anew."""\n__version__ = "0.1.0"\n')
    assert noxfile.shared_stamp() == first  # only the version counts
    init.write_text('"""The package."""\n__version__ = "0.2.0"\n')
    assert noxfile.shared_stamp() != first


def test_every_group_of_pyproject_is_in_the_shared_environment(noxfile: ModuleType) -> None:
    groups = set(noxfile.PYPROJECT["dependency-groups"])
    assert groups - set(noxfile.SHARED_GROUPS) == {"dev"}  # dev: all of them, for an IDE


# -- the built site's fingerprint -------------------------------------------------------


def commit_all(root: Path) -> None:
    """Make ``root`` a git repository holding its files in one commit."""
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], cwd=root, check=True)


@pytest.fixture
def checkout(noxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make a git checkout with a page, an ignored folder and a built site; point noxfile at it."""
    root = tmp_path / "checkout"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Title\n")
    (root / ".gitignore").write_text("docs/_build/\n.nox/\n")
    commit_all(root)
    build = root / "docs" / "_build"
    for edition in ("", "zh_CN/"):
        (build / "html" / edition).mkdir(parents=True, exist_ok=True)
        (build / "html" / edition / "index.html").write_text("<p>built</p>")
    monkeypatch.setattr(noxfile, "ROOT", root)
    # Every path a build writes or removes, so that nothing outside tmp_path is touched.
    monkeypatch.setattr(noxfile, "BUILD", build)
    monkeypatch.setattr(noxfile, "GENERATED", [build, root / "docs" / "auto_examples"])
    monkeypatch.setattr(noxfile, "GENERATED_FILES", [root / "docs" / "sg_execution_times.rst"])
    monkeypatch.setattr(noxfile, "SITE", build / "html")
    monkeypatch.setattr(noxfile, "SHARED", root / ".nox" / "shared")
    monkeypatch.setattr(noxfile, "SITE_INPUTS", build / "site-inputs.sha256")
    monkeypatch.setattr(noxfile, "SITE_LOCK", root / ".nox" / "site.lock")
    monkeypatch.setattr(noxfile, "shared_stamp", lambda: "the shared environment\n")
    return root


class BuildSession:
    """Record what a session logs; nox's other methods are not called by the code under test."""

    def __init__(self) -> None:
        self.logged: list[str] = []

    def log(self, message: str) -> None:
        """Keep the message."""
        self.logged.append(message)


def test_an_edit_to_a_tracked_or_new_file_changes_the_site_inputs_and_an_ignored_one_does_not(
    noxfile: ModuleType, checkout: Path
) -> None:
    first = noxfile.site_inputs()
    assert noxfile.site_inputs() == first
    (checkout / "docs" / "_build" / "stray.txt").write_text("ignored")
    assert noxfile.site_inputs() == first
    (checkout / "docs" / "index.md").write_text("# Title, edited\n")
    edited = noxfile.site_inputs()
    assert edited != first
    (checkout / "docs" / "new.md").write_text("# New\n")
    assert noxfile.site_inputs() not in (first, edited)
    (checkout / "docs" / "new.md").unlink()
    assert noxfile.site_inputs() == edited
    assert noxfile.site_inputs("-D", "language=en") != edited  # the build's arguments count


def test_a_deleted_tracked_file_changes_the_site_inputs(
    noxfile: ModuleType, checkout: Path
) -> None:
    first = noxfile.site_inputs()
    (checkout / "docs" / "index.md").unlink()
    assert noxfile.site_inputs() != first


def test_an_edit_undone_since_still_changes_the_site_inputs(
    noxfile: ModuleType, checkout: Path
) -> None:
    page = checkout / "docs" / "index.md"
    first = noxfile.site_inputs()
    page.write_text(page.read_text())  # the same bytes, written again (by an edit undone)
    status = page.stat()
    os.utime(page, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))
    assert noxfile.site_inputs() != first


def test_a_variable_the_build_reads_changes_the_site_inputs(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RNNSTATE_BASE_URL", raising=False)
    first = noxfile.site_inputs()
    monkeypatch.setenv("RNNSTATE_BASE_URL", "https://example.org/rnnstate/")
    assert noxfile.site_inputs() != first


def test_every_environment_variable_the_docs_build_reads_is_a_build_variable(
    noxfile: ModuleType,
) -> None:
    read = set()
    for path in [ROOT / "docs" / "conf.py", *sorted((ROOT / "docs" / "_ext").glob("*.py"))]:
        text = path.read_text()
        read |= set(re.findall(r"environ(?:\.get|\.setdefault)?[(\[]\s*\"(\w+)\"", text))
        read |= set(re.findall(r"getenv\(\s*\"(\w+)\"", text))
    assert read  # the pattern still finds what the build reads
    assert read - set(noxfile.BUILD_VARIABLES) == set()


def test_a_distribution_installed_by_hand_changes_the_site_inputs(
    noxfile: ModuleType, checkout: Path
) -> None:
    first = noxfile.site_inputs()
    site_packages = noxfile.SHARED / "lib" / "python3.11" / "site-packages"
    (site_packages / "sphinx-99.0.dist-info").mkdir(parents=True)
    assert noxfile.site_inputs() != first


def test_a_checkout_inside_another_repository_has_no_fingerprint(
    noxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outer = tmp_path / "outer"
    (outer / "vendored" / "docs").mkdir(parents=True)
    (outer / ".gitignore").write_text("vendored/\n")
    commit_all(outer)
    (outer / "vendored" / "docs" / "index.md").write_text("# Title\n")
    monkeypatch.setattr(noxfile, "ROOT", outer / "vendored")
    assert noxfile.site_inputs() is None  # git would list the outer repository's files


def test_without_git_there_is_no_fingerprint(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(noxfile.shutil, "which", lambda _: None)
    assert noxfile.site_inputs() is None


def write_page(*args: str) -> None:
    """Do what sphinx-build with these arguments does, as far as these tests look."""
    output = Path(args[-1])  # sphinx-build's last argument: the output folder
    output.mkdir(parents=True, exist_ok=True)
    (output / "index.html").write_text("<p>built</p>")


def fake_sphinx(noxfile: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Replace sphinx-build by a recorder; give the list of the builds it was asked for."""
    builds: list[tuple[str, ...]] = []

    def record(_: object, *args: str, **__: object) -> None:
        builds.append(args)
        write_page(*args)

    monkeypatch.setattr(noxfile, "sphinx", record)
    return builds


def test_a_build_writes_the_fingerprint_and_a_refresh_then_builds_nothing(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = fake_sphinx(noxfile, monkeypatch)
    noxfile.build_site(BuildSession(), clean=False)
    assert len(builds) == 2  # both editions
    assert noxfile.SITE_INPUTS.read_text() == noxfile.site_inputs() + noxfile.site_state()
    session = BuildSession()
    noxfile.refresh_site(session)
    assert len(builds) == 2
    assert "up to date" in session.logged[0]


def test_a_refresh_after_an_edit_builds_both_editions_incrementally(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = fake_sphinx(noxfile, monkeypatch)
    noxfile.build_site(BuildSession(), clean=False)
    (checkout / "docs" / "index.md").write_text("# Title, edited\n")
    index = checkout / "docs" / "_build" / "html" / "index.html"
    noxfile.refresh_site(BuildSession())
    assert len(builds) == 4
    assert index.is_file()  # incremental: the built site was not removed first
    noxfile.refresh_site(BuildSession())
    assert len(builds) == 4


def test_a_build_with_other_arguments_is_not_taken_for_an_up_to_date_one(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = fake_sphinx(noxfile, monkeypatch)
    noxfile.build_site(BuildSession(), "-D", "html_theme=alabaster", clean=False)
    noxfile.refresh_site(BuildSession())
    assert len(builds) == 4


def test_a_failed_build_leaves_no_fingerprint(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_sphinx(noxfile, monkeypatch)
    noxfile.build_site(BuildSession(), clean=False)

    def failing(*_: object, **__: object) -> None:
        raise RuntimeError("sphinx-build failed")

    monkeypatch.setattr(noxfile, "sphinx", failing)
    with pytest.raises(RuntimeError):
        noxfile.build_site(BuildSession(), clean=False)
    assert not noxfile.SITE_INPUTS.exists()
    builds = fake_sphinx(noxfile, monkeypatch)
    noxfile.refresh_site(BuildSession())
    assert len(builds) == 2


def test_a_session_that_refreshes_while_another_builds_waits_then_builds_nothing(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[tuple[str, ...]] = []
    started, release = threading.Event(), threading.Event()

    def slow(_: object, *args: str, **__: object) -> None:
        builds.append(args)
        started.set()
        assert release.wait(10)
        write_page(*args)

    monkeypatch.setattr(noxfile, "sphinx", slow)
    first = threading.Thread(target=noxfile.build_site, args=(BuildSession(),))  # clean
    first.start()
    assert started.wait(10)
    second = BuildSession()
    waiting = threading.Thread(target=noxfile.refresh_site, args=(second,))
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive()  # held by the lock while the first build runs
    release.set()
    first.join(10)
    waiting.join(10)
    assert len(builds) == 2  # the first session's two editions, and nothing more
    assert "up to date" in second.logged[0]
    assert [Path(args[-1]) for args in builds] == [noxfile.SITE, noxfile.SITE / "zh_CN"]
    assert noxfile.SITE.is_relative_to(checkout)


def test_a_file_written_into_the_site_after_the_build_makes_the_next_refresh_build(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds = fake_sphinx(noxfile, monkeypatch)
    noxfile.build_site(BuildSession(), clean=False)
    (noxfile.SITE / "questions.html").write_text("<p>rebuilt by docs-live</p>")
    noxfile.refresh_site(BuildSession())
    assert len(builds) == 4


def test_an_edit_made_while_the_site_builds_leaves_no_fingerprint(
    noxfile: ModuleType, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = checkout / "docs" / "index.md"

    def edited_meanwhile(_: object, *args: str, **__: object) -> None:
        write_page(*args)
        page.write_text("# Title, edited while the site builds\n")

    monkeypatch.setattr(noxfile, "sphinx", edited_meanwhile)
    noxfile.build_site(BuildSession(), clean=False)
    assert not noxfile.SITE_INPUTS.exists()
