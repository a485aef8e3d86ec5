"""docs-live's rebuilds (docs/live.py): forked from one warm process, the same as a new one.

Each test builds a tiny Sphinx project of its own. Its conf.py imports a module of
the project and records the process that built it, so that the tests see which
process ran a build and whether an edit reached it.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.metadata import packages_distributions
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[1]

CONF = """\
import os, sys
sys.path.insert(0, os.path.dirname(__file__))
import facts
project = "tiny"
rst_epilog = f".. |fact| replace:: {facts.FACT}"
with open(os.path.join(os.path.dirname(__file__), "builders.txt"), "a") as record:
    record.write(f"{os.getpid()} {os.getppid()}\\n")
"""
INDEX = "Tiny\n====\n\nThe fact is |fact|.\n"


def load_live() -> ModuleType:
    """Import docs/live.py from docs/, where the warm process imports it from too."""
    sys.path.insert(0, str(ROOT / "docs"))
    return importlib.import_module("live")


@pytest.fixture(scope="module")
def live() -> ModuleType:
    return load_live()


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Write a Sphinx project whose one page shows ``facts.FACT``; give its source folder."""
    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(CONF)
    (source / "index.rst").write_text(INDEX)
    (source / "facts.py").write_text('FACT = "first"\n')
    return source


@pytest.fixture
def warm(live: ModuleType) -> Iterator[object]:
    """Start a warm process that preloads Sphinx only, which is quick to start."""
    with live.WarmSphinx(["sphinx.cmd.build"], output=subprocess.DEVNULL) as sphinx:
        yield sphinx


def args(source: Path, out: str = "html") -> list[str]:
    return ["-b", "html", "-W", "-n", "-q", str(source), str(source.parent / out)]


def fact(source: Path, out: str = "html") -> str:
    page = (source.parent / out / "index.html").read_text()
    found = re.search(r"The fact is (\w+)\.", page)
    assert found, page
    return found.group(1)


def builders(source: Path) -> list[tuple[int, int]]:
    """List the (pid, parent pid) of each process that has read the project's conf.py."""
    lines = (source / "builders.txt").read_text().split("\n")
    return [(int(a), int(b)) for a, b in (line.split() for line in lines if line)]


def test_a_warm_rebuild_writes_the_same_page_as_a_new_sphinx_process(
    live: ModuleType, warm: object, tiny: Path
) -> None:
    assert warm.build(args(tiny, "warm")) == 0  # type: ignore[attr-defined]
    cold = live.WarmSphinx(cold=True, output=subprocess.DEVNULL)
    assert cold.build(args(tiny, "cold")) == 0
    warm_page = (tiny.parent / "warm" / "index.html").read_bytes()
    assert warm_page == (tiny.parent / "cold" / "index.html").read_bytes()


def test_every_rebuild_is_a_new_child_of_the_one_warm_process(warm: object, tiny: Path) -> None:
    for _ in range(2):
        (tiny / "index.rst").write_text((tiny / "index.rst").read_text() + "\nMore.\n")
        assert warm.build(args(tiny)) == 0  # type: ignore[attr-defined]
    (first, first_parent), (second, second_parent) = builders(tiny)
    assert first_parent == second_parent == warm.server.pid  # type: ignore[attr-defined]
    assert first != second


def test_a_rebuild_sees_an_edit_to_a_module_the_build_imports(warm: object, tiny: Path) -> None:
    assert warm.build(args(tiny)) == 0  # type: ignore[attr-defined]
    assert fact(tiny) == "first"
    (tiny / "facts.py").write_text('FACT = "second"\n')
    assert warm.build(args(tiny)) == 0  # type: ignore[attr-defined]
    assert fact(tiny) == "second"


def test_a_failing_build_gives_the_status_a_new_sphinx_process_gives(
    live: ModuleType, warm: object, tiny: Path
) -> None:
    (tiny / "index.rst").write_text(INDEX + "\n:ref:`nowhere`\n")  # a warning: -W fails
    cold = live.WarmSphinx(cold=True, output=subprocess.DEVNULL)
    status = cold.build(args(tiny, "cold"))
    assert status != 0
    assert warm.build(args(tiny, "warm")) == status  # type: ignore[attr-defined]


