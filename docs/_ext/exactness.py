"""Measure which output/h_n identities hold bitwise, and how far other results drift.

Run on a GPU by ``nox -s gpu``, which writes ``docs/data/gpu-report.json``; the docs
build runs the same measurements on CPU and shows both (page "On a GPU").

For each mode (RNN, GRU, LSTM, LSTM with ``proj_size``), 1 and 3 layers, both
directions, padded and packed input (sorted and unsorted), and each dtype setting
(float32 with TF32 on and off on CUDA, float16, bfloat16, float64), it runs
:func:`rnnstate.check` and records whether every identity held bitwise. It also
records the largest differences between computations that agree only up to
rounding: a cell loop against the module, chunked against one pass, CPU against
CUDA, and TF32 on against off.

Usage::

    python docs/_ext/exactness.py --device cuda --out docs/data/gpu-report.json
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

import rnnstate

N, L, H_IN, H = 4, 6, 5, 8
LENGTHS = [6, 3, 5, 1]
MODES = [("RNN", 0), ("GRU", 0), ("LSTM", 0), ("LSTM", 3)]
INPUTS = ("padded", "packed, sorted", "packed, unsorted")


def settings(device: str) -> list[str]:
    """List the dtype settings measured on ``device``; TF32 exists on CUDA only."""
    cuda = ["float32, TF32 on", "float32, TF32 off"] if device.startswith("cuda") else ["float32"]
    return [*cuda, "float16", "bfloat16", "float64"]


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
    options = {"num_layers": layers, "bidirectional": bi, "batch_first": True}
    if mode == "LSTM":
        return nn.LSTM(H_IN, H, proj_size=proj, **options)
    return nn.GRU(H_IN, H, **options) if mode == "GRU" else nn.RNN(H_IN, H, **options)


def _input(
    kind: str, device: str, dtype: torch.dtype
) -> torch.Tensor | nn.utils.rnn.PackedSequence:
    torch.manual_seed(1)
    x = torch.randn(N, L, H_IN).to(device=device, dtype=dtype)
    if kind == "padded":
        return x
    if kind == "packed, sorted":
        return pack_padded_sequence(x, sorted(LENGTHS, reverse=True), batch_first=True)
    return pack_padded_sequence(x, LENGTHS, batch_first=True, enforce_sorted=False)


def identities(device: str) -> list[dict[str, Any]]:
    """Record whether rnnstate.check's identities held bitwise, per configuration and dtype."""
    rows = []
    for mode, proj in MODES:
        for layers in (1, 3):
            for bi in (False, True):
                for kind in INPUTS:
                    results: dict[str, str] = {}
                    for name in settings(device):
                        with setting(name) as dtype, warnings.catch_warnings():
                            warnings.simplefilter("ignore")  # oneDNN and cuDNN notes
                            module = _module(mode, proj, layers, bi).to(device=device, dtype=dtype)
                            try:
                                report = rnnstate.check(module, _input(kind, device, dtype))
                            except RuntimeError as error:  # a dtype this backend lacks
                                results[name] = "unsupported: " + str(error).splitlines()[0][:80]
                                continue
                        failed = [i.name for i in report.identities if not i.held]
                        results[name] = "bitwise" if not failed else "differs: " + ", ".join(failed)
                    rows.append({"mode": mode, "proj_size": proj, "num_layers": layers,
                                 "bidirectional": bi, "input": kind,
                                 "results": results})  # fmt: skip
    return rows


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double().cpu() - b.double().cpu()).abs().max())


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


def differences(device: str) -> list[dict[str, Any]]:
    """Measure the largest differences between computations equal only up to rounding."""
    rows: list[dict[str, Any]] = []
    cuda = device.startswith("cuda")
    floats = ["float32, TF32 on", "float32, TF32 off"] if cuda else ["float32"]
    torch.manual_seed(2)
    x_cpu = torch.randn(16, 24, H_IN)
    with torch.no_grad():
        for name in [*floats, "float64"]:
            with setting(name) as dtype:
                x = x_cpu.to(device=device, dtype=dtype)
                for cls in (nn.GRU, nn.LSTM):
                    torch.manual_seed(0)
                    module = cls(H_IN, H, batch_first=True).to(device=device, dtype=dtype)
                    diff = _max_diff(_cell_loop(module, x), module(x)[0])
                    rows.append({"comparison": f"{cls.__name__}Cell loop vs nn.{cls.__name__}",
                                 "setting": name, "max_abs_diff": diff})  # fmt: skip
                torch.manual_seed(0)
                lstm = nn.LSTM(H_IN, H, num_layers=2, batch_first=True).to(
                    device=device, dtype=dtype
                )
                diff = _max_diff(_chunked(lstm, x, 5), lstm(x)[0])
                rows.append({"comparison": "chunked (5 steps) vs one pass, 2-layer LSTM",
                             "setting": name, "max_abs_diff": diff})  # fmt: skip
        if cuda:
            torch.manual_seed(0)
            lstm = nn.LSTM(H_IN, H, num_layers=2, batch_first=True)
            reference = lstm(x_cpu)[0]
            gpu = lstm.to(device)
            for name in floats:
                with setting(name):
                    diff = _max_diff(gpu(x_cpu.to(device))[0], reference)
                rows.append({"comparison": "CPU vs CUDA, 2-layer LSTM", "setting": name,
                             "max_abs_diff": diff})  # fmt: skip
            torch.manual_seed(0)
            gru = nn.GRU(H_IN, H, num_layers=2, batch_first=True).to(device)
            with setting("float32, TF32 on"):
                on = gru(x_cpu.to(device))[0]
            with setting("float32, TF32 off"):
                off = gru(x_cpu.to(device))[0]
            rows.append({"comparison": "TF32 on vs off, 2-layer GRU", "setting": "float32",
                         "max_abs_diff": _max_diff(on, off)})  # fmt: skip
    return rows


def provenance(device: str) -> dict[str, Any]:
    """Say where and when the report was measured."""
    cuda = device.startswith("cuda")
    return {
        "device": torch.cuda.get_device_name(device) if cuda else f"CPU ({platform.machine()})",
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
        "cudnn": torch.backends.cudnn.version() if cuda else None,  # type: ignore[no-untyped-call]
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "rnnstate": rnnstate.__version__,
    }


def measure(device: str) -> dict[str, Any]:
    """Measure the whole report for ``device``."""
    return {
        "provenance": provenance(device),
        "settings": settings(device),
        "identities": identities(device),
        "differences": differences(device),
    }


def main(argv: list[str] | None = None) -> int:
    """Measure on ``--device`` and write the report; exit 1 if that device is missing."""
    parser = argparse.ArgumentParser(description="Measure the exactness report.")
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:1, cpu ...")
    parser.add_argument("--out", type=Path, required=True, help="where to write the JSON report")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            f"no CUDA GPU is available to torch {torch.__version__} "
            f"(torch.version.cuda = {torch.version.cuda}): nothing measured, no report written",
            file=sys.stderr,
        )
        return 1
    report = measure(args.device)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    results = [v for row in report["identities"] for v in row["results"].values()]
    held = sum(v == "bitwise" for v in results)
    device = report["provenance"]["device"]
    print(f"{args.out}: {held} of {len(results)} identity checks bitwise on {device}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
