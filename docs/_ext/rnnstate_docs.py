"""The site's own Sphinx additions.

- ``rnnstate-shapes``, a directive: the landing page's answer table. Each row's
  shapes and final-state expressions come from ``configurations.verify``, which
  runs the real module and fails the build if one does not hold.
- The data of the page "Your configuration": every combination its controls
  allow, verified the same way, written as a script next to the page.
- ``rnnstate-exactness``, a directive: the committed GPU report (``nox -s gpu``)
  beside the same measurements run live on CPU during the build.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from docutils import nodes
from fresh_gallery import package_digest
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

# torch, rnnstate and the modules that run them (configurations, exactness) are
# imported only where a page is computed, so that a rebuild with nothing to do
# does not pay for importing torch.
TORCH_VERSION = installed_version("torch")
_SPEC = importlib.util.find_spec("rnnstate")
if _SPEC is None or _SPEC.origin is None:
    raise ImportError("the docs need rnnstate installed: pip install -e .")
PACKAGE = Path(_SPEC.origin).parent
PACKAGE_SOURCES = sorted(PACKAGE.glob("*.py"))


def find_package_source(app: Sphinx, modname: str) -> tuple[str, dict[str, Any]] | None:
    """Give viewcode rnnstate's source by reading it, not importing it (and torch)."""
    top, _, rest = modname.partition(".")
    if top != "rnnstate":
        return None
    path = PACKAGE / (rest.replace(".", "/") + ".py" if rest else "__init__.py")
    code = path.read_text()
    return code, ModuleAnalyzer.for_string(code, modname).find_tags()


# The landing table's rows: (label, configuration of the page "Your configuration").
ROWS: list[tuple[str, tuple[str, int, bool, bool, bool, str]]] = [
    ("RNN or GRU", ("GRU", 2, False, False, False, "padded")),
    ("RNN or GRU, batch_first=True", ("GRU", 2, False, True, False, "padded")),
    ("GRU, bidirectional, batch_first=True", ("GRU", 2, True, True, False, "padded")),
    ("LSTM", ("LSTM", 2, False, False, False, "padded")),
    ("LSTM, proj_size > 0, bidirectional", ("LSTM", 2, True, False, True, "padded")),
    ("LSTM, unbatched (2-D) input", ("LSTM", 2, False, False, False, "unbatched")),
    ("GRU, bidirectional, packed, batch_first=True", ("GRU", 2, True, True, False, "packed")),
]


def _row(label: str, fields: tuple[str, int, bool, bool, bool, str]) -> list[str]:
    """One verified row: shapes, then the forward and backward final states."""
    from configurations import Config, ExpressionFailedError, lines, verify

    config = Config(*fields)
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


def _table(header: list[str], rows: list[list[str]], literal_from: int = 1) -> nodes.table:
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
        entries = [nodes.entry("", nodes.paragraph(text=cell)) for cell in cells[:literal_from]]
        for cell in cells[literal_from:]:
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
        note_package(self)
        header = ["configuration", "output", "h_n", "c_n", "forward final", "backward final"]
        rows = [_row(label, fields) for label, fields in ROWS]
        caption = nodes.paragraph(
            text=(
                f"Verified while this page was built (torch {TORCH_VERSION}): each shape "
                "was compared with a real call and each final-state expression held with "
                "torch.equal. D is 2 if bidirectional else 1; H_out is proj_size if set, "
                "else hidden_size (H_cell); for packed input, output is pad_packed_sequence's "
                "result, L_max the longest length and lengths the lengths it returns."
            )
        )
        container = nodes.container(classes=["rnnstate-table-wrap"])
        container += _table(header, rows)
        return [container, caption]


GPU_REPORT = Path(__file__).parents[1] / "data" / "gpu-report.json"


def exactness_nodes(report: dict[str, Any], heading: str) -> list[nodes.Node]:
    """Render one report: provenance, identities per dtype, and measured differences."""
    prov = report["provenance"]
    where = ", ".join(
        f"{key} {prov[key]}" for key in ("torch", "cuda", "cudnn", "python") if prov.get(key)
    )
    section = nodes.section(ids=[nodes.make_id(heading)])
    section += nodes.title(text=heading)
    section += nodes.paragraph(
        text=f"Measured on {prov['device']} with {where}, on {prov['date']}."
    )
    settings = report["settings"]
    header = ["module", "layers", "D", "input", *settings]
    rows = []
    for row in report["identities"]:
        module = row["mode"] + (f", proj_size={row['proj_size']}" if row["proj_size"] else "")
        cells = [module, str(row["num_layers"]), "2" if row["bidirectional"] else "1", row["input"]]
        rows.append(cells + [row["results"][name] for name in settings])
    section += nodes.paragraph(
        text="Every output/h_n identity that rnnstate.check lists, per configuration and dtype: "
        "'bitwise' when all held with torch.equal."
    )
    section += _table(header, rows, literal_from=4)
    diffs = [
        [d["comparison"], d["setting"], f"{d['max_abs_diff']:.2e}"] for d in report["differences"]
    ]
    section += nodes.paragraph(
        text="Computations that agree only up to rounding, and how far apart they were:"
    )
    section += _table(["comparison", "setting", "max |diff|"], diffs, literal_from=2)
    return [section]


