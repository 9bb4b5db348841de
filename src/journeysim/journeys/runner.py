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
    Program,
)
from journeysim.metrics.events import EventLog

OUTSIDE = -1
"""``step`` of a customer who is not in the journey."""
NOT_DUE = np.iinfo(np.int32).max
"""``wake`` of a customer who is not in the journey."""
Lookup = Callable[[np.ndarray], Callable[[str], np.ndarray]]


class JourneyRunner:
    """State of every customer in one journey, and its daily execution."""

    def __init__(self, journey: CompiledJourney, index: int, arm_draws: np.ndarray,
                 events: EventLog, lookup: Lookup, in_control: np.ndarray) -> None:
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
        self.holdout_arm = len(journey.variant_names)
        self.arm_labels = (*journey.variant_names, "holdout")
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

    def program(self, arm: int) -> Program:
        """The steps a customer of ``arm`` follows (the holdout follows the first variant)."""
        return self.journey.programs[0 if arm == self.holdout_arm else arm]

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
        for arm in np.unique(self.arm[candidates]):
            ids = candidates[self.arm[candidates] == arm]
            self.move(ids, self.program(arm).start, day)

    def move(self, ids: np.ndarray, target: int | np.ndarray, day: int) -> None:
        """Put ``ids`` at step ``target``, due today."""
        self.step[ids] = target
        self.since[ids] = day
        self.wake_at(ids, day)
        for arm in np.unique(self.arm[ids]):
            group = ids[self.arm[ids] == arm]
            self._log(day, "step", group, step=(self.program(arm).names, self.step[group]))

    def advance(self, day: int, ids: np.ndarray | None, sends_allowed: bool) -> np.ndarray:
        """Run due customers (all due ones, or ``ids``) through steps until each parks.

        Returns the customers parked at a send step today, waiting for governance.
        """
        if ids is None:
            ids = self.due(day)
        requests = []
        for _ in range(max(len(p.names) for p in self.journey.programs) + 2):
            if not len(ids):
                break
            moved = []
            steps = self.step[ids]  # a snapshot: who is where before this round moves anyone
            for arm in np.unique(self.arm[ids]):
                in_arm = self.arm[ids] == arm
                program = self.program(arm)
                for step in np.unique(steps[in_arm]):
                    at_step = ids[in_arm & (steps == step)]
                    moved.append(self._run(program, step, at_step, day, sends_allowed, requests))
            ids = np.concatenate(moved) if moved else ids[:0]
        return np.concatenate(requests) if requests else np.zeros(0, np.int64)

    def _run(self, p: Program, step: int, ids: np.ndarray, day: int, sends_allowed: bool,
             requests: list[np.ndarray]) -> np.ndarray:
        """Execute ``step`` for ``ids``; return those who moved on and are due again today."""
        kind = p.kind[step]
        if kind == SEND:
            if sends_allowed:
                requests.append(ids)
            else:
                self.wake_at(ids, day + 1)
            return ids[:0]
        if kind == WAIT:
            arrived = self.since[ids] == day
            self.wake_at(ids[arrived], day + p.days[step])
            woken = ids[~arrived]
            self.move(woken, p.next[step], day)
            return woken
        if kind == WAIT_UNTIL:
            holds = p.conditions[step](self.lookup(ids), len(ids))
            timed_out = ~holds & (day - self.since[ids] >= p.days[step])
            self.move(ids[holds], p.next[step], day)
            self.move(ids[timed_out], p.on_timeout[step], day)
            self.wake_at(ids[~holds & ~timed_out], day + 1)
            return ids[holds | timed_out]
        if kind == BRANCH:
            left = ids
            for condition, target in p.branches[step]:
                hit = condition(self.lookup(left), len(left))
                self.move(left[hit], target, day)
                left = left[~hit]
            self.move(left, p.otherwise[step], day)
            return ids
        if kind == HANDOFF:  # a sales or success contact: never for a holdout or control customer
            steps = (p.names, np.full(len(ids), step))
            held = self.arm[ids] == self.holdout_arm
            control = ~held & self.in_control[ids]
            self._log(day, "suppressed", ids[held], detail="holdout",
                      step=(steps[0], steps[1][held]))
            self._log(day, "suppressed", ids[control], detail="global_control",
                      step=(steps[0], steps[1][control]))
            handed = ~held & ~control
            self._log(day, "handoff", ids[handed], detail=TEAMS[p.team[step]],
                      step=(steps[0], steps[1][handed]))
            self.move(ids, p.next[step], day)
            return ids
        assert kind == EXIT
        self.leave(ids, day, "completed")
        return ids[:0]


def _assign_arms(draws: np.ndarray, holdout: float, weights: np.ndarray) -> np.ndarray:
    """Arm of every customer, fixed for the run (a returning customer keeps its arm)."""
    arm = np.searchsorted(np.cumsum(weights), (draws - holdout) / max(1.0 - holdout, 1e-12),
                          side="right")
    arm = np.minimum(arm, len(weights) - 1)
    return np.where(draws < holdout, len(weights), arm).astype(np.int8)
