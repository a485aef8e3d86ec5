"""``rnnstate verify``: measure, on your own machine, what the guide measured on its.

For each mode (RNN, GRU, LSTM, LSTM with ``proj_size``), 1 and 3 layers, both
directions, padded and packed input (sorted and unsorted), and each dtype setting
(float32, with TF32 on and off on CUDA; float16; bfloat16; float64), it runs
:func:`rnnstate.check` and records whether every identity held bitwise. It also
records the largest differences between computations that agree only up to
rounding: a cell loop against the module, chunked against one pass, CPU against
the accelerator, and TF32 on against off.

It prints a table, writes the same report as JSON with ``--json`` (the format the
guide's page "On a GPU" renders), and exits 1 when an identity did not hold::

    rnnstate verify                      # the best device torch sees
    rnnstate verify --device cpu --dtype float32 float64
    rnnstate verify --device cuda --json gpu-report.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import platform
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from rnnstate import __version__
from rnnstate.identities import check

__all__ = ["DTYPES", "best_device", "device_problem", "format_report", "main", "measure"]

DEVICES = ("cpu", "cuda", "mps")
DTYPES = ("float32", "float16", "bfloat16", "float64")

N, L, H_IN, H = 4, 6, 5, 8
LENGTHS = [6, 3, 5, 1]
MODES = [("RNN", 0), ("GRU", 0), ("LSTM", 0), ("LSTM", 3)]
INPUTS = ("padded", "packed, sorted", "packed, unsorted")
CONFIGURATIONS = [
    (mode, proj, layers, bi, kind)
    for mode, proj in MODES
    for layers in (1, 3)
    for bi in (False, True)
    for kind in INPUTS
]

# Called once per measurement with (measurements done, measurements in all, what was measured).
Progress = Callable[[int, int, str], None]


def best_device() -> str:
    """Name the fastest device torch sees here: ``"cuda"``, else ``"mps"``, else ``"cpu"``.

    Returns
    -------
    str
        The device name.

    Examples
    --------
    >>> best_device() in ("cuda", "mps", "cpu")
    True
    """
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def device_problem(device: str) -> str | None:
    """Say why ``device`` cannot be measured here, or None when it can.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.

    Returns
    -------
    str or None
        A one-line message naming the device and what is missing.

    Examples
    --------
    >>> device_problem("cpu") is None
    True
    >>> device_problem("tpu")
    "--device must be one of cpu, cuda, mps (or cuda:N), got 'tpu'"
    """
    kind, colon, index = device.partition(":")
    if kind not in DEVICES or (colon and (kind != "cuda" or not index.isdigit())):
        return f"--device must be one of {', '.join(DEVICES)} (or cuda:N), got {device!r}"
    if kind == "cuda" and not torch.cuda.is_available():
        built = f"CUDA {torch.version.cuda}" if torch.version.cuda else "no CUDA: a CPU-only build"
        return f"--device {device}: torch {torch.__version__} ({built}) sees no CUDA GPU here"
    if kind == "cuda" and colon and int(index) >= torch.cuda.device_count():
        return f"--device {device}: torch sees {torch.cuda.device_count()} CUDA GPU(s) here"
    if kind == "mps" and not torch.backends.mps.is_available():
        return f"--device mps: torch {torch.__version__} sees no Apple GPU (MPS) here"
    return None


def settings(device: str, dtypes: Sequence[str] = DTYPES) -> list[str]:
    """List the dtype settings to measure on ``device``; TF32 exists on CUDA only.

    Parameters
    ----------
    device : str
        The device.
    dtypes : sequence of str
        Some of ``DTYPES``.

    Returns
    -------
    list of str
        One setting per dtype, and two for float32 on CUDA (TF32 on, then off).

    Examples
    --------
    >>> settings("cuda", ["float32", "float64"])
    ['float32, TF32 on', 'float32, TF32 off', 'float64']
    """
    result: list[str] = []
    for dtype in dtypes:
        if dtype == "float32" and device.startswith("cuda"):
            result += ["float32, TF32 on", "float32, TF32 off"]
        else:
            result.append(dtype)
    return result


@contextmanager
def setting(name: str) -> Iterator[torch.dtype]:
    """Set TF32 as ``name`` says for the duration; yield the dtype."""
    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    tf32 = "TF32 on" in name
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cuda.matmul.allow_tf32 = tf32
    try:
        yield getattr(torch, name.split(",", maxsplit=1)[0])
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def _module(mode: str, proj: int, layers: int, bi: bool) -> nn.RNNBase:
    torch.manual_seed(0)
    options: dict[str, Any] = {"num_layers": layers, "bidirectional": bi, "batch_first": True}
    if mode == "LSTM":
        return nn.LSTM(H_IN, H, proj_size=proj, **options)
    return nn.GRU(H_IN, H, **options) if mode == "GRU" else nn.RNN(H_IN, H, **options)


def _input(kind: str, device: str, dtype: torch.dtype) -> torch.Tensor | PackedSequence:
    torch.manual_seed(1)
    x = torch.randn(N, L, H_IN).to(device=device, dtype=dtype)
    if kind == "padded":
        return x
    if kind == "packed, sorted":
        return pack_padded_sequence(x, sorted(LENGTHS, reverse=True), batch_first=True)
    return pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)


def _unsupported(error: Exception) -> str:
    return "unsupported: " + (str(error).splitlines() or [type(error).__name__])[0][:80]


def _held(configuration: tuple[str, int, int, bool, str], device: str, name: str) -> str:
    """Check one configuration in one setting: 'bitwise', 'differs: ...' or 'unsupported: ...'."""
    mode, proj, layers, bi, kind = configuration
    with setting(name) as dtype, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # oneDNN's and cuDNN's notes about their kernels
        try:  # a backend may lack a dtype (MPS has no float64): record it, go on
            module = _module(mode, proj, layers, bi).to(device=device, dtype=dtype)
            report = check(module, _input(kind, device, dtype))
        except (RuntimeError, TypeError) as error:
            return _unsupported(error)
    failed = [identity.name for identity in report.identities if not identity.held]
    return "differs: " + ", ".join(failed) if failed else "bitwise"


def identities(
    device: str, names: Sequence[str], progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Record whether rnnstate.check's identities held bitwise, per configuration and setting."""
    rows = []
    for configuration in CONFIGURATIONS:
        mode, proj, layers, bi, kind = configuration
        results: dict[str, str] = {}
        for name in names:
            results[name] = _held(configuration, device, name)
            progress(f"{mode}{'+proj' if proj else ''}, {layers}x{2 if bi else 1}, {kind}, {name}")
        rows.append(
            {
                "mode": mode,
                "proj_size": proj,
                "num_layers": layers,
                "bidirectional": bi,
                "input": kind,
                "results": results,
            }
        )
    return rows


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.detach().double().cpu() - b.detach().double().cpu()).abs().max())


