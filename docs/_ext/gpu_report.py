"""``rnnstate-exactness``: the committed GPU report beside the same measurements run on CPU.

The GPU report is a JSON file written on a CUDA machine and committed unedited
(its path is the ``rnnstate_gpu_report`` setting). The CPU measurements are run
again while the page is built. Each report is shown as one line per finding,
with its full tables folded away. Whether a page was read with a report present
is per-document state, kept in a small domain that parallel reads merge, so that
committing (or deleting) a report re-reads exactly the pages that show it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from docutils import nodes
from shared import N_, Translate, messages, note_package, table, untranslatable
from sphinx.application import Sphinx
from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata
from sphinx.writers.html5 import HTML5Translator


class details(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes in lower case
    """HTML ``<details>``: content folded away until the reader opens it."""


class summary(nodes.General, nodes.TextElement):  # noqa: N801
    """HTML ``<summary>``: the line that opens a ``details``."""


def _visit_details(translator: HTML5Translator, node: details) -> None:
    translator.body.append(translator.starttag(node, "details", CLASS="rnnstate-details"))


def _depart_details(translator: HTML5Translator, node: details) -> None:
    translator.body.append("</details>\n")


def _visit_summary(translator: HTML5Translator, node: summary) -> None:
    translator.body.append(translator.starttag(node, "summary", ""))


def _depart_summary(translator: HTML5Translator, node: summary) -> None:
    translator.body.append("</summary>\n")


def _visit_plain(translator: object, node: nodes.Element) -> None:
    """Show the children of a folding node where a builder cannot fold."""


def _depart_plain(translator: object, node: nodes.Element) -> None:
    """End a folding node where a builder cannot fold: nothing to close."""


class GpuReportDomain(Domain):
    """Per page: whether a GPU report was committed when the page was read."""

    name = "rnnstate_gpu"
    label = "rnnstate GPU report"
    initial_data = {"pages": {}}  # noqa: RUF012 - Sphinx's API: a class attribute

    @property
    def pages(self) -> dict[str, bool]:
        """Docname -> whether a report existed when that page was read."""
        pages: dict[str, bool] = self.data.setdefault("pages", {})
        return pages

    def note_page(self, docname: str, had_report: bool) -> None:
        """Remember what a page saw."""
        self.pages[docname] = had_report

    def clear_doc(self, docname: str) -> None:
        """Forget a page that is read again or removed."""
        self.pages.pop(docname, None)

    def merge_domaindata(self, docnames: AbstractSet[str], otherdata: dict[str, Any]) -> None:
        """Take the pages a parallel reader read."""
        for docname in docnames:
            if docname in otherdata["pages"]:
                self.pages[docname] = otherdata["pages"][docname]


# The report's words for the inputs and the results (rnnstate.verify), as shown.
REPORT_WORDS = (N_("padded"), N_("packed, sorted"), N_("packed, unsorted"), N_("bitwise"))


def result_text(result: str, _: Translate = str) -> str:
    """Show a result of the report in the build's language."""
    if result.startswith("differs: "):
        return _("differs: {what}").format(what=result.removeprefix("differs: "))
    return _(result)


def report_path(env: BuildEnvironment) -> Path:
    """Give the committed GPU report's path, from the setting (relative to the docs folder)."""
    return Path(env.srcdir) / str(env.config.rnnstate_gpu_report)


def identity_summary(report: dict[str, Any], _: Translate = str) -> list[str]:
    """One line per finding about the identities: how many held, and each other result."""
    results = [
        (name, result) for row in report["identities"] for name, result in row["results"].items()
    ]
    held = sum(result == "bitwise" for _, result in results)
    lines = [
        _(
            "{held} of {total} identity checks held exactly (torch.equal), over "
            "{configurations} configurations and the settings {settings}."
        ).format(
            held=held,
            total=len(results),
            configurations=len(report["identities"]),
            settings=", ".join(report["settings"]),
        )
    ]
    others = Counter((name, result) for name, result in results if result != "bitwise")
    lines += [
        _("{name}: {result} ({count} configurations)").format(name=name, result=result, count=count)
        for (name, result), count in others.items()
    ]
    return lines


def coverage(report: dict[str, Any], _: Translate = str) -> str:
    """Say what the measured configurations span, from the rows themselves."""
    rows = report["identities"]

    def values(key: str) -> str:
        return ", ".join(dict.fromkeys(str(row[key]) for row in rows))

    modes = ", ".join(
        dict.fromkeys(
            r["mode"] + (f" (proj_size={r['proj_size']})" if r["proj_size"] else "") for r in rows
        )
    )
    directions = ", ".join(dict.fromkeys("2" if r["bidirectional"] else "1" for r in rows))
    return _("{modes}; num_layers {layers}; D {directions}; input {inputs}; in {settings}").format(
        modes=modes,
        layers=values("num_layers"),
        directions=directions,
        # " / " between them: an input's own name may hold a comma ("packed, sorted").
        inputs=" / ".join(_(kind) for kind in dict.fromkeys(str(r["input"]) for r in rows)),
        settings=", ".join(report["settings"]),
    )


