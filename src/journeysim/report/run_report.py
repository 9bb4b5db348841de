"""Every run's HTML report: one self-contained page of figures and tables from a run's outputs.

``build_run_report`` turns a run's summary and daily table (and, if given, the daily table of
the same population run with journeys switched off) into a page, so the page rebuilt from the
files is the page the run wrote, event log or not; ``write_run_report``
writes it as ``report.html`` into the run directory; ``journeysim-report RUN_DIR`` rebuilds it
from a finished run directory's files. Sections, in order: headline numbers, MRR and customers
over time, journey funnels, fatigue and unsubscribes, conversions, teams, and estimated against
true lift. Each figure is a bare ``matplotlib.figure.Figure`` (no pyplot state), drawn once.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rcParams
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from journeysim.metrics.journey_summary import FUNNEL
from journeysim.outputs import write_text
from journeysim.report.html import Figure, Section, figure_tag, note, page, table

REPORT_NAME = "report.html"
TITLES: dict[str, str] = {
    "headline": "Headline numbers",
    "trajectory": "MRR and active customers over time",
    "funnel": "Journey funnels",
    "fatigue": "Fatigue and unsubscribes",
    "conversions": "Conversions by journey, step and offer",
    "teams": "Teams",
    "lift": "Estimated vs true lift",
}
"""Section titles, in page order."""

OUTCOMES: tuple[str, ...] = ("expanded", "net_mrr_change", "churned", "unsubscribed")
"""Lift outcomes in ``summary["effects"]["lifts"]``, in the order they are drawn."""

PANEL_WIDTH, PANEL_HEIGHT = 4.2, 2.4
"""Size of one panel (the axes) of a figure, in inches."""

PLAIN_NUMBER = FuncFormatter(lambda value, _: f"{value:,.0f}")
"""Tick labels as plain numbers (log axes would otherwise typeset powers of ten, slowly)."""

MONEY_AXIS = FuncFormatter(lambda value, _: f"${value / 1e3:,.0f}k" if abs(value) >= 1e4
                           else f"${value:,.0f}")
"""Tick labels in dollars (thousands from $10k), instead of an offset such as ``1e6``."""


# --- formatting -------------------------------------------------------------------------------

def _sign(value: float, signed: bool) -> str:
    return ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")


def _money(value: float | None, signed: bool = False, cents: bool = False) -> str:
    if value is None:
        return ""
    return f"{_sign(value, signed)}${abs(value):,.{2 if cents else 0}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _effect(value: float | None, unit: str, signed: bool = True, points: bool = True) -> str:
    """A lift: percentage points for a share (``points``: with the unit), else dollars."""
    if value is None:
        return ""
    if unit != "share":
        return _money(value, signed, cents=True)
    return f"{_sign(value, signed)}{abs(100 * value):.2f}" + (" pts" if points else "")


def _with_interval(value: float | None, low: float | None, high: float | None, unit: str) -> str:
    """``+1.20 [-0.30, +2.70] pts``: an estimate and its interval."""
    if value is None or low is None or high is None:
        return _effect(value, unit)
    bounds = ", ".join(_effect(bound, unit, points=False) for bound in (low, high))
    return (f"{_effect(value, unit, points=False)} [{bounds}]"
            + (" pts" if unit == "share" else ""))


# --- figures ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Margins:
    """Inches around and between a figure's panels.

    Set by hand rather than by a layout engine or a tight bounding box, which would each draw
    the figure once more: with them a report takes about twice as long.
    """

    left: float = 0.8      # the first column's y tick labels
    gap: float = 0.8       # between columns: the next column's y tick labels
    right: float = 0.2
    top: float = 0.35      # panel titles
    bottom: float = 0.55   # x tick labels and axis label
    row_gap: float = 0.95  # between rows: x labels of one row, titles of the next


def _figure(panels: int, columns: int = 2, height: float = PANEL_HEIGHT,
            margins: Margins = Margins()) -> tuple[Figure, list]:
    """A figure of ``panels`` axes, each ``PANEL_WIDTH`` by ``height`` inches, ``columns`` wide."""
    columns = min(columns, panels)
    rows = math.ceil(panels / columns)
    m = margins
    width = m.left + columns * PANEL_WIDTH + (columns - 1) * m.gap + m.right
    tall = m.top + rows * height + (rows - 1) * m.row_gap + m.bottom
    fig = Figure(figsize=(width, tall))
    fig.subplots_adjust(left=m.left / width, right=1 - m.right / width, bottom=m.bottom / tall,
                        top=1 - m.top / tall, wspace=m.gap / PANEL_WIDTH,
                        hspace=m.row_gap / height)
    axes = list(fig.subplots(rows, columns, squeeze=False).ravel())
    for ax in axes[:panels]:
        ax.locator_params(nbins=5)      # fewer ticks: a tick is the costliest thing to draw
    for ax in axes[panels:]:
        ax.set_visible(False)
    return fig, axes[:panels]


def _label_inches(labels: Iterable[str]) -> float:
    """The width of the longest tick label (default font), with room for the tick."""
    measure = TextToPath().get_text_width_height_descent
    font = FontProperties(size=rcParams["ytick.labelsize"])
    return 0.2 + max(measure(label, font, ismath=False)[0] for label in labels) / 72


def _shared_legend(fig: Figure, axes: list) -> None:
    """One legend for all ``axes`` (each label once), centred in the figure's bottom margin."""
    legend: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(legend.values(), legend.keys(), loc="lower center", ncol=len(legend),
               frameon=False)


