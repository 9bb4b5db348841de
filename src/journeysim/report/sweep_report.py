"""A sweep's report: its settings compared in plots and on one self-contained HTML page.

``write_sweep_report`` writes into the sweep directory, each file atomically: ``sweep.parquet``
and ``sweep.csv`` (the runs), ``comparison.parquet`` and ``comparison.csv`` (settings across
seeds), ``comparison.png`` (key metrics), ``tradeoff.png`` (expansion MRR against unsubscribes),
``lifts.png`` (lift per arm, if the runs have a holdout) and ``report.html``. The command
``journeysim-sweep-report SWEEP_DIR`` rebuilds them from the complete runs on disk.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from journeysim.outputs import atomic_write, write_parquet, write_text
from journeysim.report.html import Section, figure_tag, note, page, table
from journeysim.report.sweep_table import comparison, runs_table, setting_columns

HEADLINE = ("nrr", "expansion_mrr", "unsubscribes", "conversions", "logo_churn_rate", "sends")
"""The metrics of ``comparison.png`` and of the report's table, when the runs have them."""

MAX_TICKS = 12
"""A numeric x axis gets a tick at each swept value when there are at most this many."""


@dataclass(frozen=True)
class SettingsAxis:
    """Where each setting sits on a plot's x axis: the values of the one numeric swept key, or
    positions labelled with the values of the swept keys."""

    positions: np.ndarray
    labels: list[str]
    title: str
    numeric: bool


def _format(value: object) -> str:
    if isinstance(value, float | np.floating) and not np.isnan(value):
        size = abs(float(value))
        return f"{value:,.0f}" if size >= 1000 else f"{value:.1f}" if size >= 10 else f"{value:.4g}"
    return str(value)


def settings_axis(comp: pd.DataFrame, settings: list[str]) -> SettingsAxis:
    """The x axis of the settings of comparison ``comp``, in their order there."""
    rows = comp[comp["metric"] == comp["metric"].iloc[0]][settings].reset_index(drop=True)
    varying = [c for c in settings if rows[c].nunique(dropna=False) > 1]
    count = len(rows)
    if not varying:
        return SettingsAxis(np.arange(count, dtype=float), ["all runs"] * count, "", False)
    column = rows[varying[0]]
    if len(varying) == 1 and pd.api.types.is_numeric_dtype(column) \
            and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float)
        return SettingsAxis(values, [_format(v) for v in column], varying[0], True)
    labels = [" / ".join(_format(row[c]) for c in varying) for _, row in rows.iterrows()]
    return SettingsAxis(np.arange(count, dtype=float), labels, " / ".join(varying), False)


def _wrapped(name: str, width: int = 44) -> str:
    """A dotted name broken at dots into lines of at most ``width`` characters where possible."""
    lines = [""]
    for part in name.split("."):
        joined = f"{lines[-1]}.{part}" if lines[-1] else part
        if len(joined) > width and lines[-1]:
            lines.append(part)
        else:
            lines[-1] = joined
    return "\n".join(lines)


def _series(comp: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Means of ``metric`` per setting and the half-widths of their intervals (0 if unknown)."""
    part = comp[comp["metric"] == metric]
    mean = part["mean"].to_numpy(dtype=float)
    return mean, np.nan_to_num(part["ci_high"].to_numpy(dtype=float) - mean)


def _draw(ax: Axes, axis: SettingsAxis, mean: np.ndarray, half: np.ndarray,
          **style: object) -> None:
    order = np.argsort(axis.positions, kind="stable")
    ax.errorbar(axis.positions[order], mean[order], yerr=half[order], capsize=4,
                fmt="o-" if axis.numeric else "o", **style)
    if axis.numeric:
        ax.set_xlabel(axis.title, fontsize=8)
        values = np.unique(axis.positions)
        if len(values) <= MAX_TICKS:
            ax.set_xticks(values, [_format(v) for v in values])
    else:
        ax.set_xticks(axis.positions, axis.labels, rotation=30, ha="right", fontsize=8)
        ax.set_xlim(axis.positions.min() - 0.5, axis.positions.max() + 0.5)


def metrics_figure(comp: pd.DataFrame, metrics: list[str], axis: SettingsAxis,
                   overlay: str | None = None) -> Figure:
    """One panel per metric: mean per setting with its 95% interval. With ``overlay``, a panel
    ``x.estimate`` also shows ``x.<overlay>`` when the comparison has it."""
    columns = min(3, len(metrics))
    rows = -(-len(metrics) // columns)
    width, height = 4.6 * columns, 3.4 * rows
    fig = Figure(figsize=(width, height))
    below = 0.55 if axis.numeric else 1.1  # inches under a row: x label or slanted tick labels
    fig.subplots_adjust(left=0.75 / width, right=1 - 0.2 / width, top=1 - 0.55 / height,
                        bottom=below / height, wspace=0.3, hspace=(below + 0.55) / 3.4 * 1.4)
    panels = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, metric in zip(panels, metrics, strict=False):
        _draw(ax, axis, *_series(comp, metric), label="mean, 95% interval")
        reference = f"{metric.rsplit('.', 1)[0]}.{overlay}" if overlay else None
        if reference and (comp["metric"] == reference).any():
            _draw(ax, axis, *_series(comp, reference), label=overlay, alpha=0.7)
            ax.legend(fontsize=7)
        ax.set_title(_wrapped(metric), fontsize=8)
        ax.set_ylabel(_unit(metric), fontsize=7)
        ax.tick_params(labelsize=8)
    for ax in panels[len(metrics):]:
        ax.set_visible(False)
    return fig


def tradeoff_figure(comp: pd.DataFrame, axis: SettingsAxis) -> Figure:
    """Expansion MRR against unsubscribes, one labelled point per setting with its intervals."""
    (x, x_half), (y, y_half) = _series(comp, "unsubscribes"), _series(comp, "expansion_mrr")
    fig = Figure(figsize=(6.8, 4.8))
    fig.subplots_adjust(left=0.14, right=0.97, top=0.92, bottom=0.11)
    ax = fig.subplots()
    ax.errorbar(x, y, xerr=x_half, yerr=y_half, fmt="o", capsize=4)
    if axis.numeric:
        order = np.argsort(axis.positions, kind="stable")
        ax.plot(x[order], y[order], "-", alpha=0.4)
    for i, (label, px, py) in enumerate(zip(axis.labels, x, y, strict=True)):
        ax.annotate(label, (px, py), textcoords="offset points", fontsize=8,
                    xytext=(6, 6 + 10 * (i % 3)))  # staggered: settings may coincide
    ax.margins(x=0.15, y=0.1)  # room for the labels
    ax.set_xlabel("unsubscribes per run (mean, 95% interval)")
    ax.set_ylabel("expansion MRR per run (mean, 95% interval)")
    ax.set_title(f"Trade-off across {axis.title or 'the sweep'}", fontsize=10)
    return fig


def _unit(metric: str) -> str:
    """The y-axis unit of a metric's panel ("" if the name says it)."""
    if metric.startswith("lift.") or ".naive_lift_vs_holdout." in metric:
        money = ".net_mrr_change" in metric
        return "$ per entrant" if money else "share of entrants (0.01 = 1 point)"
    return {"nrr": "ratio (1.0 = 100%)", "logo_churn_rate": "share of customers",
            "expansion_mrr": "$ per month"}.get(metric, "")


def _lift_metrics(metrics: list[str]) -> tuple[list[str], str | None]:
    """The lift panels, all of them: the effects' estimates (shown with the true lift) or else
    the naive lifts."""
    estimates = [m for m in metrics if m.startswith("lift.") and m.endswith(".estimate")]
    if estimates:
        return estimates, "true"
    return [m for m in metrics if ".naive_lift_vs_holdout." in m], None


def _settings_table(comp: pd.DataFrame, axis: SettingsAxis, metrics: list[str]) -> str:
    counts = comp[comp["metric"] == metrics[0]]["n"].to_list()
    cells: dict[str, list[object]] = {axis.title or "setting": axis.labels, "runs": counts}
    for metric in metrics:
        part = comp[comp["metric"] == metric]
        cells[metric] = [f"{_format(m)} [{_format(lo)}, {_format(hi)}]"
                         for m, lo, hi in zip(part["mean"], part["ci_low"], part["ci_high"],
                                              strict=True)]
    return table(pd.DataFrame(cells))


def _write_png(path: Path, fig: Figure) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))


