"""The short, readable summary a run prints on the console."""

from __future__ import annotations

from typing import Any


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def format_summary(s: dict[str, Any]) -> str:
    """Render the key results of ``summary.json`` as a few aligned lines."""
    h = s["horizon_days"]
    rows = [
        ("Customers", f"{s['customers_start']:,} -> {s['customers_end']:,} "
                      f"({s['churned_customers']:,} churned, {_pct(s['logo_churn_rate'])})"),
        ("MRR", f"{_money(s['mrr_start'])} -> {_money(s['mrr_end'])}"),
        ("  + expansion", _money(s["expansion_mrr"]) + f" ({s['expansions']:,} expansions)"),
        ("  - contraction",
         _money(s["contraction_mrr"]) + f" ({s['contractions']:,} contractions)"),
        ("  - churned", _money(s["churned_mrr"])),
        (f"NRR / GRR ({h} days)", f"{_pct(s['nrr'])} / {_pct(s['grr'])}"),
        ("ARPA", f"{_money(s['arpa_start'])} -> {_money(s['arpa_end'] or 0)}"),
        ("Feature adopted", f"{_pct(s['adopted_share_start'])} -> {_pct(s['adopted_share_end'])}"),
        ("Milestones fired", ", ".join(f"{k} {v:,}" for k, v in s["milestones"].items())),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"journeysim: {h} days, seed {s['seed']}"]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    if s.get("conversions") or s.get("journeys"):
        lines.append(f"  {'Journey sends':<{width}}  {s['sends']:,} sent, {s['conversions']:,} "
                     f"conversions, {s['unsubscribes']:,} unsubscribes")
    lines.append("  By segment:")
    for name, seg in s["by_segment"].items():
        lines.append(f"    {name:<12} {seg['customers_end']:>8,} customers  "
                     f"MRR {_money(seg['mrr_end']):>12}  NRR {_pct(seg['nrr']):>6}  "
                     f"GRR {_pct(seg['grr']):>6}")
    lines += _journeys(s.get("journeys", {}))
    lines += _teams(s.get("teams", {}))
    if s.get("effects"):
        lines += _effects(s["effects"])
    return "\n".join(lines)


def _effects(effects: dict[str, Any]) -> list[str]:
    """The true effect of the journeys, then per arm: truth, holdout estimates, attribution."""
    t = effects["true"]["overall"]
    lines = [f"  True effect (same customers and luck, {effects['baseline']}): "
             f"expansion MRR {t['expansion_mrr']:+,.0f}, net MRR {t['net_mrr_change']:+,.0f} "
             f"(NRR {100 * t['nrr']:+.2f} pts), converted {t['converted_customers']:+,}, "
             f"expanded {t['expanded_customers']:+,}, "
             f"churned {t['churned_customers']:+,}, unsubscribed {t['unsubscribed_customers']:+,}"]
    rows = [("journey", "arm", "outcome", "true", "holdout estimate [95% CI]",
             "CUPED [95% CI]", "naive", "MDE")]
    for lift in effects["lifts"]:
        if lift["outcome"] not in LIFT_FORMATS:
            continue
        label, fmt = LIFT_FORMATS[lift["outcome"]]
        rows.append((lift["journey"], lift["arm"], label, fmt(lift["true"]),
                     _interval(lift, "", fmt), _interval(lift, "cuped_", fmt),
                     fmt(lift["naive"]) if lift["naive"] is not None
                     else "", fmt(lift["mde"]).lstrip("+") if lift["mde"] is not None else ""))
    if len(rows) > 1:
        lines.append("  Lift over holdout: true vs what a team would measure vs attribution:")
        lines += _table(rows, left=3)
    return lines


