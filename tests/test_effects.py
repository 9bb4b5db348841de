"""Counterfactual truth and holdout readouts: exact zeros, accounting, interval coverage."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np
import pandas as pd
import pytest

from helpers import run_cli
from journeysim.config.compose import compose_config
from journeysim.config.schema import SimConfig
from journeysim.experiment import truth
from journeysim.experiment.effects import Effects, measure_effects
from journeysim.model import JourneyModel


def _effects(cfg: SimConfig) -> tuple[JourneyModel, Effects]:
    model = JourneyModel(cfg)
    features = truth.day0_features(model)
    model.run(cfg.horizon_days)
    return model, measure_effects(model, model.events.frame(), features)


def _inert(cfg: SimConfig) -> SimConfig:
    """Messages nobody opens, that tire nobody and unsubscribe nobody; contacts that never sell."""
    for channel in ("email", "in_app", "sms", "push"):
        response = getattr(cfg.population.response.channels, channel)
        response.attention, response.unsubscribe, response.fatigue_weight = 0.0, 0.0, 0.0
    for team in (cfg.team.sales, cfg.team.success):
        team.outcome.conversion = team.outcome.large_account_conversion = 0.0
    return cfg


def test_a_journey_without_effect_has_a_true_effect_of_exactly_zero() -> None:
    cfg = _inert(compose_config(["population.size=3000", "horizon_days=120"]))
    model, effects = _effects(cfg)
    assert model.flows.sends > 500, "the journeys did send"
    t = effects.summary["true"]
    assert all(v == 0 for v in t["overall"].values()), t["overall"]
    for segment in t["by_segment"].values():
        assert all(v == 0 for v in segment.values()), segment
    for name in truth.OUTCOMES:
        assert (effects.uplift[f"true_{name}"] == 0).all(), name
    assert all(lift["true"] == 0 for lift in effects.summary["lifts"])
    journey_only = ["sends"] + [f"{kind}_{team}" for team in ("sales", "success")
                                for kind in ("queue", "busy", "wait")]
    pd.testing.assert_frame_equal(model.daily().drop(columns=journey_only),
                                  effects.daily.drop(columns=journey_only))


def test_true_effects_add_up_and_switch_off_picks_the_journey() -> None:
    cfg = compose_config(["population.size=3000", "horizon_days=120",
                          "counterfactual.switch_off=[annual_plan]"])
    model, effects = _effects(cfg)
    t, uplift = effects.summary["true"], effects.uplift
    assert effects.summary["baseline"] == "without annual_plan"
    assert t["overall"]["expansion_mrr"] == pytest.approx(uplift["true_expansion_mrr"].sum())
    assert t["overall"]["churned_customers"] == uplift["true_churned"].sum()
    assert t["with"]["net_mrr_change"] == pytest.approx(
        (model.customers.mrr.sum() - model.customers.mrr_start.sum()) / 100)
    assert sum(s["expanded_customers"] for s in t["by_segment"].values()) == \
        t["overall"]["expanded_customers"]
    # seat_expansion ran in both worlds: the twin still has its conversions
    assert int(effects.daily["conversions"].sum()) > 0
    arms = {(lift["journey"], lift["arm"]) for lift in effects.summary["lifts"]}
    assert ("annual_plan", "default") in arms and ("seat_expansion", "teach_first") in arms
    # nobody held out is messaged, so nobody there unsubscribes: too few events for CUPED's
    # normal interval (it would have zero width), while Newcombe's interval is still given
    for lift in (x for x in effects.summary["lifts"] if x["outcome"] == "unsubscribed"):
        assert lift["cuped_ci_low"] is None and lift["cuped_estimate"] is None, lift
        assert lift["ci_low"] < lift["ci_high"], lift


def _coverage(seed: int) -> list[tuple[str, bool, bool]]:
    """Whether each 95% interval (plain, CUPED) of one run covers the true lift."""
    cfg = compose_config(["population.size=2500", "horizon_days=150", f"seed={seed}",
                          "journey=[seat_expansion]", "journey.seat_expansion.arms.holdout=0.5",
                          "journey.seat_expansion.entry.signal=activation",
                          'journey.seat_expansion.entry.when="tenure_days >= 0"'])
    _, effects = _effects(cfg)
    return [(f"{lift['arm']}/{lift['outcome']}",
             lift["ci_low"] <= lift["true"] <= lift["ci_high"],
             lift["cuped_ci_low"] <= lift["true"] <= lift["cuped_ci_high"])
            for lift in effects.summary["lifts"]
            if lift["outcome"] in ("expanded", "net_mrr_change")
            and lift["ci_low"] is not None and lift["cuped_ci_low"] is not None]


def test_holdout_intervals_cover_the_true_lift_about_95_percent_of_the_time() -> None:
    seeds = range(60)
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        results = [row for rows in pool.map(_coverage, seeds) for row in rows]
    frame = pd.DataFrame(results, columns=["comparison", "plain", "cuped"])
    assert len(frame) >= 4 * len(seeds) * 0.9
    plain, cuped = frame["plain"].mean(), frame["cuped"].mean()
    # 240 correlated intervals: 95% +- about 2.5 points; exactly 100% would mean too wide
    assert 0.89 <= plain <= 0.995, frame.groupby("comparison")[["plain", "cuped"]].mean()
    assert 0.89 <= cuped <= 0.995, frame.groupby("comparison")[["plain", "cuped"]].mean()


def test_a_run_writes_its_counterfactual_and_uplift_table(tmp_path) -> None:
    out = tmp_path / "run"
    result = run_cli("population.size=1500", "horizon_days=40", f"hydra.run.dir={out}")
    assert result.returncode == 0, result.stderr
    assert "True effect (same customers and luck, no journeys)" in result.stdout
    summary = json.loads((out / "summary.json").read_text())
    uplift = pd.read_parquet(out / "uplift.parquet")
    assert len(uplift) == 1500 and {"arm_seat_expansion", "true_net_mrr_change"} <= set(uplift)
    assert summary["effects"]["true"]["overall"]["net_mrr_change"] == pytest.approx(
        uplift["true_net_mrr_change"].sum(), abs=0.01)
    daily = pd.read_parquet(out / "counterfactual_daily.parquet")
    assert len(daily) == 41 and daily["sends"].sum() == 0
    assert np.isclose(daily["mrr"].iloc[-1], summary["effects"]["true"]["without"]["nrr"]
                      * summary["mrr_start"])


def test_switching_off_an_unknown_journey_is_a_config_error(tmp_path) -> None:
    result = run_cli("counterfactual.switch_off=[anual_plan]", f"hydra.run.dir={tmp_path}/x")
    assert result.returncode == 2
    assert "counterfactual.switch_off.0" in result.stderr
    assert "did you mean 'annual_plan'" in result.stderr and "Traceback" not in result.stderr


def test_the_counterfactual_can_be_turned_off(tmp_path) -> None:
    out = tmp_path / "run"
    result = run_cli("population.size=800", "horizon_days=20", "counterfactual.enabled=false",
                     f"hydra.run.dir={out}")
    assert result.returncode == 0, result.stderr
    assert "effects" not in json.loads((out / "summary.json").read_text())
    assert not (out / "uplift.parquet").exists()
