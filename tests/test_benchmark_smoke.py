"""The benchmark script still runs (a tiny smoke run; speed is measured in benchmarks/)."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def test_the_benchmark_runs_quickly_end_to_end() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_step.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Speed-up, vectorised over per-agent" in done.stdout
    assert "Cost of journeys" in done.stdout
