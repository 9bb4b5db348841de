"""One journey's per-customer state and the execution of its steps on arrays.

Each customer is at most at one step of a journey. On arrival at a step the customer is due the
same day; instantaneous steps (branch, handoff, exit, a wait_until whose condition holds or has
timed out) are passed through at once, a ``wait`` parks the customer for its days, and a ``send``
parks it until governance has decided (one send per journey per customer per day: a send
reached after another one that day waits for the next day).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from journeysim.journeys.spec import (
    BRANCH,
    EXIT,
    HANDOFF,
    SEND,
    TEAMS,
    WAIT,
    WAIT_UNTIL,
    CompiledJourney,
)
from journeysim.metrics.events import EventLog

OUTSIDE = -1
"""``step`` of a customer who is not in the journey."""
NOT_DUE = np.iinfo(np.int32).max
"""``wake`` of a customer who is not in the journey."""
Lookup = Callable[[np.ndarray], Callable[[str], np.ndarray]]
HandOff = Callable[[str, np.ndarray, int, np.ndarray, np.ndarray, int], None]
"""Queues customers for a team: ``hand_off(team, ids, journey index, steps, arms, day)``."""


class JourneyRunner:
    """State of every customer in one journey, and its daily execution."""

    def __init__(self, journey: CompiledJourney, index: int, arm_draws: np.ndarray,
                 events: EventLog, lookup: Lookup, in_control: np.ndarray,
                 hand_off: HandOff) -> None:
        n = len(arm_draws)
        self.journey = journey
        self.index = index
        self.events = events
        self.lookup = lookup
        self.step = np.full(n, OUTSIDE, np.int32)
        self.since = np.zeros(n, np.int32)      # day the current step was reached
        self.wake = np.full(n, NOT_DUE, np.int32)  # day the customer is next due
        self.entered = np.full(n, -1, np.int32)
        self.exited = np.full(n, -1, np.int32)
        self.entries = np.zeros(n, np.int32)
        self.arm = _assign_arms(arm_draws, journey.holdout, journey.variant_weights)
        self.in_control = in_control  # the global control group: no contact of any kind
        self.hand_off = hand_off
        self.holdout_arm = len(journey.variant_names)
        self.arm_labels = (*journey.variant_names, "holdout")
        # the variant whose steps a customer follows (the holdout follows the first one)
        self.variant = np.where(self.arm == self.holdout_arm, 0, self.arm).astype(np.intp)
        self._when_before = np.zeros(n, bool)
        self._calendar: dict[int, list[np.ndarray]] = defaultdict(list)  # day -> who is due
        self._slot = np.zeros(n, np.int32)  # scratch for removing repeated bookings

    def wake_at(self, ids: np.ndarray, day: int | np.ndarray) -> None:
        """Make ``ids`` due on ``day`` (one day, or one per customer)."""
        self.wake[ids] = day
        if np.isscalar(day):
            self._calendar[int(day)].append(ids)
        else:
            for d in np.unique(day):
                self._calendar[int(d)].append(ids[day == d])

    def due(self, day: int) -> np.ndarray:
        """Customers due on ``day`` (from the calendar, not a scan of everyone)."""
        booked = self._calendar.pop(day, [])
        if not booked:
            return np.zeros(0, np.int64)
        ids = np.concatenate(booked)
        ids = ids[self.wake[ids] == day]
        position = np.arange(len(ids), dtype=np.int32)
        self._slot[ids] = position  # one slot per customer: the last booking wins
        return ids[self._slot[ids] == position]

    def _log(self, day: int, event: str, ids: np.ndarray, **columns: Any) -> None:
        self.events.add(day, event, ids, journey=self.journey.name,
                        arm=(self.arm_labels, self.arm[ids]), **columns)

    def members(self) -> np.ndarray:
        """Customers currently in the journey."""
        return np.flatnonzero(self.step != OUTSIDE)

    def leave(self, ids: np.ndarray, day: int, reason: str) -> None:
        """Take ``ids`` out of the journey."""
        ids = ids[self.step[ids] != OUTSIDE]
        self.step[ids] = OUTSIDE
        self.wake[ids] = NOT_DUE
        self.exited[ids] = day
        self._log(day, "exit", ids, detail=reason)

    def check_exits(self, day: int) -> None:
        """Exit criteria: members meeting the exit condition leave (churned customers left on
        their churn day, converted and unsubscribed ones when it happened)."""
        if self.journey.exit_when.constant is False:
            return
        members = self.members()
        if len(members):
            hit = self.journey.exit_when(self.lookup(members), len(members))
            self.leave(members[hit], day, "exit_condition")

    def admit(self, day: int, active: np.ndarray, signals: dict[str, np.ndarray]) -> None:
        """Let in today's entrants (trigger, re-entry rule, eligibility) at the first step."""
        j = self.journey
        if j.signal is not None:
            candidates = signals[j.signal]
            candidates = candidates[active[candidates]]
            candidates = candidates[j.when(self.lookup(candidates), len(candidates))]
            fresh = np.ones(len(candidates), bool)
        else:  # evaluated on everyone at once: whole columns, no gathers
            holds = j.when(self.lookup(slice(None)), len(active)) & active
            candidates = np.flatnonzero(holds)
            fresh = ~self._when_before[candidates]
            self._when_before = holds
        outside = self.step[candidates] == OUTSIDE
        candidates, fresh = candidates[outside], fresh[outside]
        first = self.entries[candidates] == 0
        if j.reentry == "never":
            allowed = first
        elif j.reentry == "after_days":
            allowed = first | (day - self.exited[candidates] >= j.reentry_days)
        else:
            allowed = first | fresh
        candidates = candidates[allowed]
        candidates = candidates[j.eligibility(self.lookup(candidates), len(candidates))]
        self.entries[candidates] += 1
        self.entered[candidates] = day
        self._log(day, "enter", candidates)
        self.move(candidates, self.journey.steps.start, day)
        self.wake_at(candidates, day)

    def move(self, ids: np.ndarray, target: int | np.ndarray, day: int) -> None:
        """Put ``ids`` at step ``target`` (one, or one per customer), due today."""
        self.step[ids] = target
        self.since[ids] = day
        self.wake[ids] = day
        self._log(day, "step", ids, step=(self.journey.steps.names, self.step[ids]))

    def next_step(self, ids: np.ndarray) -> np.ndarray:
        """The step after the current one of each of ``ids``."""
        return self.journey.steps.next[self.variant[ids], self.step[ids]]

    def advance(self, day: int, ids: np.ndarray | None, sends_allowed: bool) -> np.ndarray:
        """Run due customers (all due ones, or ``ids``) through steps until each parks.

        Returns the customers parked at a send step today, waiting for governance.
        """
        if ids is None:
            ids = self.due(day)
        requests = []
        for _ in range(len(self.journey.steps.names) + 2):
            if not len(ids):
                break
            ids = self._round(ids, day, sends_allowed, requests)
        return np.concatenate(requests) if requests else np.zeros(0, np.int64)

    def _round(self, ids: np.ndarray, day: int, sends_allowed: bool,
               requests: list[np.ndarray]) -> np.ndarray:
        """Execute the current step of every one of ``ids`` once; return who moved on (and is
        due again today)."""
        t = self.journey.steps
        variant, step = self.variant[ids], self.step[ids]
        kind = t.kind[variant, step]
        moved = []

        sending = ids[kind == SEND]
        if sends_allowed:
            requests.append(sending)
        else:
            self.wake_at(sending, day + 1)

        waiting = kind == WAIT
        arrived = waiting & (self.since[ids] == day)
        self.wake_at(ids[arrived], day + t.days[variant[arrived], step[arrived]])
        woken = ids[waiting & ~arrived]
        self.move(woken, self.next_step(woken), day)
        moved.append(woken)

        handing = ids[kind == HANDOFF]
        self._handoff(handing, day)
        self.move(handing, self.next_step(handing), day)
        moved.append(handing)

        self.leave(ids[kind == EXIT], day, "completed")

        conditional = np.flatnonzero((kind == WAIT_UNTIL) | (kind == BRANCH))
        pairs = variant[conditional].astype(np.int64) * len(t.names) + step[conditional]
        for pair in np.unique(pairs):
            v, s = divmod(int(pair), len(t.names))
            at = ids[conditional[pairs == pair]]
            if t.kind[v, s] == WAIT_UNTIL:
                moved.append(self._wait_until(at, v, s, day))
            else:
                moved.append(self._branch(at, v, s, day))
        return np.concatenate(moved)

    def _wait_until(self, ids: np.ndarray, v: int, s: int, day: int) -> np.ndarray:
        t = self.journey.steps
        holds = t.conditions[v][s](self.lookup(ids), len(ids))
        timed_out = ~holds & (day - self.since[ids] >= t.days[v, s])
        self.move(ids[holds], t.next[v, s], day)
        self.move(ids[timed_out], t.on_timeout[v, s], day)
        self.wake_at(ids[~holds & ~timed_out], day + 1)
        return ids[holds | timed_out]

    def _branch(self, ids: np.ndarray, v: int, s: int, day: int) -> np.ndarray:
        t = self.journey.steps
        left = ids
        for condition, target in t.branches[v][s]:
            hit = condition(self.lookup(left), len(left))
            self.move(left[hit], target, day)
            left = left[~hit]
        self.move(left, t.otherwise[v, s], day)
        return ids

    def _handoff(self, ids: np.ndarray, day: int) -> None:
        """A sales or success contact: never for a holdout or global-control customer."""
        names = self.journey.steps.names
        held = ids[self.arm[ids] == self.holdout_arm]
        control = ids[(self.arm[ids] != self.holdout_arm) & self.in_control[ids]]
        handed = ids[(self.arm[ids] != self.holdout_arm) & ~self.in_control[ids]]
        for who, reason in ((held, "holdout"), (control, "global_control")):
            self._log(day, "suppressed", who, detail=reason, step=(names, self.step[who]))
        team = self.journey.steps.team[self.variant[handed], self.step[handed]]
        self._log(day, "handoff", handed, detail=(TEAMS, team), step=(names, self.step[handed]))
        for code in np.unique(team):
            who = handed[team == code]
            self.hand_off(TEAMS[code], who, self.index, self.step[who], self.arm[who], day)


def _assign_arms(draws: np.ndarray, holdout: float, weights: np.ndarray) -> np.ndarray:
    """Arm of every customer, fixed for the run (a returning customer keeps its arm)."""
    arm = np.searchsorted(np.cumsum(weights), (draws - holdout) / max(1.0 - holdout, 1e-12),
                          side="right")
    arm = np.minimum(arm, len(weights) - 1)
    return np.where(draws < holdout, len(weights), arm).astype(np.int8)
