"""The run summary: customers, MRR flows, NRR, GRR, ARPA, adoption and milestones.

Definitions (docs/model.md, "Outputs"): over the horizon H,
    NRR = MRR_end / MRR_start (no new customers are acquired in a run),
    GRR = sum_i min(MRR_end_i, MRR_start_i) / MRR_start (each account capped at its start),
    MRR_end = MRR_start + expansion - contraction - churned, exactly (integer cents).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from journeysim.metrics.journey_summary import summarize_journeys
from journeysim.metrics.team_summary import summarize_teams
from journeysim.population.state import Customers


def _revenue(c: Customers, members: np.ndarray | slice) -> dict[str, Any]:
    start = int(c.mrr_start[members].sum())
    end = int(c.mrr[members].sum())
    kept = int(np.minimum(c.mrr[members], c.mrr_start[members]).sum())
    customers_start = int(np.size(c.mrr_start[members]))
    customers_end = int(c.active[members].sum())
    return {
        "customers_start": customers_start,
        "customers_end": customers_end,
        "churned_customers": customers_start - customers_end,
        "mrr_start": start / 100.0,
        "mrr_end": end / 100.0,
        "nrr": end / start if start else None,
        "grr": kept / start if start else None,
        "arpa_start": start / 100.0 / customers_start if customers_start else None,
        "arpa_end": end / 100.0 / customers_end if customers_end else None,
    }


def summarize(model: Any, events: pd.DataFrame | None = None) -> dict[str, Any]:
    """The summary of a finished run of ``model`` (a ``JourneyModel``), as plain JSON types.

    ``events`` is the model's event table, if already built.
    """
    c, f = model.customers, model.flows
    events = model.events.frame() if events is None else events
    overall = _revenue(c, slice(None))
    start_cents = int(c.mrr_start.sum())
    end_cents = int(c.mrr.sum())
    balance = start_cents + f.expansion_mrr - f.contraction_mrr - f.churned_mrr
    adopted_start = model.daily()["adopted_share"].iloc[0]
    return {
        "seed": model.cfg.seed,
        "horizon_days": model.day,
        **overall,
        "logo_churn_rate": overall["churned_customers"] / overall["customers_start"],
        "expansion_mrr": f.expansion_mrr / 100.0,
        "contraction_mrr": f.contraction_mrr / 100.0,
        "churned_mrr": f.churned_mrr / 100.0,
        "revenue_balances": balance == end_cents,
        "expansions": f.expansions,
        "contractions": f.contractions,
        "conversions": f.conversions,
        "sends": f.sends,
        "unsubscribes": f.unsubscribes,
        "adoptions": f.adoptions,
        "adopted_share_start": float(adopted_start),
        "adopted_share_end": model.kpis["adopted_share"],
        "mean_usage_depth_end": model.kpis["mean_usage_depth"],
        "milestones": dict(f.milestones),
        "by_segment": {name: _revenue(c, np.flatnonzero(c.segment == i))
                       for i, name in enumerate(model.segment_names)},
        "journeys": summarize_journeys(events),
        "teams": summarize_teams(events, model.desk, model.day),
    }
