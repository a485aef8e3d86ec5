"""The checked-in claim list stays in step with the pages.

Every page source (the gallery scripts, the Markdown pages and the README, whose pitch
the landing page includes) has a review under ``docs/claims/`` named after its path:
``examples/03_bidirectional/x.py`` -> ``docs/claims/examples/03_bidirectional/x.toml``.
The review lists each paragraph of the page by its first words, and each fact the
paragraph states about PyTorch or rnnstate with how it is backed: the output below it,
an assert, an autograd check, a link to the page that shows it, or a measurement made
elsewhere (which the text must then say). A page that gains, loses or rewords a
paragraph fails here until its review says what backs it.

What counts as a paragraph (COMMON.md, "The claim list"): a blank-line-separated block
of prose. In a gallery script, the module docstring and each ``# %%`` comment block,
split as sphinx-gallery itself splits them; reST section titles and ``..`` directive
blocks are not paragraphs. In a Markdown page, any block but a heading, a code or
directive fence, raw HTML or a target. Each list item is a paragraph of its own.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # the test suite runs on 3.11+ (README); mypy checks for rnnstate's lowest Python
    import tomli as tomllib  # type: ignore[import-not-found]
from sphinx_gallery.py_source_parser import split_code_and_text_blocks

ROOT = Path(__file__).parents[1]
CLAIMS = ROOT / "docs" / "claims"
KINDS = ("output:", "assert:", "autograd:", "link:", "measured-elsewhere:")
MIN_WORDS = 4


def page_sources() -> list[str]:
    """Every page source, as a path relative to the repository: found, never listed."""
    scripts = [p for p in ROOT.glob("examples/**/*.py") if p.name != "__init__.py"]
    pages = [*scripts, *ROOT.glob("docs/*.md"), ROOT / "README.md"]
    return sorted(p.relative_to(ROOT).as_posix() for p in pages)


def review_path(page: str) -> Path:
    """Where the review of ``page`` lives."""
    return CLAIMS / Path(page).with_suffix(".toml")


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space, as ``starts`` is written."""
    return " ".join(text.split())


# -- Paragraphs of reST (gallery text blocks) -------------------------------------

_UNDERLINE = re.compile(r"""^([=\-~`#"^+*:.'_])\1+\s*$""")
_REST_ITEM = re.compile(r"^(?:[-*+]|\d+\.|#\.)\s+")
_MD_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])\s+")


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split lines into runs separated by blank lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _split_items(block: list[str], item: re.Pattern[str]) -> list[list[str]]:
    """Split a block whose unindented lines start list items into one run per item."""
    if not item.match(block[0]):
        return [block]
    items: list[list[str]] = []
    for line in block:
        if item.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return items


def _is_underline(line: str, above: str) -> bool:
    return bool(_UNDERLINE.match(line)) and len(line.rstrip()) >= len(above.strip())


def rest_paragraphs(text: str) -> list[str]:
    """List the prose paragraphs of a reST text: no titles, directives or literal blocks."""
    paragraphs: list[str] = []
    skipping_body = False  # inside a ``..`` block or a ``::`` literal block
    for block in _blocks(text.splitlines()):
        indented = block[0][:1].isspace()
        if skipping_body and indented:
            continue
        skipping_body = False
        if block[0].startswith(".."):
            skipping_body = True
            continue
        lines = list(block)
        # A section title: optional overline, the title, its underline.
        if len(lines) >= 3 and _UNDERLINE.match(lines[0]) and _is_underline(lines[2], lines[1]):
            lines = lines[3:]
        while len(lines) >= 2 and _is_underline(lines[1], lines[0]):
            lines = lines[2:]
        if not lines:
            continue
        paragraphs += [collapse(" ".join(item)) for item in _split_items(lines, _REST_ITEM)]
        skipping_body = lines[-1].rstrip().endswith("::")
    return paragraphs


def script_paragraphs(path: Path) -> list[str]:
    """List the paragraphs of a gallery script: its docstring and each ``# %%`` text block."""
    _, blocks = split_code_and_text_blocks(str(path))
    paragraphs: list[str] = []
    for label, content, _ in blocks:
        if label == "text":
            paragraphs += rest_paragraphs(content)
    return paragraphs


# -- Paragraphs of MyST Markdown ---------------------------------------------------

_FENCE = re.compile(r"^\s*(`{3,}|~{3,}|:{3,})")
_NOT_PROSE = re.compile(r"^(?:#{1,6}\s|<|\(.+\)=\s*$|-{3,}\s*$|\+{3}|%)")


