"""Statistics against closed forms: Bass diffusion, sBG survival, S-curve, fatigue, hiring."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import constant, single_segment
from journeysim.behavior import adoption, churn, fatigue, seats, usage
from journeysim.config.schema import BetaParams, ChurnBeta
from journeysim.model import JourneyModel
from journeysim.rng import stream

NEUTRAL = ["population.churn_modifiers.support=0"]
"""The sBG closed forms hold with neutral churn modifiers (the others default to 0)."""


def within(observed: np.ndarray, expected: np.ndarray, n: int, z: float = 4.5) -> None:
    """Assert every binomial share is within z standard errors of its expected value."""
    se = np.sqrt(np.maximum(expected * (1 - expected), 1e-12) / n)
    worst = np.max(np.abs(observed - expected) / se)
    assert worst < z, f"worst deviation {worst:.2f} standard errors"


@pytest.mark.parametrize(("p", "q", "period"), [(0.03, 0.38, 30.0), (0.01, 0.6, 14.0)])
def test_bass_adoption_follows_closed_form(p: float, q: float, period: float) -> None:
    n, days = 200_000, 360
    rng = stream(11, "adoption")
    adopted = np.zeros(n, bool)
    active = np.ones(n, bool)
    group = np.zeros(n, np.intp)
    shares = []
    for _ in range(days):
        prob = adoption.daily_probability(p, q, np.array([adopted.mean()]), period)
        uniforms = rng.random(n, np.float32)
        adopted[adoption.new_adopters(adopted, active, group, prob, uniforms)] = True
        shares.append(adopted.mean())
    t = np.arange(1, days + 1) / period
    within(np.array(shares), adoption.bass_share(t, p, q), n)


def test_bass_adoption_in_the_model_with_nothing_else_acting() -> None:
    """Whole model, no churn: the segment's adopted share tracks the closed form."""
    n, days = 100_000, 240
    cfg = single_segment(n, [f"horizon_days={days}", "population.adoption.period_days=30"],
                         adopted_share=0.0,
                         churn=ChurnBeta(BetaParams(1e-6, 1e6), BetaParams(1e-6, 1e6)))
    model = JourneyModel(cfg)
    model.run(days)
    share = model.daily()["adopted_share"].to_numpy()[1:]
    a = cfg.population.adoption
    within(share, adoption.bass_share(np.arange(1, days + 1) / 30.0, a.p, a.q), n)


def test_bass_shifted_curve_starts_at_its_start_share() -> None:
    assert adoption.bass_share(0.0, 0.03, 0.38, 0.25) == pytest.approx(0.25)
    later = adoption.bass_share(2.0, 0.03, 0.38, 0.25)
    # moving 2 periods from 0.25 equals moving from 0 to (t0 + 2)
    t0 = np.log((1 + 0.38 / 0.03 * 0.25) / 0.75) / 0.41
    assert later == pytest.approx(adoption.bass_share(t0 + 2.0, 0.03, 0.38))


@pytest.mark.parametrize(("a", "b"), [(0.7, 3.0), (2.0, 10.0)])
def test_sbg_survival_of_a_new_monthly_cohort(a: float, b: float) -> None:
    n, renewals = 100_000, 12
    cfg = single_segment(n, [f"horizon_days={30 * renewals}", *NEUTRAL], tenure_days=constant(0),
                         annual_share=0.0, churn=ChurnBeta(BetaParams(a, b), BetaParams(a, b)))
    model = JourneyModel(cfg)
    model.run(30 * renewals)
    active = model.daily()["active_customers"].to_numpy()
    observed = active[30 * np.arange(1, renewals + 1)] / n
    within(observed, churn.survival(np.arange(1, renewals + 1), a, b), n)


def test_sbg_survival_of_a_seasoned_cohort_is_the_conditional_curve() -> None:
    """Customers who already survived 6 renewals follow S(6 + t) / S(6)."""
    n, a, b, past = 100_000, 0.7, 3.0, 6
    cfg = single_segment(n, ["horizon_days=360", *NEUTRAL], tenure_days=constant(30 * past),
                         annual_share=0.0, churn=ChurnBeta(BetaParams(a, b), BetaParams(a, b)))
    model = JourneyModel(cfg)
    model.run(360)
    observed = model.daily()["active_customers"].to_numpy()[30 * np.arange(1, 13)] / n
    t = np.arange(1, 13)
    expected = churn.survival(past + t, a, b) / churn.survival(past, a, b)
    within(observed, expected, n)


def test_annual_contracts_renew_only_on_their_anniversary() -> None:
    n = 20_000
    cfg = single_segment(n, ["horizon_days=400", *NEUTRAL], tenure_days=constant(100),
                         annual_share=1.0,
                         churn=ChurnBeta(BetaParams(1.0, 1.0), BetaParams(1.0, 1.0)))
    model = JourneyModel(cfg)
    model.run(400)
    churns = model.daily()["churned_customers"].to_numpy()
    assert set(np.flatnonzero(churns)) == {265}
    within(np.array([churns[265] / n]), np.array([0.5]), n)


def test_usage_depth_follows_the_logistic_closed_form() -> None:
    speed = np.array([0.0, 0.005, 0.02, 0.05], np.float32)
    depth = np.full(4, 0.05, np.float32)
    gain = usage.daily_gain(speed)
    for _ in range(365):
        usage.advance(depth, gain)
    np.testing.assert_allclose(depth, usage.depth_at(365, speed, 0.05), rtol=1e-4)


def test_fatigue_halves_every_half_life() -> None:
    half_lives = np.array([7.0, 3.0, 14.0, 5.0])
    stock = np.ones((4, 2), np.float32)
    keep = fatigue.daily_retention(half_lives)
    for _ in range(42):
        fatigue.decay(stock, keep)
    np.testing.assert_allclose(stock[:, 0], 2.0 ** (-42 / half_lives), rtol=1e-5)


def test_seat_demand_grows_in_expectation_as_compound_interest() -> None:
    n, d0, g, days = 100_000, 10, 0.3, 365
    demand = np.full(n, d0, np.float32)
    rate = np.full(n, g / 365, np.float32)
    rng = stream(5, "seat_demand")
    for _ in range(days):
        seats.grow_demand(demand, rate, rng.random(n, np.float32))
    expected = d0 * (1 + rate[0].astype(float)) ** days
    se = demand.std() / np.sqrt(n)
    assert abs(demand.mean() - expected) < 4.5 * se
