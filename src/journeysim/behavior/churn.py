"""Churn at renewal: the shifted-beta-geometric (sBG) model of Fader & Hardie (2007).

Customer i churns at each renewal (every 30 days on a monthly contract, every 365 on an annual
one) with probability theta_i, drawn once from Beta(a, b). With neutral modifiers the share of
a cohort still active after t renewals is S(t) = B(a, b + t) / B(a, b). Modifiers multiply the
propensity: theta_eff = min(1, theta * exp(beta_f * fatigue + beta_v * (1 - depth)
+ beta_s * support)); all betas default to 0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaincinv, betaln

from journeysim.config.schema import ChurnModifiers


def survival(t: np.ndarray, a: float, b: float) -> np.ndarray:
    """sBG survival S(t) = B(a, b + t) / B(a, b) after ``t`` renewals."""
    return np.exp(betaln(a, b + np.asarray(t, np.float64)) - betaln(a, b))


def effective_propensity(theta: np.ndarray, fatigue_total: np.ndarray, depth: np.ndarray,
                         support: np.ndarray, modifiers: ChurnModifiers) -> np.ndarray:
    """Churn probability at this renewal after the multiplicative modifiers, capped at 1."""
    log_multiplier = (modifiers.fatigue * fatigue_total + modifiers.low_value * (1.0 - depth)
                      + modifiers.support * support)
    return np.minimum(1.0, theta * np.exp(log_multiplier))


def annual_equivalent(theta: np.ndarray, monthly: tuple[np.ndarray, np.ndarray],
                      annual: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Propensity of customers switching from a monthly to an annual contract.

    Each keeps its rank: theta_annual = F_annual^-1(F_monthly(theta)), with F the Beta
    distribution functions of its segment's monthly and annual propensities, so a loyal
    monthly customer becomes an equally loyal annual one.
    """
    return betaincinv(*annual, betainc(*monthly, theta))


def renewals_due(renewal_day: np.ndarray, day: int, period: np.ndarray) -> np.ndarray:
    """Indices of contracts renewing on ``day``; their next renewal moves one period on."""
    due = np.flatnonzero(renewal_day == day)
    renewal_day[due] += period[due]
    return due
