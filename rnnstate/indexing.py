"""Indexing expressions: which slice of ``output`` is which row of ``h_n``.

:func:`expressions` is the one place in rnnstate, the site and its examples where
indexing code is written as text. For a module and a kind of input it gives every
relation that holds by construction (the shapes, the final states of the top
layer, the classifier feature, the states of layer ``k``, and the same through
rnnstate's own functions) as code a reader can paste, in the reader's variable
names, with the module's sizes filled in or in PyTorch's symbols.

:func:`rnnstate.check` evaluates exactly these strings on a real call, the
command line prints them, and the site's tables, cheat sheet and "Your
configuration" page are generated from them.
"""

from __future__ import annotations

import string
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from torch import nn

from rnnstate.layout import Layout, _check_positive_int, describe

__all__ = [
    "SIZES",
    "Expressions",
    "InputKind",
    "Relation",
    "expressions",
    "shape_symbols",
    "state_rows",
]

InputKind = Literal["padded", "packed", "unbatched"]
Group = Literal["shape", "final", "layer", "rnnstate"]
Cell = tuple[int | str, int, str]

#: The names of the tensors in the code, as ``expressions(..., names=...)`` may rename them.
VARIABLES = ("output", "h_n", "c_n", "lengths", "packed_output", "module")
#: The sizes a reader chooses; ``symbolic=SIZES`` keeps just these as symbols.
SIZES = ("N", "L", "H_out", "H_cell")
#: Every symbol that can appear in an expression (PyTorch's notation, plus ``k``).
SYMBOLS = (*SIZES, "num_layers", "D", "k")

# Each relation is a fixed template: {field}s are filled with checked integers,
# PyTorch's symbols or identifiers, never with free text.
_FWD = {
    ("unbatched", False): "{output}[-1{half}]",
    ("unbatched", True): "{output}[-1{half}]",
    ("padded", True): "{output}[:, -1{half}]",
    ("padded", False): "{output}[-1, :{half}]",
    ("packed", True): "{output}[torch.arange({N}), {lengths} - 1{half}]",
    ("packed", False): "{output}[{lengths} - 1, torch.arange({N}){half}]",
}
_BWD = {
    ("unbatched", False): "{output}[0, {H_out}:]",
    ("unbatched", True): "{output}[0, {H_out}:]",
    ("padded", True): "{output}[:, 0, {H_out}:]",
    ("padded", False): "{output}[0, :, {H_out}:]",
    ("packed", True): "{output}[:, 0, {H_out}:]",
    ("packed", False): "{output}[0, :, {H_out}:]",
}
_SETUP = (
    "{output}, {lengths} = torch.nn.utils.rnn.pad_packed_sequence("
    "{packed_output}, batch_first={batch_first})"
)


@dataclass(frozen=True)
class Relation:
    """One relation between what a module returns, as code.

    Attributes
    ----------
    name : str
        What it is, e.g. ``"backward final, top layer"``.
    group : {"shape", "final", "layer", "rnnstate"}
        A shape; the top layer's final states; the states of layer ``k``; or the
        same through rnnstate's functions.
    code : str
        The expression a reader types.
    equals : str
        An expression that gives the same value: a tensor ``torch.equal`` to
        ``code``'s, or for a shape the same tuple.
    cells : tuple of tuple
        ``(layer, direction, step)`` for each cell of the unrolled network that
        ``code`` reads: ``layer`` an int (or ``"k"``), ``direction`` 0 forward or
        1 backward, ``step`` ``"last"`` (each sequence's last valid step) or
        ``"first"``.
    """

    name: str
    group: Group
    code: str
    equals: str
    cells: tuple[Cell, ...] = ()

    @property
    def assertion(self) -> str:
        """Give the check as one expression (``torch.equal``, or ``==`` for a shape)."""
        if self.group == "shape":
            return f"{self.code} == {self.equals}"
        return f"torch.equal({self.code}, {self.equals})"


