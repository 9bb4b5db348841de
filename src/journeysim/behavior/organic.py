"""Organic expansion and contraction: what customers buy or drop without any marketing.

Daily probabilities, one U(0, 1) draw per customer deciding both (expand if U < P_e, contract
if U >= 1 - P_c; each P is capped at 0.5 so the two never overlap):

    P_e = 1 - exp(-(r_e / 30) * exp(b_u (min(util, c) - 1) + b_d (depth - 0.5) + b_a adopted))
    P_c = 1 - exp(-(r_c / 30) * exp(b_i max(0, 1 - util) + b_l max(0, 0.5 - depth)))

with c the utilisation cap beyond which the need to expand stops rising. An expansion buys
seats (up to demand plus headroom h) when utilisation is at or above the seat trigger or the
customer is on the top plan, and upgrades one plan otherwise. A contraction drops seats to
ceil(demand (1 + h)) when it holds more than that, and downgrades one plan otherwise; customers
with neither option cannot contract.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeysim.config.schema import OrganicConfig
from journeysim.population.state import Customers

MAX_DAILY_PROBABILITY = 0.5


@dataclass
class Changes:
    """Subscription changes decided today: who, which kind, and the new plan and seats."""

    idx: np.ndarray
    kind: np.ndarray   # one of the kind codes of the decision that produced it
    plan: np.ndarray
    seats: np.ndarray


EXPANSION_KINDS: tuple[str, ...] = ("seats", "upgrade")
CONTRACTION_KINDS: tuple[str, ...] = ("seats", "downgrade")


def _probability(monthly_rate: float, log_multiplier: np.ndarray | float) -> np.ndarray:
    daily = -np.expm1(-(monthly_rate / 30.0) * np.exp(log_multiplier))
    return np.minimum(daily, MAX_DAILY_PROBABILITY)


def expansion_probability(util: np.ndarray, depth: np.ndarray, adopted: np.ndarray,
                          cfg: OrganicConfig) -> np.ndarray:
    """P_e for the given customers (see module docstring)."""
    log_m = (cfg.utilization_effect * (np.minimum(util, cfg.utilization_cap) - 1.0)
             + cfg.depth_effect * (depth - 0.5) + cfg.adoption_effect * adopted)
    return _probability(cfg.expansion_per_month, log_m)


def contraction_probability(util: np.ndarray, depth: np.ndarray, cfg: OrganicConfig) -> np.ndarray:
    """P_c for the given customers (see module docstring)."""
    log_m = (cfg.idle_seat_effect * np.maximum(0.0, 1.0 - util)
             + cfg.low_depth_effect * np.maximum(0.0, 0.5 - depth))
    return _probability(cfg.contraction_per_month, log_m)


def _bounds(cfg: OrganicConfig) -> tuple[float, float]:
    """Largest possible P_e and P_c: only draws within them need the exact probability."""
    top_e = (cfg.utilization_effect * (cfg.utilization_cap - 1.0) + cfg.depth_effect * 0.5
             + cfg.adoption_effect)
    top_c = cfg.idle_seat_effect + cfg.low_depth_effect * 0.5
    return (float(_probability(cfg.expansion_per_month, top_e)),
            float(_probability(cfg.contraction_per_month, top_c)))


def decide(c: Customers, uniforms: np.ndarray, cfg: OrganicConfig,
           top_plan: int) -> tuple[Changes, Changes]:
    """Today's organic expansions and contractions among active customers."""
    bound_e, bound_c = _bounds(cfg)

    idx = np.flatnonzero(uniforms < bound_e)
    idx = idx[c.active[idx]]
    util = c.seat_demand[idx] / c.seats[idx]
    depth = c.usage_depth[idx]
    keep = uniforms[idx] < expansion_probability(util, depth, c.adopted[idx], cfg)
    idx, util = idx[keep], util[keep]
    buy_seats = (util >= cfg.seat_trigger) | (c.plan[idx] >= top_plan)
    demand = c.seat_demand[idx]
    seats = np.where(buy_seats,
                     np.maximum(c.seats[idx] + 1, np.ceil(demand * (1.0 + cfg.seat_headroom))),
                     c.seats[idx]).astype(np.float32)
    plan = np.where(buy_seats, c.plan[idx], c.plan[idx] + 1).astype(np.int8)
    expansions = Changes(idx, np.where(buy_seats, 0, 1).astype(np.int8), plan, seats)

    idx = np.flatnonzero(uniforms >= 1.0 - bound_c)
    idx = idx[c.active[idx]]
    right_size = np.ceil(c.seat_demand[idx] * (1.0 + cfg.seat_headroom))
    can = (c.seats[idx] > right_size) | (c.plan[idx] > 0)
    idx, right_size = idx[can], right_size[can]
    util = c.seat_demand[idx] / c.seats[idx]
    depth = c.usage_depth[idx]
    keep = uniforms[idx] >= 1.0 - contraction_probability(util, depth, cfg)
    idx, right_size = idx[keep], right_size[keep]
    drop_seats = c.seats[idx] > right_size
    seats = np.where(drop_seats, right_size, c.seats[idx]).astype(np.float32)
    plan = np.where(drop_seats, c.plan[idx], c.plan[idx] - 1).astype(np.int8)
    contractions = Changes(idx, np.where(drop_seats, 0, 1).astype(np.int8), plan, seats)
    return expansions, contractions
