"""The data of the page "Your configuration": every combination, verified, as a script.

Before anything is read, every combination of the page's controls is verified on
a real module (``configurations.configurations``); a relation that does not hold
fails the build, naming the page, the configuration and the expression. The
result is cached in the doctrees folder under a key made of everything it
depends on, and written as ``_static/rnnstate-configurations.js``, which the page
loads (it works from ``file://`` too).
"""

from __future__ import annotations

import hashlib
import html
import json
import platform
import re
from collections.abc import Callable
from pathlib import Path

from docutils import nodes
from shared import N_, TORCH_VERSION, messages, package_digest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

GENERATOR = Path(__file__).with_name("configurations.py")
CACHE_NAME = "rnnstate-configurations.json"
SCRIPT = Path("_static") / "rnnstate-configurations.js"
# The page's script; each string it shows is written t("...") there.
PAGE_SCRIPT = Path(__file__).parents[1] / "_static" / "configurator.js"
SHOWN = re.compile(r'\bt\("((?:[^"\\]|\\.)*)"')


def script_strings(script: Path = PAGE_SCRIPT) -> list[str]:
    """List the strings the page's script shows, as written in its ``t("...")`` calls."""
    found = SHOWN.findall(script.read_text(encoding="utf-8"))
    return list(dict.fromkeys(json.loads(f'"{text}"') for text in found))


def translated_text(data: dict[str, object], _: Callable[[str], str]) -> dict[str, str]:
    """Map each string the script shows, and each line's name, to the build's language."""
    configurations = data["configurations"]
    assert isinstance(configurations, dict)  # noqa: S101 - verified_data()'s shape
    names = [line["what"] for entry in configurations.values() for line in entry["lines"]]
    wanted = dict.fromkeys([*script_strings(), *names])
    return {text: _(text) for text in wanted if _(text) != text}


def cache_key() -> str:
    """Everything the verified data depends on: torch, rnnstate's source, the generator."""
    parts = f"{TORCH_VERSION} {package_digest('rnnstate')} ".encode() + GENERATOR.read_bytes()
    return hashlib.sha256(parts).hexdigest()


def verified_data(doctreedir: Path, page: str) -> dict[str, object]:
    """Give the page's data: from the cache while its key holds, else verified now."""
    key = cache_key()
    cache = doctreedir / CACHE_NAME
    if cache.is_file():
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            data: dict[str, object] = cached["data"]
            return data
    from configurations import KEY_FIELDS, ExpressionFailedError, configurations

    try:
        data = {"key_fields": KEY_FIELDS, "configurations": configurations()}
    except ExpressionFailedError as error:
        logger.error("a configuration's code does not hold: %s", error, location=page)
        raise ExtensionError(f"{page}: a configuration's code does not hold: {error}") from error
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "data": data}))
    return data


def write_configurations(app: Sphinx) -> None:
    """Verify (or reuse) the data when the build starts and ship it beside the pages.

    Written before any page is read, so that a parallel build needs no state
    carried between processes.
    """
    data = verified_data(Path(app.doctreedir), app.config.rnnstate_configurator_page)
    if app.builder.format != "html":
        return
    payload = {
        "torch": TORCH_VERSION,
        "device": f"CPU ({platform.machine()})",
        **data,
        "text": translated_text(data, messages(app.config.language)),
    }
    target = Path(app.outdir) / SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "// Written by the docs build after checking every line on a real module.\n"
        f"window.RNNSTATE_CONFIGURATIONS = {json.dumps(payload, separators=(',', ':'))};\n"
    )


# The controls: (legend, [(label, the control's HTML with {label} where the label goes)]).
CONTROLS = [
    (
        N_("Module"),
        [
            (
                N_("Module"),
                '<select name="mode"><option value="RNN">nn.RNN</option>'
                '<option value="GRU" selected>nn.GRU</option>'
                '<option value="LSTM">nn.LSTM</option></select>',
            ),
            (
                "num_layers",
                '<select name="num_layers"><option>1</option><option selected>2</option>'
                "<option>3</option><option>4</option></select>",
            ),
            ("bidirectional", '<input type="checkbox" name="bidirectional" checked>'),
            ("batch_first", '<input type="checkbox" name="batch_first" checked>'),
            (N_("proj_size > 0 (LSTM)"), '<input type="checkbox" name="proj">'),
        ],
    ),
    (
        N_("Input"),
        [
            (N_("batched, padded"), '<input type="radio" name="input" value="padded" checked>'),
            (N_("batched, packed"), '<input type="radio" name="input" value="packed">'),
            (N_("unbatched (2-D)"), '<input type="radio" name="input" value="unbatched">'),
        ],
    ),
    (
        N_("Your sizes (optional)"),
        [
            (name, f'<input type="number" name="{name}" min="1" inputmode="numeric">')
            for name in ("N", "L", "hidden_size", "proj_size")
        ]
        + [(N_("layer k"), '<select name="k"><option>0</option><option>1</option></select>')],
    ),
]


def form_html(_: Callable[[str], str], cheat_sheet: str) -> str:
    """Write the page's controls and result area, labelled in the build's language."""
    form_label = html.escape(_("Module and input"))
    parts = [
        '<div id="rnnstate-configurator" class="rnnstate-configurator">',
        f'<form id="rnnstate-controls" class="rnnstate-controls" aria-label="{form_label}">',
    ]
    for legend, controls in CONTROLS:
        parts.append(f"<fieldset><legend>{html.escape(_(legend))}</legend>")
        for label, control in controls:
            shown = html.escape(_(label))
            # A select or number box follows its label; a checkbox or radio comes first.
            before = control.startswith(("<select", '<input type="number"'))
            inner = f"{shown} {control}" if before else f"{control} {shown}"
            parts.append(f"<label>{inner}</label>")
        parts.append("</fieldset>")
    without = _(
        "This page needs JavaScript; the {cheat_sheet} has the same code, verified, without it."
    )
    name = html.escape(_("cheat sheet"))
    link = f'<a href="{html.escape(cheat_sheet)}">{name}</a>'
    parts += [
        "</form>",
        '<div id="rnnstate-result" aria-live="polite">',
        f"<noscript>{html.escape(without).replace('{cheat_sheet}', link)}</noscript>",
        "</div>",
        "</div>",
    ]
    return "\n".join(parts)


class Configurator(SphinxDirective):
    """``.. rnnstate-configurator::``: the controls, the result area and the two scripts."""

    def run(self) -> list[nodes.Node]:
        """Emit the form in the build's language and load the verified data and the script."""
        _ = messages(self.config.language)
        here = self.env.docname
        static = self.env.app.builder.get_relative_uri(here, "index").rsplit("index", 1)[0]
        cheat_sheet = self.env.app.builder.get_relative_uri(
            here, "auto_examples/13_cheat_sheet/cheat_sheet"
        )
        text = form_html(_, cheat_sheet) + (
            f'\n<script src="{static}_static/rnnstate-configurations.js"></script>'
            f'\n<script src="{static}_static/configurator.js"></script>'
        )
        return [nodes.raw("", text, format="html")]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Verify and write the data when the build starts."""
    app.add_config_value(
        "rnnstate_configurator_page", "your-configuration", "env", types=frozenset({str})
    )
    app.add_directive("rnnstate-configurator", Configurator)
    app.connect("builder-inited", write_configurations)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
