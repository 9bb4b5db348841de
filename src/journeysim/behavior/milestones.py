"""Milestone signals: a condition per milestone, and a signal on the day it becomes true.

Conditions are re-evaluated daily and kept as a bitmask; a milestone fires on each transition
from false to true. Depth milestones therefore fire once (depth only rises), seat milestones
fire again if a purchase brings utilisation down and growth brings it back up.
"""

from __future__ import annotations

import numpy as np

from journeysim.behavior.usage import logit
from journeysim.config.schema import MilestoneConfig
from journeysim.population.state import ANNUAL, Customers

MILESTONES: tuple[str, ...] = (
    "activation", "first_value", "seat_limit_approaching", "seat_limit_reached", "renewal_window",
)
"""Milestone names; the i-th milestone is bit i of ``Customers.conditions``."""


def conditions(customers: Customers, cfg: MilestoneConfig) -> np.ndarray:
    """The bitmask of milestone conditions true today for every customer."""
    c = customers
    bits = (c.usage_logit >= logit(cfg.activation_depth)).view(np.uint8).copy()
    bits |= (c.usage_logit >= logit(cfg.first_value_depth)).view(np.uint8) << 1
    bits |= (c.seat_demand >= cfg.limit_approaching * c.seats).view(np.uint8) << 2
    bits |= (c.seat_demand >= cfg.limit_reached * c.seats).view(np.uint8) << 3
    in_window = (c.contract == ANNUAL) & (c.days_to_renewal <= cfg.renewal_window_days)
    bits |= in_window.view(np.uint8) << 4
    return bits


def fired(previous: np.ndarray, current: np.ndarray, active: np.ndarray) -> dict[str, np.ndarray]:
    """Indices of active customers whose milestone became true today, per milestone name."""
    rising = current & ~previous
    changed = np.flatnonzero(rising)
    changed = changed[active[changed]]
    return {name: changed[(rising[changed] >> bit) & 1 == 1] for bit, name in enumerate(MILESTONES)}
