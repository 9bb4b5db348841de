"""Seat demand: teams hire (or shrink), so seat utilisation climbs towards and past the limit.

Each day the expected change of a team's seat demand d_i is x_i = d_i * r_i, with r_i = g_i / 365
the daily rate from the customer's annual growth g_i (0 once churned). The realised change is x_i
rounded stochastically away from zero: sign(x_i) * (floor(|x_i|) + 1[U < |x_i| - floor(|x_i|)]),
so E[d(t + 1) | d(t)] = d(t) (1 + r) exactly and a growing team has E[d(t)] = d(0) (1 + r)^t.
Demand never falls below one seat. Only draws with U < |x_i| can change anything, so the exact
rounding runs on that small candidate set.
"""

from __future__ import annotations

import numpy as np


def grow_demand(demand: np.ndarray, daily_rate: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Apply one day of hiring to ``demand`` (float32 whole numbers) in place.

    Returns the indices whose demand changed.
    """
    expected = demand * daily_rate
    size = np.abs(expected)
    idx = np.flatnonzero(uniforms < size)
    whole = np.floor(size[idx])
    change = np.sign(expected[idx]) * (whole + (uniforms[idx] < size[idx] - whole))
    idx, change = idx[change != 0], change[change != 0]
    demand[idx] = np.maximum(1.0, demand[idx] + change)
    return idx
