"""Support tickets: how often an account files one, and how well it is resolved.

Account i files a ticket on a day with probability

    P_i = 1 - exp(-lambda_i),   lambda_i = r_s / 30 * exp(u * (depth_i - 0.5)),

r_s its segment's tickets per month at usage depth 0.5 and u the usage effect (deeper use meets
more of the product, and more of its rough edges). The support team resolves a ticket badly with
probability

    P_bad = 1 - (1 - b) * 2^(-wait / h),

b the chance of a bad resolution for a ticket taken at once and h the days of waiting that halve
the chance of a good one. A customer is *in support trouble* while a ticket is open or for
``memory_days`` after a bad resolution: that raises churn (``churn_modifiers.support``) and
governance pauses messages (``policy.pause_while_ticket_open``,
``policy.cooldown_after_bad_support_days``).
"""

from __future__ import annotations

import numpy as np


def daily_rate(per_month: np.ndarray, segment: np.ndarray, depth: np.ndarray,
               usage_effect: float) -> np.ndarray:
    """Expected tickets per day of every customer (float32)."""
    base = (np.asarray(per_month, np.float32) / np.float32(30.0))[segment]
    return base * np.exp(np.float32(usage_effect) * (depth - np.float32(0.5)))


def filed(rate: np.ndarray, active: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Customers who file a ticket today: one Poisson day, at most one ticket."""
    return np.flatnonzero((uniforms < -np.expm1(-rate)) & active)


def bad_resolution_probability(bad: float, waits: np.ndarray, half_life_days: float) -> np.ndarray:
    """Probability that tickets which waited ``waits`` days are resolved badly."""
    return 1.0 - (1.0 - bad) * 0.5 ** (np.asarray(waits, np.float64) / half_life_days)


def in_trouble(tickets_open: np.ndarray, bad_support_day: np.ndarray, day: int,
               memory_days: int) -> np.ndarray:
    """Whether customers have an open ticket or a bad resolution within ``memory_days``."""
    return (tickets_open > 0) | (day - bad_support_day < memory_days)
