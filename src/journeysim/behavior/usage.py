"""Usage depth: a logistic S-curve in 'learning time' with a per-customer speed.

Each customer holds a usage logit z_i; its usage depth is u_i = 1 / (1 + exp(-z_i)). Every day
z_i grows by k_i * (1 + b_i), where k_i is the customer's speed and b_i an outside acceleration
(education messages, from the journeys; 0 otherwise). With b = 0 this is the closed form
u_i(t) = sigma(logit(u_0) + k_i * (tenure_i + t)).
"""

from __future__ import annotations

import numpy as np


def logit(p: float) -> float:
    """log(p / (1 - p)) for a probability in (0, 1)."""
    return float(np.log(p / (1.0 - p)))


def depth(usage_logit: np.ndarray) -> np.ndarray:
    """Usage depth u = 1 / (1 + exp(-z)) from the usage logit z."""
    return 1.0 / (1.0 + np.exp(-usage_logit))


def advance(usage_logit: np.ndarray, speed: np.ndarray, active: np.ndarray,
            boost: np.ndarray | None = None) -> None:
    """Move every active customer one day along its S-curve, in place."""
    step = speed if boost is None else speed * (1.0 + boost)
    np.add(usage_logit, step, out=usage_logit, where=active)
