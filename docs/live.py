"""Serve the site and rebuild it on every change, each rebuild forked from a warm process.

``python3 -m nox -s docs-live`` runs this with sphinx-autobuild's arguments.
sphinx-autobuild rebuilds by starting ``python -m sphinx build`` afresh on every
change, and every start imports Sphinx, its extensions, torch and matplotlib again
before it reads a page (``edit_loop_cold_s`` against ``edit_loop_s`` in
benchmarks/README.md). Here each rebuild runs the same ``sphinx build``, with the
same arguments, in a child forked from one process that has imported those modules
already (``PRELOADED``).

Only pinned third-party packages are preloaded. rnnstate, the examples, docs/conf.py
and docs/_ext are imported afresh by every rebuild, so that an edit to any of them is
seen. The preloaded packages change only with the pins, which remake the shared
environment: docs-live is then started again anyway. Keras is not preloaded: it
picks its backend when it is imported, and the examples choose it first.

sphinx-autobuild runs every rebuild after the first in a worker process of its own
(``concurrent.futures.ProcessPoolExecutor``), which reaches the warm process only when
it is forked from this one, with the pipes and the patched ``subprocess`` it inherits:
so on Linux with Python 3.13 or older. Where workers are started otherwise (macOS;
Python 3.14, whose default is forkserver), every rebuild after the first is a new
process; where fork is missing (Windows), or with ``RNNSTATE_COLD_REBUILDS=1``, every
rebuild is, as in sphinx-autobuild.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import IO, Any

# Modules every rebuild of the site imports, from the pinned packages only (see above).
PRELOADED = (
    "sphinx.cmd.build",
    "sphinx.builders.html",
    "myst_parser.sphinx_ext.main",
    "furo",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "notfound.extension",
    "numpy",
    "matplotlib.pyplot",
    "torch",
)
SERVE = "--serve-builds"  # the command-line flag of the warm process


def serve_builds(preloaded: Sequence[str], requests: IO[str], statuses: IO[str]) -> None:
    """Import ``preloaded``, then run each requested build in a forked child.

    Each line of ``requests`` is a JSON list: the working directory, then the
    arguments of ``sphinx-build``. Each build's exit status goes to ``statuses``, one
    line each. The children print to this process's stdout and stderr.
    """
    # docs/conf.py asks for one OpenMP thread before anything in a build runs torch;
    # torch's OpenMP reads the setting when torch is imported, which here is now.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    for name in preloaded:
        with contextlib.suppress(ImportError):  # not installed: each build imports its own
            importlib.import_module(name)
    from sphinx.cmd.build import build_main

    for line in requests:
        cwd, *args = json.loads(line)
        pid = os.fork()
        if pid == 0:  # the child: one build, then out as a sphinx-build process ends
            status = 1
            try:
                os.chdir(cwd)
                status = build_main(args)
            finally:
                # The exit handlers, so that what the build started ends with it (the
                # multiprocessing Manager of sphinx-sitemap would outlive it otherwise).
                atexit._run_exitfuncs()
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, waited = os.waitpid(pid, 0)
        statuses.write(f"{os.waitstatus_to_exitcode(waited)}\n")
        statuses.flush()


class WarmSphinx:
    """Run ``sphinx build`` in children forked from a process that imported ``preloaded``.

    The warm process starts with this object, with the environment of the moment,
    and imports ``preloaded`` while the caller goes on; every build waits for it.

    Parameters
    ----------
    preloaded
        Modules the warm process imports once; one that is not installed is skipped.
    cold
        Start every build as a new process instead (as where fork is missing).
    env
        The builds' environment variables; this process's by default.
    output
        Where the builds print (a file, or ``subprocess.DEVNULL``); here by default.
    """

    def __init__(
        self,
        preloaded: Sequence[str] = PRELOADED,
        *,
        cold: bool = False,
        env: Mapping[str, str] | None = None,
        output: IO[str] | int | None = None,
    ) -> None:
        self.env = None if env is None else dict(env)
        self.output = output
        self.server: subprocess.Popen[str] | None = None
        self.statuses: IO[str] | None = None
        if cold or not hasattr(os, "fork"):
            return
        read, write = os.pipe()
        command = [sys.executable, __file__, SERVE, str(write), *preloaded]
        self.server = subprocess.Popen(  # noqa: S603 - this file, with module names
            command, stdin=subprocess.PIPE, stdout=output, stderr=output, pass_fds=[write],
            env=self.env, text=True,
        )  # fmt: skip
        os.close(write)
        self.statuses = os.fdopen(read)

    @property
    def warm(self) -> bool:
        """Whether builds are forked from the warm process."""
        return self.server is not None

    def build(self, args: Sequence[str]) -> int:
        """Build as ``sphinx-build *args`` would in the current directory; give its status."""
        if self.server is None or self.server.stdin is None or self.statuses is None:
            command = [sys.executable, "-m", "sphinx", "build", *args]
            out = self.output
            done = subprocess.run(command, env=self.env, stdout=out, stderr=out, check=False)  # noqa: S603
            return done.returncode
        self.server.stdin.write(json.dumps([os.getcwd(), *args]) + "\n")
        self.server.stdin.flush()
        status = self.statuses.readline()
        if not status:
            raise RuntimeError(f"the warm Sphinx process ended (status {self.server.wait()})")
        return int(status)

    def close(self) -> None:
        """End the warm process."""
        if self.server is not None and self.server.stdin is not None:
            self.server.stdin.close()
            self.server.wait()
        if self.statuses is not None:
            self.statuses.close()
        self.server = self.statuses = None

    def __enter__(self) -> WarmSphinx:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def sphinx_args(command: Sequence[str]) -> list[str] | None:
    """Give the arguments of a ``python -m sphinx [build] ...`` command, or None."""
    if list(command[:3]) != [sys.executable, "-m", "sphinx"]:
        return None
    args = list(command[3:])
    return args[1:] if args[:1] == ["build"] else args


def use_in_autobuild(sphinx: WarmSphinx) -> None:
    """Make sphinx-autobuild build with ``sphinx``; its other commands run as before.

    sphinx-autobuild's builder (``sphinx_autobuild.build``) runs every command through
    ``subprocess.run``; its own messages, pre- and post-build commands stay as they are.
    """
    from sphinx_autobuild import build  # type: ignore[import-untyped]

    def run(command: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:  # noqa: ANN401
        args = sphinx_args(command)
        if args is None:
            return subprocess.run(command, **kwargs)  # noqa: PLW1510, S603
        status = sphinx.build(args)
        if status and kwargs.get("check"):
            raise subprocess.CalledProcessError(status, list(command))
        return subprocess.CompletedProcess(list(command), status)

    build.subprocess = SimpleNamespace(run=run, CalledProcessError=subprocess.CalledProcessError)


def from_environment(environ: Mapping[str, str]) -> WarmSphinx:
    """Give docs-live's builder: a new process for each build if RNNSTATE_COLD_REBUILDS=1."""
    return WarmSphinx(cold=environ.get("RNNSTATE_COLD_REBUILDS") == "1")


def main(argv: Sequence[str]) -> None:
    """Run sphinx-autobuild with ``argv``, rebuilding from a warm process."""
    from sphinx_autobuild.__main__ import main as autobuild  # type: ignore[import-untyped]

    os.environ.setdefault("MPLBACKEND", "agg")  # before the warm process imports matplotlib
    with from_environment(os.environ) as sphinx:
        use_in_autobuild(sphinx)
        autobuild(list(argv))


if __name__ == "__main__":
    if sys.argv[1:2] == [SERVE]:
        with os.fdopen(int(sys.argv[2]), "w") as statuses, contextlib.suppress(KeyboardInterrupt):
            serve_builds(sys.argv[3:], sys.stdin, statuses)  # Ctrl+C in docs-live ends it too
    else:
        main(sys.argv[1:])