def test_only_pinned_packages_are_preloaded_never_the_project_s_own_modules(
    live: ModuleType,
) -> None:
    pinned = {
        re.split(r"[=<>!~ ;\[]", line)[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    distributions = packages_distributions()
    for module in live.PRELOADED:
        top = module.split(".")[0]
        names = {name.lower().replace("_", "-") for name in distributions.get(top, [])}
        assert names, f"{module}: no installed distribution"
        assert names <= pinned, f"{module} comes from {names}, not pinned in constraints.txt"
        assert top not in {"rnnstate", "conf", "keras"}


THREADS = """
import torch
from pathlib import Path
Path(__file__).with_name("threads.txt").write_text(str(torch.get_num_threads()))
"""


def test_torch_runs_a_rebuild_on_as_many_threads_as_in_a_new_sphinx_process(
    live: ModuleType, tiny: Path
) -> None:
    # docs/conf.py asks for one OpenMP thread before a build runs torch; in the warm
    # process torch is imported before any conf.py runs.
    conf = (ROOT / "docs" / "conf.py").read_text()
    assert 'os.environ.setdefault("OMP_NUM_THREADS", "1")' in conf
    (tiny / "conf.py").write_text(
        'import os\nos.environ.setdefault("OMP_NUM_THREADS", "1")\n' + CONF + THREADS
    )
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}  # as a shell has it
    threads = {}
    for cold in (True, False):
        with live.WarmSphinx(cold=cold, env=env, output=subprocess.DEVNULL) as sphinx:
            assert sphinx.warm is not cold
            assert sphinx.build(args(tiny, f"cold-{cold}")) == 0
        threads[cold] = (tiny / "threads.txt").read_text()
    assert threads[False] == threads[True] == "1"
    assert fact(tiny, "cold-False") == "first"  # the default preload builds


def test_sphinx_autobuild_builds_through_the_warm_process_and_runs_other_commands_itself(
    live: ModuleType, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sphinx_autobuild import build  # type: ignore[import-untyped]

    monkeypatch.setattr(build, "subprocess", build.subprocess)  # put back after the test

    class Recorder:
        """Record the builds asked for; fail the second."""

        def __init__(self) -> None:
            self.calls: list[list[str]] = []

        def build(self, args: list[str]) -> int:
            self.calls.append(args)
            return 0 if len(self.calls) == 1 else 2

    recorder = Recorder()
    live.use_in_autobuild(recorder)
    marker = tiny.parent / "pre-build-ran"
    pre_build = [sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    builder = build.Builder(
        args(tiny), url_host="127.0.0.1:0", pre_build_commands=[pre_build], post_build_commands=[]
    )
    builder(changed_paths=[])
    assert recorder.calls == [args(tiny)]
    assert marker.is_file()  # sphinx-autobuild's own pre-build command, run as a process
    builder(changed_paths=[])  # a failed build: sphinx-autobuild reports it and goes on
    assert len(recorder.calls) == 2


def test_sphinx_args_reads_the_command_sphinx_autobuild_runs(live: ModuleType) -> None:
    python = sys.executable
    assert live.sphinx_args([python, "-m", "sphinx", "build", "-b", "html"]) == ["-b", "html"]
    assert live.sphinx_args([python, "-m", "sphinx", "-b", "html"]) == ["-b", "html"]
    assert live.sphinx_args(["make", "html"]) is None


def test_rnnstate_cold_rebuilds_1_makes_every_rebuild_a_new_process(live: ModuleType) -> None:
    with live.from_environment({"RNNSTATE_COLD_REBUILDS": "1"}) as sphinx:
        assert not sphinx.warm
    with live.from_environment({"RNNSTATE_COLD_REBUILDS": "0"}) as sphinx:
        assert sphinx.warm


MANAGER = """
from multiprocessing import Manager
links = Manager()  # as sphinx-sitemap keeps its queue of pages
links.Queue()
with open(os.path.join(os.path.dirname(__file__), "manager.txt"), "w") as record:
    record.write(str(links._process.pid))
"""


def test_what_a_build_starts_ends_with_it(warm: object, tiny: Path) -> None:
    (tiny / "conf.py").write_text(CONF + MANAGER)
    assert warm.build(args(tiny)) == 0  # type: ignore[attr-defined]
    manager = int((tiny / "manager.txt").read_text())
    for _ in range(50):
        try:
            os.kill(manager, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(manager, 9)
    pytest.fail(f"the build's multiprocessing Manager (pid {manager}) outlived it")
