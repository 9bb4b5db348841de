"""Test helpers: configs built the way the command line builds them, and CLI runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from journeysim.config.compose import compose_config
from journeysim.config.schema import Distribution, SimConfig

ROOT = Path(__file__).resolve().parents[1]
JOURNEYSIM = Path(sys.executable).with_name("journeysim")


def constant(value: float) -> Distribution:
    """A constant trait distribution."""
    return Distribution("constant", {"value": value})


def single_segment(size: int, overrides: list[str] | None = None, **segment: object) -> SimConfig:
    """The default config reduced to its 'smb' segment (share 1), with attributes replaced."""
    cfg = compose_config([f"population.size={size}", *(overrides or [])])
    seg = cfg.population.segments["smb"]
    seg.share = 1.0
    for name, value in segment.items():
        setattr(seg, name, value)
    cfg.population.segments = {"smb": seg}
    return cfg


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the installed ``journeysim`` command as a user would, capturing its output."""
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run([str(JOURNEYSIM), *args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=300)

