"""Pytest setup: quiet Mesa logging, a Hypothesis profile, and a fresh run directory."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import settings

logging.getLogger("MESA").setLevel(logging.WARNING)
settings.register_profile("ci", deadline=None, max_examples=25)
settings.load_profile("ci")


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    """A fresh directory to use as a run's ``hydra.run.dir``."""
    return tmp_path / "run"