def note_package(directive: SphinxDirective) -> None:
    """Re-read the page when rnnstate's source changes: its content comes from running it."""
    for source in PACKAGE_SOURCES:
        directive.env.note_dependency(str(source))


class ExactnessReport(SphinxDirective):
    """``.. rnnstate-exactness::``: the committed GPU report and a live CPU one."""

    def run(self) -> list[nodes.Node]:
        """Render the GPU report if one was committed, then measure on CPU now."""
        from rnnstate import verify as exactness

        note_package(self)
        if GPU_REPORT.is_file():
            self.env.note_dependency(str(GPU_REPORT))
        # A report that appears later is not a changed dependency: remember its absence.
        self.env.rnnstate_gpu_page = (self.env.docname, GPU_REPORT.is_file())  # type: ignore[attr-defined]
        result: list[nodes.Node] = []
        if GPU_REPORT.is_file():
            report = json.loads(GPU_REPORT.read_text())
            result += exactness_nodes(report, "Measured on a GPU (committed report)")
        else:
            note = nodes.note()
            note += nodes.paragraph(
                text="No GPU report has been committed yet: this project has not yet had a CUDA "
                "GPU to run 'nox -s gpu' on. Only the live CPU measurements below are shown; "
                "nothing on this page is typed in by hand or taken from elsewhere."
            )
            result.append(note)
        result += exactness_nodes(
            exactness.measure("cpu"), "Measured live on CPU while this site was built"
        )
        return result


def gpu_report_appeared(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read the GPU page when a report was added or removed since it was read."""
    docname, had_report = getattr(env, "rnnstate_gpu_page", (None, None))
    return [docname] if docname and had_report != GPU_REPORT.is_file() else []


_VERIFIED: dict[str, dict[str, object]] = {}


def verify_configurations(app: Sphinx) -> None:
    """Check every configuration of "Your configuration" before anything is written.

    The result is kept in the doctrees folder under a key made of everything it
    depends on (torch, rnnstate's source, the generator's source), and reused while
    that key holds.
    """
    generator = Path(__file__).with_name("configurations.py")
    key = hashlib.sha256(
        f"{TORCH_VERSION} {package_digest('rnnstate')} ".encode() + generator.read_bytes()
    ).hexdigest()
    cache = Path(app.doctreedir) / "rnnstate-configurations.json"
    if cache.is_file():
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            _VERIFIED.update(cached["data"])
            return
    from configurations import ExpressionFailedError, configurations

    try:
        _VERIFIED.update(configurations())
    except ExpressionFailedError as error:
        raise ExtensionError(f"a configuration's code does not hold: {error}") from error
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "data": _VERIFIED}))


def write_configurations(app: Sphinx, exception: Exception | None) -> None:
    """Ship the verified data as a script the page loads (works from file:// too)."""
    if exception is not None or app.builder.format != "html":
        return
    payload = {"torch": TORCH_VERSION, "configurations": _VERIFIED}
    target = Path(app.outdir) / "_static" / "rnnstate-configurations.js"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "// Written by the docs build after checking every line on a real module.\n"
        f"window.RNNSTATE_CONFIGURATIONS = {json.dumps(payload, separators=(',', ':'))};\n"
    )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directives and the configurations' data."""
    app.add_directive("rnnstate-shapes", ShapesTable)
    app.add_directive("rnnstate-exactness", ExactnessReport)
    # Pages computed at build time depend on torch: a new torch re-reads them all.
    app.add_config_value("rnnstate_torch_version", TORCH_VERSION, "env")
    app.connect("builder-inited", verify_configurations)
    app.connect("build-finished", write_configurations)
    app.connect("env-get-outdated", gpu_report_appeared)
    app.connect("viewcode-find-source", find_package_source)
    return {
        "version": installed_version("rnnstate"),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