def markdown_paragraphs(text: str) -> list[str]:
    """List the prose paragraphs of a Markdown page: no headings, fences, HTML or targets."""
    prose: list[str] = []
    fence = ""
    for line in text.splitlines():
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
            prose.append("")  # a fence separates the prose around it
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = opening.group(1)
            prose.append("")
        elif _NOT_PROSE.match(line):
            prose.append("")  # headings, raw HTML, targets, rules, comments
        else:
            prose.append(line)
    paragraphs: list[str] = []
    for block in _blocks(prose):
        paragraphs += [collapse(" ".join(item)) for item in _split_items(block, _MD_ITEM)]
    return paragraphs


def paragraphs_of(page: str) -> list[str]:
    """List the paragraphs of any page source."""
    path = ROOT / page
    if path.suffix == ".py":
        return script_paragraphs(path)
    return markdown_paragraphs(path.read_text(encoding="utf-8"))


# -- The reviews -------------------------------------------------------------------


@dataclass
class Entry:
    """One ``[[paragraph]]`` of a review."""

    starts: str
    claims: list[list[str]]


def load_review(page: str) -> tuple[dict[str, object], list[Entry]]:
    """Read a page's review: its header fields and its paragraph entries."""
    data = tomllib.loads(review_path(page).read_text(encoding="utf-8"))
    entries = [
        Entry(collapse(str(item.get("starts", ""))), list(item.get("claims", [])))
        for item in data.get("paragraph", [])
    ]
    return data, entries


def skeleton(paragraph: str) -> str:
    """Write the TOML entry to add for a paragraph that has none."""
    starts = " ".join(paragraph.split()[:8]).replace("\\", "\\\\").replace('"', '\\"')
    return f'[[paragraph]]\nstarts = "{starts}"\nclaims = [\n  ["<claim>", "<kind>: <how>"],\n]'


def problems(page: str, paragraphs: list[str], entries: list[Entry]) -> list[str]:
    """Everything wrong between a page's paragraphs and its review, in readers' words."""
    found: list[str] = []
    matched: dict[int, list[str]] = {i: [] for i in range(len(paragraphs))}
    for entry in entries:
        words = entry.starts.split()
        hits = [i for i, p in enumerate(paragraphs) if p.startswith(entry.starts)]
        if len(words) < MIN_WORDS and not any(p == entry.starts for p in paragraphs):
            found.append(f'starts = "{entry.starts}": give at least {MIN_WORDS} words')
        if not hits:
            found.append(
                f'starts = "{entry.starts}" matches no paragraph of {page} '
                "(reworded or removed? update or delete the entry)"
            )
        elif len(hits) > 1:
            found.append(
                f'starts = "{entry.starts}" matches {len(hits)} paragraphs of {page}: '
                "give more of its first words"
            )
        for i in hits:
            matched[i].append(entry.starts)
        for claim in entry.claims:
            backing = claim[1].strip() if len(claim) == 2 else ""
            if not (len(claim) == 2 and claim[0].strip()):
                found.append(f'"{entry.starts}": a claim must be [sentence, backing]: {claim}')
            elif not backing.startswith(KINDS) or not backing.partition(":")[2].strip():
                found.append(
                    f'"{entry.starts}": claim "{claim[0]}" is backed by "{backing}", '
                    f"which is not one of {', '.join(KINDS)} followed by how"
                )
    for i, paragraph in enumerate(paragraphs):
        if not matched[i]:
            found.append(
                f'{page}: the paragraph "{" ".join(paragraph.split()[:8])} ..." has no entry '
                f"in {review_path(page).relative_to(ROOT)}; add:\n{skeleton(paragraph)}"
            )
    return found


@pytest.mark.parametrize("page", page_sources())
def test_every_paragraph_of_the_page_is_reviewed_claim_by_claim(page: str) -> None:
    review = review_path(page)
    assert review.is_file(), (
        f"{page} has no review: write {review.relative_to(ROOT)} listing each of its "
        f'paragraphs, starting with:\npage = "{page}"\nreview = "self-review <date>"\n\n'
        + "\n\n".join(skeleton(p) for p in paragraphs_of(page))
    )
    data, entries = load_review(page)
    assert data.get("page") == page, f'{review.relative_to(ROOT)} must say page = "{page}"'
    assert str(data.get("review", "")).strip(), f"{review.relative_to(ROOT)} must say who reviewed"
    found = problems(page, paragraphs_of(page), entries)
    assert not found, "\n\n".join(found)


