"""Benchmarks: the docs build loop, and what rnnstate's helpers cost. Run ``nox -s bench``.

Every figure is a median over repeated runs made side by side in this one run.
The last line printed summarises them all; ``benchmarks/results/latest.json``
keeps them with the machine they came from.

Figures and goals:

- ``build_ratio``: clean build wall time (every example executed) over the sum of
  the wall times of running each example as its own ``python example.py``; <= 0.5.
- ``noop_rebuild_s``: a rebuild with nothing changed; < 3 s, zero examples run.
- ``one_example_edited_runs`` / ``package_edited_runs``: examples run after editing
  one example (goal 1) or the package (goal: every example that imports it).
- ``edit_loop_s``: an edited example's incremental rebuild as ``docs-live`` makes it,
  forked from its warm process (docs/live.py), from the saved edit to the end of the
  build, its page on disk (the file watcher's delay is not counted);
  ``edit_loop_cold_s``: the same rebuild as a new ``python -m sphinx`` process, as
  sphinx-autobuild alone would make it; ``edit_loop_overhead_s`` is
  ``edit_loop_s`` minus the example's own run time (``python example.py``); goal
  <= 2 s.
- ``ci_s``: a fresh clone's ``CI=true bash .ci/run`` (only with ``--ci-runs N``: each
  run takes many minutes); goal < 300 s. ``ci_cpu_s`` is the CPU time the whole machine
  spent busy during each run (Linux's ``/proc/stat``: every process, Chromium's and the
  Java checker's included), and ``ci_cpu_floor_s`` that over the number of CPUs: no
  schedule of the same work on this machine's cores ends sooner.
- ``install_pip_s`` / ``install_uv_s``: installing the shared environment's pins
  (``noxfile.SHARED_GROUPS`` and the project) into an empty venv with pip and with uv;
  the noxfile uses uv because it is faster, and ``install_same`` says whether both
  installed the same distributions at the same versions.
- ``helper_ratio`` / ``helper_ratio_small``: the costliest of ``last_output``,
  ``final_state`` and ``split_hidden`` over the forward pass that made its input, at
  the popular answer's sizes (<= 0.1%) and at a training-loop size (<= 5%).
- ``check_ratio``: ``rnnstate.check`` over one forward pass; <= 1.15.
- ``tests_s``: ``nox -s tests`` with its environment already made; < 90 s.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version as installed_version
from pathlib import Path
from types import ModuleType

import torch
from torch import nn

import rnnstate

ROOT = Path(__file__).parents[1]
RESULTS = ROOT / "benchmarks" / "results"
GOALS = {
    "build_ratio": ("<=", 0.5),
    "noop_rebuild_s": ("<", 3.0),
    "noop_rebuild_runs": ("==", 0),
    "one_example_edited_runs": ("==", 1),
    "helper_ratio": ("<=", 0.001),
    "helper_ratio_small": ("<=", 0.05),
    "check_ratio": ("<=", 1.15),
    "tests_s": ("<", 90.0),
    "edit_loop_overhead_s": ("<=", 2.0),
    "ci_s": ("<", 300.0),
}


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- the docs build ------------------------------------------------------------------


def copy_project(tmp: Path) -> Path:
    """Copy what the docs build reads into ``tmp``, so that it can be edited freely."""
    ignore = shutil.ignore_patterns(
        "_build", "auto_examples", "gen_modules", "sg_*.rst", "__pycache__"
    )
    for name in ("docs", "examples", "rnnstate"):
        shutil.copytree(ROOT / name, tmp / name, ignore=ignore)
    # The docs build serves the wheel it builds from the checkout (docs/_ext/reader_install.py).
    for name in ("README.md", "constraints.txt", "pyproject.toml", "LICENSE"):
        shutil.copy(ROOT / name, tmp / name)
    return tmp


def sphinx(project: Path, clean: bool) -> tuple[float, int]:
    """Build the copy's site; return the wall time and how many examples ran."""
    docs = project / "docs"
    if clean:
        for name in ("_build", "auto_examples", "gen_modules"):
            shutil.rmtree(docs / name, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "-n", "--keep-going",
               str(docs), str(docs / "_build" / "html")]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "agg", "PYTHONPATH": str(project)}
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"the docs build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    match = re.search(r"executed (\d+) out of \d+ file", done.stdout)
    return seconds, int(match.group(1)) if match else 0


