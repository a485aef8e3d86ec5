"""The site's own Sphinx additions.

- ``rnnstate-shapes``, a directive: the landing page's answer table. Each row's
  shapes and final-state expressions come from ``configurations.verify``, which
  runs the real module and fails the build if one does not hold.
- The data of the page "Your configuration": every combination its controls
  allow, verified the same way, written as a script next to the page.
- An install note on every gallery page, next to its download links.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from configurations import Config, ExpressionFailedError, configurations, lines, verify
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

import rnnstate

# The landing table's rows: (label, configuration of the page "Your configuration").
ROWS = [
    ("RNN or GRU", Config("GRU", 2, False, False, False, "padded")),
    ("RNN or GRU, batch_first=True", Config("GRU", 2, False, True, False, "padded")),
    ("GRU, bidirectional, batch_first=True", Config("GRU", 2, True, True, False, "padded")),
    ("LSTM", Config("LSTM", 2, False, False, False, "padded")),
    ("LSTM, proj_size > 0, bidirectional", Config("LSTM", 2, True, False, True, "padded")),
    ("LSTM, unbatched (2-D) input", Config("LSTM", 2, False, False, False, "unbatched")),
    ("GRU, bidirectional, packed, batch_first=True", Config("GRU", 2, True, True, False, "packed")),
]


def _row(label: str, config: Config) -> list[str]:
    """One verified row: shapes, then the forward and backward final states."""
    try:
        verified = verify(config)
    except ExpressionFailedError as error:
        raise ExtensionError(str(error)) from error
    shapes = verified["shapes"]
    assert isinstance(shapes, dict)  # noqa: S101 - verify() returns the shapes as a dict
    cells = [label]
    cells += [
        "(" + ", ".join(shapes[name]) + ")" if shapes[name] else ""
        for name in ("output", "h_n", "c_n")
    ]
    finals = [line for line in lines(config)[1] if "final" in line.what]
    cells += [f"{line.code} == {line.equals}" for line in finals]
    if len(finals) == 1:
        cells.append("(unidirectional)")
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
        rows = [_row(label, config) for label, config in ROWS]
        caption = nodes.paragraph(
            text=(
                f"Verified while this page was built (torch {torch.__version__}): each shape "
                "was compared with a real call and each final-state expression held with "
                "torch.equal. D is 2 if bidirectional else 1; H_out is proj_size if set, "
                "else hidden_size (H_cell); for packed input, output is pad_packed_sequence's "
                "result, L_max the longest length and lengths the lengths it returns."
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


_VERIFIED: dict[str, dict[str, object]] = {}


def verify_configurations(app: Sphinx) -> None:
    """Check every configuration of "Your configuration" before anything is written."""
    try:
        _VERIFIED.update(configurations())
    except ExpressionFailedError as error:
        raise ExtensionError(f"a configuration's code does not hold: {error}") from error


def write_configurations(app: Sphinx, exception: Exception | None) -> None:
    """Ship the verified data as a script the page loads (works from file:// too)."""
    if exception is not None or app.builder.format != "html":
        return
    payload = {"torch": torch.__version__, "configurations": _VERIFIED}
    target = Path(app.outdir) / "_static" / "rnnstate-configurations.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "// Written by the docs build after checking every line on a real module.\n"
        f"window.RNNSTATE_CONFIGURATIONS = {json.dumps(payload, separators=(',', ':'))};\n"
    )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directive, the install note and the configurations' data."""
    app.add_directive("rnnstate-shapes", ShapesTable)
    app.connect("source-read", add_install_note)
    app.connect("builder-inited", verify_configurations)
    app.connect("build-finished", write_configurations)
    return {
        "version": rnnstate.__version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
