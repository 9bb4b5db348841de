"""Generate the day-0 customer base from a ``PopulationConfig``.

Segments are drawn by share; within a segment every trait is drawn from its configured
distribution. The churn propensity of a customer who has already renewed ``n`` times is drawn
from the sBG posterior Beta(a, b + n): survivors of past renewals are, on average, loyal ones
(Fader & Hardie, 2007), so an existing base keeps the cohort survival curve consistent.
"""

from __future__ import annotations

import numpy as np

from journeysim.behavior.usage import daily_gain, depth_at
from journeysim.channels import CHANNELS
from journeysim.config.schema import PopulationConfig
from journeysim.population.distributions import sample
from journeysim.population.state import (
    ANNUAL,
    LONG_AGO,
    MONTHLY,
    NEVER,
    PERIOD_DAYS,
    Customers,
)


def price_cents(cfg: PopulationConfig) -> np.ndarray:
    """Monthly price per seat of each plan, in integer cents, in plan order."""
    return np.array([round(p.price_per_seat * 100) for p in cfg.plans.values()], dtype=np.int64)


def generate(cfg: PopulationConfig, rng: np.random.Generator) -> Customers:
    """Draw ``cfg.size`` customers. Deterministic for a given generator state."""
    n = cfg.size
    segment_names = list(cfg.segments)
    plan_names = list(cfg.plans)
    shares = np.array([s.share for s in cfg.segments.values()])
    segment = rng.choice(len(segment_names), size=n, p=shares / shares.sum()).astype(np.int8)

    contract = np.zeros(n, np.int8)
    plan = np.zeros(n, np.int8)
    seats = np.zeros(n, np.float32)
    utilization = np.zeros(n)
    tenure = np.zeros(n, np.int32)
    speed = np.zeros(n, np.float32)
    growth = np.zeros(n, np.float32)
    adopted = np.zeros(n, bool)
    consent = np.zeros((len(CHANNELS), n), bool)
    beta_a = np.zeros(n)
    beta_b = np.zeros(n)

    for index, seg in enumerate(cfg.segments.values()):
        members = np.flatnonzero(segment == index)
        m = len(members)
        contract[members] = np.where(rng.random(m) < seg.annual_share, ANNUAL, MONTHLY)
        mix = np.array([seg.plan_mix.get(name, 0.0) for name in plan_names])
        plan[members] = rng.choice(len(plan_names), size=m, p=mix / mix.sum())
        seats[members] = np.maximum(1, np.rint(sample(seg.seats, rng, m)))
        utilization[members] = sample(seg.utilization, rng, m)
        tenure[members] = np.maximum(0, np.rint(sample(seg.tenure_days, rng, m)))
        speed[members] = np.maximum(0.0, sample(seg.usage_speed, rng, m))
        growth[members] = sample(seg.team_growth, rng, m)
        adopted[members] = rng.random(m) < seg.adopted_share
        for c, channel in enumerate(CHANNELS):
            consent[c, members] = rng.random(m) < getattr(seg.consent, channel)
        is_annual = contract[members] == ANNUAL
        beta_a[members] = np.where(is_annual, seg.churn.annual.a, seg.churn.monthly.a)
        beta_b[members] = np.where(is_annual, seg.churn.annual.b, seg.churn.monthly.b)

    period = PERIOD_DAYS[contract]
    renewals_survived = tenure // period
    churn_propensity = rng.beta(beta_a, beta_b + renewals_survived)
    demand = np.maximum(1, np.rint(seats * utilization)).astype(np.float32)
    depth = depth_at(tenure, speed, cfg.usage.initial_depth).astype(np.float32)
    mrr = seats.astype(np.int64) * price_cents(cfg)[plan]

    return Customers(
        segment=segment, contract=contract, consent=consent,
        churn_propensity=churn_propensity, usage_speed=speed, team_growth=growth,
        tenure_start=tenure, plan_start=plan.copy(), seats_start=seats.copy(),
        mrr_start=mrr.copy(), plan=plan, seats=seats, seat_demand=demand, mrr=mrr,
        usage_depth=depth, usage_gain=daily_gain(speed),
        hiring_rate=(growth / np.float32(365.0)).astype(np.float32),
        adopted=adopted, active=np.ones(n, bool),
        churn_day=np.full(n, -1, np.int32),
        renewal_day=(period - tenure % period).astype(np.int32),
        fatigue=np.zeros((len(CHANNELS), n), np.float32),
        conditions=np.zeros(n, np.uint8),
        addon_mrr=np.zeros(n, np.int64), discount=np.zeros(n, np.int64),
        discount_until=np.full(n, NEVER, np.int32),
        last_purchase_day=np.full(n, LONG_AGO, np.int32),
        last_downgrade_day=np.full(n, LONG_AGO, np.int32),
        boost_until=np.full(n, -1, np.int32), offer_pressure=np.zeros(n, np.float32),
        offer_pressure_day=np.zeros(n, np.int32),
        tickets_open=np.zeros(n, np.int16), bad_support_day=np.full(n, LONG_AGO, np.int32),
    )