def run_example(project: Path, example: Path) -> float:
    """Run one example as its own process; return its wall time."""
    env = {**os.environ, "MPLBACKEND": "agg", "PYTHONPATH": str(project)}
    start = time.perf_counter()
    subprocess.run([sys.executable, str(example)], cwd=example.parent, env=env,
                   capture_output=True, check=True)  # fmt: skip
    return time.perf_counter() - start


def run_examples(project: Path) -> float:
    """Run every example as its own process; return the sum of their wall times."""
    return sum(run_example(project, e) for e in sorted((project / "examples").rglob("*.py")))


def importing(project: Path, package: str) -> int:
    """Count the examples that import ``package``."""
    count = 0
    for example in (project / "examples").rglob("*.py"):
        tree = ast.parse(example.read_text())
        names = {
            a.name.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.Import)
            for a in n.names
        }
        names |= {
            n.module.split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module
        }
        count += package in names
    return count


def warm_edit_loop(project: Path, example: Path, repeats: int) -> list[float]:
    """Edit ``example`` and rebuild as docs-live does (docs/live.py); the rebuilds' times.

    The warm process starts first and brings the build up to date, as docs-live does
    when it starts; each edit's time is its rebuild, and exactly that example must run.
    """
    sys.path.insert(0, str(ROOT / "docs"))
    import live  # docs/live.py, on the path from here on

    docs = project / "docs"
    args = ["-b", "html", "-W", "-n", "--keep-going", str(docs), str(docs / "_build" / "html")]
    env = {**os.environ, "MPLBACKEND": "agg", "PYTHONPATH": str(project)}
    seconds: list[float] = []
    with tempfile.TemporaryFile("w+") as log, live.WarmSphinx(env=env, output=log) as warm:
        assert warm.warm, "docs-live forks its rebuilds here: this machine has fork"
        assert warm.build(args) == 0
        for edit in range(repeats):
            example.write_text(example.read_text() + f"\n# warm edit {edit}\n")
            start = log.seek(0, os.SEEK_END)
            statuses: list[int] = []
            took = timed(lambda: statuses.append(warm.build(args)))  # noqa: B023 - called here
            log.seek(start)
            printed = log.read()
            assert statuses == [0], printed[-3000:]
            assert re.search(r"executed 1 out of \d+ file", printed), printed[-3000:]
            seconds.append(took)
    return seconds


def bench_build(repeats: int) -> dict[str, float]:
    """Clean builds against the examples as processes, no-op and edited rebuilds."""
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp))
        builds, scripts, noops, noop_runs = [], [], [], []
        for _ in range(repeats):
            seconds, ran = sphinx(project, clean=True)
            assert ran > 0
            builds.append(seconds)
            scripts.append(run_examples(project))
            seconds, ran = sphinx(project, clean=False)
            noops.append(seconds)
            noop_runs.append(ran)
        example = sorted((project / "examples").rglob("*.py"))[0]
        cold, alone = [], []
        for edit in range(repeats):
            example.write_text(example.read_text() + f"\n# edit {edit}\n")
            seconds, one_edited = sphinx(project, clean=False)
            cold.append(seconds)
            alone.append(run_example(project, example))
        loops = warm_edit_loop(project, example, repeats)
        init = project / "rnnstate" / "__init__.py"
        init.write_text(init.read_text() + "\n# an edit\n")
        _, package_edited = sphinx(project, clean=False)
        return {
            "clean_build_s": statistics.median(builds),
            "examples_as_processes_s": statistics.median(scripts),
            "build_ratio": statistics.median(b / s for b, s in zip(builds, scripts, strict=True)),
            "noop_rebuild_s": statistics.median(noops),
            "noop_rebuild_runs": max(noop_runs),
            "one_example_edited_runs": one_edited,
            "edit_loop_s": statistics.median(loops),
            "edit_loop_cold_s": statistics.median(cold),
            "edited_example_s": statistics.median(alone),
            "edit_loop_overhead_s": statistics.median(loops) - statistics.median(alone),
            "package_edited_runs": package_edited,
            "examples_importing_rnnstate": importing(project, "rnnstate"),
        }


# -- the helpers ---------------------------------------------------------------------