@dataclass(frozen=True)
class Expressions:
    """The relations of one module and input kind, in the order a reader needs them.

    Attributes
    ----------
    setup : str
        Code to run first: for packed input, the ``pad_packed_sequence`` call that
        defines the padded ``output`` and ``lengths``; else the empty string.
    relations : tuple of Relation
        Shapes first, then final states, layer ``k`` and rnnstate's functions.
    """

    setup: str
    relations: tuple[Relation, ...]

    def __iter__(self) -> Iterator[Relation]:
        return iter(self.relations)

    def __len__(self) -> int:
        return len(self.relations)

    def __getitem__(self, name: str) -> Relation:
        """Look a relation up by its name."""
        for relation in self.relations:
            if relation.name == name:
                return relation
        known = ", ".join(repr(r.name) for r in self.relations)
        raise KeyError(f"no relation named {name!r}; these exist: {known}")

    def group(self, *groups: Group) -> tuple[Relation, ...]:
        """Give the relations of these groups, in order."""
        return tuple(r for r in self.relations if r.group in groups)

    def __str__(self) -> str:
        lines = [self.setup] if self.setup else []
        width = max(len(r.name) for r in self.relations)
        lines += [f"{r.name:<{width}}  {r.code}  ==  {r.equals}" for r in self.relations]
        return "\n".join(lines)


def shape_symbols(layout: Layout, input: InputKind = "padded") -> dict[str, list[str] | None]:
    """Give the shapes of ``output``, ``h_n`` and ``c_n`` in PyTorch's symbols.

    Each dimension is a symbol or a product of symbols written with ``*``.

    Parameters
    ----------
    layout : rnnstate.Layout
        The module's layout, from :func:`rnnstate.describe`.
    input : {"padded", "packed", "unbatched"}
        The input kind; for packed input ``output`` is ``pad_packed_sequence``'s
        result, ``L_max`` steps long.

    Returns
    -------
    dict
        ``{"output": [...], "h_n": [...], "c_n": [...] or None}``.

    Examples
    --------
    >>> from rnnstate import describe
    >>> shape_symbols(describe(nn.LSTM(8, 50, batch_first=True)), "packed")
    {'output': ['N', 'L_max', 'D*H_out'], 'h_n': ['D*num_layers', 'N', 'H_out'], \
'c_n': ['D*num_layers', 'N', 'H_cell']}
    """
    _check_input_kind(input)
    steps = "L_max" if input == "packed" else "L"
    batch = [] if input == "unbatched" else ["N"]
    if input == "unbatched":
        output = [steps, "D*H_out"]
    elif layout.batch_first:
        output = ["N", steps, "D*H_out"]
    else:
        output = [steps, "N", "D*H_out"]
    return {
        "output": output,
        "h_n": ["D*num_layers", *batch, "H_out"],
        "c_n": ["D*num_layers", *batch, "H_cell"] if layout.is_lstm else None,
    }


def state_rows(layout: Layout, layer: int, direction: int) -> list[str]:
    """Give the rows of ``h_n`` (and ``c_n``) that hold one layer and direction's final state.

    Parameters
    ----------
    layout : rnnstate.Layout
        The module's layout.
    layer : int
        The layer, 0 at the bottom.
    direction : int
        0 forward, 1 backward.

    Returns
    -------
    list of str
        ``["h_n[i]"]``, or ``["h_n[i]", "c_n[i]"]`` for an LSTM, with
        ``i = layer * D + direction``.

    Examples
    --------
    >>> from rnnstate import describe
    >>> state_rows(describe(nn.LSTM(3, 4, num_layers=2, bidirectional=True)), 1, 0)
    ['h_n[2]', 'c_n[2]']
    """
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise TypeError(f"layer must be an int, got {type(layer).__name__} {layer!r}")
    _check_layer(layer, layout, "layer")
    if direction not in range(layout.num_directions):
        raise ValueError(
            f"direction must be 0 (forward) or, for a bidirectional module, 1; got {direction!r}"
        )
    row = layer * layout.num_directions + direction
    return [f"{name}[{row}]" for name in (("h_n", "c_n") if layout.is_lstm else ("h_n",))]