def _embed(fig: Figure, alt: str) -> str:
    """``fig`` as an inline ``<img>``.

    The figure is a bare ``Figure``, never registered with pyplot, so nothing else holds it:
    it is freed with its last reference (no ``close`` needed; clearing it first would only
    cost time, as ``Figure.clear`` rebuilds every axis before dropping it).
    """
    return figure_tag(fig, alt, tight=False)


def _section(key: str, *parts: str) -> Section:
    return Section(TITLES[key], [part for part in parts if part])


# --- 1. headline numbers ----------------------------------------------------------------------

def headline_section(s: dict[str, Any]) -> Section:
    """Customers, churn, MRR and its flows, NRR and GRR; the same per segment."""
    overall = pd.DataFrame([
        ("Customers", f"{s['customers_start']:,} \u2192 {s['customers_end']:,}"),
        ("Churned customers", f"{s['churned_customers']:,} ({_pct(s['logo_churn_rate'])})"),
        ("MRR", f"{_money(s['mrr_start'])} \u2192 {_money(s['mrr_end'])}"),
        ("Expansion MRR", f"+{_money(s['expansion_mrr'])} ({s['expansions']:,} expansions)"),
        ("Contraction MRR", f"-{_money(s['contraction_mrr'])} ({s['contractions']:,} "
                            "contractions)"),
        ("Churned MRR", f"-{_money(s['churned_mrr'])}"),
        (f"NRR / GRR ({s['horizon_days']} days)", f"{_pct(s['nrr'])} / {_pct(s['grr'])}"),
    ], columns=["", "value"])
    segments = pd.DataFrame([
        {"segment": name, "customers": f"{g['customers_start']:,} \u2192 {g['customers_end']:,}",
         "MRR": f"{_money(g['mrr_start'])} \u2192 {_money(g['mrr_end'])}",
         "NRR": _pct(g["nrr"]), "GRR": _pct(g["grr"])}
        for name, g in s["by_segment"].items()])
    return _section("headline", table(overall),
                    note("MRR end = start + expansion \u2212 contraction \u2212 churned; NRR = MRR "
                         "end / start, GRR caps each account at its start MRR. By segment:"),
                    table(segments))


# --- 2. MRR and active customers ---------------------------------------------------------------

