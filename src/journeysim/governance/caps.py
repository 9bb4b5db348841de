"""Frequency caps: "at most N sends on a channel (or on any channel) per D days".

Rolling rules keep, per customer, the days of its last N counted sends in a ring: a new send on
day t is allowed when fewer than N sends were made, or when the oldest of the last N is at least
D days old, so no window of D consecutive days ever holds more than N sends. Calendar rules count
sends in fixed blocks of D days (weeks start on Mondays when D = 7). Exempt channels are neither
capped nor counted (as Braze treats in-app messages). All rules apply at once: the strictest wins.
"""

from __future__ import annotations

import numpy as np

from journeysim.channels import CHANNELS
from journeysim.config.journey_schema import CapRule

NO_SEND = -(2**30)


class CapLedger:
    """Send history of every customer, as the cap rules need it."""

    def __init__(self, rules: list[CapRule], exempt: list[str], n: int, first_weekday: int) -> None:
        self.rules = rules
        self.exempt = {CHANNELS.index(ch) for ch in exempt}
        self._first_weekday = first_weekday
        self._rings = [np.full((n, r.max_sends), NO_SEND, np.int32)
                       if r.window == "rolling" and r.max_sends else None for r in rules]
        self._heads = [np.zeros(n, np.int32) if r.window == "rolling" else None for r in rules]
        self._counts = [np.zeros(n, np.int32) if r.window == "calendar" else None for r in rules]
        self._blocks = [np.full(n, -1, np.int32) if r.window == "calendar" else None
                        for r in rules]

    def _applies(self, rule: CapRule, channel: np.ndarray) -> np.ndarray:
        counted = ~np.isin(channel, list(self.exempt))
        if rule.channel == "any":
            return counted
        return counted & (channel == CHANNELS.index(rule.channel))

    def _block(self, rule: CapRule, day: int) -> int:
        offset = self._first_weekday if rule.days == 7 else 0
        return (day - 1 + offset) // rule.days

    def allowed(self, ids: np.ndarray, channel: np.ndarray, day: int) -> np.ndarray:
        """Whether one more send to each of ``ids`` on ``channel`` fits every rule (each request
        is checked alone against the history; ``ids`` may repeat)."""
        ok = np.ones(len(ids), bool)
        for i, rule in enumerate(self.rules):
            hit = self._applies(rule, channel)
            if not hit.any():
                continue
            who = ids[hit]
            if rule.max_sends == 0:
                ok[hit] = False
            elif rule.window == "rolling":
                oldest = self._rings[i][who, self._heads[i][who]]
                ok[hit] &= day - oldest >= rule.days
            else:
                same_block = self._blocks[i][who] == self._block(rule, day)
                ok[hit] &= ~same_block | (self._counts[i][who] < rule.max_sends)
        return ok

    def record(self, ids: np.ndarray, channel: np.ndarray, day: int) -> None:
        """Count one send to each of ``ids`` (distinct) on ``channel`` on ``day``."""
        for i, rule in enumerate(self.rules):
            who = ids[self._applies(rule, channel)]
            if rule.max_sends == 0 or len(who) == 0:
                continue
            if rule.window == "rolling":
                self._rings[i][who, self._heads[i][who]] = day
                self._heads[i][who] = (self._heads[i][who] + 1) % rule.max_sends
            else:
                block = self._block(rule, day)
                fresh = self._blocks[i][who] != block
                self._counts[i][who[fresh]] = 0
                self._blocks[i][who] = block
                self._counts[i][who] += 1
