"""One run end to end: build the model, simulate, write the outputs, print the summary.

A run directory receives ``config.yaml`` (resolved), ``daily.parquet``, ``events.parquet``,
``customers.parquet``, with journeys and ``counterfactual.enabled`` also
``counterfactual_daily.parquet`` (the twin run without them) and ``uplift.parquet`` (per-customer
true effects), ``report.html`` (the run's figures and tables on one self-contained page) and,
last, ``summary.json``: a directory with ``summary.json`` holds a complete run, and a run
never writes into a directory that already holds one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from journeysim.config.schema import SimConfig
from journeysim.experiment import truth
from journeysim.experiment.effects import measure_effects, wanted
from journeysim.metrics.summary import summarize
from journeysim.metrics.tables import customers_frame
from journeysim.model import JourneyModel
from journeysim.outputs import write_json, write_parquet, write_text
from journeysim.report.console import format_summary
from journeysim.report.run_report import write_run_report

PROGRESS_MIN_CUSTOMER_DAYS = 20_000_000
"""With ``progress: auto``, runs at least this long show a progress bar on a terminal."""


RUN_OUTPUTS: tuple[str, ...] = (
    "config.yaml", "daily.parquet", "events.parquet", "customers.parquet",
    "counterfactual_daily.parquet", "uplift.parquet", "report.html", "summary.json")
"""Every file a run writes into its directory."""


class RunDirectoryTaken(RuntimeError):
    """The run directory already holds a finished run."""


def show_progress(cfg: SimConfig) -> bool:
    """Whether to draw a progress bar for this run."""
    if cfg.progress != "auto":
        return cfg.progress == "on"
    long_run = cfg.population.size * cfg.horizon_days >= PROGRESS_MIN_CUSTOMER_DAYS
    return long_run and sys.stderr.isatty()


def simulate(cfg: SimConfig, progress: bool = False) -> JourneyModel:
    """Build the model for ``cfg`` and run it over the whole horizon."""
    model = JourneyModel(cfg)
    model.run(cfg.horizon_days, progress=progress)
    return model


def run(cfg: SimConfig, config_yaml: str, out_dir: Path, echo: bool = True) -> dict[str, Any]:
    """Simulate ``cfg``, write every output file into ``out_dir`` and return the summary."""
    if (out_dir / "summary.json").exists():
        raise RunDirectoryTaken(f"{out_dir} already holds a finished run; choose another "
                                "hydra.run.dir (the default adds the time to the microsecond)")
    _remove_unfinished(out_dir)
    started, progress = time.perf_counter(), show_progress(cfg)
    model = JourneyModel(cfg)
    features = truth.day0_features(model)
    model.run(cfg.horizon_days, progress=progress)
    events = model.events.frame()
    summary = summarize(model, events)
    effects = measure_effects(model, events, features, progress) if wanted(model) else None
    if effects:
        summary["effects"] = effects.summary
    elapsed = time.perf_counter() - started

    write_text(out_dir / "config.yaml", config_yaml)
    daily = model.daily()
    write_parquet(out_dir / "daily.parquet", daily)
    if cfg.output.events:
        write_parquet(out_dir / "events.parquet", events)
    if cfg.output.customers:
        write_parquet(out_dir / "customers.parquet", customers_frame(model))
    if effects:
        write_parquet(out_dir / "counterfactual_daily.parquet", effects.daily)
        if cfg.output.uplift:
            write_parquet(out_dir / "uplift.parquet", effects.uplift)
    write_run_report(out_dir, summary, daily, effects.daily if effects else None)
    write_json(out_dir / "summary.json", summary)
    if echo:
        print(format_summary(summary))
        customer_days = cfg.population.size * cfg.horizon_days
        print(f"\nSimulated {customer_days:,} customer-days in {elapsed:.1f} s. "
              f"Outputs written to {out_dir}/")
    return summary


def _remove_unfinished(out_dir: Path) -> None:
    """Delete what a stopped run left in ``out_dir`` (it has no summary.json), so that no file
    of another run survives beside this one's: its outputs and half-written temporary files."""
    for name in RUN_OUTPUTS:
        (out_dir / name).unlink(missing_ok=True)
    for tmp in out_dir.glob(".*.tmp"):
        tmp.unlink()
