"""Per journey and arm: the true lift beside what a real team would see.

A journey's arms are fixed per customer at the first entry; its holdout enters but receives
nothing. For a treated arm A, holdout H and outcome Y (``experiment.truth``) the readout gives

* ``true``: mean_A(tau) - mean_H(tau), the true lift of A over the holdout in this very
  population (tau_i = Y_i with journeys - Y_i without). Because arms are randomised,
  E[mean_A(Y) - mean_H(Y)] equals it in expectation over assignments; it removes the chance
  imbalance of the two groups' counterfactual outcomes. ``true_on_entrants`` is mean_A(tau);
* ``estimate`` / ``ci_low`` / ``ci_high``: mean_A(Y) - mean_H(Y) with a 95% interval (Newcombe
  for shares, Welch for dollars; docs/statistics.md);
* ``cuped_*``: the same after CUPED adjustment on day-0 behaviour (MRR, usage depth, seat
  utilisation, tenure); a normal (Welch) interval, so for a share only when each group has at
  least ``CUPED_MIN_COUNT`` customers with and without the outcome (else None);
* ``naive``: what "converted after a message" attribution reports: the share of A's entrants
  with a conversion credited to the journey (``expanded``) or the credited MRR per entrant
  (``net_mrr_change``);
* ``mde``: the smallest lift this split detects with 80% power at the 5% level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journeysim.experiment import estimates, power

HOLDOUT = "holdout"
LIFT_OUTCOMES: dict[str, str] = {"expanded": "share", "net_mrr_change": "dollars",
                                 "churned": "share", "unsubscribed": "share"}
"""Outcomes with a per-arm readout, and their unit."""
COVARIATES: tuple[str, ...] = ("mrr", "usage_depth", "seat_utilization", "tenure_days")
"""Day-0 behaviour used by CUPED."""
CUPED_MIN_COUNT = 10
"""For a share, CUPED's normal interval needs this many customers with and without the outcome
in each group (the usual n p >= 10 rule); with fewer, a group with 0 or 1 events gives an
interval of zero or almost zero width that covers nothing."""


def assignments(events: pd.DataFrame) -> pd.DataFrame:
    """Per customer who entered a journey: ``arm_<journey>`` and ``entry_day_<journey>`` at the
    first entry (indexed by customer_id)."""
    enters = events[events["event"] == "enter"]
    first = enters.drop_duplicates(["journey", "customer_id"])
    columns = {}
    for journey, rows in first.groupby("journey", observed=True):
        rows = rows.set_index("customer_id")
        columns[f"arm_{journey}"] = rows["arm"].astype(str)
        columns[f"entry_day_{journey}"] = rows["day"]
    return pd.DataFrame(columns).rename_axis("customer_id")


def lifts(events: pd.DataFrame, factual: pd.DataFrame, counterfactual: pd.DataFrame,
          features: pd.DataFrame, arms: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per journey, treated arm and outcome (journeys with a holdout only)."""
    covariates = features[list(COVARIATES)].to_numpy(float)
    credited = events[events["event"] == "convert"]
    out = []
    for column in (c for c in arms.columns if c.startswith("arm_")):
        journey = column.removeprefix("arm_")
        arm_of = arms[column].dropna()
        held = arm_of.index[arm_of == HOLDOUT].to_numpy()
        if not len(held):
            continue
        mine = credited[credited["journey"] == journey]
        for arm in sorted(set(arm_of) - {HOLDOUT}):
            treated = arm_of.index[arm_of == arm].to_numpy()
            won = mine[mine["arm"] == arm]
            naive = {"expanded": won["customer_id"].nunique() / len(treated),
                     "net_mrr_change": float(won["mrr_delta"].sum()) / len(treated)}
            for outcome, unit in LIFT_OUTCOMES.items():
                y = factual[outcome].to_numpy(float)
                tau = y - counterfactual[outcome].to_numpy(float)
                record = {"journey": journey, "arm": arm, "outcome": outcome, "unit": unit,
                          "entrants": len(treated), "holdout_entrants": len(held),
                          "true": float(tau[treated].mean() - tau[held].mean()),
                          "true_on_entrants": float(tau[treated].mean())}
                record.update(_estimates(y[treated], y[held], covariates[treated],
                                         covariates[held], unit))
                record["naive"] = naive.get(outcome)
                out.append(record)
    return out


def _estimates(y1: np.ndarray, y0: np.ndarray, x1: np.ndarray, x0: np.ndarray,
               unit: str) -> dict[str, float | None]:
    """Holdout estimate, CUPED estimate (95% intervals) and MDE of one comparison."""
    if unit == "share":
        plain = estimates.proportion_difference(int(y1.sum()), len(y1), int(y0.sum()), len(y0))
    else:
        plain = estimates.mean_difference(y1, y0)
    cuped = (estimates.cuped_mean_difference(y1, x1, y0, x0)
             if unit != "share" or _normal_enough(y1, y0) else None)
    adjusted = cuped[0] if cuped else None
    return {
        "estimate": plain.estimate if plain else None,
        "ci_low": plain.low if plain else None,
        "ci_high": plain.high if plain else None,
        "cuped_estimate": adjusted.estimate if adjusted else None,
        "cuped_ci_low": adjusted.low if adjusted else None,
        "cuped_ci_high": adjusted.high if adjusted else None,
        "cuped_variance_reduction": cuped[1] if cuped else None,
        "mde": _mde(y1, y0, unit),
    }


def _normal_enough(y1: np.ndarray, y0: np.ndarray) -> bool:
    """Whether both groups of a 0/1 outcome have ``CUPED_MIN_COUNT`` ones and zeros."""
    return all(min(int(y.sum()), len(y) - int(y.sum())) >= CUPED_MIN_COUNT for y in (y1, y0))


def _mde(y1: np.ndarray, y0: np.ndarray, unit: str) -> float | None:
    """Minimum detectable lift of this split (80% power, 5% level), or None if undefined."""
    n = len(y1) + len(y0)
    share = len(y0) / n
    if unit == "share":
        rate = float(np.concatenate([y1, y0]).mean())
        if not 0 < rate < 1:
            return None
        return power.minimum_detectable_effect(n, share, base_rate=rate)
    sd = float(np.concatenate([y1, y0]).std(ddof=1)) if n > 1 else 0.0
    return power.minimum_detectable_effect(n, share, sd=sd) if sd > 0 else None
