"""Shared fixtures: small modules of every kind, seeded."""

from __future__ import annotations

import os

# Draw off-screen, whoever runs pytest: no figure window ever opens.
os.environ.setdefault("MPLBACKEND", "agg")

import pytest
import torch


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each module's tests in one pytest-xdist worker (``--dist loadgroup``).

    Their module-scoped fixtures (a throwaway site built once, say) then run once. A
    test that names its own group keeps it: the slow builds that share nothing run
    side by side.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
