"""Every configuration of "Your configuration", verified on real modules.

For each combination the page's controls allow, :func:`verify` builds the
module, runs it, and evaluates every relation that :func:`rnnstate.expressions`
gives for it, twice: in PyTorch's symbols (what the page shows before the reader
enters sizes) and as the templates the page fills with the reader's sizes, for
every layer ``k``. A relation that does not hold raises
:class:`ExpressionFailedError`, which fails the docs build. The landing page's
table reads the same data. This module builds no expression itself.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate
from rnnstate.indexing import SIZES, InputKind, Relation, expressions, shape_symbols

__all__ = [
    "KEY_FIELDS",
    "Config",
    "ExpressionFailedError",
    "all_configs",
    "build_module",
    "configurations",
    "expressions",
    "relation_names",
    "run",
    "verify",
]

# Distinct sizes, so that a symbol in the wrong place cannot match by chance.
N, L, H_IN, H_CELL, PROJ = 3, 5, 7, 11, 6
LENGTHS = [5, 2, 4]  # packed input: unsorted, the longest as long as L
MODES = ("RNN", "GRU", "LSTM")
INPUTS: tuple[InputKind, ...] = ("padded", "packed", "unbatched")


class ExpressionFailedError(Exception):
    """An expression the site would show does not hold on a real module."""


@dataclass(frozen=True)
class Config:
    """One combination of the page's controls; each field is a control's name."""

    mode: str
    num_layers: int
    bidirectional: bool
    batch_first: bool
    proj: bool
    input: InputKind

    @property
    def key(self) -> str:
        """The key the page looks the configuration up by: the fields in order, joined."""
        return "|".join(str(int(v) if isinstance(v, bool) else v) for v in self._values())

    def _values(self) -> tuple[object, ...]:
        return dataclasses.astuple(self)


#: The order of the fields in ``Config.key``; written into the page's data.
KEY_FIELDS = [field.name for field in dataclasses.fields(Config)]


def build_module(config: Config) -> nn.RNNBase:
    """Build the seeded module of one configuration."""
    torch.manual_seed(0)
    options: dict[str, Any] = {
        "num_layers": config.num_layers,
        "bidirectional": config.bidirectional,
        "batch_first": config.batch_first,
    }
    if config.mode == "LSTM":
        return nn.LSTM(H_IN, H_CELL, proj_size=PROJ if config.proj else 0, **options)
    if config.mode == "GRU":
        return nn.GRU(H_IN, H_CELL, **options)
    return nn.RNN(H_IN, H_CELL, **options)


def run(config: Config) -> dict[str, object]:
    """Run one configuration's module; give every name its code may use, with values."""
    module = build_module(config)
    layout = rnnstate.describe(module)
    batch = None if config.input == "unbatched" else N
    x = torch.randn(layout.shapes(batch, L).input)
    namespace: dict[str, object] = {"torch": torch, "rnnstate": rnnstate, "module": module}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "LSTM with projections", UserWarning)
        if config.input == "packed":
            packed = pack_padded_sequence(
                x, LENGTHS, batch_first=config.batch_first, enforce_sorted=False
            )
            packed_output, hidden = module(packed)
            output, lengths = pad_packed_sequence(packed_output, batch_first=config.batch_first)
            namespace |= {"packed_output": packed_output, "output": output, "lengths": lengths}
        else:
            namespace["output"], hidden = module(x)
    h_n, c_n = hidden if layout.is_lstm else (hidden, None)
    sizes = {"N": N, "L": L, "L_max": max(LENGTHS), "H_out": layout.output_size, "H_cell": H_CELL}
    symbols = {"D": layout.num_directions, "num_layers": config.num_layers}
    return namespace | {"h_n": h_n, "c_n": c_n} | sizes | symbols


def _holds(relation: Relation, scope: dict[str, object]) -> bool:
    # Our own code strings, from rnnstate.expressions, on our own tensors.
    a = eval(relation.code, scope)  # noqa: S307
    b = eval(relation.equals, scope)  # noqa: S307
    return bool(a == b) if relation.group == "shape" else torch.equal(a, b)


def _check(config: Config, relation: Relation, scope: dict[str, object]) -> None:
    if not _holds(relation, scope):
        raise ExpressionFailedError(
            f"{config.key}: {relation.name}: {relation.code} != {relation.equals}"
        )


def _filled(template: Relation, sizes: dict[str, object]) -> Relation:
    """Fill a template with the build's own sizes, where the page puts the reader's."""
    return dataclasses.replace(
        template, code=template.code.format(**sizes), equals=template.equals.format(**sizes)
    )


def verify(config: Config) -> dict[str, object]:
    """Check the shapes and every relation of one configuration; give the page's data."""
    namespace = run(config)
    module = namespace["module"]
    assert isinstance(module, nn.RNNBase)  # noqa: S101 - run() builds one
    shown = expressions(module, input=config.input, k="k", symbolic=True)
    per_layer = [
        expressions(module, input=config.input, k=k, placeholders=True)
        for k in range(config.num_layers)
    ]
    sizes = {name: namespace[name] for name in SIZES}
    if config.input == "packed":
        sizes["L"] = namespace["L_max"]
    for k in range(config.num_layers):
        for relation in shown:
            _check(config, relation, {**namespace, "k": k})
        for template in per_layer[k]:
            _check(config, _filled(template, sizes), namespace)
    lines = []
    for i, relation in enumerate(shown):
        if relation.group == "shape":
            continue
        filled = [[layer.relations[i].code, layer.relations[i].equals] for layer in per_layer]
        lines.append(
            {
                "what": relation.name,
                "group": relation.group,
                "code": relation.code,
                "equals": relation.equals,
                "cells": [list(cell) for cell in relation.cells],
                # The relation with {N}-style fields for the sizes: one for each layer k
                # where it names k, else one for all.
                "filled": filled if any(f != filled[0] for f in filled) else filled[0],
            }
        )
    return {
        "shapes": shape_symbols(rnnstate.describe(module), config.input),
        "setup": shown.setup,
        "lines": lines,
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


def relation_names() -> list[str]:
    """Name every relation the page shows, in order, without running a module.

    The page shows these names in its "what" column; the translation catalogs
    (``nox -s translations``) take them from here.
    """
    names: dict[str, None] = {}
    for config in all_configs():
        shown = expressions(build_module(config), input=config.input, k="k", symbolic=True)
        names.update((r.name, None) for r in shown if r.group != "shape")
    return list(names)