def trajectory_section(daily: pd.DataFrame, counterfactual: pd.DataFrame | None) -> Section:
    """MRR and active customers per day, beside the run without journeys if there is one."""
    fig, axes = _figure(2)
    runs = [("with journeys", daily, "-")]
    if counterfactual is not None:
        runs.append(("without journeys", counterfactual, "--"))
    for ax, (column, label) in zip(axes, (("mrr", "MRR"),
                                          ("active_customers", "active customers")), strict=True):
        for name, frame, style in runs:
            ax.plot(frame["day"], frame[column], style, label=name)
        ax.set(xlabel="day", title=label)
        ax.yaxis.set_major_formatter(MONEY_AXIS if column == "mrr" else PLAIN_NUMBER)
        if len(runs) > 1:
            ax.legend()
    reading = ("Daily MRR (left) and active customers (right). "
               + ("The dashed line, without journeys, is the same population with journeys "
                  "switched off: the gap between the lines is what the journeys did."
                  if len(runs) > 1 else
                  "No run without journeys was given, so there is no baseline line."))
    return _section("trajectory", _embed(fig, "MRR and active customers per day"), note(reading))


# --- 3. journey funnels -----------------------------------------------------------------------

def funnel_section(journeys: dict[str, Any]) -> Section:
    """Per journey, the funnel send -> convert of each arm, and a table of arm results."""
    if not journeys:
        return _section("funnel", note("No journey ran in this run."))
    fig, axes = _figure(len(journeys))
    for ax, (name, journey) in zip(axes, journeys.items(), strict=True):
        _funnel_panel(ax, name, journey["arms"])
    rows = [{"journey": name, "arm": arm, "entrants": f"{a['entrants']:,}",
             "sends": f"{a['funnel']['send']:,}",
             "suppressed": f"{sum(a['suppressed_by_reason'].values()):,}",
             "conversions": f"{a['funnel']['convert']:,}",
             "conversion MRR": _money(sum(o["mrr_change"]
                                          for o in a["conversions_by_offer"].values()), True),
             "unsubscribes": f"{a['unsubscribes']:,}", "hand-offs": f"{a['handoffs']:,}"}
            for name, journey in journeys.items() for arm, a in journey["arms"].items()]
    return _section("funnel", _embed(fig, "funnel per journey and arm"),
                    note("Each panel is one journey; bars count each arm's messages at each "
                         "stage (log scale), so the drop from one stage to the next is the "
                         "stage's loss. Conversions include those a team won after a hand-off, "
                         "so they can outnumber clicks. Holdout arms send nothing: no bars."),
                    table(pd.DataFrame(rows)))


def _funnel_panel(ax: Any, name: str, arms: dict[str, Any]) -> None:
    drawn = {arm: a["funnel"] for arm, a in arms.items() if any(a["funnel"].values())}
    x = np.arange(len(FUNNEL))
    width = 0.8 / max(len(drawn), 1)
    for i, (arm, funnel) in enumerate(drawn.items()):
        ax.bar(x + (i - (len(drawn) - 1) / 2) * width, [funnel[s] for s in FUNNEL], width,
               label=arm)
    ax.set_xticks(x, FUNNEL)
    ax.set_title(name)
    if drawn:
        ax.set_yscale("log")
        ax.set_ylim(bottom=0.7)
        decades = math.log10(max(max(funnel.values()) for funnel in drawn.values()))
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0,) if decades > 2 else (1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(PLAIN_NUMBER)
        ax.yaxis.set_minor_locator(NullLocator())
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "no messages sent", ha="center", transform=ax.transAxes)


# --- 4. fatigue and unsubscribes ----------------------------------------------------------------

