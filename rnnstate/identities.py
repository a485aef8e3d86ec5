"""Check, on a real call, every identity between ``output`` and ``h_n``.

:func:`check` runs a module once and evaluates, for that configuration, each
identity that holds by construction: the shapes, and which slices of ``output``
equal which slices of ``h_n``. Each identity is kept as the plain-torch
expression a reader would type, with the real sizes filled in, and that very
string is what gets evaluated, so the report can never show code that was not
run.
"""

from __future__ import annotations

import functools
import html
import types
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnstate.indexing import InputKind, Relation, expressions
from rnnstate.layout import Layout, _check_state, _state_size, describe

__all__ = ["Identity", "Report", "check"]


@dataclass(frozen=True)
class Identity:
    """One identity, as evaluated on one call.

    Attributes
    ----------
    name : str
        A short name, e.g. ``"backward final"``.
    expression : str
        The plain-torch expression, with the real sizes filled in, that was
        evaluated; names in it are ``output``, ``h_n``, ``c_n`` and, for packed
        input, ``padded`` and ``lengths`` (defined by ``Report.setup``).
    held : bool
        Whether it held exactly: ``torch.equal`` (same shape, equal elements)
        or, for a shape, ``==``.
    max_abs_diff : float or None
        The largest absolute difference between the two sides; None for shapes.
    """

    name: str
    expression: str
    held: bool
    max_abs_diff: float | None


