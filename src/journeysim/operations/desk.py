"""The desk between journeys and the teams: hand-offs queue for finite reps, contacts convert.

A journey's ``handoff`` step submits a task to the team (sales or success) on the day it is
reached; each team is a SimPy queue (``operations.teams``) advanced to the end of every
simulated day. When a rep finishes a task, the contact converts the account to the team's
offer with probability

    P = p * 2^(-wait / h),   p = large_account_conversion if seats >= large_account_seats
                                 else conversion,

wait the days the task queued before a rep took it and h the cooling half-life: an account
that waits has cooled off. The draw is keyed by (seed, team, customer, day). A conversion is
booked like a journey's, credited to the journey, step and arm that handed the customer off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from journeysim import catalog
from journeysim.config.journey_schema import TeamConfig
from journeysim.governance.policy import WEEKDAYS
from journeysim.operations.teams import TaskRecord, Team, TeamSpec
from journeysim.rng import keyed_uniforms, stream

TEAM_NAMES: tuple[str, ...] = ("sales", "success")
SERVICE_FAMILIES = {"constant": ("fixed", "value", None), "exponential": ("exponential", "mean",
                                                                          None),
                    "lognormal": ("lognormal", "median", "sigma")}
"""Service-time distributions a team accepts, as (teams family, first, second parameter)."""


def team_spec(name: str, cfg: TeamConfig) -> TeamSpec:
    """The queueing spec of a configured team (family already checked)."""
    family, first, second = SERVICE_FAMILIES[cfg.service_days.dist]
    params = cfg.service_days.params
    service = (family, params[first], params[second] if second else 0.0)
    return TeamSpec(name=name, headcount=cfg.headcount, discipline=cfg.discipline,
                    service_days={"handoff": service},
                    working_days=tuple(sorted(WEEKDAYS.index(d) for d in cfg.working_days)))


@dataclass
class Credit:
    """Who handed a task off: journey runner index, step and arm."""

    runner: int
    step: int
    arm: int


class TeamDesk:
    """Every team of a run, their tasks, and the outcome of each contact."""

    def __init__(self, model: Any, offers: dict[str, catalog.Offer], day1_weekday: int) -> None:
        self.model = model
        seed, teams = model.cfg.seed, model.cfg.team
        self.configs = {name: getattr(teams, name) for name in TEAM_NAMES}
        self.offers = offers
        # team time d is model day d; day 1 has weekday ``day1_weekday``
        self.teams = {name: Team(team_spec(name, cfg), stream(seed, f"team:{name}"),
                                 (day1_weekday - 1) % 7) for name, cfg in self.configs.items()}
        self._credit: dict[int, Credit] = {}
        self._waiting: dict[str, list[TaskRecord]] = {name: [] for name in TEAM_NAMES}
        self._next_task = 0

    def queue_length(self, team: str) -> int:
        """Tasks waiting for a rep of ``team`` now."""
        return self.teams[team].queue_length

    def busy(self, team: str) -> int:
        """Reps of ``team`` working now."""
        return self.teams[team].busy

    def submit(self, team: str, ids: np.ndarray, runner: int, steps: np.ndarray,
               arms: np.ndarray, day: int) -> None:
        """Queue one task per customer in ``ids`` (handed off today) for ``team``."""
        c = self.model.customers
        for customer, step, arm in zip(ids.tolist(), steps.tolist(), arms.tolist(), strict=True):
            task = self._next_task
            self._next_task += 1
            self._credit[task] = Credit(runner, step, arm)
            self.teams[team].submit(task, customer, "handoff", float(c.mrr[customer]), day)
        self._waiting[team].extend(self.teams[team].records[-len(ids):] if len(ids) else [])
        self.model.events.add(day, "task_queued", ids, detail=team)

    def run_day(self, day: int, engine: Any) -> None:
        """Advance every team to the end of ``day``; log starts and finishes, book outcomes."""
        for name, team in self.teams.items():
            finished = team.run_until(day + 1)
            started = [r for r in self._waiting[name] if r.started is not None]
            self._waiting[name] = [r for r in self._waiting[name] if r.started is None]
            if started:
                ids = np.array([r.customer_id for r in started])
                waits = np.array([r.started - r.queued for r in started])
                self.model.events.add(day, "task_started", ids, detail=name, wait_days=waits)
            if finished:
                self._outcomes(name, finished, day, engine)

    def _outcomes(self, name: str, finished: list[TaskRecord], day: int, engine: Any) -> None:
        m, cfg = self.model, self.configs[name].outcome
        c = m.customers
        ids = np.array([r.customer_id for r in finished])
        waits = np.array([r.started - r.queued for r in finished])
        large = c.seats[ids] >= cfg.large_account_seats
        p = np.where(large, cfg.large_account_conversion, cfg.conversion) * 0.5 ** (
            waits / cfg.cooling_half_life_days)
        won = keyed_uniforms(m.cfg.seed, f"team:{name}:outcome", ids, day) < p
        won &= c.active[ids]
        offer = self.offers.get(cfg.offer) if cfg.offer else None
        if offer is None:
            won[:] = False
        else:
            won &= catalog.applicable(offer, c, ids, len(m.plan_names) - 1)
        outcome = np.where(won, 0, np.where(c.active[ids], 1, 2))
        m.events.add(day, "task_finished", ids, detail=(("converted", "no_sale", "churned"),
                                                         outcome), wait_days=waits)
        rows = np.flatnonzero(won)
        if len(rows):
            credits = [self._credit[finished[i].task_id] for i in rows]
            engine.convert_by_team(name, offer, ids[rows], credits, day)
