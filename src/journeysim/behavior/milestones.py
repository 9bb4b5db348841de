"""Milestone signals: a condition per milestone, and a signal on the day it becomes true.

Conditions are re-evaluated daily for every customer and kept as a bitmask (bit i for the i-th
milestone); a milestone fires on each transition from false to true. Depth milestones therefore
fire once (depth only rises); seat milestones fire again if a purchase brings utilisation down
and growth brings it back up; the renewal window opens once a year for annual contracts.
Conditions already true at day 0 count as reached before the run and do not fire.
"""

from __future__ import annotations

import numpy as np

from journeysim.config.schema import MilestoneConfig
from journeysim.population.state import ANNUAL, Customers

MILESTONES: tuple[str, ...] = (
    "activation", "first_value", "seat_limit_approaching", "seat_limit_reached", "renewal_window",
)
"""Milestone names; the i-th milestone is bit i of ``Customers.conditions``."""


class MilestoneTracker:
    """Evaluates the milestone conditions of a population each day, in preallocated buffers."""

    def __init__(self, customers: Customers, cfg: MilestoneConfig) -> None:
        n = customers.size
        self.cfg = cfg
        self._bits = np.zeros(n, np.uint8)
        self._flag = np.zeros(n, bool)
        self._level = np.zeros(n, np.float32)

    def _push(self) -> None:
        """Shift the bitmask up one bit and put the current flag in bit 0 (Horner's scheme;
        numpy's left_shift is ten times slower than an add)."""
        np.add(self._bits, self._bits, out=self._bits)
        np.bitwise_or(self._bits, self._flag.view(np.uint8), out=self._bits)

    def evaluate(self, c: Customers, day: int) -> np.ndarray:
        """The bitmask of conditions true on ``day`` (a buffer reused on the next call).

        Bits are pushed from the last milestone to the first, so milestone i lands in bit i.
        """
        cfg, flag = self.cfg, self._flag
        self._bits[:] = 0
        np.less_equal(c.renewal_day, day + cfg.renewal_window_days, out=flag)
        np.logical_and(flag, c.contract == ANNUAL, out=flag)
        self._push()
        for level in (cfg.limit_reached, cfg.limit_approaching):
            np.multiply(c.seats, np.float32(level), out=self._level)
            np.greater_equal(c.seat_demand, self._level, out=flag)
            self._push()
        for level in (cfg.first_value_depth, cfg.activation_depth):
            np.greater_equal(c.usage_depth, np.float32(level), out=flag)
            self._push()
        return self._bits

    def advance(self, c: Customers, day: int) -> dict[str, np.ndarray]:
        """Update ``c.conditions`` for ``day``; return, per milestone, who reached it today."""
        current = self.evaluate(c, day)
        np.not_equal(current, c.conditions, out=self._flag)
        changed = np.flatnonzero(self._flag)
        rising = current[changed] & ~c.conditions[changed]
        keep = (rising != 0) & c.active[changed]
        changed, rising = changed[keep], rising[keep]
        c.conditions[:] = current
        return {name: changed[(rising >> bit) & 1 == 1] for bit, name in enumerate(MILESTONES)}
