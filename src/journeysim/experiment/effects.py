"""A run's effects: its counterfactual twin, the true effects and the per-arm readout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from journeysim.experiment import readout, truth
from journeysim.model import JourneyModel


@dataclass
class Effects:
    """What the comparison with the counterfactual run produced."""

    summary: dict[str, Any]
    """``summary.json``'s ``effects``: baseline, true effects, per-arm lifts."""
    daily: pd.DataFrame
    """The counterfactual run's daily table."""
    uplift: pd.DataFrame
    """One row per customer: features, arms, outcomes with and without, true effects."""


def wanted(model: JourneyModel) -> bool:
    """Whether this run compares itself with a counterfactual (journeys to switch off)."""
    return model.cfg.counterfactual.enabled and bool(model.cfg.journey)


def measure_effects(model: JourneyModel, events: pd.DataFrame, features: pd.DataFrame,
                    progress: bool = False) -> Effects:
    """Run ``model``'s counterfactual twin and compare the two (``model`` has finished)."""
    cfg = model.cfg
    twin = JourneyModel(truth.counterfactual_config(cfg))
    twin.run(cfg.horizon_days, progress=progress)
    factual = truth.customer_outcomes(model, events)
    counterfactual = truth.customer_outcomes(twin, twin.events.frame())
    arms = readout.assignments(events)
    summary = {
        "baseline": truth.baseline(cfg),
        "true": truth.true_effects(factual, counterfactual, features),
        "lifts": readout.lifts(events, factual, counterfactual, features, arms),
    }
    return Effects(summary, twin.daily(),
                   truth.uplift_table(features, factual, counterfactual, arms))
