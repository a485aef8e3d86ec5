"""Write the template of the docs extensions' own strings, ``extensions.pot``.

The extensions in docs/_ext write some text on pages themselves: table captions and
labels, the install note, the GPU page's findings, the announcement and the labels of
"Your configuration". They translate it with ``shared.messages``, which reads the
catalog ``extensions.po`` of the build's language. This collects what that catalog
must hold:

- every ``_("...")`` and ``N_("...")`` in docs/_ext/*.py (babel's Python extractor);
- every ``t("...")`` in the configurator's script (``configurator_data.script_strings``);
- the names of the lines "Your configuration" shows (``configurations.relation_names``);
- the names of the comparisons on the GPU page (a CPU measurement of ``rnnstate.verify``).

``nox -s translations`` runs it and merges the template into the catalogs.
Usage: ``python docs/locale/extract_strings.py OUT.pot``
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import write_po

DOCS = Path(__file__).parents[1]
EXT = DOCS / "_ext"


def strings(*, measured: bool = True) -> list[tuple[str, str]]:
    """List (string, where it comes from), each string once, in a stable order.

    ``measured=False`` leaves out the GPU page's comparison names, which take a CPU
    measurement (seconds) to list.
    """
    sys.path.insert(0, str(EXT))
    import configurations
    import configurator_data

    from rnnstate import verify

    found: dict[str, str] = {}
    for source in sorted(EXT.glob("*.py")):
        for _line, message, _comments, _context in extract_from_file(
            "python", source, keywords={"_": None, "N_": None}
        ):
            found.setdefault(str(message), source.name)
    for text in configurator_data.script_strings():
        found.setdefault(text, "configurator.js")
    for name in configurations.relation_names():
        found.setdefault(name, "configurations.py")
    if measured:
        for row in verify.measure("cpu")["differences"]:
            found.setdefault(str(row["comparison"]), "rnnstate.verify")
    return list(found.items())


def main(out: str) -> None:
    """Write the template to ``out``."""
    catalog = Catalog(project="rnnstate", fuzzy=False)
    for text, origin in strings():
        catalog.add(text, auto_comments=[origin])
    with Path(out).open("wb") as stream:
        write_po(stream, catalog, omit_header=False, sort_output=False, width=76)


if __name__ == "__main__":
    main(sys.argv[1])
