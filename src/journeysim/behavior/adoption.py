"""Feature adoption by Bass diffusion inside the customer base.

A non-adopter's adoption hazard is (p + q F) per Bass period of T days, where p (innovation)
and q (imitation) are the Bass (1969) coefficients and F the adopted share of the customer's
peers (its segment, or the whole base) among active customers. Integrating that hazard over
one day while F moves along the Bass path gives the day's adoption probability

    P = 1 - exp(-int_day (p + q F(s)) ds / T) = (F_B(1/T; F) - F) / (1 - F),

where F_B(1/T; F) is the closed-form Bass share one day after a share F. Freezing F for the
day instead would lag the curve by up to 0.4 points for a 30-day period; with the exact daily
step the expected adopted share follows the closed form
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}), t in periods, from F(0) = 0.
"""

from __future__ import annotations

import numpy as np


def daily_probability(p: float, q: float, share: np.ndarray, period_days: float) -> np.ndarray:
    """Adoption probability today for a non-adopter whose peers' adopted share is ``share``."""
    share = np.minimum(np.asarray(share, np.float64), 1.0 - 1e-12)
    return (bass_share(1.0 / period_days, p, q, share) - share) / (1.0 - share)


def bass_share(t_periods: np.ndarray | float, p: float, q: float,
               start_share: np.ndarray | float = 0.0) -> np.ndarray:
    """Closed-form Bass adopted share after ``t_periods``, starting from ``start_share``.

    For a non-zero start the curve is the Bass curve shifted to the time at which it equals
    ``start_share``: t0 = ln((1 + (q/p) F0) / (1 - F0)) / (p + q).
    """
    t0 = np.log((1.0 + q / p * start_share) / (1.0 - start_share)) / (p + q)
    decay = np.exp(-(p + q) * (np.asarray(t_periods, np.float64) + t0))
    return (1.0 - decay) / (1.0 + q / p * decay)


def new_adopters(adopted: np.ndarray, active: np.ndarray, group: np.ndarray,
                 group_probability: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices of customers who adopt today.

    ``group_probability[g]`` is today's probability for group ``g``; ``uniforms`` holds one
    U(0, 1) draw per customer. Only draws below the largest group probability can adopt, so
    the per-customer work runs on that small candidate set (exact, not an approximation).
    """
    candidates = np.flatnonzero(uniforms < group_probability.max())
    chosen = (uniforms[candidates] < group_probability[group[candidates]]) \
        & active[candidates] & ~adopted[candidates]
    return candidates[chosen]
