"""Every configuration's shapes and indexing code, verified on real modules.

``configurations()`` builds an ``nn.RNN``, ``nn.GRU`` or ``nn.LSTM`` for each
combination the "Your configuration" page offers, runs it, and evaluates each
expression it will show (written in PyTorch's symbols: ``N``, ``L``, ``D``,
``H_out``, ``num_layers``, ``k``) with ``torch.equal`` against the state it
claims to be. An expression that does not hold raises ``ExpressionFailedError``, and
so fails the docs build. The landing page's table uses the same expressions.
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

# Distinct sizes, so that a symbol in the wrong place cannot match by chance.
N, L, H_IN, H_CELL, PROJ = 3, 5, 7, 11, 6
LENGTHS = [5, 2, 4]  # packed input: unsorted, the longest as long as L
MODES = ("RNN", "GRU", "LSTM")
INPUTS = ("padded", "packed", "unbatched")


class ExpressionFailedError(Exception):
    """An expression the site would show does not hold on a real module."""


@dataclass(frozen=True)
class Config:
    """One combination of the page's controls."""

    mode: str
    num_layers: int
    bidirectional: bool
    batch_first: bool
    proj: bool
    input: str

    @property
    def key(self) -> str:
        """The key the page's script looks the configuration up by."""
        return "|".join(
            str(v)
            for v in (
                self.mode,
                self.num_layers,
                int(self.bidirectional),
                int(self.batch_first),
                int(self.proj),
                self.input,
            )
        )

    @property
    def D(self) -> int:  # noqa: N802 - PyTorch's symbol
        """2 if bidirectional, else 1."""
        return 2 if self.bidirectional else 1


@dataclass
class Line:
    """One expression: what it is, the code, what it equals, and the cells it reads.

    ``cells`` lists ``[layer, direction, step]`` with step ``"last"`` (the last valid
    step) or ``0``.
    """

    what: str
    code: str
    equals: str
    cells: list[list[object]] = field(default_factory=list)


def symbols(config: Config) -> dict[str, list[str] | None]:
    """Give the shapes of output, h_n and c_n in PyTorch's symbols."""
    batch = [] if config.input == "unbatched" else ["N"]
    steps = "L_max" if config.input == "packed" else "L"
    if config.input == "unbatched":
        output = [steps, "D*H_out"]
    elif config.batch_first:
        output = ["N", steps, "D*H_out"]
    else:
        output = [steps, "N", "D*H_out"]
    return {
        "output": output,
        "h_n": ["D*num_layers", *batch, "H_out"],
        "c_n": ["D*num_layers", *batch, "H_cell"] if config.mode == "LSTM" else None,
    }


def lines(config: Config) -> tuple[str, list[Line]]:
    """Give the setup code and the expressions of one configuration."""
    D, top = config.D, "num_layers - 1"
    half = ", :H_out" if D == 2 else ""
    setup = ""
    if config.input == "unbatched":
        fwd, bwd = f"output[-1{half}]", "output[0, H_out:]"
        view = "h_n.view(num_layers, D, H_out)"
    elif config.input == "packed":
        bf = config.batch_first
        setup = f"output, lengths = pad_packed_sequence(packed_output, batch_first={bf})"
        if config.batch_first:
            fwd, bwd = f"output[torch.arange(N), lengths - 1{half}]", "output[:, 0, H_out:]"
        else:
            fwd, bwd = f"output[lengths - 1, torch.arange(N){half}]", "output[0, :, H_out:]"
        view = "h_n.view(num_layers, D, N, H_out)"
    else:
        if config.batch_first:
            fwd, bwd = f"output[:, -1{half}]", "output[:, 0, H_out:]"
        else:
            fwd, bwd = (f"output[-1, :{half}]" if D == 2 else "output[-1]"), "output[0, :, H_out:]"
        view = "h_n.view(num_layers, D, N, H_out)"
    returned = "packed_output" if config.input == "packed" else "output"
    dim = "-1"
    result: list[Line] = []
    if D == 1:
        result.append(Line("final state, top layer", fwd, "h_n[-1]", [[top, 0, "last"]]))
        feature = "h_n[-1]"
        result.append(Line("classifier feature", "h_n[-1]", fwd, [[top, 0, "last"]]))
    else:
        result += [
            Line("forward final, top layer", fwd, "h_n[-2]", [[top, 0, "last"]]),
            Line("backward final, top layer", bwd, "h_n[-1]", [[top, 1, 0]]),
        ]
        feature = f"torch.cat((h_n[-2], h_n[-1]), dim={dim})"
        result.append(
            Line(
                "classifier feature",
                feature,
                f"torch.cat(({fwd}, {bwd}), dim={dim})",
                [[top, 0, "last"], [top, 1, 0]],
            )
        )
    layer_cells: list[list[object]] = [["k", 0, "last"]] + ([["k", 1, 0]] if D == 2 else [])
    result.append(Line("layer k, forward", "h_n[k * D]", f"{view}[k, 0]", [["k", 0, "last"]]))
    if D == 2:
        result.append(Line("layer k, backward", "h_n[k * D + 1]", f"{view}[k, 1]", [["k", 1, 0]]))
    by_slice = "h_n[k * D : (k + 1) * D]"
    result.append(Line("layer k, both directions", f"{view}[k]", by_slice, layer_cells))
    if config.mode == "LSTM":
        result.append(
            Line(
                "cell state, layer k (never in output)",
                "c_n[k * D : (k + 1) * D]",
                "rnnstate.split_hidden(c_n, module)[k]",
                layer_cells,
            )
        )
    feature_cells = [[top, 0, "last"]] + ([[top, 1, 0]] if D == 2 else [])
    result += [
        Line("rnnstate: classifier feature", "rnnstate.final_state(h_n, module)", feature,
             feature_cells),
        Line(f"rnnstate: from {returned}", f"rnnstate.last_output({returned}, module)", feature,
             feature_cells),
        Line("rnnstate: layer k", "rnnstate.split_hidden(h_n, module)[k]", f"{view}[k]",
             layer_cells),
    ]  # fmt: skip
    return setup, result