def expressions(
    module: nn.Module | Layout,
    *,
    input: InputKind = "padded",
    batch_size: int | None = None,
    seq_len: int | None = None,
    k: int | Literal["k"] | None = None,
    symbolic: bool | Collection[str] = False,
    placeholders: bool = False,
    names: Mapping[str, str] | None = None,
) -> Expressions:
    """Give every output/h_n relation of a module as code.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM or Layout
        The module, or its :class:`~rnnstate.Layout`.
    input : {"padded", "packed", "unbatched"}
        Batched tensor input, a ``PackedSequence``, or unbatched ``(L, H_in)`` input.
    batch_size : int, optional
        ``N``, written as a number where the code needs it (packed input and
        ``h_n.view``); left as the symbol ``N`` when not given.
    seq_len : int, optional
        ``L`` (for packed input the longest length, ``L_max``), written as a number
        in the shape of ``output``; the symbol when not given.
    k : int or "k", optional
        Also give the states of layer ``k``: for this layer, or with the symbol ``k``.
    symbolic : bool or collection of str
        Write sizes as PyTorch's symbols (``N``, ``L``, ``H_out``, ``H_cell``,
        ``num_layers``, ``D``) instead of the module's numbers: all of them
        (``True``), or only those named (for example ``("N", "L")``).
    placeholders : bool
        Write the reader's sizes (``N``, ``L``, ``H_out``, ``H_cell``) as ``{N}``-style placeholders
        for a tool to fill in later, e.g. the site's "Your configuration" page.
        Such code is a template, not runnable Python.
    names : mapping of str to str, optional
        The reader's own names for ``output``, ``h_n``, ``c_n``, ``lengths``,
        ``packed_output`` (the ``PackedSequence`` a module returns) and
        ``module``; each must be a Python identifier.

    Returns
    -------
    Expressions
        The setup code (packed input) and the relations, shapes first.

    Raises
    ------
    TypeError
        If ``module`` is not a recurrent module or a layout, or an argument has
        the wrong type.
    ValueError
        If ``input``, ``k``, a symbol or a name is not one that exists.

    Examples
    --------
    >>> gru = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    >>> for relation in expressions(gru).group("final")[:2]:
    ...     print(relation.code, "==", relation.equals)
    output[:, -1, :50] == h_n[-2]
    output[:, 0, 50:] == h_n[-1]
    >>> expressions(gru, k="k", symbolic=True)["layer k, backward"].code
    'h_n[k * D + 1]'
    >>> expressions(gru, k=1, batch_size=4)["layer 1, both directions"].code
    'h_n.view(3, 2, 4, 50)[1]'
    """
    layout = module if isinstance(module, Layout) else describe(module)
    _check_input_kind(input)
    if batch_size is not None:
        _check_positive_int(batch_size, "batch_size")
        if input == "unbatched":
            raise ValueError(f"batch_size must be None for unbatched input, got {batch_size}")
    if seq_len is not None:
        _check_positive_int(seq_len, "seq_len")
    _check_layer(k, layout)
    sizes = {"N": batch_size, "L": seq_len}
    fields = _fields(
        layout,
        input=input,
        sizes=sizes,
        k=k,
        symbolic=_symbolic_set(symbolic),
        placeholders=placeholders,
    )
    fields.update(_names(names))
    fill = _Filler(fields)
    setup = fill(_SETUP) if input == "packed" else ""
    relations = [
        *_shapes(layout, input, fill),
        *_finals(layout, input, fill),
        *(_layer(layout, input, fill, k) if k is not None else []),
        *_rnnstate(layout, input, fill, k),
    ]
    return Expressions(setup=setup, relations=tuple(relations))


