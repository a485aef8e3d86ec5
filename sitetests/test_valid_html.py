"""Every built page is valid HTML, by the Nu HTML Checker (vnu.jar from npm, on Java)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from .site_files import built_pages, node_package_file


def run_vnu(files: list[Path]) -> list[dict[str, Any]]:
    """Check the files in one run of vnu.jar; give its messages (errors and warnings)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("no java: apt-get install default-jre-headless (.ci/run does)")
    jar = node_package_file("vnu-jar/build/dist/vnu.jar")
    # vnu exits 1 when it finds errors, and writes its JSON report to stderr.
    done = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        messages: list[dict[str, Any]] = json.loads(done.stderr)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu.jar gave no report (exit {done.returncode}): {done.stderr[-2000:]}")
    return messages


@pytest.fixture(scope="module")
def messages(site: Path, report: Callable[[str, str, str], Path]) -> list[dict[str, Any]]:
    pages = built_pages(site)
    assert len(pages) >= 50
    found = run_vnu([site / page for page in pages])
    kinds = Counter(m.get("subType", m["type"]) for m in found)
    report(
        "vnu.json",
        json.dumps(found, indent=1),
        f"vnu over {len(pages)} pages: {dict(kinds) or 'no messages'}",
    )
    return found


def describe(message: dict[str, Any], site: Path) -> str:
    """``page:line: message``, the page relative to the site."""
    page = os.path.relpath(urlsplit(str(message.get("url", ""))).path, site)
    return f"{page}:{message.get('lastLine', '?')}: {message['message']}"


def test_every_built_page_is_valid_html(messages: list[dict[str, Any]], site: Path) -> None:
    errors = [describe(m, site) for m in messages if m["type"] in ("error", "non-document-error")]
    assert errors == []


def test_the_checker_reports_an_invalid_page(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text(
        '<!doctype html><html lang="en"><head><title>t</title>'
        '<link rel="prefetch" href="a.svg" as="image"></head>'
        '<body><div tooltip="x"></div></body></html>'
    )
    errors = [m["message"] for m in run_vnu([page]) if m["type"] == "error"]
    assert any("“as” attribute" in e for e in errors), errors
    assert any("“tooltip” not allowed" in e for e in errors), errors