def _interval(lift: dict[str, Any], prefix: str, fmt: Any) -> str:
    """``estimate [low, high]`` of one estimator (``prefix``: "" or "cuped_")."""
    if lift[f"{prefix}estimate"] is None:
        return "n/a"
    return (f"{fmt(lift[f'{prefix}estimate'])} [{fmt(lift[f'{prefix}ci_low'])}, "
            f"{fmt(lift[f'{prefix}ci_high'])}]")


LIFT_FORMATS: dict[str, tuple[str, Any]] = {
    "expanded": ("expanded", lambda v: f"{100 * v:+.1f} pts"),
    "net_mrr_change": ("net MRR/entrant", lambda v: f"{v:+,.1f}"),
}
"""Outcomes shown on the console (summary.json has all), with their label and format."""


def _table(rows: list[tuple[str, ...]], left: int = 1) -> list[str]:
    """Rows as aligned text: the first ``left`` columns left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [("    " + "  ".join(cell.ljust(w) if i < left else cell.rjust(w)
                                for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             ).rstrip() for row in rows]


def _teams(teams: dict[str, Any]) -> list[str]:
    """One line per team that had any task."""
    lines = []
    for name, t in teams.items():
        if not t["tasks_queued"]:
            continue
        wait = ("n/a" if t["median_wait_days"] is None
                else f"{t['median_wait_days']:.1f} / {t['p90_wait_days']:.1f} days")
        if name == "support":
            tasks = "tickets"
            result = (f"{t['resolved_badly']:,} resolved badly "
                      f"({_pct(t['resolved_badly'] / max(t['tasks_finished'], 1))})")
        else:
            tasks = "hand-offs"
            result = f"{t['conversions']:,} conversions {_money(t['conversion_mrr'])} MRR"
        reps = f"{t['headcount']} rep{'s' if t['headcount'] != 1 else ''}"
        lines.append(f"  Team {name} ({reps}): {t['tasks_queued']:,} {tasks}, "
                     f"wait median / p90 {wait}, utilisation {_pct(t['utilization'])}, "
                     f"{result}, {t['queue_at_end']:,} still waiting")
        if _overloaded(t):
            lines.append(f"    warning: team {name} cannot keep up ({t['queue_at_end']:,} tasks "
                         f"waiting at the end, {_pct(t['utilization'])} busy); raise "
                         f"team.{name}.headcount if that is not the point of the run")
    return lines


def _overloaded(team: dict[str, Any]) -> bool:
    """A queue left with more than a tenth of all tasks, by reps busy nearly all the time."""
    return (team["utilization"] or 0) > 0.95 and team["queue_at_end"] > 0.1 * team["tasks_queued"]


JOURNEY_COLUMNS = ("arm", "entrants", "sent", "suppr.", "deliv.", "opened", "clicked", "conv.",
                   "conv. MRR", "unsubs", "churned", "lift exp.", "lift MRR/entr.")


def _journeys(journeys: dict[str, Any]) -> list[str]:
    """One table per journey: a row per arm, with the naive lift against the holdout."""
    lines = []
    for name, journey in journeys.items():
        rows = [JOURNEY_COLUMNS]
        for arm, a in journey["arms"].items():
            funnel = a["funnel"]
            lift = journey["naive_lift_vs_holdout"].get(arm)
            mrr = sum(o["mrr_change"] for o in a["conversions_by_offer"].values())
            rows.append((
                arm, f"{a['entrants']:,}", f"{funnel['send']:,}",
                f"{sum(a['suppressed_by_reason'].values()):,}", f"{funnel['deliver']:,}",
                f"{funnel['open']:,}", f"{funnel['click']:,}", f"{funnel['convert']:,}",
                f"{mrr:+,.0f}", f"{a['unsubscribes']:,}", f"{a['entrants_churned']:,}",
                f"{100 * lift['expanded_share']:+.1f} pts" if lift else "",
                f"{lift['net_mrr_change_per_entrant']:+,.1f}" if lift else ""))
        lines.append(f"  Journey {name} (lift: arm minus holdout from entry, no interval):")
        lines += _table(rows)
    return lines
