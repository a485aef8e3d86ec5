"""``rnnstate-shapes``: the landing page's answer table, verified while it is built.

Each row's shapes and final-state code come from ``configurations.verify``,
which runs the real module and raises if a shape or an expression does not hold;
the directive then reports an error at the page, naming the expression.
"""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes
from shared import N_, TORCH_VERSION, messages, note_package, table, untranslatable
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

# (label, Config fields: mode, num_layers, bidirectional, batch_first, proj, input)
Row = tuple[str, tuple[str, int, bool, bool, bool, str]]

DEFAULT_ROWS: list[Row] = [
    (N_("RNN or GRU"), ("GRU", 2, False, False, False, "padded")),
    (N_("RNN or GRU, batch_first=True"), ("GRU", 2, False, True, False, "padded")),
    (N_("GRU, bidirectional, batch_first=True"), ("GRU", 2, True, True, False, "padded")),
    (N_("LSTM"), ("LSTM", 2, False, False, False, "padded")),
    (N_("LSTM, proj_size > 0, bidirectional"), ("LSTM", 2, True, False, True, "padded")),
    (N_("LSTM, unbatched (2-D) input"), ("LSTM", 2, False, False, False, "unbatched")),
    (N_("GRU, bidirectional, packed, batch_first=True"), ("GRU", 2, True, True, False, "packed")),
]

HEADER = [N_("configuration"), "output", "h_n", "c_n", N_("forward final"), N_("backward final")]


def row_cells(label: str, verified: dict[str, object], _: Callable[[str], str] = str) -> list[str]:
    """One row: the label, the three shapes, then the top layer's final states as code."""
    shapes = verified["shapes"]
    lines = verified["lines"]
    assert isinstance(shapes, dict)  # noqa: S101 - verify()'s data
    assert isinstance(lines, list)  # noqa: S101
    cells = [label]
    cells += [
        "(" + ", ".join(shapes[name]) + ")" if shapes[name] else ""
        for name in ("output", "h_n", "c_n")
    ]
    finals = [line for line in lines if line["group"] == "final" and "feature" not in line["what"]]
    finals = finals or [line for line in lines if line["group"] == "final"]
    cells += [f"{line['code']} == {line['equals']}" for line in finals]
    if len(finals) == 1:
        cells.append(_("(unidirectional)"))
    return cells


class ShapesTable(SphinxDirective):
    """``.. rnnstate-shapes::``: the verified table of shapes and final states."""

    def run(self) -> list[nodes.Node]:
        """Build every row's module, verify the row, and emit the table."""
        from configurations import Config, ExpressionFailedError, verify

        note_package(self)
        _ = messages(self.config.language)
        rows = []
        for label, fields in self.config.rnnstate_answer_rows:
            try:
                rows.append(row_cells(_(label), verify(Config(*fields)), _))
            except ExpressionFailedError as error:
                message = f"the answer table's row {label!r} does not hold: {error}"
                raise self.error(message) from error
        caption = nodes.paragraph(
            text=_(
                "Verified while this page was built (torch {torch}): each shape "
                "was compared with a real call and each final-state expression held with "
                "torch.equal. D is 2 if bidirectional else 1; H_out is proj_size if set, "
                "else hidden_size (H_cell); for packed input, output is pad_packed_sequence's "
                "result, L_max the longest length and lengths the lengths it returns."
            ).format(torch=TORCH_VERSION)
        )
        container = nodes.container(classes=["rnnstate-table-wrap"])
        container += table([_(h) for h in HEADER], rows)
        untranslatable(container)
        untranslatable(caption)
        return [container, caption]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directive and its rows."""
    app.add_config_value("rnnstate_answer_rows", DEFAULT_ROWS, "env", types=frozenset({list}))
    app.add_directive("rnnstate-shapes", ShapesTable)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