class _Filler:
    """Fill a fixed template's fields; a field we never set is a bug, not input."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields

    def __call__(self, template: str) -> str:
        out = []
        for literal, field, _, _ in string.Formatter().parse(template):
            out.append(literal)
            if field is not None:
                out.append(self.fields[field])
        return "".join(out)


def _check_input_kind(input: object) -> None:
    kinds = get_args(InputKind)
    if input not in kinds:
        raise ValueError(f"input must be one of {', '.join(map(repr, kinds))}, got {input!r}")


def _check_layer(k: object, layout: Layout, name: str = "k") -> None:
    if k is None or k == "k":
        return
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"{name} must be an int, 'k' or None, got {type(k).__name__} {k!r}")
    if not 0 <= k < layout.num_layers:
        raise ValueError(
            f"{name} must be a layer of this {layout.num_layers}-layer module "
            f"(0 to {layout.num_layers - 1}), got {k}"
        )


def _symbolic_set(symbolic: bool | Collection[str]) -> frozenset[str]:
    if isinstance(symbolic, bool):
        return frozenset(SYMBOLS if symbolic else ())
    if isinstance(symbolic, str):
        raise TypeError(f"symbolic must be a bool or a collection of symbols, got {symbolic!r}")
    unknown = sorted(set(symbolic) - set(SYMBOLS))
    if unknown:
        raise ValueError(
            f"symbolic names unknown symbols {unknown}; expected some of {', '.join(SYMBOLS)}"
        )
    return frozenset(symbolic)


def _names(names: Mapping[str, str] | None) -> dict[str, str]:
    chosen = {name: name for name in VARIABLES}
    given: Mapping[str, object] = names or {}  # typed str, checked anyway: it is pasted into code
    for key, value in given.items():
        if key not in VARIABLES:
            raise ValueError(f"names has key {key!r}; expected some of {', '.join(VARIABLES)}")
        if not isinstance(value, str) or not value.isidentifier():
            raise ValueError(f"names[{key!r}] must be a Python identifier, got {value!r}")
        chosen[key] = value
    return chosen


def _fields(
    layout: Layout,
    *,
    input: InputKind,
    sizes: Mapping[str, int | None],
    k: int | str | None,
    symbolic: frozenset[str],
    placeholders: bool,
) -> dict[str, str]:
    """Write out every size field, and the arithmetic between them."""
    numbers: dict[str, int | None] = {
        **sizes,
        "H_out": layout.output_size,
        "H_cell": layout.hidden_size,
        "num_layers": layout.num_layers,
        "D": layout.num_directions,
        "k": k if isinstance(k, int) else None,
    }
    text: dict[str, str] = {}
    values: dict[str, int | None] = {}
    for symbol, number in numbers.items():
        if placeholders and symbol in SIZES:
            text[symbol], values[symbol] = "{" + symbol + "}", None
        elif symbol in symbolic or number is None:
            text[symbol], values[symbol] = symbol, None
        else:
            text[symbol], values[symbol] = str(number), number
    if input == "packed" and text["L"] == "L":
        text["L"] = "L_max"
    kD, D = _product(values, text, "k", "D"), text["D"]
    kd = values["k"], values["D"]
    if kd[0] is not None and kd[1] is not None:
        kD1, end = str(kd[0] * kd[1] + 1), str((kd[0] + 1) * kd[1])
        layer_slice = f"{kD}:{end}"
    else:
        kD1, layer_slice = f"{kD} + 1", f"{kD} : ({text['k']} + 1) * {D}"
    half = f", :{text['H_out']}" if layout.num_directions == 2 else ""
    return {
        **text,
        "kD": kD,
        "kD1": kD1,
        "layer_slice": layer_slice,
        "DH_out": _product(values, text, "D", "H_out"),
        "Dnum_layers": _product(values, text, "D", "num_layers"),
        "half": half,
        "batch_first": str(layout.batch_first),
    }


def _product(values: Mapping[str, int | None], text: Mapping[str, str], a: str, b: str) -> str:
    x, y = values[a], values[b]
    if x is not None and y is not None:
        return str(x * y)
    if x == 1 or y == 1:  # 1 * {H_out} is {H_out}
        return text[b] if x == 1 else text[a]
    return f"{text[a]} * {text[b]}"


def _shapes(layout: Layout, input: InputKind, fill: _Filler) -> list[Relation]:
    batch = "" if input == "unbatched" else "{N}, "
    if input == "unbatched":
        output = "({L}, {DH_out})"
    elif layout.batch_first:
        output = "({N}, {L}, {DH_out})"
    else:
        output = "({L}, {N}, {DH_out})"
    result = [
        Relation("output shape", "shape", fill("tuple({output}.shape)"), fill(output)),
        Relation(
            "h_n shape",
            "shape",
            fill("tuple({h_n}.shape)"),
            fill(f"({{Dnum_layers}}, {batch}{{H_out}})"),
        ),
    ]
    if layout.is_lstm:
        equals = fill(f"({{Dnum_layers}}, {batch}{{H_cell}})")
        result.append(Relation("c_n shape", "shape", fill("tuple({c_n}.shape)"), equals))
    return result


def _final_templates(layout: Layout, input: InputKind) -> tuple[str, str]:
    """Give the top layer's forward and backward final states, read from ``output``."""
    key = (input, layout.batch_first)
    if (input, layout.batch_first, layout.num_directions) == ("padded", False, 1):
        return "{output}[-1]", _BWD[key]  # output[-1, :] is output[-1]
    return _FWD[key], _BWD[key]