def per_call(fn: Callable[[], object], calls: int, repeats: int) -> float:
    """Median over ``repeats`` of the mean time of one call in a loop of ``calls``."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def bench_helpers(module: nn.RNNBase, x: torch.Tensor, repeats: int) -> dict[str, float]:
    """Time each helper on this module's output against the forward pass that made it."""
    with torch.no_grad():
        output, h_n = module(x)
        forward = statistics.median(timed(lambda: module(x)) for _ in range(repeats))
    helpers: dict[str, Callable[[], object]] = {
        "last_output": lambda: rnnstate.last_output(output, module),
        "final_state": lambda: rnnstate.final_state(h_n, module),
        "split_hidden": lambda: rnnstate.split_hidden(h_n, module),
    }
    costs = {name: per_call(fn, calls=200, repeats=repeats) for name, fn in helpers.items()}
    worst = max(costs, key=costs.__getitem__)
    return {"forward_s": forward, **{f"{k}_s": v for k, v in costs.items()},
            "worst": worst, "ratio": costs[worst] / forward}  # type: ignore[dict-item]  # fmt: skip


def bench_check(module: nn.RNNBase, x: torch.Tensor, repeats: int) -> dict[str, float]:
    """Time rnnstate.check against one forward pass, interleaved."""
    forward, checks = [], []
    for _ in range(repeats):
        with torch.no_grad():
            forward.append(timed(lambda: module(x)))
        checks.append(timed(lambda: rnnstate.check(module, x)))
    return {"forward_s": statistics.median(forward), "check_s": statistics.median(checks),
            "ratio": statistics.median(checks) / statistics.median(forward)}  # fmt: skip


def busy_cpu_s() -> float | None:
    """Give the CPU time the machine has spent busy since boot, or None without /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: all but idle and iowait
    ticks = sum(int(value) for i, value in enumerate(fields[1:9]) if i not in (3, 4))
    return ticks / os.sysconf("SC_CLK_TCK")


def bench_ci(runs: int) -> dict[str, object]:
    """Time ``CI=true bash .ci/run`` on fresh clones of this checkout's HEAD; the medians."""
    git, bash = shutil.which("git"), shutil.which("bash")
    if git is None or bash is None:
        raise SystemExit("ci_s needs git and bash on the PATH")
    seconds: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            clone = Path(tmp) / "clone"
            subprocess.run([git, "clone", "-q", str(ROOT), str(clone)], check=True)
            log = RESULTS / f"ci-run-{len(seconds) + 1}.log"  # kept out of git (.gitignore)
            busy, start = busy_cpu_s(), time.perf_counter()
            with log.open("w") as output:
                done = subprocess.run([bash, ".ci/run"], cwd=clone, stdout=output,
                                      stderr=subprocess.STDOUT, env={**os.environ, "CI": "true"},
                                      check=False)  # fmt: skip
            seconds.append(time.perf_counter() - start)
            after = busy_cpu_s()
            if busy is not None and after is not None:
                cpu.append(after - busy)
            if done.returncode != 0:
                raise SystemExit(f".ci/run failed after {seconds[-1]:.0f} s: see {log}")
            print(f"ci run {len(seconds)}: {seconds[-1]:.1f} s, {cpu[-1] if cpu else 0:.0f} "
                  "CPU-seconds busy", flush=True)  # fmt: skip
    figures: dict[str, object] = {"ci_s": statistics.median(seconds), "ci_runs_s": seconds}
    if cpu:
        cores = os.cpu_count() or 1
        figures |= {"ci_cpu_s": statistics.median(cpu), "ci_cpu_runs_s": cpu,
                    "ci_cpu_floor_s": statistics.median(cpu) / cores}  # fmt: skip
    return figures


def bench_tests() -> float:
    """Time ``nox -s tests`` with the shared environment made (it is, to run this)."""
    nox = [sys.executable, "-m", "nox", "-s", "tests"]
    return timed(lambda: subprocess.run(nox, cwd=ROOT, check=True, capture_output=True))


def load_noxfile() -> ModuleType:
    """Import the project's noxfile.py (its requirements and pip settings)."""
    spec = importlib.util.spec_from_file_location("noxfile", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def installed(python: Path) -> set[str]:
    """List a venv's distributions as normalised ``name==version`` lines."""
    listed = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "list",
                             "--format=freeze", "--exclude-editable"],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    lines = {re.sub(r"[-_.]+", "-", line.lower()) for line in listed.split()}
    return {line for line in lines if not line.startswith(("pip==", "uv=="))}