def test_every_review_belongs_to_a_page() -> None:
    pages = {review_path(page) for page in page_sources()}
    orphans = sorted(p.relative_to(ROOT).as_posix() for p in CLAIMS.rglob("*.toml"))
    orphans = [p for p in orphans if ROOT / p not in pages]
    assert orphans == [], f"reviews of pages that no longer exist: {orphans}"


# -- The extractor itself, on small samples ------------------------------------------

SCRIPT = '''r"""
A title
=======

The docstring's paragraph,
on two lines.
"""

# %%
# A section
# ---------
# First paragraph of a cell.
#
# - an item
# - another item
#   that goes on
#
# .. note::
#
#    A directive's body is not prose.
#
# Back to prose::
#
#    a literal block
import torch

# %%
print(torch.zeros(1))  # a code cell without text has no paragraph
'''

MARKDOWN = """# Title

(a-target)=
Lead paragraph
on two lines.

```{include} ../README.md
:start-after: marker

A line inside a fence.
```

<!-- a comment -->
<div>raw HTML</div>

## A heading

- one item
- two items
  continued

1. numbered

Question?
: Its answer,
  on two lines.

:::{note}
Inside a colon fence.
:::
"""


def test_a_script_is_split_into_its_prose_paragraphs(tmp_path: Path) -> None:
    script = tmp_path / "page.py"
    script.write_text(SCRIPT)
    assert script_paragraphs(script) == [
        "The docstring's paragraph, on two lines.",
        "First paragraph of a cell.",
        "- an item",
        "- another item that goes on",
        "Back to prose::",
    ]


def test_a_markdown_page_is_split_into_its_prose_paragraphs() -> None:
    assert markdown_paragraphs(MARKDOWN) == [
        "Lead paragraph on two lines.",
        "- one item",
        "- two items continued",
        "1. numbered",
        "Question? : Its answer, on two lines.",
    ]


def test_a_review_must_match_its_page_exactly_once() -> None:
    paragraphs = ["Each step of output is split.", "Each step of h_n is not."]
    entries = [
        Entry("Each step of", [["a claim", "output: the line below"]]),
        Entry("Nothing like this paragraph", []),
        Entry("Each step of h_n is", [["a claim", "because I say so"]]),
    ]
    found = problems("page.py", paragraphs, entries)
    assert any("give at least 4 words" in p for p in found)
    assert any("matches 2 paragraphs" in p for p in found)
    assert any("matches no paragraph" in p for p in found)
    assert any('backed by "because I say so"' in p for p in found)
    assert not any("has no entry" in p for p in found)


def test_a_paragraph_without_an_entry_is_named_with_its_first_words() -> None:
    found = problems("page.py", ["A new paragraph nobody reviewed yet."], [])
    assert len(found) == 1
    assert 'the paragraph "A new paragraph nobody reviewed yet. ..." has no entry' in found[0]
    assert 'starts = "A new paragraph nobody reviewed yet."' in found[0]


def test_a_complete_review_has_no_problems() -> None:
    paragraphs = ["Each step of output is split.", "Short one."]
    entries = [
        Entry("Each step of output", [["output is split", "assert: torch.equal below"]]),
        Entry("Short one.", []),
    ]
    assert problems("page.py", paragraphs, entries) == []


# -- Claims the review cannot hold by itself -------------------------------------------

GPU_REPORT = ROOT / "docs" / "data" / "gpu-report.json"
NO_GPU = "shows no GPU measurements"


def test_pages_say_no_gpu_was_measured_only_while_none_was() -> None:
    saying = [page for page in page_sources() if NO_GPU in collapse((ROOT / page).read_text())]
    if GPU_REPORT.is_file():
        assert saying == [], f"a GPU report is committed, but these pages say '{NO_GPU}'"
    else:
        assert {"docs/gpu.md", "docs/questions.md"} <= set(saying)


def test_the_landing_page_answers_in_its_first_60_words() -> None:
    paragraphs = paragraphs_of("docs/index.md")
    ends = next(i for i, p in enumerate(paragraphs) if "torch.cat((h_n[-2], h_n[-1]), dim=-1)" in p)
    lead_in = paragraphs[: ends + 1]
    assert len(" ".join(lead_in).split()) < 60
    assert "`D` = 2" in lead_in[0]  # defined before use
    assert "`H_out` =" in lead_in[0]
    assert any("Unidirectional" in p and "`h_n[-1]`" in p for p in lead_in)
    source = (ROOT / "docs" / "index.md").read_text()
    assert source.index("dim=-1)") < source.index("{include}") < source.index("{rnnstate-shapes}")