def difference_summary(report: dict[str, Any], _: Translate = str) -> list[str]:
    """One line per comparison: its largest absolute difference in each setting."""
    by_comparison: dict[str, list[str]] = {}
    for row in report["differences"]:
        by_comparison.setdefault(_(row["comparison"]), []).append(
            _("{difference} in {setting}").format(
                difference=f"{row['max_abs_diff']:.2g}", setting=row["setting"]
            )
        )
    return [f"{comparison}: {', '.join(values)}" for comparison, values in by_comparison.items()]


def _bullets(lines: list[str]) -> nodes.bullet_list:
    result = nodes.bullet_list()
    result.extend(nodes.list_item("", nodes.paragraph(text=line)) for line in lines)
    return result


def report_nodes(report: dict[str, Any], heading: str, _: Translate = str) -> list[nodes.Node]:
    """Render one report: provenance, a line per finding, the full tables folded away."""
    prov = report["provenance"]
    where = ", ".join(
        f"{key} {prov[key]}" for key in ("torch", "cuda", "cudnn", "python") if prov.get(key)
    )
    section = nodes.section(ids=[nodes.make_id(heading)])
    section += nodes.title(text=heading)
    section += nodes.paragraph(
        text=_("Measured on {device} with {where}, on {date}.").format(
            device=prov["device"], where=where, date=prov["date"]
        )
    )
    section += nodes.paragraph(
        text=_("The output/h_n identities that rnnstate.check lists, evaluated on real calls:")
    )
    section += _bullets(identity_summary(report, _))
    section += nodes.paragraph(
        text=_("Computations that agree only up to rounding, largest absolute difference:")
    )
    section += _bullets(difference_summary(report, _))
    settings = report["settings"]
    rows = []
    for row in report["identities"]:
        module = row["mode"] + (f", proj_size={row['proj_size']}" if row["proj_size"] else "")
        cells = [module, str(row["num_layers"]), "2" if row["bidirectional"] else "1"]
        cells.append(_(row["input"]))
        rows.append(cells + [result_text(row["results"][name], _) for name in settings])
    folded = details()
    folded += summary(
        text=_("The {count} configurations, one row each: {coverage}").format(
            count=len(rows), coverage=coverage(report, _)
        )
    )
    header = [_("module"), _("layers"), "D", _("input"), *settings]
    folded += table(header, rows, literal_from=4)
    section += folded
    untranslatable(section)
    return [section]


class ExactnessReport(SphinxDirective):
    """``.. rnnstate-exactness::``: the committed GPU report, if any, then a live CPU one."""

    def run(self) -> list[nodes.Node]:
        """Render the GPU report if one was committed, then measure on CPU now."""
        from rnnstate import verify

        _ = messages(self.config.language)
        note_package(self)
        path = report_path(self.env)
        domain = self.env.get_domain(GpuReportDomain.name)
        assert isinstance(domain, GpuReportDomain)  # noqa: S101 - registered in setup()
        domain.note_page(self.env.docname, path.is_file())
        result: list[nodes.Node] = []
        if path.is_file():
            self.env.note_dependency(str(path))
            report = json.loads(path.read_text())
            result += report_nodes(report, _("Measured on a GPU (committed report)"), _)
        else:
            note = nodes.note()
            note += nodes.paragraph(
                text=_(
                    "No GPU report has been committed yet: no measurement from a CUDA GPU is "
                    "shown on this site. Only the CPU measurements below, run while this page "
                    "was built, are shown."
                )
            )
            untranslatable(note)
            result.append(note)
        cpu = verify.measure("cpu")
        result += report_nodes(cpu, _("Measured on CPU while this site was built"), _)
        return result


def report_appeared(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read each page whose report was added or removed since it was read."""
    domain = env.get_domain(GpuReportDomain.name)
    assert isinstance(domain, GpuReportDomain)  # noqa: S101 - registered in setup()
    exists = report_path(env).is_file()
    return sorted(doc for doc, had in domain.pages.items() if had != exists)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the directive, its domain, the folding nodes and the report's path."""
    app.add_config_value(
        "rnnstate_gpu_report", "data/gpu-report.json", "env", types=frozenset({str})
    )
    app.add_domain(GpuReportDomain)
    # Other builders (text, for one) show the folded content as it is.
    plain = (_visit_plain, _depart_plain)
    app.add_node(details, html=(_visit_details, _depart_details), text=plain)
    app.add_node(summary, html=(_visit_summary, _depart_summary), text=plain)
    app.add_directive("rnnstate-exactness", ExactnessReport)
    app.connect("env-get-outdated", report_appeared)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