def _feature(layout: Layout) -> str:
    if layout.num_directions == 1:
        return "{h_n}[-1]"
    return "torch.cat(({h_n}[-2], {h_n}[-1]), dim=-1)"


def _finals(layout: Layout, input: InputKind, fill: _Filler) -> list[Relation]:
    top = layout.num_layers - 1
    fwd, bwd = _final_templates(layout, input)
    if layout.num_directions == 1:
        name = "final state, top layer (the classifier feature)"
        return [Relation(name, "final", fill(fwd), fill("{h_n}[-1]"), ((top, 0, "last"),))]
    both: tuple[Cell, ...] = ((top, 0, "last"), (top, 1, "first"))
    both_code = f"torch.cat(({fwd}, {bwd}), dim=-1)"
    return [
        Relation("forward final, top layer", "final", fill(fwd), fill("{h_n}[-2]"), both[:1]),
        Relation("backward final, top layer", "final", fill(bwd), fill("{h_n}[-1]"), both[1:]),
        Relation("classifier feature", "final", fill(_feature(layout)), fill(both_code), both),
    ]


def _view(input: InputKind) -> str:
    if input == "unbatched":
        return "{h_n}.view({num_layers}, {D}, {H_out})"
    return "{h_n}.view({num_layers}, {D}, {N}, {H_out})"


def _layer_cells(layout: Layout, k: int | str) -> tuple[Cell, ...]:
    cells: tuple[Cell, ...] = ((k, 0, "last"),)
    return (*cells, (k, 1, "first")) if layout.num_directions == 2 else cells


def _layer(layout: Layout, input: InputKind, fill: _Filler, k: int | str) -> list[Relation]:
    view, name = _view(input), fill("layer {k}")
    cells = _layer_cells(layout, k)
    rows = [(f"{name}, forward", "{h_n}[{kD}]", view + "[{k}, 0]", cells[:1])]
    if layout.num_directions == 2:
        rows.append((f"{name}, backward", "{h_n}[{kD1}]", view + "[{k}, 1]", cells[1:]))
    rows.append((f"{name}, both directions", view + "[{k}]", "{h_n}[{layer_slice}]", cells))
    if layout.is_lstm:
        split = "rnnstate.split_hidden({c_n}, {module})[{k}]"
        rows.append((f"cell state, {name} (never in output)", "{c_n}[{layer_slice}]", split, cells))
    return [Relation(what, "layer", fill(code), fill(equals), c) for what, code, equals, c in rows]


def _rnnstate(
    layout: Layout, input: InputKind, fill: _Filler, k: int | str | None
) -> list[Relation]:
    cells = _layer_cells(layout, layout.num_layers - 1)
    feature = fill(_feature(layout))
    returned = fill("{packed_output}" if input == "packed" else "{output}")
    result = [
        Relation(
            "rnnstate: classifier feature",
            "rnnstate",
            fill("rnnstate.final_state({h_n}, {module})"),
            feature,
            cells,
        ),
        Relation(
            f"rnnstate: from {returned}",
            "rnnstate",
            fill("rnnstate.last_output({packed_output}, {module})")
            if input == "packed"
            else fill("rnnstate.last_output({output}, {module})"),
            feature,
            cells,
        ),
    ]
    if k is not None:
        result.append(
            Relation(
                fill("rnnstate: layer {k}"),
                "rnnstate",
                fill("rnnstate.split_hidden({h_n}, {module})[{k}]"),
                fill(_view(input) + "[{k}]"),
                _layer_cells(layout, k),
            )
        )
    return result
