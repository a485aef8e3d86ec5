"""The page "Your configuration", driven through its controls as a reader would.

What it shows is compared with the data the build verified, and the code it
shows with the reader's sizes filled in is run here, on a real module of that
configuration, and must hold with ``torch.equal``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from playwright.sync_api import Browser, Page
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import rnnstate

from .browsing import visit

sys.path.insert(0, str(Path(__file__).parents[1] / "docs" / "_ext"))
from configurations import Config

PAGE = "your-configuration.html"


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context()
    seen = visit(context, f"{base_url}/{PAGE}")
    yield seen.page
    context.close()  # before asserting, so that a failure leaves no browser context open
    assert seen.errors == []
    assert seen.outside == []


def set_controls(
    page: Page, mode: str, layers: int, bi: bool, bf: bool, proj: bool, inp: str
) -> None:
    page.select_option("select[name=mode]", mode)
    page.select_option("select[name=num_layers]", str(layers))
    page.set_checked("input[name=bidirectional]", bi)
    page.set_checked("input[name=batch_first]", bf)
    if mode == "LSTM":
        page.set_checked("input[name=proj]", proj)
    page.check(f"input[name=input][value={inp}]")


def shown(page: Page) -> dict[str, Any]:
    rows = page.locator(".rnnstate-config-lines tbody tr")
    return {
        "code": [
            rows.nth(i).locator("code.rnnstate-code").inner_text() for i in range(rows.count())
        ],
        "equals": [
            rows.nth(i).locator("code.rnnstate-equals").inner_text() for i in range(rows.count())
        ],
        "shapes": {
            row.get_attribute("data-tensor"): row.locator("code.rnnstate-shape").inner_text()
            for row in page.locator(".rnnstate-config-shapes tbody tr").all()
        },
    }


CASES = [
    ("GRU", 3, True, True, False, "padded"),
    ("LSTM", 2, True, False, True, "packed"),
    ("RNN", 1, False, True, False, "unbatched"),
    ("LSTM", 4, False, True, False, "padded"),
    ("GRU", 2, True, False, False, "packed"),
]


@pytest.mark.parametrize(("mode", "layers", "bi", "bf", "proj", "inp"), CASES)
def test_the_page_shows_the_verified_code_and_shapes_for_each_configuration(
    page: Page, mode: str, layers: int, bi: bool, bf: bool, proj: bool, inp: str
) -> None:
    set_controls(page, mode, layers, bi, bf, proj, inp)
    key = Config(mode, layers, bi, bf, proj, inp).key  # type: ignore[arg-type]
    verified = page.evaluate(f"window.RNNSTATE_CONFIGURATIONS.configurations[{key!r}]")
    on_page = shown(page)
    assert on_page["code"] == [line["code"] for line in verified["lines"]]
    assert on_page["equals"] == [line["equals"] for line in verified["lines"]]
    expected = {n: "(" + ", ".join(s) + ")" for n, s in verified["shapes"].items() if s}
    assert on_page["shapes"] == expected


def module_for(mode: str, layers: int, bi: bool, bf: bool, hidden: int, proj: int) -> nn.RNNBase:
    options = {"num_layers": layers, "bidirectional": bi, "batch_first": bf}
    if mode == "LSTM":
        return nn.LSTM(4, hidden, proj_size=proj, **options)
    return nn.GRU(4, hidden, **options) if mode == "GRU" else nn.RNN(4, hidden, **options)


@pytest.mark.parametrize(("mode", "layers", "bi", "bf", "proj", "inp"), CASES)
def test_the_code_with_the_readers_sizes_runs_and_holds(
    page: Page, mode: str, layers: int, bi: bool, bf: bool, proj: bool, inp: str
) -> None:
    set_controls(page, mode, layers, bi, bf, proj, inp)
    N, L, hidden, proj_size = 6, 9, 13, 5
    page.fill("input[name=N]", str(N))
    page.fill("input[name=L]", str(L))
    page.fill("input[name=hidden_size]", str(hidden))
    if proj:
        page.fill("input[name=proj_size]", str(proj_size))
    page.select_option("select[name=k]", str(layers - 1))
    on_page = shown(page)
    H_out = proj_size if proj else hidden
    D = 2 if bi else 1
    shapes = on_page["shapes"]
    assert isinstance(shapes, dict)
    if inp == "unbatched":
        assert shapes["h_n"] == f"({D * layers}, {H_out})"
    else:
        assert shapes["h_n"] == f"({D * layers}, {N}, {H_out})"

    torch.manual_seed(0)
    module = module_for(mode, layers, bi, bf, hidden, proj_size if proj else 0)
    shape = (L, 4) if inp == "unbatched" else ((N, L, 4) if bf else (L, N, 4))
    x = torch.randn(shape)
    scope: dict[str, object] = {"torch": torch, "rnnstate": rnnstate, "module": module}
    with torch.no_grad():
        if inp == "packed":
            lengths = [L, 2, 5, 1, L - 1, 3][:N]
            packed = pack_padded_sequence(x, lengths, batch_first=bf, enforce_sorted=False)
            packed_output, hidden_state = module(packed)
            scope["packed_output"] = packed_output
            scope["output"], scope["lengths"] = pad_packed_sequence(packed_output, batch_first=bf)
        else:
            scope["output"], hidden_state = module(x)
    scope["h_n"], scope["c_n"] = hidden_state if mode == "LSTM" else (hidden_state, None)
    codes, equals = on_page["code"], on_page["equals"]
    assert isinstance(codes, list)
    assert isinstance(equals, list)
    for code, other in zip(codes, equals, strict=True):
        assert "H_out" not in code, code  # every symbol filled in
        assert " N" not in code, code
        assert torch.equal(eval(code, scope), eval(other, scope)), (code, other)  # noqa: S307


def test_the_controls_work_from_the_keyboard_alone(page: Page) -> None:
    page.locator("select[name=mode]").focus()
    page.keyboard.press("ArrowDown")  # GRU -> LSTM
    page.keyboard.press("Tab")  # num_layers
    page.keyboard.press("ArrowDown")  # 2 -> 3
    page.keyboard.press("Tab")  # bidirectional
    page.keyboard.press("Space")  # off
    assert page.locator("select[name=mode]").input_value() == "LSTM"
    assert page.locator("select[name=num_layers]").input_value() == "3"
    assert not page.locator("input[name=bidirectional]").is_checked()
    assert "h_n[-1]" in shown(page)["code"][0] or shown(page)["equals"][0] == "h_n[-1]"
    # Tab on to the lines of code: each one can take focus and redraws the diagram.
    rows = page.locator(".rnnstate-config-lines tbody tr")
    rows.nth(2).focus()
    label = page.locator("svg.rnnstate-diagram").get_attribute("aria-label")
    assert label is not None
    assert label.startswith("reads: layer")
    assert rows.nth(2).evaluate("row => row.classList.contains('active')")


def test_proj_size_is_only_offered_for_an_lstm(page: Page) -> None:
    page.select_option("select[name=mode]", "GRU")
    assert page.locator("input[name=proj]").is_disabled()
    page.select_option("select[name=mode]", "LSTM")
    assert page.locator("input[name=proj]").is_enabled()


def test_the_copy_button_copies_the_line(browser: Browser, base_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    seen = visit(context, f"{base_url}/{PAGE}")
    first = seen.page.locator(".rnnstate-config-lines tbody tr").first
    first.locator("button.rnnstate-copy").click()
    copied = seen.page.evaluate("navigator.clipboard.readText()")
    code = first.locator("code.rnnstate-code").inner_text()
    context.close()
    assert copied == code
    assert seen.errors == []


@pytest.mark.parametrize("text", ["-3", "0", "99999999", "2.5", "1e3"])
def test_a_size_that_is_not_a_sensible_number_gets_a_message_not_code(
    page: Page, text: str
) -> None:
    page.fill("input[name=N]", "4")
    page.fill("input[name=hidden_size]", text)
    alert = page.locator(".rnnstate-input-error")
    assert alert.count() == 1
    message = alert.inner_text()
    assert message.startswith("hidden_size must be a whole number from 1 to 1,000,000, got")
    assert text in message
    key = Config("GRU", 2, True, True, False, "padded").key  # the page's defaults
    verified = page.evaluate(f"window.RNNSTATE_CONFIGURATIONS.configurations[{key!r}]")
    # No size is filled in, not even the valid N: the code stays in symbols.
    assert shown(page)["code"] == [line["code"] for line in verified["lines"]]


def test_proj_size_not_below_hidden_size_gets_a_message(page: Page) -> None:
    set_controls(page, "LSTM", 2, True, True, True, "padded")
    page.fill("input[name=hidden_size]", "8")
    page.fill("input[name=proj_size]", "8")
    message = page.locator(".rnnstate-input-error").inner_text()
    assert message == "proj_size must be smaller than hidden_size (8), got 8."


def test_without_javascript_the_page_points_to_the_cheat_sheet(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/{PAGE}")
    text = page.locator("#rnnstate-result").inner_text()
    link = page.locator("#rnnstate-result a").get_attribute("href")
    context.close()
    assert "This page needs JavaScript" in text
    assert link == "auto_examples/13_cheat_sheet/cheat_sheet.html"
