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
    lines.append("  By segment:")
    for name, seg in s["by_segment"].items():
        lines.append(f"    {name:<12} {seg['customers_end']:>8,} customers  "
                     f"MRR {_money(seg['mrr_end']):>12}  NRR {_pct(seg['nrr']):>6}  "
                     f"GRR {_pct(seg['grr']):>6}")
    return "\n".join(lines)
