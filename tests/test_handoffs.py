"""Journey hand-offs go through finite teams: queues, waits, and contacts that convert."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from journeysim.config.compose import compose_config
from journeysim.config.journey_schema import JourneyConfig
from journeysim.config.load import build
from journeysim.metrics.summary import summarize
from journeysim.runner import simulate

CALL_EVERYONE = build(JourneyConfig, {
    "priority": 1,
    "entry": {"signal": "seat_limit_approaching", "reentry": "never"},
    "steps": {"call": {"type": "handoff", "team": "sales", "next": "done"},
              "done": {"type": "exit"}},
    "arms": {"holdout": 0.2},
}, "journey.call_everyone")


def _run(headcount: int) -> pd.DataFrame:
    cfg = compose_config(["population.size=4000", "horizon_days=120", "journey=[]",
                          f"team.sales.headcount={headcount}"])
    cfg.journey["call_everyone"] = CALL_EVERYONE
    return simulate(cfg).events.frame()


def test_handoffs_queue_for_the_team_and_more_reps_wait_less() -> None:
    few, many = _run(1), _run(6)
    for events in (few, many):
        handed = events[events["event"] == "handoff"]
        sales = events[events["team"] == "sales"]
        queued = sales[sales["event"] == "task_queued"]
        assert len(handed) > 50 and len(queued) == len(handed)
        assert (events[events["event"] == "handoff"]["arm"] != "holdout").all()
        held = events[(events["event"] == "suppressed") & (events["step"] == "call")]
        assert (held["detail"] == "holdout").all() and len(held) > 0
        finished = sales[sales["event"] == "task_finished"]
        assert finished["customer_id"].is_unique
        assert set(finished["customer_id"]) <= set(queued["customer_id"])
    wait = {name: e[(e["event"] == "task_started") & (e["team"] == "sales")]["wait_days"]
            .astype(float).mean()
            for name, e in (("few", few), ("many", many))}
    assert wait["many"] < wait["few"], wait
    converts = {name: (e["event"] == "convert").sum() for name, e in (("few", few),
                                                                      ("many", many))}
    assert converts["many"] >= converts["few"] > 0, converts


def test_team_conversions_are_credited_and_balance_revenue() -> None:
    cfg = compose_config(["population.size=3000", "horizon_days=90", "journey=[]"])
    cfg.journey["call_everyone"] = CALL_EVERYONE
    model = simulate(cfg)
    events = model.events.frame()
    won = events[(events["event"] == "convert") & (events["team"] == "sales")]
    assert len(won) > 0
    assert (won["journey"] == "call_everyone").all() and (won["step"] == "call").all()
    assert (won["offer"] == "seat_pack").all() and (won["mrr_delta"] > 0).all()
    c, f = model.customers, model.flows
    assert c.mrr_start.sum() + f.expansion_mrr - f.contraction_mrr - f.churned_mrr == c.mrr.sum()
    assert np.all(model.daily()["queue_sales"] >= 0)


def test_reference_scenario_sends_larger_teams_to_sales_and_headcount_matters() -> None:
    """The default seat_expansion journey hands larger accounts to sales; one rep against two:
    the queue gets shorter and the hand-offs convert no less. Each task keeps its draws whatever
    the headcount (common random numbers), so every account the single rep won, the two won too."""
    results = {}
    for reps in (1, 2):
        cfg = compose_config(["population.size=8000", "horizon_days=180",
                              "journey=[seat_expansion]", f"team.sales.headcount={reps}"])
        events = simulate(cfg).events.frame()
        sales = events[events["team"] == "sales"]
        started = sales[sales["event"] == "task_started"]
        queued = sales[sales["event"] == "task_queued"]
        won = sales[sales["event"] == "convert"]
        results[reps] = (started["wait_days"].astype(float).mean(), len(won), len(started),
                         set(zip(queued["customer_id"], queued["day"], strict=True)),
                         set(won["customer_id"]))
    (wait_1, won_1, started_1, tasks_1, winners_1) = results[1]
    (wait_2, won_2, started_2, tasks_2, winners_2) = results[2]
    assert started_1 > 100 and started_2 > 100, (started_1, started_2)
    assert wait_2 < wait_1, (wait_1, wait_2)
    assert won_2 >= won_1 > 0, (won_1, won_2)
    # the queue rule (sales_queue < 30) diverts accounts from a busy single rep to self-serve
    assert tasks_1 <= tasks_2 and len(tasks_2) > len(tasks_1)
    assert winners_1 <= winners_2


def test_daily_team_columns_match_the_task_events() -> None:
    cfg = compose_config(["population.size=3000", "horizon_days=90", "journey=[]"])
    cfg.journey["call_everyone"] = CALL_EVERYONE
    model = simulate(cfg)
    daily, events = model.daily(), model.events.frame()
    for team in ("sales", "support"):
        started = events[(events["event"] == "task_started") & (events["team"] == team)]
        waits = started.groupby("day")["wait_days"].mean().astype(float)
        assert len(waits) > 5
        assert np.allclose(daily.loc[waits.index, f"wait_{team}"], waits)
        idle = daily.index.difference(waits.index)
        assert daily.loc[idle, f"wait_{team}"].isna().all()
        assert (daily[f"busy_{team}"] <= getattr(cfg.team, team).headcount + 1e-9).all()
    teams = summarize(model)["teams"]
    for name, t in teams.items():
        assert t["tasks_queued"] == (t["tasks_finished"] + t["tasks_withdrawn"]
                                     + t["in_service_at_end"] + t["queue_at_end"]), name
        busy = daily[f"busy_{name}"].iloc[1:].sum()  # row 0 is day 0, before the first day
        working = sum(model.desk.teams[name].calendar.is_working_day(d) for d in range(1, 91))
        assert t["utilization"] == pytest.approx(busy / (t["headcount"] * working)), name
