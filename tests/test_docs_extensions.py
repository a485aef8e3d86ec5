"""The docs build's own extensions, each in a small site built in this process.

The tiny site uses the real extensions from docs/_ext on two pages (the answer
table and the GPU page) and builds in a second or two, serially and with
``-j 2``, so that branch coverage of docs/_ext is measured here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError, SphinxError
from sphinx.util.docutils import docutils_namespace
from torch import nn

from rnnstate import Expressions

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import answer_table
import configurations
import fresh_gallery
import gpu_report
import package_source
import reader_install
import shared

EXT = Path(__file__).parents[1] / "docs" / "_ext"
CONF = f"""
import sys
sys.path.insert(0, {str(EXT)!r})
extensions = ["answer_table", "configurator_data", "gpu_report", "package_source"]
exclude_patterns = ["data"]
rnnstate_answer_rows = [
    ("GRU, bidirectional, batch_first=True", ("GRU", 2, True, True, False, "padded")),
    ("LSTM", ("LSTM", 1, False, False, False, "padded")),
]
"""
PAGES = {
    "index.rst": "Tiny\n====\n\n.. toctree::\n\n   gpu\n\n.. rnnstate-shapes::\n",
    "gpu.rst": "GPU\n===\n\n.. rnnstate-exactness::\n",
}

FAKE_REPORT: dict[str, Any] = {
    "provenance": {"device": "NVIDIA Test GPU", "torch": "2.13.0", "cuda": "13.0",
                   "cudnn": 91900, "python": "3.11.7", "date": "2026-11-27"},
    "settings": ["float32, TF32 on", "float16"],
    "identities": [
        {"mode": "LSTM", "proj_size": 3, "num_layers": 1, "bidirectional": True,
         "input": "padded", "results": {"float32, TF32 on": "bitwise",
                                        "float16": "differs: forward final, top layer"}},
    ],
    "differences": [
        {"comparison": "GRUCell loop vs nn.GRU", "setting": "float32, TF32 on",
         "max_abs_diff": 2.8e-4},
        {"comparison": "GRUCell loop vs nn.GRU", "setting": "float32, TF32 off",
         "max_abs_diff": 5.2e-6},
    ],
}  # fmt: skip


@pytest.fixture
def cpu_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand in for the slow live CPU measurement with a report of its shape."""
    from rnnstate import verify

    cpu = json.loads(json.dumps(FAKE_REPORT))
    cpu["provenance"] |= {"device": "CPU (x86_64)", "cuda": None, "cudnn": None}
    monkeypatch.setattr(verify, "measure", lambda device: cpu)


def site(tmp_path: Path, report: dict[str, Any] | None = None) -> Path:
    src = tmp_path / "src"
    src.mkdir(parents=True, exist_ok=True)
    (src / "conf.py").write_text(CONF)
    for name, text in PAGES.items():
        (src / name).write_text(text)
    if report is not None:
        (src / "data").mkdir(exist_ok=True)
        (src / "data" / "gpu-report.json").write_text(json.dumps(report))
    return src


def build(
    src: Path, *, parallel: int = 0, fresh: bool = True, builder: str = "html"
) -> tuple[Path, str]:
    """Build as the docs session does, warnings as errors; fail with what was logged."""
    out, warnings = src.parent / "out", StringIO()
    # A namespace of its own, as sphinx-build makes one: nodes and directives that one
    # build registers do not leak into the next build in this process.
    with docutils_namespace():
        app = Sphinx(
            str(src), str(src), str(out), str(src.parent / "doctrees"), builder,
            status=None, warning=warnings, freshenv=fresh, warningiserror=True,
            parallel=parallel,
        )  # fmt: skip
        app.build()
    if app.statuscode:
        raise SphinxError(warnings.getvalue())
    return out, warnings.getvalue()


@pytest.mark.usefixtures("cpu_measure")
def test_the_answer_table_shows_verified_rows(tmp_path: Path) -> None:
    out, _ = build(site(tmp_path))
    page = (out / "index.html").read_text()
    assert '<code class="docutils literal notranslate"><span class="pre">output[:,</span>' in page
    assert "h_n[-2]" in page
    assert "(unidirectional)" in page  # the LSTM row has no backward state
    assert "Verified while this page was built" in page


