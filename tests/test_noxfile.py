"""The shared environment of the nox sessions: what remakes it, and uv's view of pip's settings."""

from __future__ import annotations

import importlib.util
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
