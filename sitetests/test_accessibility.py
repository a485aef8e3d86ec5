"""Every built page passes axe-core, in the light and in the dark colour scheme.

axe-core (the npm package pinned in sitetests/package-lock.json) is injected into
every page of the build, found by globbing; the search page is audited showing
results. The light scheme is audited at a desktop width and the dark one at a
phone's, so that two passes cover both schemes and both of furo's layouts
(sidebars; mobile header), and sideways scrolling, which a narrow screen shows.
Any serious or critical violation fails; a moderate or minor one fails unless its
rule is in ``EXCEPTIONS`` with the reason it stays. The full results go to
``docs/_build/site-checks/axe-<scheme>.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, Page, Route, ViewportSize

from .site_files import built_pages, node_package_file

Scheme = Literal["light", "dark"]
# scheme -> the viewport it is audited at (see the module docstring).
SCHEMES: dict[Scheme, ViewportSize] = {
    "light": {"width": 1280, "height": 800},
    "dark": {"width": 390, "height": 844},
}
# The search page is audited showing results, which only a query brings.
SEARCH_QUERY = "?q=hidden+state"
# rule -> why its moderate or minor violations stay. A rule listed here that no page
# breaks any more fails the test below, so that its line gets removed.
EXCEPTIONS: dict[str, str] = {}
BLOCKING = frozenset({"serious", "critical"})
# Start axe on the page in a task of its own, so that this returns at once (axe.run
# does most of its work before it first yields), and keep its promise for _AXE_RESULT.
_START_AXE = """() => {
  window.__rnnstateAudit = new Promise((started) => setTimeout(started)).then(async () => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return {
      theme: document.body.dataset.theme,
      violations: results.violations.flatMap((v) => v.nodes.map((n) => ({
        rule: v.id, impact: v.impact, help: v.help,
        target: n.target.join(" "), html: n.html.slice(0, 200),
      }))),
    };
  });
}"""
_AXE_RESULT = "() => window.__rnnstateAudit"
_SEARCH_DONE = "() => document.querySelector('#search-results .search-summary')?.textContent"


@dataclass(frozen=True)
class Violation:
    """One element that breaks one axe rule on one page."""

    page: str
    rule: str
    impact: str
    help: str
    target: str
    html: str

    def __str__(self) -> str:
        return f"{self.page}: {self.rule} ({self.impact}) at {self.target}: {self.help}"


def start_audit(page: Page, url: str) -> None:
    """Load a page and start axe on it; ``audit_result`` waits for what it finds."""
    page.goto(url, wait_until="load")
    if url.endswith("search.html" + SEARCH_QUERY):
        page.wait_for_function(_SEARCH_DONE, timeout=15_000)
    page.evaluate(_START_AXE)


def audit_result(page: Page) -> tuple[str, list[dict[str, str]]]:
    """Wait for the audit started on ``page``; give the theme it showed and its violations."""
    result: dict[str, Any] = page.evaluate(_AXE_RESULT)
    return result["theme"], result["violations"]


def audit(page: Page, url: str) -> tuple[str, list[dict[str, str]]]:
    """Load a page, run axe on it; give the theme it showed and its violations."""
    start_audit(page, url)
    return audit_result(page)


def _offline(route: Route) -> None:
    route.abort()


def audit_every_page(
    browser: Browser, base_url: str, site: Path, scheme: Scheme
) -> tuple[list[Violation], int]:
    """Audit every page in one colour scheme, in one browser context; give the violations."""
    axe = node_package_file("axe-core/axe.min.js")
    pages = [p + SEARCH_QUERY if p.endswith("search.html") else p for p in built_pages(site)]
    assert len(pages) >= 50
    found: list[Violation] = []
    themes: dict[str, str] = {}
    with browser.new_context(color_scheme=scheme, viewport=SCHEMES[scheme]) as context:
        context.add_init_script(f"localStorage.setItem('theme', '{scheme}')")
        context.add_init_script(path=axe)
        context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), _offline)
        # Two tabs take turns: one loads its next page while axe runs in the other, so
        # that the browser can use both cores (benchmarks/README.md has the timings).
        tabs = [context.new_page(), context.new_page()]
        auditing: dict[int, str] = {}  # tab -> the page axe is running on in it

        def collect(tab: int) -> None:
            path = auditing.pop(tab)
            themes[path], nodes = audit_result(tabs[tab])
            found.extend(Violation(path, **node) for node in nodes)

        for number, path in enumerate(pages):
            tab = number % len(tabs)
            if tab in auditing:
                collect(tab)
            start_audit(tabs[tab], f"{base_url}/{path}")
            auditing[tab] = path
        for tab in list(auditing):
            collect(tab)
    assert sorted(themes) == sorted(pages)  # every page audited, once
    assert {p for p, theme in themes.items() if theme != scheme} == set()
    return found, len(pages)


@pytest.fixture(scope="module")
def audits(
    browser: Browser, base_url: str, site: Path, report: Callable[[str, str, str], Path]
) -> Callable[[Scheme], list[Violation]]:
    """Give each scheme's violations, every page audited once per scheme (and per run)."""
    done: dict[Scheme, list[Violation]] = {}

    def audited(scheme: Scheme) -> list[Violation]:
        if scheme not in done:
            found, pages = audit_every_page(browser, base_url, site, scheme)
            report(
                f"axe-{scheme}.json",
                json.dumps([asdict(v) for v in found], indent=1),
                f"axe, {scheme} scheme: {len(found)} violating elements on {pages} pages",
            )
            done[scheme] = found
        return done[scheme]

    return audited


@pytest.fixture(params=list(SCHEMES))
def violations(
    request: pytest.FixtureRequest, audits: Callable[[Scheme], list[Violation]]
) -> list[Violation]:
    """Give the violations of every page in one colour scheme."""
    scheme: Scheme = request.param
    return audits(scheme)


def test_no_page_has_a_serious_or_critical_violation(violations: list[Violation]) -> None:
    assert [str(v) for v in violations if v.impact in BLOCKING] == []


def test_every_other_violation_is_a_written_exception(violations: list[Violation]) -> None:
    others = [v for v in violations if v.impact not in BLOCKING]
    assert [str(v) for v in others if v.rule not in EXCEPTIONS] == []


def test_every_written_exception_still_happens(violations: list[Violation]) -> None:
    assert set(EXCEPTIONS) - {v.rule for v in violations} == set()


NAMELESS_LINK = """<!doctype html><html lang="en"><head><title>Self-test</title></head>
<body><main><h1>Self-test</h1><p><a href="x.html"><span style="display: none">x</span></a></p>
</main></body></html>"""


def test_the_audit_finds_a_link_without_a_name(browser: Browser, base_url: str) -> None:
    url = f"{base_url}/axe-self-test.html"

    def serve(route: Route) -> None:
        route.fulfill(content_type="text/html", body=NAMELESS_LINK)

    with browser.new_context() as context:
        context.add_init_script(path=node_package_file("axe-core/axe.min.js"))
        context.route(url, serve)
        _, nodes = audit(context.new_page(), url)
    assert [(n["rule"], n["impact"]) for n in nodes] == [("link-name", "serious")]