def _cell_loop(module: nn.RNNBase, x: torch.Tensor) -> torch.Tensor:
    """Run a 1-layer module's weights step by step with the matching cell."""
    lstm = isinstance(module, nn.LSTM)
    cell = (nn.LSTMCell if lstm else nn.GRUCell)(H_IN, H).to(x.device, x.dtype)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in module.state_dict().items()})
    h = torch.zeros(x.shape[0], H, device=x.device, dtype=x.dtype)
    c = torch.zeros_like(h)
    steps = []
    for t in range(x.shape[1]):
        if lstm:
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        steps.append(h)
    return torch.stack(steps, 1)


def _chunked(module: nn.RNNBase, x: torch.Tensor, size: int) -> torch.Tensor:
    state, outs = None, []
    for piece in torch.split(x, size, dim=1):
        out, state = module(piece, state)
        outs.append(out)
    return torch.cat(outs, 1)


def _drift(device: str, name: str, x_cpu: torch.Tensor) -> list[dict[str, Any]]:
    """Measure the cell loops and chunked streaming against one pass, in one setting."""
    rows: list[dict[str, Any]] = []
    with setting(name) as dtype:
        x = x_cpu.to(device=device, dtype=dtype)
        for cls in (nn.GRU, nn.LSTM):
            torch.manual_seed(0)
            module = cls(H_IN, H, batch_first=True).to(device=device, dtype=dtype)
            rows.append(
                {
                    "comparison": f"{cls.__name__}Cell loop vs nn.{cls.__name__}",
                    "setting": name,
                    "max_abs_diff": _max_diff(_cell_loop(module, x), module(x)[0]),
                }
            )
        torch.manual_seed(0)
        lstm = nn.LSTM(H_IN, H, num_layers=2, batch_first=True).to(device=device, dtype=dtype)
        rows.append(
            {
                "comparison": "chunked (5 steps) vs one pass, 2-layer LSTM",
                "setting": name,
                "max_abs_diff": _max_diff(_chunked(lstm, x, 5), lstm(x)[0]),
            }
        )
    return rows


