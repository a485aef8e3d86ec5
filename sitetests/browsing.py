"""Helpers for the browser tests: a visit that records what a page did while loading."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Page, Request, Response


@dataclass
class Visit:
    """What a page did while it loaded: console errors and requests that left localhost."""

    page: Page
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def visit(context: BrowserContext, url: str) -> Visit:
    """Open ``url`` in a new page, recording console errors, failed and outside requests."""
    page = context.new_page()
    seen = Visit(page)
    page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.errors.append(str(e)))

    def record(request: Request) -> None:
        target = urlparse(request.url)
        if target.scheme not in ("data", "blob", "about") and target.hostname != "127.0.0.1":
            seen.outside.append(request.url)

    def failed(response: Response) -> None:
        if response.status >= 400:
            seen.errors.append(f"{response.status} {response.url}")

    page.on("request", record)
    page.on("response", failed)
    page.goto(url, wait_until="networkidle")
    return seen


# Run a query as searchtools.js does, and return the docnames in the order the
# page lists them: it pops results from the end of what _performSearch returns.
_RANKED = """(query) => {
  const parsed = Search._parseQuery(query);
  return Search._performSearch(...parsed).reverse().map((r) => r[0]);
}"""


@contextmanager
def search_page(browser: Browser, url: str) -> Iterator[Page]:
    """Open a built search page with its index loaded; it must load cleanly and stay local."""
    context = browser.new_context()
    seen = visit(context, url)
    seen.page.wait_for_function("() => Search.hasIndex()", timeout=15_000)
    yield seen.page
    assert seen.errors == []
    assert seen.outside == []
    context.close()


def ranked(page: Page, query: str) -> list[str]:
    """List the docnames the site's search shows for ``query``, best first."""
    result = page.evaluate(_RANKED, query)
    assert isinstance(result, list)
    return [str(docname) for docname in result]