def write_sweep_report(sweep_dir: Path) -> Path | None:
    """Write the tables, figures and ``report.html`` of ``sweep_dir``; return the report's path
    (None if the sweep has no complete run)."""
    sweep_dir = Path(sweep_dir)
    runs = runs_table(sweep_dir)
    if runs.empty:
        return None
    comp = comparison(runs)
    for name, frame in (("sweep", runs), ("comparison", comp)):
        write_parquet(sweep_dir / f"{name}.parquet", frame)
        write_text(sweep_dir / f"{name}.csv", frame.to_csv(index=False))
    metrics = list(dict.fromkeys(comp["metric"]))
    axis = settings_axis(comp, setting_columns(runs))
    headline = [m for m in HEADLINE if m in metrics]
    lifts, overlay = _lift_metrics(metrics)
    figures = {
        "comparison.png": (metrics_figure(comp, headline, axis), "Key metrics per setting",
                           "Mean over the runs (seeds) of each setting, with the 95% t-interval "
                           "of the mean (none with a single run). A setting whose runs have no "
                           "value for a metric has no point there."),
        "tradeoff.png": (tradeoff_figure(comp, axis), "Expansion MRR against unsubscribes",
                         "One point per setting; bars: 95% t-intervals of both means."),
    }
    if lifts:
        text = ("Estimated lift of each arm against the holdout, per outcome"
                + (", with the true lift." if overlay else " (naive difference).")
                + " No point where an arm or its holdout had no entrant.")
        figures["lifts.png"] = (metrics_figure(comp, lifts, axis, overlay), "Lift per arm", text)
    sections = [Section("Settings", [_settings_table(comp, axis, headline)])]
    for name, (fig, title, text) in figures.items():
        _write_png(sweep_dir / name, fig)
        sections.append(Section(title, [figure_tag(fig, title, tight=False), note(text)]))
    intro = (f"{len(runs)} complete runs in {len(axis.labels)} settings"
             f"{' of ' + axis.title if axis.title else ''}. Tables: sweep.csv (one row per run) "
             "and comparison.csv (per setting and metric: n, mean, sd, 95% interval).")
    report = sweep_dir / "report.html"
    write_text(report, page(f"journeysim sweep {sweep_dir}", sections, intro))
    return report


def main(argv: list[str] | None = None) -> None:
    """``journeysim-sweep-report SWEEP_DIR``: rebuild a sweep's tables, figures and report."""
    parser = argparse.ArgumentParser(
        prog="journeysim-sweep-report",
        description="Rebuild sweep.parquet/.csv, comparison.parquet/.csv, the figures and "
                    "report.html of a sweep directory from its complete runs.")
    parser.add_argument("sweep_dir", type=Path, help="the sweep's hydra.sweep.dir")
    args = parser.parse_args(argv)
    report = write_sweep_report(args.sweep_dir)
    if report is None:
        print(f"journeysim-sweep-report: no complete run (no */summary.json) in {args.sweep_dir}",
              file=sys.stderr)
        raise SystemExit(2)
    print(f"Sweep report: {report}")
