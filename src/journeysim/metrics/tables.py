"""Per-customer tables: the final state of every customer with its profile."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journeysim.channels import CHANNELS
from journeysim.population.state import CONTRACTS


def customers_frame(model: Any) -> pd.DataFrame:
    """One row per customer: profile, day-0 subscription and final state (money in currency)."""
    c = model.customers
    plans = list(model.plan_names)
    frame = pd.DataFrame({
        "customer_id": np.arange(c.size, dtype=np.int64),
        "segment": pd.Categorical.from_codes(c.segment, categories=list(model.segment_names)),
        "contract": pd.Categorical.from_codes(c.contract, categories=list(CONTRACTS)),
        "tenure_days": c.tenure_start + model.day,
        "churn_propensity": c.churn_propensity,
        "usage_speed": c.usage_speed,
        "team_growth": c.team_growth,
        "plan_start": pd.Categorical.from_codes(c.plan_start, categories=plans),
        "seats_start": c.seats_start.astype(np.int32),
        "mrr_start": c.mrr_start / 100.0,
        "plan": pd.Categorical.from_codes(c.plan, categories=plans),
        "seats": c.seats.astype(np.int32),
        "seat_demand": c.seat_demand.astype(np.int32),
        "seat_utilization": c.seat_demand / c.seats,
        "mrr": c.mrr / 100.0,
        "usage_depth": c.usage_depth,
        "adopted": c.adopted,
        "active": c.active,
        "churn_day": _churn_day(c.churn_day, c.active),
        "days_to_renewal": _days_to_renewal(c.renewal_day, model.day, c.active),
    })
    for i, channel in enumerate(CHANNELS):
        frame[f"consent_{channel}"] = c.consent[i]
    for i, channel in enumerate(CHANNELS):
        frame[f"fatigue_{channel}"] = c.fatigue[i]
    return frame


def _churn_day(churn_day: np.ndarray, active: np.ndarray) -> pd.arrays.IntegerArray:
    """Day of churn, missing for customers still active."""
    column = pd.array(churn_day, dtype="Int32")
    column[active] = pd.NA
    return column


def _days_to_renewal(renewal_day: np.ndarray, day: int,
                     active: np.ndarray) -> pd.arrays.IntegerArray:
    """Days until the next renewal, missing for churned customers."""
    column = pd.array(renewal_day - day, dtype="Int32")
    column[~active] = pd.NA
    return column
