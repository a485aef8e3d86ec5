"""The site's own Sphinx additions.

- ``rnnstate-shapes``, a directive: the landing page's answer table, computed.
- An install note on every gallery page, next to its download links.

The table:

For each configuration it builds the real module, runs it on a small input, and
checks that the symbolic shapes it is about to print (``(N, L, D*H_out)`` and so
on), evaluated with the sizes used, are the shapes the module returned, and that
the printed expressions for the final states hold with ``torch.equal``. A row
that does not hold fails the build.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

# Distinct sizes, so that a symbol put in the wrong place cannot match by chance.
SIZES = {"N": 3, "L": 5, "H_in": 7, "H_cell": 11, "proj_size": 6, "num_layers": 2}


@dataclass(frozen=True)
class Row:
    """One configuration of the table."""

    label: str
    mode: str
    batch_first: bool
    bidirectional: bool
    input_kind: str  # "padded", "packed" or "unbatched"
    proj: bool = False


ROWS = [
    Row("RNN or GRU", "GRU", False, False, "padded"),
    Row("RNN or GRU, batch_first=True", "GRU", True, False, "padded"),
    Row("GRU, bidirectional, batch_first=True", "GRU", True, True, "padded"),
    Row("LSTM", "LSTM", False, False, "padded"),
    Row("LSTM, proj_size > 0, bidirectional", "LSTM", False, True, "padded", proj=True),
    Row("LSTM, unbatched (2-D) input", "LSTM", False, False, "unbatched"),
    Row("GRU, bidirectional, packed, batch_first=True", "GRU", True, True, "packed"),
]


def _symbols(row: Row) -> dict[str, tuple[str, ...] | None]:
    batch = () if row.input_kind == "unbatched" else ("N",)
    steps = "L_max" if row.input_kind == "packed" else "L"
    if row.input_kind == "unbatched":
        output: tuple[str, ...] = (steps, "D*H_out")
    elif row.batch_first:
        output = ("N", steps, "D*H_out")
    else:
        output = (steps, "N", "D*H_out")
    return {
        "output": output,
        "h_n": ("D*num_layers", *batch, "H_out"),
        "c_n": ("D*num_layers", *batch, "H_cell") if row.mode == "LSTM" else None,
    }


def _final_expressions(row: Row) -> tuple[str, str]:
    """Give the top layer's forward and backward final states, read from output."""
    h = ", :H_out" if row.bidirectional else ""
    if row.input_kind == "unbatched":
        fwd, bwd = f"output[-1{h}]", "output[0, H_out:]"
    elif row.input_kind == "packed":
        fwd, bwd = f"output[torch.arange(N), lengths - 1{h}]", "output[:, 0, H_out:]"
    elif row.batch_first:
        fwd, bwd = f"output[:, -1{h}]", "output[:, 0, H_out:]"
    else:
        fwd, bwd = f"output[-1, :{h}]".replace("[-1, :]", "[-1]"), "output[0, :, H_out:]"
    fwd_h_n = "h_n[-2]" if row.bidirectional else "h_n[-1]"
    forward = f"{fwd} == {fwd_h_n}"
    backward = f"{bwd} == h_n[-1]" if row.bidirectional else "(unidirectional)"
    return forward, backward


