"""An install note on every gallery page, just above its download links."""

from __future__ import annotations

from sphinx.application import Sphinx
from sphinx.util.typing import ExtensionMetadata

INSTALL_NOTE = """
.. admonition:: Run this page yourself

   The script and the notebook below need ``torch``, ``matplotlib`` and ``rnnstate``.
   From a clone of this project, in the environment you will run them in::

      python3 -m pip install -c constraints.txt ".[plot]"

   ``-c constraints.txt`` installs the torch this page was built with; leave it out
   to keep the torch you have.

"""


def add_install_note(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put the install note just above a gallery page's download links."""
    marker = f".. _sphx_glr_download_{docname.replace('/', '_')}.py:"
    if docname.startswith("auto_examples/") and marker in source[0]:
        source[0] = source[0].replace(marker, INSTALL_NOTE + marker, 1)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Add the note to each gallery page as it is read."""
    app.connect("source-read", add_install_note)
    return {
        "version": "1",
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
