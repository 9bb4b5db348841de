"""Counterfactual truth: the same customers with the same luck, with and without the journeys.

The counterfactual run uses the same config and seed with the chosen journeys switched off
(``counterfactual.switch_off``; empty: all of them). Every core process draws from its own
stream keyed by name, one uniform per customer per day whether used or not, and response, team
and control draws are keyed by (seed, purpose, customer, day), so the two runs differ only where
a journey changed something (docs/model.md, "Stochasticity"). For customer i and outcome Y the
true effect is

    tau_i = Y_i(with journeys) - Y_i(without),

exactly, with no sampling error: summed over customers it is the journeys' incremental effect.
Outcomes, over the whole run: ``converted`` (bought an offer from a journey message or a team
contact), ``expanded`` (any expansion or conversion that raised MRR),
``expansion_mrr`` (MRR added by rises), ``net_mrr_change`` (MRR at the end minus at the start,
churn included), ``churned``, ``unsubscribed`` (from any channel).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from journeysim.config.schema import CounterfactualConfig, SimConfig
from journeysim.population.state import CONTRACTS

OUTCOMES: tuple[str, ...] = ("converted", "expanded", "expansion_mrr", "net_mrr_change",
                             "churned", "unsubscribed")
"""Per-customer outcomes compared between the two runs."""
COUNTS: dict[str, str] = {"converted": "converted_customers", "expanded": "expanded_customers",
                          "churned": "churned_customers",
                          "unsubscribed": "unsubscribed_customers"}
"""Binary outcomes and the name of their total."""


def counterfactual_config(cfg: SimConfig) -> SimConfig:
    """``cfg`` with the journeys of ``counterfactual.switch_off`` (all if empty) removed."""
    off = set(cfg.counterfactual.switch_off) or set(cfg.journey)
    kept = {name: journey for name, journey in cfg.journey.items() if name not in off}
    return dataclasses.replace(cfg, journey=kept,
                               counterfactual=CounterfactualConfig(enabled=False))


def baseline(cfg: SimConfig) -> str:
    """What the counterfactual switched off, in words."""
    off = cfg.counterfactual.switch_off
    return f"without {', '.join(off)}" if off else "no journeys"


def day0_features(model: Any) -> pd.DataFrame:
    """Each customer's profile and pre-period behaviour at day 0 (before any journey acted)."""
    c = model.customers
    return pd.DataFrame({
        "customer_id": np.arange(c.size, dtype=np.int64),
        "segment": pd.Categorical.from_codes(c.segment, categories=list(model.segment_names)),
        "contract": pd.Categorical.from_codes(c.contract, categories=list(CONTRACTS)),
        "plan": pd.Categorical.from_codes(c.plan_start, categories=list(model.plan_names)),
        "seats": c.seats_start.astype(np.int32),
        "seat_utilization": c.seat_demand / c.seats,
        "mrr": c.mrr_start / 100.0,
        "tenure_days": c.tenure_start,
        "usage_depth": c.usage_depth.copy(),
        "adopted": c.adopted.copy(),
        "churn_propensity": c.churn_propensity.copy(),
        "consent_email": c.consent[0].copy(),
    })


def customer_outcomes(model: Any, events: pd.DataFrame) -> pd.DataFrame:
    """The outcomes of every customer of a finished run (money in currency units)."""
    c, n = model.customers, model.customers.size
    ids = events["customer_id"].to_numpy()
    kind = events["event"].cat.codes.to_numpy()
    code = {name: i for i, name in enumerate(events["event"].cat.categories)}
    delta = events["mrr_delta"].to_numpy(dtype=float, na_value=0.0)
    rise = delta > 0
    expansion_mrr = np.bincount(ids[rise], weights=delta[rise], minlength=n)
    grew = rise & ((kind == code["expansion"]) | (kind == code["convert"]))
    return pd.DataFrame({
        "converted": np.bincount(ids[kind == code["convert"]], minlength=n) > 0,
        "expanded": np.bincount(ids[grew], minlength=n) > 0,
        "expansion_mrr": expansion_mrr,
        "net_mrr_change": (c.mrr - c.mrr_start) / 100.0,
        "churned": ~c.active,
        "unsubscribed": np.bincount(ids[kind == code["unsubscribe"]], minlength=n) > 0,
    })


def _totals(y: pd.DataFrame, mrr_start: float) -> dict[str, float]:
    out = {"expansion_mrr": round(float(y["expansion_mrr"].sum()), 2),
           "net_mrr_change": round(float(y["net_mrr_change"].sum()), 2),
           "nrr": (mrr_start + float(y["net_mrr_change"].sum())) / mrr_start if mrr_start else None}
    out.update({total: int(y[name].sum()) for name, total in COUNTS.items()})
    return out


def _difference(with_: dict[str, float], without: dict[str, float]) -> dict[str, float]:
    return {key: (None if with_[key] is None or without[key] is None
                  else round(with_[key] - without[key], 10 if key == "nrr" else 2))
            for key in with_}


def true_effects(factual: pd.DataFrame, counterfactual: pd.DataFrame,
                 features: pd.DataFrame) -> dict[str, Any]:
    """Overall and per-segment totals with and without the journeys, and their difference."""
    def block(members: np.ndarray) -> dict[str, Any]:
        start = float(features["mrr"].to_numpy()[members].sum())
        with_ = _totals(factual[members], start)
        without = _totals(counterfactual[members], start)
        return {"with": with_, "without": without, "difference": _difference(with_, without)}

    everyone = block(np.ones(len(features), bool))
    segments = features["segment"]
    return {
        "overall": everyone["difference"], "with": everyone["with"],
        "without": everyone["without"],
        "by_segment": {str(name): block((segments == name).to_numpy())["difference"]
                       for name in segments.cat.categories},
    }


def uplift_table(features: pd.DataFrame, factual: pd.DataFrame, counterfactual: pd.DataFrame,
                 assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per customer: day-0 features, journey arms, outcomes in both runs, true effects.

    Ready for benchmarking uplift models on ground truth: ``true_<outcome>`` is tau_i.
    """
    table = features.copy()
    table = table.join(assignments, on="customer_id")
    for name in OUTCOMES:
        with_, without = factual[name].to_numpy(), counterfactual[name].to_numpy()
        table[f"{name}_with"] = with_
        table[f"{name}_without"] = without
        table[f"true_{name}"] = with_.astype(float) - without.astype(float)
    return table