@pytest.mark.usefixtures("cpu_measure")
def test_a_row_that_does_not_hold_fails_the_build_naming_page_and_expression(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong(config: configurations.Config) -> dict[str, object]:
        raise configurations.ExpressionFailedError("GRU|2|1|1|0|padded: output[:, 0] != h_n[-2]")

    monkeypatch.setattr(configurations, "verify", wrong)
    monkeypatch.setattr(configurations, "configurations", dict)  # the other page's data
    with pytest.raises(SphinxError, match=r"index\.rst:\d+: ERROR: .*output\[:, 0\] != h_n\[-2\]"):
        build(site(tmp_path))


@pytest.mark.usefixtures("cpu_measure")
def test_the_configurator_data_is_written_and_then_reused_from_its_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = site(tmp_path)
    out, _ = build(src)
    script = (out / "_static" / "rnnstate-configurations.js").read_text()
    payload = json.loads(script.split(" = ", 1)[1].rstrip(";\n"))
    assert payload["key_fields"] == configurations.KEY_FIELDS
    assert len(payload["configurations"]) == len(configurations.all_configs())

    def unreachable() -> None:
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(configurations, "configurations", unreachable)
    (out / "_static" / "rnnstate-configurations.js").unlink()
    build(src, fresh=False)
    assert (out / "_static" / "rnnstate-configurations.js").read_text() == script


@pytest.mark.usefixtures("cpu_measure")
def test_a_configuration_that_does_not_hold_fails_the_build_naming_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def wrong() -> None:
        raise configurations.ExpressionFailedError("GRU|1|0|0|0|padded: output[0] != h_n[-1]")

    monkeypatch.setattr(configurations, "configurations", wrong)
    with pytest.raises(ExtensionError, match=r"your-configuration: .*output\[0\] != h_n\[-1\]"):
        build(site(tmp_path))


@pytest.mark.usefixtures("cpu_measure")
def test_the_gpu_page_says_no_report_exists_until_one_is_committed(tmp_path: Path) -> None:
    src = site(tmp_path)
    out, _ = build(src)
    page = (out / "gpu.html").read_text()
    assert "No GPU report has been committed yet" in page
    assert "Measured on CPU while this site was built" in page
    assert "Measured on a GPU" not in page

    (src / "data").mkdir()
    (src / "data" / "gpu-report.json").write_text(json.dumps(FAKE_REPORT))
    build(src, fresh=False)  # the report appeared: the page is read again
    page = (out / "gpu.html").read_text()
    assert "Measured on a GPU (committed report)" in page
    assert "Measured on NVIDIA Test GPU with torch 2.13.0, cuda 13.0, cudnn 91900" in page
    assert '<details class="rnnstate-details">' in page
    assert (
        "<summary>The 1 configurations, one row each: LSTM (proj_size=3); num_layers 1; D 2; "
        "input padded; in float32, TF32 on, float16</summary>"
    ) in page


@pytest.mark.usefixtures("cpu_measure")
def test_a_text_build_shows_the_folded_table_and_writes_no_script(tmp_path: Path) -> None:
    out, _ = build(site(tmp_path, FAKE_REPORT), builder="text")
    page = (out / "gpu.txt").read_text()
    assert "The 1 configurations, one row each" in page
    assert "differs: forward final, top layer" in page
    assert not (out / "_static" / "rnnstate-configurations.js").exists()


def test_each_extension_declares_itself_parallel_safe_with_an_env_version() -> None:
    class Recorder:
        def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - any Sphinx call
            return lambda *args, **kwargs: None

    for extension in (answer_table, fresh_gallery, gpu_report, package_source, reader_install):
        metadata = extension.setup(Recorder())
        assert metadata["parallel_read_safe"], extension
        assert metadata["parallel_write_safe"], extension
        assert metadata["env_version"] == 1, extension
    import configurator_data

    assert configurator_data.setup(Recorder())["parallel_read_safe"]  # type: ignore[arg-type]


def test_a_report_reads_as_one_line_per_finding() -> None:
    assert gpu_report.identity_summary(FAKE_REPORT) == [
        "1 of 2 identity checks held exactly (torch.equal), over 1 configurations and the "
        "settings float32, TF32 on, float16.",
        "float16: differs: forward final, top layer (1 configurations)",
    ]
    assert gpu_report.difference_summary(FAKE_REPORT) == [
        "GRUCell loop vs nn.GRU: 0.00028 in float32, TF32 on, 5.2e-06 in float32, TF32 off"
    ]


def test_the_renderer_folds_the_full_table_below_the_findings() -> None:
    from docutils import nodes

    (section,) = gpu_report.report_nodes(FAKE_REPORT, "Measured on a GPU")
    text = section.astext()
    assert "Measured on NVIDIA Test GPU with torch 2.13.0, cuda 13.0, cudnn 91900" in text
    (folded,) = section.findall(gpu_report.details)
    (full,) = folded.findall(nodes.table)
    assert len(list(full.findall(nodes.row))) == 1 + 1  # header, then one row per configuration
    assert not list(section.findall(nodes.table))[1:]  # no other table: findings are lines


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Run torch single-threaded, as docs/conf.py does, so that Sphinx's forks are safe.

    An OpenMP worker alive when Sphinx forks its parallel readers is lost in the
    child, whose next parallel region then waits for it forever.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.slow
@pytest.mark.usefixtures("cpu_measure", "one_thread")
def test_a_parallel_build_gives_the_same_gpu_page_and_data_as_a_serial_one(
    tmp_path: Path,
) -> None:
    serial, _ = build(site(tmp_path / "serial", FAKE_REPORT))
    parallel, _ = build(site(tmp_path / "parallel", FAKE_REPORT), parallel=2)
    data = "_static/rnnstate-configurations.js"
    assert (parallel / data).read_bytes() == (serial / data).read_bytes()
    assert (parallel / "gpu.html").read_text() == (serial / "gpu.html").read_text()


def test_viewcode_reads_rnnstate_without_importing_it() -> None:
    code, tags = package_source.find_package_source(None, "rnnstate.indexing")  # type: ignore[arg-type,misc]
    assert "def expressions(" in code
    assert "expressions" in tags
    top = package_source.find_package_source(None, "rnnstate")  # type: ignore[arg-type]
    assert top is not None
    assert "__all__" in top[0]
    assert package_source.find_package_source(None, "os.path") is None  # type: ignore[arg-type]


def test_a_missing_package_has_no_sources_and_a_fixed_digest() -> None:
    assert shared.package_root("no_such_package_here") is None
    assert shared.package_sources("no_such_package_here") == []
    assert shared.package_digest("no_such_package_here") == "missing"


def test_every_configuration_of_the_page_verifies() -> None:
    data = configurations.configurations()
    # RNN and GRU: 4 layer counts x 2 directions x 2 layouts x 3 inputs; LSTM twice (proj_size)
    assert len(data) == 2 * 48 + 96
    entry = data["GRU|3|1|1|0|padded"]
    assert entry["shapes"] == {
        "output": ["N", "L", "D*H_out"],
        "h_n": ["D*num_layers", "N", "H_out"],
        "c_n": None,
    }
    layer = next(line for line in entry["lines"] if line["what"] == "layer k, backward")  # type: ignore[attr-defined]
    assert layer["filled"] == [["h_n[1]", "h_n.view(3, 2, {N}, {H_out})[0, 1]"],
                               ["h_n[3]", "h_n.view(3, 2, {N}, {H_out})[1, 1]"],
                               ["h_n[5]", "h_n.view(3, 2, {N}, {H_out})[2, 1]"]]  # fmt: skip


def test_the_site_and_check_show_the_same_code_for_the_same_configuration() -> None:
    import torch
    from torch import nn

    import rnnstate

    entry = configurations.verify(configurations.Config("GRU", 2, True, True, False, "padded"))
    sizes = {"N": 4, "H_out": 50, "L": 7, "H_cell": 50}
    shown = {
        line["what"]: "torch.equal({}, {})".format(*(t.format(**sizes) for t in line["filled"]))
        for line in entry["lines"]  # type: ignore[attr-defined]
        if line["group"] == "final"
    }
    gru = nn.GRU(3, 50, num_layers=2, bidirectional=True, batch_first=True)
    report = rnnstate.check(gru, torch.randn(4, 7, 3))
    checked = {i.name: i.expression for i in report.identities if i.max_abs_diff is not None}
    assert shown == checked


def test_a_failing_relation_names_the_configuration_and_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = configurations.expressions

    def off_by_one(module: nn.Module, **kwargs: Any) -> Expressions:  # noqa: ANN401
        code = real(module, **kwargs)
        first = code.relations[2]
        wrong = type(first)(first.name, first.group, first.code.replace("-1", "0", 1), first.equals)
        return type(code)(code.setup, (*code.relations[:2], wrong, *code.relations[3:]))

    monkeypatch.setattr(configurations, "expressions", off_by_one)
    config = configurations.Config("GRU", 2, True, True, False, "padded")
    with pytest.raises(
        configurations.ExpressionFailedError,
        match=r"GRU\|2\|1\|1\|0\|padded: forward final, top layer: "
        r"output\[:, 0, :H_out\] != h_n\[-2\]",
    ):
        configurations.verify(config)


def test_the_answer_table_row_reads_the_final_states_only() -> None:
    entry = configurations.verify(configurations.Config("GRU", 1, False, True, False, "packed"))
    cells = answer_table.row_cells("label", entry)
    assert cells == [
        "label",
        "(N, L_max, D*H_out)",
        "(D*num_layers, N, H_out)",
        "",
        "output[torch.arange(N), lengths - 1] == h_n[-1]",
        "(unidirectional)",
    ]


def test_the_gallery_fingerprint_follows_imports_pins_and_source(tmp_path: Path) -> None:
    example = tmp_path / "page.py"
    example.write_text("import torch\nfrom rnnstate import check\n")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("torch==2.13.0\n")
    packages = {"rnnstate": "aaa", "other": "bbb"}
    first = fresh_gallery.fingerprint(example, constraints, packages)
    assert "rnnstate aaa" in first
    assert "other" not in first  # the page does not import it
    assert fresh_gallery.fingerprint(example, constraints, {**packages, "other": "ccc"}) == first
    assert fresh_gallery.fingerprint(example, constraints, {**packages, "rnnstate": "ddd"}) != first
    constraints.write_text("torch==2.13.1\n")
    assert fresh_gallery.fingerprint(example, constraints, packages) != first
    constraints.unlink()
    assert "no constraints" in fresh_gallery.fingerprint(example, constraints, packages)


def test_imported_packages_reads_every_form_of_import() -> None:
    source = "import a.b\nfrom c.d import e\nfrom . import f\nimport g as h\n"
    assert fresh_gallery.imported_packages(source) == {"a", "c", "g"}


@pytest.mark.parametrize("as_list", [False, True])
def test_only_examples_whose_inputs_changed_lose_their_md5(tmp_path: Path, as_list: bool) -> None:
    docs, examples = tmp_path / "docs", tmp_path / "examples"
    docs.mkdir()
    (examples / "chapter").mkdir(parents=True)
    (tmp_path / "constraints.txt").write_text("torch==2.13.0\n")
    for name in ("one", "two"):
        (examples / "chapter" / f"{name}.py").write_text(f"print({name!r})\n")
    conf: dict[str, object] = {"examples_dirs": str(examples), "gallery_dirs": "auto"}
    if as_list:
        conf = {"examples_dirs": [str(examples)], "gallery_dirs": ["auto"]}
    app = SimpleNamespace(
        confdir=str(docs),
        srcdir=str(docs),
        config=SimpleNamespace(sphinx_gallery_conf=conf, language="en"),
    )
    fresh_gallery.invalidate_changed_examples(app)  # type: ignore[arg-type]
    md5 = {name: docs / "auto" / "chapter" / f"{name}.py.md5" for name in ("one", "two")}
    for path in md5.values():
        path.write_text("sphinx-gallery's hash")
    (examples / "chapter" / "two.py").write_text("print('edited')\n")
    fresh_gallery.invalidate_changed_examples(app)  # type: ignore[arg-type]
    assert md5["one"].is_file()
    assert not md5["two"].is_file()
    # The Chinese edition reuses what the English build ran: it refuses to run "two".
    md5["two"].write_text("sphinx-gallery's hash")
    (examples / "chapter" / "one.py").write_text("print('edited too')\n")
    app.config.language = "zh_CN"
    with pytest.raises(ExtensionError, match=r"zh_CN edition .* one\.py"):
        fresh_gallery.invalidate_changed_examples(app)  # type: ignore[arg-type]
    assert md5["one"].is_file()  # left for the English build to re-run
