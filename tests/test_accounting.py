"""Revenue accounting balances to the cent and no customer is lost or invented."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from journeysim.config.compose import compose_config
from journeysim.metrics.summary import summarize
from journeysim.runner import simulate


@given(seed=st.integers(0, 10_000), size=st.integers(1, 400), days=st.integers(1, 120),
       expansion=st.floats(0.0, 0.5), contraction=st.floats(0.0, 0.5))
def test_mrr_flows_balance_exactly(seed: int, size: int, days: int, expansion: float,
                                   contraction: float) -> None:
    cfg = compose_config([f"seed={seed}", f"population.size={size}", f"horizon_days={days}",
                          "catalog.offers.annual_plan.discount_months=1",
                          f"population.organic.expansion_per_month={expansion}",
                          f"population.organic.contraction_per_month={contraction}"])
    model = simulate(cfg)
    c, f = model.customers, model.flows
    assert c.mrr_start.sum() + f.expansion_mrr - f.contraction_mrr - f.churned_mrr == c.mrr.sum()
    events = model.events.frame()
    changes = events[events["event"].isin(["expansion", "contraction", "convert",
                                           "discount_end"])]["mrr_delta"].to_numpy(float)
    assert round(changes[changes > 0].sum() * 100) == f.expansion_mrr
    assert round(-changes[changes < 0].sum() * 100) == f.contraction_mrr
    churned = events[events["event"] == "churn"]["mrr_delta"].to_numpy(float)
    assert round(-churned.sum() * 100) == f.churned_mrr
    listed = c.seats.astype(np.int64) * model.price_cents[c.plan] + c.addon_mrr - c.discount
    assert np.array_equal(c.mrr, listed * c.active)
    assert summarize(model, events)["revenue_balances"]


@given(seed=st.integers(0, 10_000), size=st.integers(1, 400), days=st.integers(1, 200))
def test_customers_are_conserved(seed: int, size: int, days: int) -> None:
    cfg = compose_config([f"seed={seed}", f"population.size={size}", f"horizon_days={days}"])
    model = simulate(cfg)
    daily = model.daily()
    c = model.customers
    churned = int(daily["churned_customers"].sum())
    assert daily["active_customers"].iloc[-1] + churned == size
    assert c.active.sum() + (~c.active).sum() == size
    events = model.events.frame()
    churn_events = events[events["event"] == "churn"]
    assert len(churn_events) == churned
    assert churn_events["customer_id"].is_unique
    assert set(churn_events["customer_id"]) == set(np.flatnonzero(~c.active))
    assert (c.churn_day[~c.active] >= 1).all() and (c.churn_day[c.active] == -1).all()
    later = events.merge(churn_events[["customer_id", "day"]], on="customer_id",
                         suffixes=("", "_churn"))
    assert (later["day"] <= later["day_churn"]).all(), "nothing happens after a churn"


def test_summary_matches_the_daily_table() -> None:
    model = simulate(compose_config(["population.size=3000", "horizon_days=200"]))
    s, daily = summarize(model), model.daily()
    assert s["customers_start"] == daily["active_customers"].iloc[0] == 3000
    assert s["customers_end"] == daily["active_customers"].iloc[-1]
    assert np.isclose(s["expansion_mrr"], daily["expansion_mrr"].sum())
    assert np.isclose(s["churned_mrr"], daily["churned_mrr"].sum())
    assert np.isclose(s["mrr_end"], daily["mrr"].iloc[-1])
    assert np.isclose(s["nrr"], s["mrr_end"] / s["mrr_start"])
    assert 0 < s["grr"] <= 1 and s["grr"] <= s["nrr"] + 1e-12 or s["nrr"] < s["grr"] <= 1
    segments = s["by_segment"].values()
    assert sum(seg["customers_start"] for seg in segments) == s["customers_start"]
    assert np.isclose(sum(seg["mrr_end"] for seg in segments), s["mrr_end"])