def fatigue_section(daily: pd.DataFrame) -> Section:
    """Mean fatigue per channel per day; sends and unsubscribes per week."""
    if not daily["sends"].any():
        return _section("fatigue", note("No message was sent in this run."))
    fig, (left, right) = _figure(2, margins=Margins(right=0.8))
    for column in (c for c in daily.columns if c.startswith("fatigue_") and daily[c].any()):
        left.plot(daily["day"], daily[column], label=column.removeprefix("fatigue_"))
    left.set(xlabel="day", title="mean fatigue of active customers")
    left.legend(fontsize="small")
    weeks = daily[daily["day"] > 0].groupby((daily["day"] - 1) // 7)[["sends", "unsubscribes"]]
    weekly = weeks.sum()
    start = weekly.index * 7 + 1
    right.bar(start, weekly["sends"], width=6, align="edge", color="C0", alpha=0.6)
    right.set(xlabel="day", ylabel="sends per week", title="sends (bars), unsubscribes (line)")
    unsubscribes = right.twinx()
    unsubscribes.plot(start + 3, weekly["unsubscribes"], "o-", color="C3", markersize=3)
    unsubscribes.set_ylabel("unsubscribes per week", color="C3")
    return _section("fatigue", _embed(fig, "fatigue, sends and unsubscribes"),
                    note("Left: each channel's fatigue stock averaged over active customers "
                         "(it rises with deliveries and decays with its half-life). Right: "
                         "messages sent per week and, on the right axis, unsubscribes per week."))


# --- 5. conversions ----------------------------------------------------------------------------

def conversions_section(journeys: dict[str, Any]) -> Section:
    """Journey conversions counted and summed (MRR change) by journey/offer and journey/step."""
    groupings = {key: _conversions_by(journeys, key) for key in ("offer", "step")}
    if groupings["offer"].empty:
        return _section("conversions", note("No customer converted on a journey offer."))
    labels = {key: _pair_labels(counts) for key, counts in groupings.items()}
    bars = max(len(counts) for counts in groupings.values())
    left = _label_inches(label for pairs in labels.values() for label in pairs)
    fig, axes = _figure(2, columns=1, height=0.3 + 0.3 * bars,
                        margins=Margins(left=left, bottom=0.35, row_gap=0.7))
    for ax, (key, counts) in zip(axes, groupings.items(), strict=True):
        _conversion_bars(ax, counts, labels[key], f"conversions by journey / {key}")
    return _section("conversions", _embed(fig, "conversions by journey, offer and step"),
                    note("Bars count conversions; the label at each bar's end is the MRR change "
                         "they made (a discounted annual plan lowers MRR). Tables: by offer, "
                         "then by step."),
                    *(table(_conversion_rows(counts)) for counts in groupings.values()))


def _conversions_by(journeys: dict[str, Any], key: str) -> pd.DataFrame:
    """Conversions and MRR change per journey and offer (or step), the arms added up."""
    rows = [{"journey": journey, key: name, "conversions": c["conversions"],
             "mrr_change": c["mrr_change"]}
            for journey, result in journeys.items() for arm in result["arms"].values()
            for name, c in arm[f"conversions_by_{key}"].items()]
    if not rows:
        return pd.DataFrame(columns=["journey", key, "conversions", "mrr_change"])
    return (pd.DataFrame(rows).groupby(["journey", key], sort=True, as_index=False)
            [["conversions", "mrr_change"]].sum())


def _pair_labels(counts: pd.DataFrame) -> list[str]:
    """``journey / offer`` (or step) per row of a conversion count."""
    return [f"{a} / {b}" for a, b in zip(counts.iloc[:, 0], counts.iloc[:, 1], strict=True)]


def _conversion_bars(ax: Any, counts: pd.DataFrame, labels: list[str], title: str) -> None:
    y = np.arange(len(counts))
    ax.barh(y, counts["conversions"], color="C2")
    for i, (n, mrr) in enumerate(zip(counts["conversions"], counts["mrr_change"], strict=True)):
        ax.text(n, i, f" {_money(float(mrr), True)}", va="center", fontsize="small")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.margins(x=0.25)
    ax.set_title(title)


def _conversion_rows(counts: pd.DataFrame) -> pd.DataFrame:
    return counts.assign(conversions=counts["conversions"].map("{:,}".format),
                         mrr_change=counts["mrr_change"].map(lambda v: _money(float(v), True))
                         ).rename(columns={"mrr_change": "MRR change"})


# --- 6. teams ----------------------------------------------------------------------------------

def teams_section(teams: dict[str, Any], daily: pd.DataFrame) -> Section:
    """Queue and busy reps per team per day (if any task ran), and each team's results."""
    if not teams:
        return _section("teams", note("No team took part in this run (no journeys)."))
    panels = {"queue": "tasks waiting for a rep (end of day)",
              "busy": "reps at work (rep-days worked that day)"}
    busy = [name for name in teams
            if any(daily.get(f"{kind}_{name}", pd.Series(dtype=float)).any() for kind in panels)]
    figure = ""
    if busy:
        fig, axes = _figure(2, margins=Margins(bottom=0.9))
        for ax, (kind, title) in zip(axes, panels.items(), strict=True):
            for name in busy:
                ax.plot(daily["day"], daily[f"{kind}_{name}"], label=name)
            ax.set(xlabel="day", title=title)
        _shared_legend(fig, axes)
        figure = _embed(fig, "team queues and busy reps per day")
    rows = [{"team": name, "reps": t["headcount"], "tasks": f"{t['tasks_queued']:,}",
             "started": f"{t['tasks_started']:,}", "finished": f"{t['tasks_finished']:,}",
             "withdrawn (churned)": f"{t['tasks_withdrawn']:,}",
             "waiting at end": f"{t['queue_at_end']:,}",
             "wait median / p90 (days)": _waits(t), "utilisation": _pct(t["utilization"]),
             "conversions": f"{t['conversions']:,}",
             "conversion MRR": _money(t["conversion_mrr"], True)}
            for name, t in teams.items()]
    reading = ("Per team and day: tasks (journey hand-offs, support tickets) waiting in the queue "
               "at the end of the day (left) and the rep-days worked on tasks that day (right: "
               "the reps busy on average; the headcount when all work all day). Utilisation is "
               "the share of rep working days spent on tasks." if busy else
               "No task reached a team in this run.")
    return _section("teams", figure, note(reading), table(pd.DataFrame(rows)))


def _waits(team: dict[str, Any]) -> str:
    if team["median_wait_days"] is None:
        return ""
    return f"{team['median_wait_days']:.1f} / {team['p90_wait_days']:.1f}"


# --- 7. estimated vs true lift -----------------------------------------------------------------

INTERVALS: tuple[tuple[str, str, str, str, float, str], ...] = (
    ("estimate", "ci", "o", "C0", 0.18, "arm \u2212 holdout, 95% CI"),
    ("cuped_estimate", "cuped_ci", "s", "C1", -0.18, "CUPED, 95% CI"),
)
"""Interval estimates drawn per row: value key, interval key prefix, marker, colour, vertical
offset, legend label."""

POINTS: tuple[tuple[str, str, str, str], ...] = (
    ("true", "D", "black", "true effect"),
    ("naive", "x", "C3", "naive attribution"),
)
"""Point values drawn per row: key, marker, colour, legend label."""


def lift_section(effects: dict[str, Any] | None) -> Section:
    """Per outcome, a forest plot of each arm's estimated lift beside its true effect."""
    if not effects:
        return _section("lift", note("This run had no counterfactual (the same population "
                                     "without journeys), so true effects are unknown."))
    lifts = pd.DataFrame(effects.get("lifts") or [])
    present = list(lifts["outcome"].unique()) if not lifts.empty else []
    outcomes = sorted(present, key=lambda o: OUTCOMES.index(o) if o in OUTCOMES else len(OUTCOMES))
    return _section(
        "lift",
        table(_true_effects(effects["true"])),
        note(f"True effects: totals of this run against the same population with "
             f"{effects.get('baseline', 'no journeys')}; effect = with \u2212 without, over all "
             "customers and per segment."),
        _forest_figure(lifts, outcomes) if outcomes else "",
        note("Per arm and outcome: circle, the arm \u2212 holdout estimate with its 95% "
             "interval; square, the same adjusted for pre-entry behaviour (CUPED); diamond, "
             "the true effect per entrant; cross, the naive 'converted after a message' "
             "attribution. An interval that misses the diamond, or a cross far from it, is "
             "a wrong reading.") if outcomes else "",
        table(_lift_rows(lifts)) if outcomes else note("No arm had a holdout to compare."),
    )


def _forest_figure(lifts: pd.DataFrame, outcomes: list[str]) -> str:
    """One forest panel per outcome; every panel puts each journey / arm on the same row."""
    arms = list(dict.fromkeys(zip(lifts["journey"], lifts["arm"], strict=True)))
    rows = {arm: -float(i) for i, arm in enumerate(arms)}
    labels = [f"{journey} / {arm}" for journey, arm in arms]
    columns = 2
    fig, axes = _figure(len(outcomes), columns, height=0.3 + 0.45 * len(arms),
                        margins=Margins(left=_label_inches(labels), gap=0.3, bottom=0.9))
    for i, (ax, outcome) in enumerate(zip(axes, outcomes, strict=True)):
        _forest(ax, lifts[lifts["outcome"] == outcome], outcome, rows)
        ax.set_yticks(list(rows.values()), labels if i % columns == 0 else [])
    _shared_legend(fig, axes)
    return _embed(fig, "estimated, true and naive lift per journey arm")


def _forest(ax: Any, lifts: pd.DataFrame, outcome: str, rows: dict[tuple, float]) -> None:
    """Intervals and points of one outcome; ``rows`` gives each (journey, arm) its height."""
    scale = 100.0 if (lifts["unit"] == "share").all() else 1.0
    y = np.array([rows[arm] for arm in zip(lifts["journey"], lifts["arm"], strict=True)])
    for key, ci, marker, color, offset, label in INTERVALS:
        value, low, high = (scale * _values(lifts, k) for k in (key, f"{ci}_low", f"{ci}_high"))
        if not np.isnan(value).all():
            xerr = np.clip([value - low, high - value], 0.0, None)
            ax.errorbar(value, y + offset, xerr=xerr, fmt=marker, color=color, capsize=3,
                        markersize=4, label=label)
    for key, marker, color, label in POINTS:
        value = scale * _values(lifts, key)
        if not np.isnan(value).all():
            ax.scatter(value, y, marker=marker, color=color, zorder=3, label=label)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set_ylim(min(rows.values()) - 0.6, 0.6)
    ax.set(title=outcome, xlabel="percentage points" if scale == 100.0 else "$ per entrant")


def _values(lifts: pd.DataFrame, key: str) -> np.ndarray:
    """Column ``key`` as floats, NaN where missing (or everywhere if there is no such column)."""
    if key not in lifts:
        return np.full(len(lifts), np.nan)
    return pd.to_numeric(lifts[key], errors="coerce").to_numpy(float)


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _lift_rows(lifts: pd.DataFrame) -> pd.DataFrame:
    def cell(row: pd.Series, key: str, ci: str | None = None) -> str:
        value = _number(row.get(key))
        if ci is None:
            return _effect(value, row["unit"])
        return _with_interval(value, _number(row.get(f"{ci}_low")),
                              _number(row.get(f"{ci}_high")), row["unit"])

    order = {o: i for i, o in enumerate(OUTCOMES)}
    ordered = lifts.sort_values("outcome", key=lambda s: s.map(order).fillna(len(order)),
                                kind="stable")
    return pd.DataFrame([
        {"journey": r["journey"], "arm": r["arm"], "outcome": r["outcome"],
         "entrants": f"{int(r['entrants']):,}",
         "holdout entrants": f"{int(r['holdout_entrants']):,}",
         "true": cell(r, "true"), "estimate [95% CI]": cell(r, "estimate", "ci"),
         "CUPED [95% CI]": cell(r, "cuped_estimate", "cuped_ci"),
         "naive": cell(r, "naive"),
         "MDE": _effect(_number(r.get("mde")), r["unit"], signed=False)}
        for _, r in ordered.iterrows()])


def _count(value: float, signed: bool) -> str:
    return f"{int(value):+,}" if signed else f"{int(value):,}"


def _ratio(value: float, signed: bool) -> str:
    return _effect(value, "share") if signed else _pct(value)


TRUE_MEASURES: dict[str, Callable[[float, bool], str]] = {
    "expansion_mrr": _money, "net_mrr_change": _money, "nrr": _ratio,
    "expanded_customers": _count, "churned_customers": _count, "unsubscribed_customers": _count,
}
"""How each measure of ``effects["true"]`` is shown: as a level, or ``signed`` as an effect."""


def _true_effects(true: dict[str, Any]) -> pd.DataFrame:
    columns = {"with journeys": (true.get("with", {}), False),
               "without journeys": (true.get("without", {}), False),
               "effect": (true.get("overall", {}), True)}
    columns |= {f"effect: {name}": (values, True)
                for name, values in (true.get("by_segment") or {}).items()}
    return pd.DataFrame([
        {"": measure, **{label: (show(values[measure], signed) if values.get(measure) is not None
                                 else "") for label, (values, signed) in columns.items()}}
        for measure, show in TRUE_MEASURES.items()])


# --- the page ----------------------------------------------------------------------------------

def build_run_report(summary: dict[str, Any], daily: pd.DataFrame,
                     counterfactual_daily: pd.DataFrame | None = None) -> str:
    """The run's report as one self-contained HTML document."""
    sections = [
        headline_section(summary),
        trajectory_section(daily, counterfactual_daily),
        funnel_section(summary.get("journeys") or {}),
        fatigue_section(daily),
        conversions_section(summary.get("journeys") or {}),
        teams_section(summary.get("teams") or {}, daily),
        lift_section(summary.get("effects")),
    ]
    intro = (f"{summary['horizon_days']} days, seed {summary['seed']}, "
             f"{summary['customers_start']:,} customers.")
    return page("journeysim run report", sections, intro)


def write_run_report(out_dir: Path, summary: dict[str, Any], daily: pd.DataFrame,
                     counterfactual_daily: pd.DataFrame | None = None) -> Path:
    """Write ``out_dir/report.html`` (atomically) and return its path."""
    html = build_run_report(summary, daily, counterfactual_daily)
    return write_text(Path(out_dir) / REPORT_NAME, html)


class NotARun(ValueError):
    """The directory does not hold a finished run."""


def read_run(run_dir: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame | None]:
    """A finished run's summary, daily table and counterfactual daily table (None if none)."""
    if not run_dir.is_dir():
        raise NotARun(f"{run_dir} is not a directory")
    if not (run_dir / "summary.json").is_file():
        raise NotARun(f"{run_dir} holds no finished run (no summary.json)")

    def optional(name: str) -> pd.DataFrame | None:
        path = run_dir / name
        return pd.read_parquet(path) if path.is_file() else None

    try:
        summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
        daily = pd.read_parquet(run_dir / "daily.parquet")
        return summary, daily, optional("counterfactual_daily.parquet")
    except (OSError, ValueError) as err:
        raise NotARun(f"{run_dir} holds an unreadable run: {err}") from err


def main(argv: list[str] | None = None) -> None:
    """``journeysim-report RUN_DIR``: rebuild RUN_DIR/report.html from a finished run's files."""
    parser = argparse.ArgumentParser(
        prog="journeysim-report",
        description="Rebuild RUN_DIR/report.html from a finished run's files.")
    parser.add_argument("run_dir", type=Path, help="a finished run directory under results/")
    args = parser.parse_args(argv)
    try:
        inputs = read_run(args.run_dir)
    except NotARun as err:
        print(f"journeysim-report: {err}", file=sys.stderr)
        sys.exit(2)
    print(write_run_report(args.run_dir, *inputs))
