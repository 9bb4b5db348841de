"""Seat demand: teams hire (or shrink), so seat utilisation climbs towards and past the limit.

Each day the expected change of a team's seat demand d_i is x_i = d_i * g_i / 365, g_i the
customer's annual growth rate. The realised change is x_i rounded stochastically (floor(x_i)
plus one with probability x_i - floor(x_i)), so E[d(t+1) | d(t)] = d(t) (1 + g/365) exactly and
a team of positive growth has E[d(t)] = d(0) (1 + g/365)^t while it stays above one seat.
"""

from __future__ import annotations

import numpy as np


def grow_demand(demand: np.ndarray, growth: np.ndarray, active: np.ndarray,
                uniforms: np.ndarray) -> np.ndarray:
    """Apply one day of hiring to ``demand`` in place; return indices whose demand changed."""
    expected = demand * (growth / np.float32(365.0))
    whole = np.floor(expected)
    change = whole + (uniforms < expected - whole)
    changed = np.flatnonzero((change != 0) & active)
    demand[changed] = np.maximum(1, demand[changed] + change[changed].astype(np.int32))
    return changed
