"""Message fatigue: a stock per customer and channel that decays exponentially.

phi_ic(t + 1) = phi_ic(t) * 2^(-1 / h_c) + (what messages add on day t), where h_c is the
channel's half-life in days. With nothing added, phi(t) = phi(0) * 2^(-t / h_c).
"""

from __future__ import annotations

import numpy as np


def daily_retention(half_lives: np.ndarray) -> np.ndarray:
    """The share of each channel's stock left after one day, 2^(-1 / h_c), as a column."""
    return (2.0 ** (-1.0 / np.asarray(half_lives, np.float64))).astype(np.float32)[:, None]


def total(fatigue: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Fatigue summed over channels for customers ``idx`` (row by row: a column gather of the
    2-D array is several times slower)."""
    return np.sum([row[idx] for row in fatigue], axis=0, dtype=np.float64)


def decay(fatigue: np.ndarray, retention: np.ndarray) -> None:
    """Decay every stock by one day, in place (``retention`` from ``daily_retention``)."""
    np.multiply(fatigue, retention, out=fatigue)