def _against_cpu(device: str, names: Sequence[str], x_cpu: torch.Tensor) -> list[dict[str, Any]]:
    """Measure the accelerator against CPU in float32, and TF32 on against off on CUDA."""
    rows: list[dict[str, Any]] = []
    torch.manual_seed(0)
    lstm = nn.LSTM(H_IN, H, num_layers=2, batch_first=True)
    reference = lstm(x_cpu)[0]
    moved = lstm.to(device)
    for name in names:
        with setting(name):
            diff = _max_diff(moved(x_cpu.to(device))[0], reference)
        where = device.split(":", maxsplit=1)[0].upper()
        rows.append(
            {"comparison": f"CPU vs {where}, 2-layer LSTM", "setting": name, "max_abs_diff": diff}
        )
    if len(names) == 2:  # float32 on CUDA: TF32 on, then off
        torch.manual_seed(0)
        gru = nn.GRU(H_IN, H, num_layers=2, batch_first=True).to(device)
        with setting(names[0]):
            on = gru(x_cpu.to(device))[0]
        with setting(names[1]):
            off = gru(x_cpu.to(device))[0]
        rows.append(
            {
                "comparison": "TF32 on vs off, 2-layer GRU",
                "setting": "float32",
                "max_abs_diff": _max_diff(on, off),
            }
        )
    return rows


def _drift_settings(names: Sequence[str]) -> list[str]:
    """Pick the settings whose drift is measured: float32 (each TF32 setting), float64."""
    return [name for name in names if name.startswith(("float32", "float64"))]


