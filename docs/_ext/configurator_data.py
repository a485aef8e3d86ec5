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
import json
import platform
from pathlib import Path

from shared import TORCH_VERSION, package_digest
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

GENERATOR = Path(__file__).with_name("configurations.py")
CACHE_NAME = "rnnstate-configurations.json"
SCRIPT = Path("_static") / "rnnstate-configurations.js"


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
    payload = {"torch": TORCH_VERSION, "device": f"CPU ({platform.machine()})", **data}
    target = Path(app.outdir) / SCRIPT
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        "// Written by the docs build after checking every line on a real module.\n"
        f"window.RNNSTATE_CONFIGURATIONS = {json.dumps(payload, separators=(',', ':'))};\n"
    )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Verify and write the data when the build starts."""
    app.add_config_value(
        "rnnstate_configurator_page", "your-configuration", "env", types=frozenset({str})
    )
    app.connect("builder-inited", write_configurations)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