def _verify(row: Row) -> list[str]:
    torch.manual_seed(0)
    options = {"num_layers": SIZES["num_layers"], "batch_first": row.batch_first,
               "bidirectional": row.bidirectional}  # fmt: skip
    module: nn.RNNBase
    if row.mode == "LSTM":
        proj = SIZES["proj_size"] if row.proj else 0
        module = nn.LSTM(SIZES["H_in"], SIZES["H_cell"], proj_size=proj, **options)
    else:
        module = nn.GRU(SIZES["H_in"], SIZES["H_cell"], **options)
    layout = rnnstate.describe(module)
    batch = None if row.input_kind == "unbatched" else SIZES["N"]
    x = torch.randn(layout.shapes(batch, SIZES["L"]).input)
    values = {
        **SIZES,
        "D": layout.num_directions,
        "H_out": layout.output_size,
        "L_max": SIZES["L"] - 1,
    }
    namespace: dict[str, object] = {"torch": torch, **values}
    with torch.no_grad(), warnings.catch_warnings():
        # torch notes on CPU that oneDNN has no kernel for proj_size; not our concern here.
        warnings.filterwarnings("ignore", "LSTM with projections", UserWarning)
        if row.input_kind == "packed":
            lengths = [SIZES["L"] - 1, 2, 3]
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            packed_out, hidden = module(packed)
            output, namespace["lengths"] = pad_packed_sequence(packed_out, batch_first=True)
        else:
            output, hidden = module(x)
    h_n, c_n = hidden if layout.is_lstm else (hidden, None)
    namespace |= {"output": output, "h_n": h_n}
    actual = {"output": output, "h_n": h_n, "c_n": c_n}
    cells = [row.label]
    for name, symbols in _symbols(row).items():
        tensor = actual[name]
        if symbols is None:
            if tensor is not None:
                raise ExtensionError(f"{row.label}: {name} exists but the table leaves it empty")
            cells.append("")
            continue
        expected = tuple(eval(symbol, {}, values) for symbol in symbols)  # noqa: S307
        if tensor is None or tuple(tensor.shape) != expected:
            got = None if tensor is None else tuple(tensor.shape)
            raise ExtensionError(f"{row.label}: {name} is {got}, the table says {symbols}")
        cells.append("(" + ", ".join(symbols) + ")")
    for expression in _final_expressions(row):
        if " == " in expression:
            lhs, rhs = expression.split(" == ")
            if not torch.equal(eval(lhs, namespace), eval(rhs, namespace)):  # noqa: S307
                raise ExtensionError(f"{row.label}: {expression} does not hold")
        cells.append(expression)
    return cells


def _table(header: list[str], rows: list[list[str]]) -> nodes.table:
    table = nodes.table(classes=["rnnstate-shapes"])
    group = nodes.tgroup(cols=len(header))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in header)
    head = nodes.thead()
    group += head
    head += nodes.row("", *(nodes.entry("", nodes.paragraph(text=h)) for h in header))
    body = nodes.tbody()
    group += body
    for cells in rows:
        entries = [nodes.entry("", nodes.paragraph(text=cells[0]))]
        for cell in cells[1:]:
            entry = nodes.entry()
            if cell:
                entry += nodes.paragraph("", "", nodes.literal(text=cell))
            entries.append(entry)
        body += nodes.row("", *entries)
    return table


class ShapesTable(SphinxDirective):
    """``.. rnnstate-shapes::``: the verified table of shapes and final states."""

    def run(self) -> list[nodes.Node]:
        """Build every row's module, verify the row, and emit the table."""
        header = ["configuration", "output", "h_n", "c_n", "forward final", "backward final"]
        rows = [_verify(row) for row in ROWS]
        caption = nodes.paragraph(
            text=(
                f"Verified while this page was built (torch {torch.__version__}): each shape "
                "was compared with a real call and each final-state expression held with "
                "torch.equal. D is 2 if bidirectional else 1; H_out is proj_size if set, "
                "else hidden_size (H_cell); L_max is the longest length in a packed batch, "
                "and output there is pad_packed_sequence's result."
            )
        )
        container = nodes.container(classes=["rnnstate-table-wrap"])
        container += _table(header, rows)
        return [container, caption]


INSTALL_NOTE = """
.. admonition:: Run this page yourself

   The script and the notebook below need ``torch``, ``matplotlib`` and ``rnnstate``.
   From a clone of this project, in the environment you will run them in::

      python3 -m pip install -c constraints.txt ".[plot]"

   ``-c constraints.txt`` installs the torch this page was built with; leave it out
   to keep the torch you have.

"""


def add_install_note(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put the install note just above a gallery page's download links."""
    marker = f".. _sphx_glr_download_{docname.replace('/', '_')}.py:"
    if docname.startswith("auto_examples/") and marker in source[0]:
        source[0] = source[0].replace(marker, INSTALL_NOTE + marker, 1)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directive and the install note."""
    app.add_directive("rnnstate-shapes", ShapesTable)
    app.connect("source-read", add_install_note)
    return {
        "version": rnnstate.__version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