def differences(
    device: str, names: Sequence[str], progress: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Measure the largest differences between computations equal only up to rounding."""
    rows: list[dict[str, Any]] = []
    torch.manual_seed(2)
    x_cpu = torch.randn(16, 24, H_IN)
    with torch.no_grad():
        for name in _drift_settings(names):
            # A dtype this backend lacks has nothing to compare.
            with contextlib.suppress(RuntimeError, TypeError):
                rows += _drift(device, name, x_cpu)
            progress(f"differences, {name}")
        floats = [name for name in names if name.startswith("float32")]
        if device != "cpu" and floats:
            rows += _against_cpu(device, floats, x_cpu)
            progress(f"CPU vs {device}")
    return rows


def _device_name(device: str) -> str:
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(device)
    if device == "mps":
        return f"Apple GPU (MPS, {platform.machine()})"
    return f"CPU ({platform.machine()})"


def provenance(device: str) -> dict[str, Any]:
    """Say where and when the report was measured."""
    cuda = device.startswith("cuda")
    return {
        "device": _device_name(device),
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "cudnn": torch.backends.cudnn.version() if cuda else None,  # type: ignore[no-untyped-call]
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "rnnstate": __version__,
    }


def _steps(device: str, names: Sequence[str]) -> int:
    against_cpu = device != "cpu" and any(name.startswith("float32") for name in names)
    return len(CONFIGURATIONS) * len(names) + len(_drift_settings(names)) + against_cpu


def measure(
    device: str, dtypes: Sequence[str] = DTYPES, progress: Progress | None = None
) -> dict[str, Any]:
    """Measure the whole report on ``device``.

    Parameters
    ----------
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``; see :func:`device_problem`.
    dtypes : sequence of str
        Which of ``DTYPES`` to measure (default: all).
    progress : callable, optional
        Called after each measurement with the number done, the number in all and
        what was measured.

    Returns
    -------
    dict
        ``provenance`` (device, versions, date), ``settings`` (the dtype settings),
        ``identities`` (one row per configuration, a result per setting) and
        ``differences`` (one row per comparison and setting).
    """
    names = settings(device, dtypes)
    total = _steps(device, names)
    done = 0

    def step(what: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, what)

    return {
        "provenance": provenance(device),
        "settings": names,
        "identities": identities(device, names, step),
        "differences": differences(device, names, step),
    }


def _columns(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return [line.rstrip() for line in lines]


def failures(report: dict[str, Any]) -> list[str]:
    """List each identity check that did not hold, as ``configuration, setting: identities``."""
    found = []
    for row in report["identities"]:
        for name, result in row["results"].items():
            if result.startswith("differs: "):
                proj = f", proj_size={row['proj_size']}" if row["proj_size"] else ""
                d = 2 if row["bidirectional"] else 1
                where = f"{row['mode']}{proj}, {row['num_layers']} layer(s), D={d}, {row['input']}"
                found.append(f"{where}, {name}: {result.removeprefix('differs: ')}")
    return found


def format_report(report: dict[str, Any]) -> str:
    """Lay a report out as text: provenance, the identities, the differences, a verdict.

    Parameters
    ----------
    report : dict
        What :func:`measure` returned.

    Returns
    -------
    str
        Aligned tables ending in one line that says how many checks held.
    """
    prov = report["provenance"]
    where = ", ".join(f"{k} {prov[k]}" for k in ("torch", "cuda", "cudnn", "python") if prov[k])
    names = report["settings"]
    identity_rows = [["module", "layers", "D", "input", *names]]
    for row in report["identities"]:
        module = row["mode"] + (f", proj_size={row['proj_size']}" if row["proj_size"] else "")
        cells = [module, str(row["num_layers"]), "2" if row["bidirectional"] else "1", row["input"]]
        identity_rows.append(cells + [row["results"][name].split(":")[0] for name in names])
    diff_rows = [["comparison", "setting", "max |diff|"]] + [
        [d["comparison"], d["setting"], f"{d['max_abs_diff']:.2e}"] for d in report["differences"]
    ]
    results = [v for row in report["identities"] for v in row["results"].values()]
    held = sum(v == "bitwise" for v in results)
    unsupported = sum(v.startswith("unsupported") for v in results)
    lines = [
        f"Measured on {prov['device']} with {where}, rnnstate {prov['rnnstate']}, {prov['date']}.",
        "",
        "Every output/h_n identity of rnnstate.check, per configuration and dtype "
        "('bitwise': all held with torch.equal):",
        *_columns(identity_rows),
        "",
        "Computations that agree only up to rounding, and how far apart they were:",
        *(_columns(diff_rows) if report["differences"] else ["(none measured)"]),
        "",
        *(f"DIFFERS: {line}" for line in failures(report)),
        f"{held} of {len(results)} identity checks held bitwise"
        + (f"; {unsupported} not supported by this backend" if unsupported else "")
        + f" on {prov['device']}.",
    ]
    return "\n".join(lines)


class _Bar:
    """A progress bar on a terminal, or a line every tenth of the way elsewhere."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int, what: str) -> None:
        tenth = 10 * done // total
        if self.tty:
            bar = ("#" * (30 * done // total)).ljust(30)
            self.stream.write(f"\r[{bar}] {done}/{total} {what[:40]:<40}")
            if done == total:
                self.stream.write("\n")
        elif tenth != self.shown:
            self.stream.write(f"rnnstate verify: {done}/{total} measured ({what})\n")
        self.shown = tenth
        self.stream.flush()


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of ``rnnstate verify``.

    Returns
    -------
    argparse.ArgumentParser
        The parser; :func:`main` uses it.
    """
    parser = argparse.ArgumentParser(
        prog="rnnstate verify",
        description=(
            "Check on this machine which output/h_n identities hold bitwise, for every "
            "module, layer count, direction, padded or packed input and dtype, and measure "
            "how far results that are equal only up to rounding drift apart."
        ),
        epilog="example: rnnstate verify --device cuda --json gpu-report.json",
    )
    parser.add_argument(
        "--device",
        default=None,
        help=f"cpu, cuda, cuda:N or mps (default: the best available; here {best_device()})",
    )
    parser.add_argument(
        "--dtype",
        nargs="+",
        default=list(DTYPES),
        metavar="DTYPE",
        help=f"which of {', '.join(DTYPES)} to measure (default: all)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the report here")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _argument_problem(device: str, dtypes: Sequence[str]) -> str | None:
    bad = [dtype for dtype in dtypes if dtype not in DTYPES]
    if bad:
        return f"--dtype must be among {', '.join(DTYPES)}, got {bad[0]!r}"
    return device_problem(device)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``rnnstate verify``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after ``verify``; by default ``sys.argv[2:]``.

    Returns
    -------
    int
        0 when every identity held (or the dtype is not supported there), 1 when one
        did not. A bad or unavailable device or dtype exits with 2 and one line on
        stderr.
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[2:] if argv is None else argv)
    device = args.device or best_device()
    dtypes = list(dict.fromkeys(args.dtype))
    problem = _argument_problem(device, dtypes)
    if problem:
        parser.exit(2, f"{parser.prog}: error: {problem}\n")
    report = measure(device, dtypes, progress=None if args.quiet else _Bar(sys.stderr))
    print(format_report(report))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 1 if failures(report) else 0