@dataclass(frozen=True)
class Report:
    """What :func:`check` found: one :class:`Identity` per row.

    It prints as an aligned text table and shows as an HTML table in Jupyter and
    in the rendered guide.

    Attributes
    ----------
    layout : Layout
        The module's configuration.
    input_shape : tuple of int
        The shape of the (padded) input.
    packed : bool
        Whether the input was a ``PackedSequence``.
    setup : str
        The code, run before the identities, that defines ``padded`` and
        ``lengths`` from ``output`` (packed input only), else the empty string.
    identities : tuple of Identity
        Every identity checked, shapes first.
    """

    layout: Layout
    input_shape: tuple[int, ...]
    packed: bool
    setup: str
    identities: tuple[Identity, ...]

    @property
    def ok(self) -> bool:
        """Whether every identity held."""
        return all(identity.held for identity in self.identities)

    @property
    def title(self) -> str:
        """One line naming the module and the input."""
        kind = "packed" if self.packed else ("unbatched" if len(self.input_shape) == 2 else "")
        shape = " x ".join(str(n) for n in self.input_shape)
        return f"{self.layout.summary()}; input {shape}{' (' + kind + ')' if kind else ''}"

    def _cells(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for identity in self.identities:
            diff = "" if identity.max_abs_diff is None else f"{identity.max_abs_diff:.3g}"
            rows.append((identity.name, identity.expression, str(identity.held), diff))
        return rows

    def __str__(self) -> str:
        header = ("identity", "expression", "held", "max |diff|")
        rows = [header, *self._cells()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [self.title]
        if self.setup:
            lines.append(self.setup)
        for k, row in enumerate(rows):
            lines.append(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            )
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append(f"all held: {self.ok}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        body = "".join(
            f"<tr><td>{esc(name)}</td><td><code>{esc(expr)}</code></td>"
            f'<td class="rnnstate-{held.lower()}">{held}</td><td>{esc(diff)}</td></tr>'
            for name, expr, held, diff in self._cells()
        )
        setup = f"<p><code>{esc(self.setup)}</code></p>" if self.setup else ""
        return (
            f'<div class="rnnstate-check"><p>{esc(self.title)}</p>{setup}'
            "<table><thead><tr><th>identity</th><th>expression</th><th>held</th>"
            f"<th>max |diff|</th></tr></thead><tbody>{body}</tbody></table>"
            f"<p>all held: <strong>{self.ok}</strong></p></div>"
        )


def _check_input(input: object, layout: Layout) -> tuple[int | None, int]:
    """Return ``(N or None, L)`` of a valid input for ``layout``."""
    if isinstance(input, PackedSequence):
        data = input.data
        if data.dim() != 2 or data.shape[-1] != layout.input_size:
            raise ValueError(
                f"input.data has shape {tuple(data.shape)}, expected "
                f"(sum of lengths, H_in={layout.input_size})"
            )
        return int(input.batch_sizes[0]), len(input.batch_sizes)
    if not isinstance(input, torch.Tensor):
        raise TypeError(
            f"input must be a torch.Tensor or a PackedSequence, got {type(input).__name__}"
        )
    layout_dims = "(N, L, H_in)" if layout.batch_first else "(L, N, H_in)"
    if input.dim() not in (2, 3) or input.shape[-1] != layout.input_size:
        raise ValueError(
            f"input has shape {tuple(input.shape)}, expected {layout_dims} or (L, H_in) "
            f"with H_in={layout.input_size}"
        )
    if input.dim() == 2:
        return None, input.shape[0]
    if layout.batch_first:
        return input.shape[0], input.shape[1]
    return input.shape[1], input.shape[0]


def _check_hx(hx: object, layout: Layout, expected_h: tuple[int, ...]) -> None:
    states: list[tuple[object, str, Literal["h", "c"]]]
    if layout.is_lstm:
        if not isinstance(hx, tuple) or len(hx) != 2:
            raise TypeError(f"hx must be a tuple (h_0, c_0) for an LSTM, got {type(hx).__name__}")
        states = [(hx[0], "hx[0]", "h"), (hx[1], "hx[1]", "c")]
    else:
        states = [(hx, "hx", "h")]
    for state, name, kind in states:
        tensor = _check_state(state, layout, name, kind)
        expected = (*expected_h[:-1], _state_size(layout, kind))
        if tuple(tensor.shape) != expected:
            raise ValueError(
                f"{name} has shape {tuple(tensor.shape)}, but for this input the module "
                f"expects {expected}"
            )


@functools.lru_cache(maxsize=512)
def _compiled(expression: str, mode: str = "eval") -> types.CodeType:
    # A training loop checks the same configuration over and over: compile once.
    return compile(expression, "<rnnstate.check>", mode)


def _evaluate(expression: str, namespace: dict[str, object]) -> object:
    # The expressions come from rnnstate.indexing: fixed templates filled with
    # integers and identifiers; evaluating the very string we show is the point.
    return eval(_compiled(expression), {"__builtins__": {"tuple": tuple}}, namespace)  # noqa: S307


def _identity(relation: Relation, namespace: dict[str, object]) -> Identity:
    if relation.group == "shape":
        return Identity(
            relation.name,
            relation.assertion,
            _evaluate(relation.assertion, namespace) is True,
            None,
        )
    a, b = _evaluate(relation.code, namespace), _evaluate(relation.equals, namespace)
    assert isinstance(a, torch.Tensor), relation  # noqa: S101 - our own templates
    assert isinstance(b, torch.Tensor), relation  # noqa: S101
    held = bool(torch.equal(a, b))
    diff = float((a.double() - b.double()).abs().max()) if a.shape == b.shape else float("inf")
    return Identity(relation.name, relation.assertion, held, diff)


def check(
    module: nn.Module,
    input: torch.Tensor | PackedSequence,
    hx: torch.Tensor | tuple[torch.Tensor, torch.Tensor] | None = None,
) -> Report:
    """Run ``module`` once and check every identity between its outputs.

    Parameters
    ----------
    module : torch.nn.RNN, torch.nn.GRU or torch.nn.LSTM
        The module to run (in inference mode: no gradients are recorded).
    input : torch.Tensor or torch.nn.utils.rnn.PackedSequence
        Batched ``(N, L, H_in)``/``(L, N, H_in)`` as ``module.batch_first`` says,
        unbatched ``(L, H_in)``, or packed.
    hx : torch.Tensor or tuple of torch.Tensor, optional
        The initial state ``h_0``, or ``(h_0, c_0)`` for an LSTM.

    Returns
    -------
    Report
        The identities, each with the expression evaluated, whether it held
        exactly (``torch.equal``) and the largest absolute difference.

    Raises
    ------
    TypeError
        If ``module``, ``input`` or ``hx`` has the wrong type.
    ValueError
        If a shape does not fit the module.

    Examples
    --------
    >>> gru = nn.GRU(8, 50, num_layers=3, batch_first=True, bidirectional=True)
    >>> report = check(gru, torch.randn(4, 112, 8))
    >>> report.ok
    True
    >>> print(report.identities[3].expression)
    torch.equal(output[:, 0, 50:], h_n[-1])
    """
    layout = describe(module)
    N, L = _check_input(input, layout)
    shapes = layout.shapes(N, L)
    if hx is not None:
        _check_hx(hx, layout, shapes.h_n)
    with torch.no_grad():
        output, hidden = module(input, hx)
    h_n, c_n = hidden if layout.is_lstm else (hidden, None)
    namespace: dict[str, object] = {"torch": torch, "output": output, "h_n": h_n, "c_n": c_n}

    packed = isinstance(input, PackedSequence)
    kind: InputKind = "packed" if packed else ("unbatched" if N is None else "padded")
    names = {"output": "padded", "packed_output": "output"} if packed else {}
    code = expressions(layout, input=kind, batch_size=N, seq_len=L, names=names)
    if code.setup:  # run the very line the report shows: it pads the packed output
        exec(_compiled(code.setup, "exec"), {"__builtins__": {}}, namespace)  # noqa: S102
    identities = [_identity(relation, namespace) for relation in code.group("shape", "final")]
    return Report(
        layout=layout,
        input_shape=shapes.input,
        packed=packed,
        setup=code.setup,
        identities=tuple(identities),
    )