def bench_install() -> dict[str, object]:
    """Install the shared pins into empty venvs with pip and with uv; time both."""
    noxfile = load_noxfile()
    requirements = noxfile.requirements(*noxfile.SHARED_GROUPS)
    pinned = ["-c", str(ROOT / "constraints.txt"), *requirements, "-e", f"{ROOT}[plot]"]
    with tempfile.TemporaryDirectory() as tmp:
        pip_venv, uv_venv = Path(tmp) / "pip", Path(tmp) / "uv"
        for venv in (pip_venv, uv_venv):
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip_python, uv_python = pip_venv / "bin" / "python", uv_venv / "bin" / "python"
        pip_s = timed(lambda: subprocess.run(
            [str(pip_python), "-m", "pip", "install", "-q", *pinned],
            check=True, capture_output=True))  # fmt: skip
        args = settings_for_uv(noxfile, uv_python)
        uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
        uv_s = timed(lambda: subprocess.run(
            [uv, "pip", "install", "-q", "--compile-bytecode", "--python", str(uv_python),
             *args, *pinned], check=True, capture_output=True))  # fmt: skip
        return {"install_pip_s": pip_s, "install_uv_s": uv_s,
                "install_same": installed(pip_python) == installed(uv_python)}  # fmt: skip


def settings_for_uv(noxfile: ModuleType, python: Path) -> list[str]:
    """Give uv pip's settings, as ``noxfile.pip_settings_for_uv`` gives them to nox."""

    class Session:  # the one method the noxfile's function calls
        @staticmethod
        def run(*args: str, **_: object) -> str:
            return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    args, env = noxfile.pip_settings_for_uv(Session(), python)
    os.environ.update(env)
    return list(args)


# -- report --------------------------------------------------------------------------


def verdict(name: str, value: float) -> str:
    """Say whether ``value`` meets the goal of ``name``, if it has one."""
    if name not in GOALS:
        return ""
    op, goal = GOALS[name]
    ok = {"<=": value <= goal, "<": value < goal, "==": value == goal}[op]
    return f"  (goal {op} {goal}: {'met' if ok else 'MISSED'})"


def main() -> None:
    """Measure, print every figure, write the JSON, and end on a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="repeats per figure (default 3)")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["build", "helpers", "check", "tests", "install"]
    )
    parser.add_argument(
        "--ci-runs", type=int, default=0, help="fresh-clone .ci/run timings for ci_s (default 0)"
    )
    args = parser.parse_args()
    torch.manual_seed(0)
    figures: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "torch": torch.__version__,
        # The Keras pages import it once per build, and once per process when run alone.
        "keras": installed_version("keras"),
        "torch_threads": torch.get_num_threads(),
        "date": time.strftime("%Y-%m-%d"),
        "repeats": args.repeats,
    }
    popular = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    popular_x = torch.randn(1024, 112, 8)
    small = nn.GRU(32, 128, batch_first=True, bidirectional=True)
    small_x = torch.randn(32, 20, 32)

    if "helpers" not in args.skip:
        big = bench_helpers(popular, popular_x, max(args.repeats, 5))
        little = bench_helpers(small, small_x, max(args.repeats, 21))
        figures |= {
            "helpers_popular": big,
            "helpers_small": little,
            "helper_ratio": big["ratio"],
            "helper_ratio_worst": big["worst"],
            "helper_ratio_small": little["ratio"],
            "helper_ratio_small_worst": little["worst"],
        }
    if "check" not in args.skip:
        big = bench_check(popular, popular_x, max(args.repeats, 5))
        little = bench_check(small, small_x, max(args.repeats, 51))
        figures |= {"check_popular": big, "check_small": little,
                    "check_ratio": max(big["ratio"], little["ratio"])}  # fmt: skip
    if "build" not in args.skip:
        figures |= bench_build(args.repeats)
    if "tests" not in args.skip:
        figures["tests_s"] = bench_tests()
    if "install" not in args.skip:
        figures |= bench_install()
    if args.ci_runs:
        figures |= bench_ci(args.ci_runs)

    for name, value in figures.items():
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(
            f"{name:>30}: {shown}{verdict(name, value) if isinstance(value, int | float) else ''}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2) + "\n")
    measured = {name: float(figures[name]) for name in GOALS if name in figures}  # type: ignore[arg-type]
    summary = " ".join(
        f"{name}={value:.4g}" + ("" if verdict(name, value).endswith("met)") else "(MISSED)")
        for name, value in measured.items()
    )
    print(
        f"bench: {summary} [{platform.machine()} {os.cpu_count()} CPUs, torch {torch.__version__}]"
    )


if __name__ == "__main__":
    main()
