"""Usage depth: a logistic S-curve with a per-customer speed.

Usage depth u_i in (0, 1) follows u_i(t) = sigma(logit(u_0) + k_i * (tenure_i + t)), with k_i the
customer's speed per day and sigma the logistic function. Stepping the odds u / (1 - u) by the
factor G_i = exp(k_i) each day gives exactly that curve without evaluating an exponential per
customer-day:

    u(t + 1) = u(t) G / (1 + u(t) (G - 1)).

Something outside (education messages, from the journeys) accelerates a customer by raising
its day's factor to exp(k_i (1 + b_i)); a churned customer's factor is 1, which freezes it.
"""

from __future__ import annotations

import numpy as np


def logit(p: float) -> float:
    """log(p / (1 - p)) for a probability in (0, 1)."""
    return float(np.log(p / (1.0 - p)))


def depth_at(days: np.ndarray, speed: np.ndarray, initial_depth: float) -> np.ndarray:
    """Closed-form usage depth after ``days`` of use at ``speed`` from ``initial_depth``."""
    return 1.0 / (1.0 + np.exp(-(logit(initial_depth) + np.asarray(speed, np.float64) * days)))


def daily_gain(speed: np.ndarray) -> np.ndarray:
    """The daily odds factor G = exp(k) of each customer (float32)."""
    return np.exp(np.asarray(speed, np.float64)).astype(np.float32)


def advance(depth: np.ndarray, gain: np.ndarray) -> None:
    """Move every customer one day along its S-curve, in place: u <- u G / (1 + u (G - 1))."""
    grown = depth * gain
    denominator = grown - depth
    denominator += 1.0
    np.divide(grown, denominator, out=depth)
