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
