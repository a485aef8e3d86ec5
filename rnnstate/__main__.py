"""Run the command line: ``python -m rnnstate --help``."""

from __future__ import annotations

import sys

from rnnstate.cli import main

if __name__ == "__main__":
    sys.exit(main())
