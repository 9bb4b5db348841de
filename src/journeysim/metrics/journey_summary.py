"""Per-journey, per-arm results, computed from the event log.

For each journey and arm: entries and entrants; sends per channel; suppressed sends by reason;
the funnel sent -> delivered -> opened -> clicked -> converted; conversions and their MRR change
by offer and by step; unsubscribes; churn of entrants after they entered; the median days from
entry to conversion. Each arm is compared with the journey's holdout on two outcomes measured from a
customer's first entry to the end of the run, whatever caused them (journey or organic): the
share of entrants who expanded (an expansion or a conversion) and the net MRR change per
entrant (expansion, contraction, discount ends, conversions and churn). The difference
arm - holdout is the naive lift; its uncertainty and the true effect come with the
experiments issue.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from journeysim.channels import CHANNELS
from journeysim.governance.policy import REASONS

FUNNEL: tuple[str, ...] = ("send", "deliver", "open", "click", "convert")
REVENUE_EVENTS: tuple[str, ...] = ("expansion", "contraction", "discount_end", "convert", "churn")


def _counts(frame: pd.DataFrame, column: str, labels: tuple[str, ...]) -> dict[str, int]:
    counts = frame[column].value_counts()
    return {label: int(counts.get(label, 0)) for label in labels if counts.get(label, 0)}


def _conversions_by(converts: pd.DataFrame, column: str) -> dict[str, dict[str, Any]]:
    """Conversions and the MRR change they made, per offer or step."""
    grouped = converts.groupby(column, observed=True)["mrr_delta"].agg(["count", "sum"])
    return {str(key): {"conversions": int(row["count"]), "mrr_change": round(float(row["sum"]), 2)}
            for key, row in grouped.iterrows()}


def _arm(events: pd.DataFrame, arm_events: pd.DataFrame, first_entry: pd.Series) -> dict[str, Any]:
    by_event = arm_events["event"].value_counts()
    converts = arm_events[arm_events["event"] == "convert"]
    entrants = first_entry.index
    after = events[events["customer_id"].isin(entrants)].copy()
    after = after[after["day"] >= after["customer_id"].map(first_entry)]
    revenue = after[after["event"].isin(REVENUE_EVENTS)]
    expanded = revenue[revenue["event"].isin(("expansion", "convert"))
                       & (revenue["mrr_delta"] > 0)]["customer_id"].nunique()
    churned = after[after["event"] == "churn"]["customer_id"].nunique()
    entries = arm_events[arm_events["event"] == "enter"][["customer_id", "day"]]
    waits = (converts.merge(entries, on="customer_id", suffixes=("", "_entry"))
             .query("day_entry <= day").groupby(["customer_id", "day"])["day_entry"].max())
    days_to_convert = (waits.index.get_level_values("day") - waits.to_numpy())
    n = len(entrants)
    return {
        "entries": int(by_event.get("enter", 0)),
        "entrants": n,
        "sends_by_channel": _counts(arm_events[arm_events["event"] == "send"], "channel",
                                    CHANNELS),
        "suppressed_by_reason": _counts(arm_events[arm_events["event"] == "suppressed"],
                                        "detail", REASONS),
        "funnel": {event: int(by_event.get(event, 0)) for event in FUNNEL},
        "conversions_by_offer": _conversions_by(converts, "offer"),
        "conversions_by_step": _conversions_by(converts, "step"),
        "unsubscribes": int(by_event.get("unsubscribe", 0)),
        "handoffs": int(by_event.get("handoff", 0)),
        "entrants_churned": churned,
        "median_days_to_conversion": (float(pd.Series(days_to_convert).median())
                                      if len(days_to_convert) else None),
        "expanded_share": expanded / n if n else None,
        "net_mrr_change_per_entrant": float(revenue["mrr_delta"].sum()) / n if n else None,
    }


def summarize_journeys(events: pd.DataFrame) -> dict[str, Any]:
    """Per journey: per arm results and the naive arm - holdout differences."""
    journeys = events[events["journey"].notna()]
    out: dict[str, Any] = {}
    for journey, j_events in journeys.groupby("journey", observed=True):
        arms: dict[str, Any] = {}
        for arm, arm_events in j_events.groupby("arm", observed=True):
            enters = arm_events[arm_events["event"] == "enter"]
            first_entry = enters.groupby("customer_id")["day"].min()
            arms[str(arm)] = _arm(events, arm_events, first_entry)
        holdout = arms.get("holdout")
        naive = {}
        if holdout and holdout["entrants"]:
            for arm, result in arms.items():
                if arm != "holdout" and result["entrants"]:
                    naive[arm] = {
                        "expanded_share": result["expanded_share"] - holdout["expanded_share"],
                        "net_mrr_change_per_entrant": result["net_mrr_change_per_entrant"]
                        - holdout["net_mrr_change_per_entrant"]}
        out[str(journey)] = {"arms": arms, "naive_lift_vs_holdout": naive}
    return out
