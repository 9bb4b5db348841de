"""The Hydra callback (registered in conf/config.yaml) that reports on a sweep when it ends.

Kept apart from the report itself so that a single run, which instantiates the callback too,
does not import matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class SweepReport(Callback):
    """At the end of a multirun, write the sweep's tables, figures and report.html."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from journeysim.report.sweep_report import write_sweep_report

        report = write_sweep_report(Path(config.hydra.sweep.dir))
        if report is not None:
            print(f"Sweep report: {report}")
