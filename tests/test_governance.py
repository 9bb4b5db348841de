"""Governance invariants over random policies and seeds, checked on the event log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeysim.channels import CHANNELS
from journeysim.config.compose import compose_config
from journeysim.config.journey_schema import CapRule, JourneyConfig
from journeysim.config.load import build
from journeysim.governance.policy import REASONS, WEEKDAYS
from journeysim.model import JourneyModel
from journeysim.runner import simulate

# A journey that asks for a message almost every day on every channel, so caps, quiet days
# and arbitration all bind.
PRESSURE = build(JourneyConfig, {
    "priority": 1,
    "entry": {"when": "true", "reentry": "after_days", "reentry_days": 3},
    "steps": {
        "mail": {"type": "send", "channel": "email", "content": "offer", "offer": "seat_pack",
                 "next": "nudge"},
        "nudge": {"type": "send", "channel": "push", "content": "education", "next": "text"},
        "text": {"type": "send", "channel": "sms", "content": "education", "next": "tip"},
        "tip": {"type": "send", "channel": "in_app", "content": "education", "next": "pause"},
        "pause": {"type": "wait", "days": 1, "next": "mail"},
    },
    "exit": {"on_conversion": False, "on_unsubscribe": False},
    "arms": {"holdout": 0.2},
}, "journey.pressure")

cap_rules = st.builds(
    CapRule, channel=st.sampled_from([*CHANNELS, "any"]), max_sends=st.integers(0, 3),
    days=st.integers(1, 10), window=st.sampled_from(["rolling", "calendar"]))


def _run(seed: int, rules: list[CapRule], exempt: list[str], on_capped: str,
         quiet: dict[str, list[str]], control: float, holdout: float) -> tuple[JourneyModel,
                                                                                pd.DataFrame]:
    cfg = compose_config([f"seed={seed}", "population.size=400", "horizon_days=60",
                          "population.segments.smb.consent.sms=0.5"])
    cfg.journey["pressure"] = PRESSURE
    cfg.journey["seat_expansion"].arms.holdout = holdout
    policy = cfg.policy
    rules = [r for r in rules if r.channel not in exempt]  # a cap on an exempt channel is refused
    policy.caps, policy.exempt_channels, policy.on_capped = rules, exempt, on_capped
    policy.global_control = control
    for channel in CHANNELS:
        setattr(policy.quiet_days, channel, quiet.get(channel, []))
    model = simulate(cfg)
    return model, model.events.frame()


def _check_caps(sends: pd.DataFrame, rules: list[CapRule], exempt: list[str],
                first_weekday: int) -> None:
    for rule in rules:
        counted = sends[~sends["channel"].isin(exempt)]
        if rule.channel != "any":
            counted = counted[counted["channel"] == rule.channel]
        for _, days in counted.groupby("customer_id")["day"]:
            days = np.sort(days.to_numpy())
            if rule.max_sends == 0:
                assert len(days) == 0
            elif rule.window == "rolling":
                # no window [d, d + D) holds more than N sends
                ends = np.searchsorted(days, days + rule.days, side="left")
                assert (ends - np.arange(len(days))).max() <= rule.max_sends, (rule, days)
            else:
                offset = first_weekday if rule.days == 7 else 0
                blocks = (days - 1 + offset) // rule.days
                assert np.bincount(blocks).max() <= rule.max_sends, (rule, days)


@given(seed=st.integers(0, 10_000), rules=st.lists(cap_rules, max_size=3),
       exempt=st.lists(st.sampled_from(CHANNELS), max_size=2, unique=True),
       on_capped=st.sampled_from(["skip", "defer", "exit"]),
       quiet=st.dictionaries(st.sampled_from(CHANNELS),
                             st.lists(st.sampled_from(WEEKDAYS), max_size=3, unique=True)),
       control=st.sampled_from([0.0, 0.1, 0.5]), holdout=st.sampled_from([0.0, 0.3, 1.0]))
def test_governance_is_never_breached(seed: int, rules: list[CapRule], exempt: list[str],
                                      on_capped: str, quiet: dict[str, list[str]],
                                      control: float, holdout: float) -> None:
    model, events = _run(seed, rules, exempt, on_capped, quiet, control, holdout)
    c = model.customers
    sends = events[events["event"] == "send"]
    governance = model.journeys.governance

    _check_caps(sends, rules, exempt, governance.first_weekday)
    assert (sends["arm"] != "holdout").all(), "a holdout customer was messaged"
    assert not governance.in_control[sends["customer_id"]].any(), "global control messaged"
    per_day = sends.groupby(["customer_id", "day"]).size()
    assert (per_day <= 1).all(), "more than one message to a customer in a day"

    weekday = (governance.first_weekday + sends["day"].to_numpy() - 1) % 7
    for channel in CHANNELS:
        quiet_days = [WEEKDAYS.index(d) for d in quiet.get(channel, [])]
        on_channel = sends["channel"].to_numpy() == channel
        assert not np.isin(weekday[on_channel], quiet_days).any(), f"{channel} on a quiet day"

    churn_day = pd.Series(c.churn_day, dtype="int64")
    churned = churn_day.iloc[sends["customer_id"]].to_numpy()
    assert ((churned == -1) | (sends["day"].to_numpy() <= churned)).all(), "sent after churn"

    unsubscribed = events[events["event"] == "unsubscribe"][["customer_id", "channel", "day"]]
    later = sends.merge(unsubscribed, on=["customer_id", "channel"], suffixes=("", "_unsub"))
    assert (later["day"] <= later["day_unsub"]).all(), "sent after an unsubscribe"
    for row, channel in enumerate(CHANNELS):
        never = ~c.consent[row] & ~np.isin(np.arange(c.size),
                                            unsubscribed[unsubscribed["channel"] == channel]
                                            ["customer_id"])
        on_channel = sends[sends["channel"] == channel]["customer_id"].to_numpy()
        assert not never[on_channel].any(), f"sent on {channel} without consent"

    suppressed = events[events["event"] == "suppressed"]
    assert suppressed["detail"].notna().all() and suppressed["detail"].isin(REASONS).all()
    f = model.flows
    assert c.mrr_start.sum() + f.expansion_mrr - f.contraction_mrr - f.churned_mrr == c.mrr.sum()


CORE_EVENTS = ["milestone", "adoption", "expansion", "contraction", "churn", "discount_end"]
CORE_KPIS = ["active_customers", "mrr", "expansion_mrr", "contraction_mrr", "churned_mrr",
             "adopted_share", "mean_usage_depth", "mean_seat_utilization", "over_seat_limit"]


@pytest.mark.parametrize("seed", [3, 11])
def test_a_full_holdout_changes_nothing_but_the_journey_log(seed: int) -> None:
    """Common random numbers: journeys that never message leave every outcome identical."""
    base = [f"seed={seed}", "population.size=3000", "horizon_days=200"]
    held = compose_config(base)
    for journey in held.journey.values():
        journey.arms.holdout = 1.0
    with_journeys = JourneyModel(held)
    with_journeys.run(200)
    without = JourneyModel(compose_config([*base, "journey=[]"]))
    without.run(200)
    assert with_journeys.flows.sends == 0 and with_journeys.events.frame()["journey"].notna().any()
    pd.testing.assert_frame_equal(with_journeys.daily()[CORE_KPIS], without.daily()[CORE_KPIS])
    core = [m.events.frame().query("event in @CORE_EVENTS").reset_index(drop=True)
            for m in (with_journeys, without)]
    pd.testing.assert_frame_equal(core[0][["day", "customer_id", "event", "mrr_delta"]],
                                  core[1][["day", "customer_id", "event", "mrr_delta"]])


def test_journeys_convert_and_credit_journey_step_and_arm() -> None:
    model = simulate(compose_config(["population.size=5000", "horizon_days=120"]))
    events = model.events.frame()
    everything = events[events["event"] == "convert"]
    assert (everything["arm"] != "holdout").all()
    assert everything[["journey", "step", "arm", "offer"]].notna().all().all()
    by_team = everything[everything["team"].notna()]  # a rep's contact: no message, no channel
    assert len(by_team) > 0 and by_team["channel"].isna().all()
    assert (by_team["step"] == "talk_to_sales").all()
    converts = everything[everything["team"].isna()]
    assert len(converts) > 0 and converts["channel"].notna().all()
    clicked = events[events["event"] == "click"][["customer_id", "day", "journey"]]
    assert len(converts.merge(clicked, on=["customer_id", "day", "journey"])) == len(converts)
