"""docs/_ext/accessible_html.py: the rewrites that make theme and gallery markup accessible."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))

import accessible_html
from accessible_html import (
    LABELS,
    fix_content,
    fix_gallery_markup,
    fix_theme,
    fix_viewcode_blocks,
    label_scrolling_blocks,
)

ROOT = Path(__file__).parents[1]
CODE = (
    '<div class="highlight-python notranslate"><div class="highlight"><pre><span></span>x\n</pre>'
)
OUTPUT = '<div class="sphx-glr-script-out highlight-none notranslate"><div class="highlight"><pre>'
FOCUSABLE = 'tabindex="0" role="group" aria-label='


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (CODE, f'<pre {FOCUSABLE}"Code"><span>'),
        (OUTPUT, f'<pre {FOCUSABLE}"Output">'),
        # viewcode's whole-module source has no wrapper around the highlight div
        ('<h1>Source</h1><div class="highlight"><pre>', f'<pre {FOCUSABLE}"Code">'),
        (
            '<div class="table-wrapper docutils container">',
            f'<div class="table-wrapper docutils container" {FOCUSABLE}"Table">',
        ),
        (
            '<div class="rnnstate-shapes table-wrapper"><table>',
            f'<div class="rnnstate-shapes table-wrapper" {FOCUSABLE}"Table"><table>',
        ),
    ],
)
def test_scrolling_blocks_can_be_focused_and_are_named(body: str, expected: str) -> None:
    assert expected in label_scrolling_blocks(body, LABELS)


def test_attributes_a_block_already_has_are_kept_and_not_repeated() -> None:
    body = '<div class="highlight"><pre tabindex="-1" class="x">'
    fixed = label_scrolling_blocks(body, LABELS)
    assert (
        fixed
        == '<div class="highlight"><pre tabindex="-1" class="x" role="group" aria-label="Code">'
    )
    assert label_scrolling_blocks(fixed, LABELS) == fixed


def test_markup_that_does_not_scroll_is_left_alone() -> None:
    body = '<pre>plain</pre><div class="table-wrapperish"><div class="highlighted"><pre>'
    assert label_scrolling_blocks(body, LABELS) == body


def test_labels_are_escaped_into_the_attribute() -> None:
    labels = {**LABELS, "code": 'Code "quoted" & <more>'}
    fixed = label_scrolling_blocks(CODE, labels)
    assert 'aria-label="Code &quot;quoted&quot; &amp; &lt;more&gt;"' in fixed


def test_a_thumbnail_keeps_its_summary_in_a_valid_attribute() -> None:
    body = '<div class="sphx-glr-thumbcontainer" tooltip="h_n &gt; output"><img alt="">'
    assert fix_gallery_markup(body) == (
        '<div class="sphx-glr-thumbcontainer" data-tooltip="h_n &gt; output"><img alt="">'
    )


def test_only_the_first_tag_list_stays() -> None:
    tag_list = "<div id='sg-tag-list' class='sphx-glr-tag-list'></div>"
    body = f"<h2>A</h2>{tag_list}<p>a</p><h2>B</h2>{tag_list}<p>b</p>{tag_list}"
    assert fix_gallery_markup(body) == f"<h2>A</h2>{tag_list}<p>a</p><h2>B</h2><p>b</p>"
    assert fix_gallery_markup("<p>no gallery</p>") == "<p>no gallery</p>"


DATATABLES = """<div class="docutils container">
<style scoped>
<link href="https://cdnjs.cloudflare.com/bootstrap.min.css" rel="stylesheet" />
</style>
<script src="https://code.jquery.com/jquery-3.7.0.js"></script>
<script src="https://cdn.datatables.net/1.13.6/js/jquery.dataTables.min.js"></script>
<script type="text/javascript" class="init">
$(document).ready( function () {
    $('table.sg-datatable').DataTable({order: [[1, 'desc']]});
} );
</script><div class="table-wrapper sg-datatable"><table></table></div>
</div>"""


def test_the_timing_table_loses_its_cdn_scripts_and_keeps_its_rows() -> None:
    fixed = fix_gallery_markup(DATATABLES)
    assert fixed == (
        '<div class="docutils container">\n'
        '<div class="table-wrapper sg-datatable"><table></table></div>\n</div>'
    )


def test_viewcode_blocks_inside_pre_become_spans() -> None:
    body = (
        '<div class="highlight"><pre><span></span>import x\n'
        '<div class="viewcode-block" id="f">\n<a class="viewcode-back" href="../api.html#f">'
        "[docs]</a>def f(): pass</div>\n</pre></div>"
    )
    assert fix_viewcode_blocks(body) == (
        '<div class="highlight"><pre><span></span>import x\n'
        '<span class="viewcode-block" id="f">\n<a class="viewcode-back" href="../api.html#f">'
        "[docs]</a>def f(): pass</span>\n</pre></div>"
    )


def test_pre_blocks_without_viewcode_and_divs_outside_pre_are_left_alone() -> None:
    body = '<div class="viewcode-block"><pre>a</div></pre></div>'
    assert fix_viewcode_blocks(body) == body


def test_every_content_fix_applies_together() -> None:
    body = CODE + '<div class="sphx-glr-thumbcontainer" tooltip="t">' + DATATABLES
    fixed = fix_content(body, LABELS)
    assert FOCUSABLE in fixed
    assert " data-tooltip=" in fixed
    assert "<script" not in fixed


FURO = """<div class="announcement">
  <aside class="announcement-content">
     Built by torch.
  </aside>
