"""The desk in front of the teams: hand-offs and support tickets queue for finite reps.

A journey's ``handoff`` step submits a task to the team (sales or success) on the day it is
reached, and a customer who files a support ticket submits one to support; each team is a SimPy
queue (``operations.teams``) advanced to the end of every simulated day. When a sales or
success rep finishes a contact, it converts the account to the team's offer with probability

    P = p * 2^(-wait / h),   p = large_account_conversion if seats >= large_account_seats
                                 else conversion,

wait the days the task queued before a rep took it and h the cooling half-life: an account
that waits has cooled off. A conversion is booked like a journey's, credited to the journey,
step and arm that handed the customer off. A support ticket is resolved badly with the
probability of ``behavior.support``.

Each task carries two draws keyed by (seed, team, customer, day it was queued): one sets its
service time (``operations.teams``), one decides its outcome (``u < P``). The same task thus
takes as long and has the same luck whatever the headcount, the queue or the other journeys, so
a larger team converts every contact a smaller one converted sooner or as soon (``P`` only grows
as the wait shrinks), and a counterfactual run differs only where tasks really changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from journeysim import catalog
from journeysim.behavior import support
from journeysim.config.journey_schema import TeamBase
from journeysim.governance.policy import WEEKDAYS
from journeysim.operations.teams import TaskRecord, Team, TeamSpec
from journeysim.rng import keyed_uniforms

TEAM_NAMES: tuple[str, ...] = ("sales", "success", "support")
TASK_KINDS: dict[str, str] = {"sales": "handoff", "success": "handoff", "support": "ticket"}
"""The one kind of task each team works."""
OUTCOMES: tuple[str, ...] = ("converted", "no_sale", "resolved", "resolved_badly", "churned")
"""Labels of ``task_finished`` events."""
SERVICE_FAMILIES = {"constant": ("fixed", "value", None), "exponential": ("exponential", "mean",
                                                                          None),
                    "lognormal": ("lognormal", "median", "sigma")}
"""Service-time distributions a team accepts, as (teams family, first, second parameter)."""


def team_spec(name: str, cfg: TeamBase) -> TeamSpec:
    """The queueing spec of a configured team (family already checked)."""
    family, first, second = SERVICE_FAMILIES[cfg.service_days.dist]
    params = cfg.service_days.params
    service = (family, params[first], params[second] if second else 0.0)
    return TeamSpec(name=name, headcount=cfg.headcount, discipline=cfg.discipline,
                    service_days={TASK_KINDS[name]: service},
                    working_days=tuple(sorted(WEEKDAYS.index(d) for d in cfg.working_days)))


@dataclass
class Credit:
    """Who handed a task off: journey runner index, step and arm."""

    runner: int
    step: int
    arm: int


class TeamDesk:
    """Every team of a run, their tasks, and the outcome of each one."""

    def __init__(self, model: Any, offers: dict[str, catalog.Offer], day1_weekday: int) -> None:
        self.model = model
        self.seed = model.cfg.seed
        self.configs = {name: getattr(model.cfg.team, name) for name in TEAM_NAMES}
        self.offers = offers
        # team time d is model day d; day 1 has weekday ``day1_weekday``
        self.teams = {name: Team(team_spec(name, cfg), (day1_weekday - 1) % 7)
                      for name, cfg in self.configs.items()}
        self.convert: Callable[..., None] | None = None
        """Books the conversions a contact won (the journeys engine sets it)."""
        self._credit: dict[int, Credit] = {}
        self._next_task = 0
        self.mean_wait_today: dict[str, float] = dict.fromkeys(TEAM_NAMES, float("nan"))
        """Mean days waited by the tasks each team started today (NaN if none started)."""

    def queue_length(self, team: str) -> int:
        """Tasks waiting for a rep of ``team`` now."""
        return self.teams[team].queue_length

    def worked(self, team: str, day: int) -> float:
        """Rep-days ``team`` spent on tasks during ``day`` (its busy reps, on average)."""
        return self.teams[team].worked(day)

    def submit(self, team: str, ids: np.ndarray, runner: int, steps: np.ndarray,
               arms: np.ndarray, day: int) -> None:
        """Queue one hand-off per customer in ``ids`` (handed off today) for ``team``."""
        first = self._queue(team, ids, day)
        for offset, (step, arm) in enumerate(zip(steps.tolist(), arms.tolist(), strict=True)):
            self._credit[first + offset] = Credit(runner, step, arm)

    def file_tickets(self, ids: np.ndarray, day: int) -> None:
        """Customers ``ids`` file a support ticket today."""
        self.model.customers.tickets_open[ids] += 1
        self._queue("support", ids, day)

    def _queue(self, team: str, ids: np.ndarray, day: int) -> int:
        """Submit one task per customer to ``team``; return the first task's id."""
        first, mrr = self._next_task, self.model.customers.mrr[ids].tolist()
        submit, kind = self.teams[team].submit, TASK_KINDS[team]
        draws = keyed_uniforms(self.seed, f"team:{team}:service", ids, day).tolist()
        for task, (customer, value, draw) in enumerate(zip(ids.tolist(), mrr, draws, strict=True),
                                                       first):
            submit(task, customer, kind, float(value), day, draw)
        self._next_task += len(ids)
        self.model.events.add(day, "task_queued", ids, team=team)
        return first

    def run_day(self, day: int) -> None:
        """Advance every team to the end of ``day``; log starts and finishes, book outcomes."""
        for name, team in self.teams.items():
            finished = team.run_until(day + 1)
            started = team.started_now
            self.mean_wait_today[name] = float("nan")
            if started:
                ids = np.array([r.customer_id for r in started])
                waits = np.array([r.started - r.queued for r in started])
                self.mean_wait_today[name] = float(waits.mean())
                self.model.events.add(day, "task_started", ids, team=name, wait_days=waits)
            if not finished:
                continue
            ids = np.array([r.customer_id for r in finished])
            waits = np.array([r.started - r.queued for r in finished])
            luck = keyed_uniforms(self.seed, f"team:{name}:outcome", ids,
                                  np.array([int(r.queued) for r in finished]))
            if name == "support":
                outcome = self._resolve(ids, waits, luck, day)
            else:
                outcome = self._contact(name, finished, ids, waits, luck, day)
            self.model.events.add(day, "task_finished", ids, team=name,
                                  detail=(OUTCOMES, outcome), wait_days=waits)

    def withdraw(self, ids: np.ndarray, day: int) -> None:
        """Customers ``ids`` churned today: their open tasks close (outcome ``churned``)."""
        c = self.model.customers
        for name, team in self.teams.items():
            closed = team.withdraw(ids.tolist())
            if not closed:
                continue
            who = np.array([r.customer_id for r in closed])
            waits = np.array([(r.withdrawn if r.started is None else r.started) - r.queued
                              for r in closed])
            if name == "support":
                np.subtract.at(c.tickets_open, who, 1)
            self.model.events.add(day, "task_finished", who, team=name,
                                  detail="churned", wait_days=waits)

    def _resolve(self, ids: np.ndarray, waits: np.ndarray, luck: np.ndarray,
                 day: int) -> np.ndarray:
        """Close tickets (``luck``: their outcome draws); return their outcome codes."""
        cfg = self.configs["support"].resolution
        c = self.model.customers
        np.subtract.at(c.tickets_open, ids, 1)
        p = support.bad_resolution_probability(cfg.bad, waits, cfg.bad_half_life_days)
        bad = luck < p
        c.bad_support_day[ids[bad]] = day
        return np.where(bad, OUTCOMES.index("resolved_badly"), OUTCOMES.index("resolved"))

    def _contact(self, name: str, finished: list[TaskRecord], ids: np.ndarray,
                 waits: np.ndarray, luck: np.ndarray, day: int) -> np.ndarray:
        """Outcome codes of finished sales/success contacts (``luck``: their outcome draws);
        book the conversions they won."""
        m, cfg = self.model, self.configs[name].outcome
        c = m.customers
        large = c.seats[ids] >= cfg.large_account_seats
        p = np.where(large, cfg.large_account_conversion, cfg.conversion) * 0.5 ** (
            waits / cfg.cooling_half_life_days)
        won = luck < p
        offer = self.offers.get(cfg.offer) if cfg.offer else None
        if offer is None:
            won[:] = False
        else:
            won &= catalog.applicable(offer, c, ids, len(m.plan_names) - 1)
        rows = np.flatnonzero(won)
        if len(rows) and self.convert is not None:
            credits = [self._credit[finished[i].task_id] for i in rows]
            self.convert(name, offer, ids[rows], credits, day)
        return np.where(won, OUTCOMES.index("converted"), OUTCOMES.index("no_sale"))