def _module(config: Config) -> nn.RNNBase:
    options = {"num_layers": config.num_layers, "bidirectional": config.bidirectional,
               "batch_first": config.batch_first}  # fmt: skip
    if config.mode == "LSTM":
        return nn.LSTM(H_IN, H_CELL, proj_size=PROJ if config.proj else 0, **options)
    if config.mode == "GRU":
        return nn.GRU(H_IN, H_CELL, **options)
    return nn.RNN(H_IN, H_CELL, **options)


def verify(config: Config) -> dict[str, object]:
    """Run the module, check shapes and every expression, and return the page's data."""
    torch.manual_seed(0)
    module = _module(config)
    layout = rnnstate.describe(module)
    batch = None if config.input == "unbatched" else N
    x = torch.randn(layout.shapes(batch, L).input)
    values = {"N": N, "L": L, "L_max": max(LENGTHS), "D": config.D, "H_out": layout.output_size,
              "H_cell": H_CELL, "num_layers": config.num_layers}  # fmt: skip
    namespace: dict[str, object] = {
        "torch": torch,
        "rnnstate": rnnstate,
        "module": module,
        **values,
    }
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "LSTM with projections", UserWarning)
        if config.input == "packed":
            packed = pack_padded_sequence(x, LENGTHS, batch_first=config.batch_first,
                                          enforce_sorted=False)  # fmt: skip
            packed_output, hidden = module(packed)
            namespace["packed_output"] = packed_output
            namespace["output"], namespace["lengths"] = pad_packed_sequence(
                packed_output, batch_first=config.batch_first
            )
        else:
            namespace["output"], hidden = module(x)
    h_n, c_n = hidden if layout.is_lstm else (hidden, None)
    namespace |= {"h_n": h_n, "c_n": c_n}

    shapes = symbols(config)
    for name, syms in shapes.items():
        tensor = namespace[name]
        expected = None if syms is None else tuple(eval(s, {}, values) for s in syms)  # noqa: S307
        got = None if tensor is None else tuple(tensor.shape)  # type: ignore[attr-defined]
        if got != expected:
            raise ExpressionFailedError(
                f"{config.key}: {name} has shape {got}, the page says {syms}"
            )
    setup, result = lines(config)
    for line in result:
        for k in range(config.num_layers):  # every layer, where the line has a k
            if k and "k" not in line.code + line.equals:
                break
            scope = {**namespace, "k": k}
            a, b = eval(line.code, scope), eval(line.equals, scope)  # noqa: S307
            if not torch.equal(a, b):
                raise ExpressionFailedError(f"{config.key}: {line.code} != {line.equals} (k={k})")
    return {
        "shapes": shapes,
        "setup": setup,
        "lines": [asdict(line) for line in result],
    }


def all_configs() -> list[Config]:
    """Every combination of the page's controls."""
    configs = []
    for mode, layers, bi, bf, proj, inp in itertools.product(
        MODES, (1, 2, 3, 4), (False, True), (False, True), (False, True), INPUTS
    ):
        if proj and mode != "LSTM":
            continue
        configs.append(Config(mode, layers, bi, bf, proj, inp))
    return configs


def configurations() -> dict[str, dict[str, object]]:
    """Verify every configuration; return the page's data, keyed by ``Config.key``."""
    return {config.key: verify(config) for config in all_configs()}