</div>
<aside class="sidebar-drawer">x</aside>
<aside class="something-else">y</aside>
<aside class="">z</aside>
<div class="main"><div class="content"><div class="article-container">
  <a href="#" class="back-to-top muted-link"><span>Back to top</span></a>
  <div class="content-icon-container">tools</div>
  <article role="main" id="furo-main-content">text</article>
</div></div>
<aside class="toc-drawer no-toc">toc</aside></div>"""


def test_furo_landmarks_get_distinct_labels() -> None:
    fixed = fix_theme(FURO, LABELS)
    assert '<aside class="announcement-content" aria-label="Announcement">' in fixed
    assert '<aside class="sidebar-drawer" aria-label="Site navigation">' in fixed
    assert '<aside class="toc-drawer no-toc" aria-label="On this page">' in fixed
    # asides furo does not write keep their markup
    assert '<aside class="something-else">' in fixed
    assert '<aside class="">' in fixed


def test_furo_page_tools_move_into_a_labelled_nav() -> None:
    fixed = fix_theme(FURO, LABELS)
    assert (
        '<div class="article-container"><nav class="page-tools" aria-label="Page tools">' in fixed
    )
    assert '<div class="content-icon-container">tools</div>\n  </nav><article role="main"' in fixed


def test_the_theme_fix_changes_nothing_it_has_already_done() -> None:
    once = fix_theme(FURO, LABELS)
    labelled = '<aside class="sidebar-drawer" aria-label="Menu">'
    assert fix_theme(labelled, LABELS) == labelled
    assert fix_theme(once.replace("article-container", "other"), LABELS).count("<nav") == 1


def build(tmp_path: Path, builder: str, conf: str = "") -> Path:
    """Build a two-page furo site with this extension and the project's templates."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text(
        'extensions = ["accessible_html"]\n'
        'html_theme = "furo"\n'
        f"templates_path = [{str(ROOT / 'docs' / '_templates')!r}]\n"
        'html_theme_options = {"announcement": "Built here.", '
        '"light_logo": "logo.svg", "dark_logo": "logo.svg"}\n' + conf
    )
    (source / "index.rst").write_text(
        "Home\n====\n\n.. toctree::\n\n   other\n\n.. code-block:: python\n\n   x = 1\n\n"
        "=== ===\na   b\n=== ===\n1   2\n=== ===\n"
    )
    (source / "other.rst").write_text("Other\n=====\n\nText.\n")
    warnings = io.StringIO()
    out = tmp_path / "out"
    with docutils_namespace():  # as sphinx-build does: each build registers its own nodes
        app = Sphinx(
            source, source, out, tmp_path / "doctrees", builder, status=None, warning=warnings
        )
        app.build()
    assert warnings.getvalue() == ""
    return out


@pytest.mark.slow
def test_a_furo_site_built_with_the_extension_has_the_fixes(tmp_path: Path) -> None:
    out = build(tmp_path, "html", conf='accessible_html_labels = {"code": "Python"}\n')
    page = (out / "index.html").read_text()
    assert 'aria-label="Announcement"' in page
    assert '<nav class="page-tools" aria-label="Page tools">' in page
    assert f'<pre {FOCUSABLE}"Python">' in page  # the option overrides a default label
    assert f'{FOCUSABLE}"Table"' in page
    assert 'as="image"' not in page
    assert '<link rel="prefetch" href="_static/logo.svg">' in page
    assert '<h1 id="search-documentation">Search</h1>' in (out / "search.html").read_text()


@pytest.mark.slow
def test_a_build_that_is_not_html_skips_the_theme_filter(tmp_path: Path) -> None:
    out = build(tmp_path, "text")
    assert "x = 1" in (out / "index.txt").read_text()


def test_the_extension_is_safe_for_parallel_builds() -> None:
    class App:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def add_config_value(self, name: str, *args: object, **kwargs: object) -> None:
            self.calls.append(name)

        def connect(self, event: str, handler: object) -> None:
            self.calls.append(event)

    app = App()
    metadata = accessible_html.setup(app)  # type: ignore[arg-type]
    assert metadata["parallel_read_safe"]
    assert metadata["parallel_write_safe"]
    assert app.calls == ["accessible_html_labels", "builder-inited", "html-page-context"]
