"""Support tickets: arrivals against their closed form, governance pauses, churn, withdrawal."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc

from helpers import constant, run_cli, single_segment
from journeysim.behavior import support
from journeysim.config.compose import compose_config
from journeysim.config.schema import BetaParams, ChurnBeta
from journeysim.model import JourneyModel
from journeysim.runner import simulate


def test_ticket_arrivals_match_the_poisson_day_probability() -> None:
    """With usage frozen, each active customer-day files a ticket with 1 - exp(-lambda)."""
    n, days, rate = 20_000, 60, 0.6
    cfg = single_segment(n, [f"horizon_days={days}", "journey=[]",
                             "population.support.usage_effect=1.5"],
                         usage_speed=constant(0.0), support_tickets_per_month=rate)
    model = JourneyModel(cfg)
    depth = float(model.customers.usage_depth[0])
    assert np.all(model.customers.usage_depth == depth)
    model.run(days)
    events = model.events.frame()
    filed = int(((events["event"] == "task_queued") & (events["team"] == "support")).sum())
    customer_days = int(model.daily()["active_customers"].iloc[:-1].sum())
    p = -np.expm1(-rate / 30 * np.exp(1.5 * (depth - 0.5)))
    expected, se = customer_days * p, np.sqrt(customer_days * p * (1 - p))
    assert abs(filed - expected) < 4.5 * se, (filed, expected, se)


def test_bad_resolution_probability_closed_form() -> None:
    p = support.bad_resolution_probability(0.1, np.array([0.0, 7.0, 14.0]), 7.0)
    assert np.allclose(p, [0.1, 1 - 0.9 / 2, 1 - 0.9 / 4])


def test_support_trouble_doubles_churn_at_the_next_renewal() -> None:
    """Everyone in trouble at day 0, beta_s = ln 2: first-renewal churn = E[min(1, 2 theta)]."""
    n, a, b = 100_000, 0.7, 3.0
    cfg = single_segment(n, ["horizon_days=30", "journey=[]",
                             f"population.churn_modifiers.support={np.log(2)}"],
                         tenure_days=constant(0), annual_share=0.0, support_tickets_per_month=0.0,
                         churn=ChurnBeta(BetaParams(a, b), BetaParams(a, b)))
    model = JourneyModel(cfg)
    model.customers.bad_support_day[:] = 0
    model.run(30)
    observed = int(model.daily()["churned_customers"].iloc[30]) / n
    expected = 2 * a / (a + b) * betainc(a + 1, b, 0.5) + 1 - betainc(a, b, 0.5)
    se = np.sqrt(expected * (1 - expected) / n)
    assert abs(observed - expected) < 4.5 * se, (observed, expected)


def _intervals(events: pd.DataFrame) -> pd.DataFrame:
    """Per support ticket: customer, day filed and day closed."""
    support_events = events[events["team"] == "support"]
    queued = support_events[support_events["event"] == "task_queued"]
    closed = support_events[support_events["event"] == "task_finished"]
    rows = []
    for customer, q in queued.groupby("customer_id"):
        ends = sorted(closed.loc[closed["customer_id"] == customer, "day"])
        starts = sorted(q["day"])
        for i, start in enumerate(starts):  # FIFO per customer: tickets close in filing order
            rows.append((customer, start, ends[i] if i < len(ends) else np.inf))
    return pd.DataFrame(rows, columns=["customer_id", "filed", "closed"])


def test_governance_pauses_messages_during_and_after_support_trouble() -> None:
    cfg = compose_config(["population.size=3000", "horizon_days=150", "seed=3",
                          "team.support.headcount=1",          # slow support: long open tickets
                          "policy.cooldown_after_bad_support_days=20"])
    for seg in cfg.population.segments.values():
        seg.support_tickets_per_month = 0.3
    events = simulate(cfg).events.frame()
    sends = events[events["event"] == "send"][["customer_id", "day"]]
    tickets = _intervals(events)
    assert len(tickets) > 500
    during = sends.merge(tickets, on="customer_id")
    assert not ((during["day"] >= during["filed"]) & (during["day"] <= during["closed"])).any()
    bad = events[(events["event"] == "task_finished") & (events["detail"] == "resolved_badly")]
    assert len(bad) > 20
    after = sends.merge(bad[["customer_id", "day"]].rename(columns={"day": "bad"}),
                        on="customer_id")
    assert not ((after["day"] > after["bad"]) & (after["day"] < after["bad"] + 20)).any()
    reasons = events[events["event"] == "suppressed"]["detail"].value_counts()
    assert reasons.get("ticket_open", 0) > 0 and reasons.get("bad_support", 0) > 0


def test_slow_support_resolves_worse_and_loses_more_customers() -> None:
    """Same customers, same luck: one agent instead of eight means longer waits, more bad
    resolutions and more churn."""
    out = {}
    for agents in (1, 8):
        cfg = compose_config(["population.size=6000", "horizon_days=240", "journey=[]",
                              f"team.support.headcount={agents}"])
        model = simulate(cfg)
        events = model.events.frame()
        closed = events[(events["event"] == "task_finished") & (events["team"] == "support")]
        out[agents] = ((closed["detail"] == "resolved_badly").mean(),
                       int(model.flows.churned_customers))
    assert out[1][0] > out[8][0] and out[1][1] > out[8][1], out


def test_an_overloaded_team_is_called_out_on_the_console(tmp_path) -> None:
    flooded = run_cli("population.size=4000", "horizon_days=90", "journey=[]",
                      "team.support.headcount=1", f"hydra.run.dir={tmp_path}/flooded")
    assert flooded.returncode == 0, flooded.stderr
    assert "warning: team support cannot keep up" in flooded.stdout
    assert "raise team.support.headcount" in flooded.stdout
    staffed = run_cli("population.size=4000", "horizon_days=90", "journey=[]",
                      f"hydra.run.dir={tmp_path}/staffed")
    assert staffed.returncode == 0 and "cannot keep up" not in staffed.stdout
