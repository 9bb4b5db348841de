"""``JourneyModel``: the mesa.Model that advances the whole customer base one day at a time.

The day's order is fixed (docs/model.md, "Process overview and scheduling"):

1. fatigue decays;
2. usage depth advances along each customer's S-curve;
3. feature adoption spreads (Bass), with peers' adopted share as of the start of the day;
4. seat demand grows (hiring);
5. milestone conditions are evaluated and the ones that became true fire as signals;
6. customers file support tickets (queued for the support team);
7. journeys act on today's state and signals (``journeys.engine``: exits, entries, steps,
   governance, responses, conversions); hand-offs queue for sales or success;
8. the teams work to the end of the day (``operations.desk``): contacts convert or not,
   tickets are resolved well or badly;
9. discounts that end today end; organic expansion and contraction;
10. contracts due today renew or churn;
11. the day's KPIs are recorded.

Each stochastic step draws one uniform per customer from its own stream every day (see
``journeysim.rng``), whether or not the draw is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from journeysim.behavior import (
    adoption,
    churn,
    fatigue,
    milestones,
    organic,
    seats,
    support,
    usage,
)
from journeysim.channels import CHANNELS
from journeysim.config.schema import SimConfig
from journeysim.governance.policy import WEEKDAYS
from journeysim.journeys.attributes import AttributeReader, readers
from journeysim.journeys.engine import JourneyEngine
from journeysim.journeys.scenario import Scenario, compile_scenario
from journeysim.metrics.events import EventLog
from journeysim.operations.desk import TEAM_NAMES, TeamDesk
from journeysim.population.generate import generate, price_cents
from journeysim.population.state import (
    ANNUAL,
    CONTRACTS,
    NEVER,
    PERIOD_DAYS,
    change_subscription,
    reprice,
)
from journeysim.rng import streams, uniforms

DAILY_PROCESSES: tuple[str, ...] = ("adoption", "seat_demand", "support", "organic", "churn")
"""Processes that draw one uniform per customer every day, in drawing order."""
LIMIT_REACHED_BIT = 1 << milestones.MILESTONES.index("seat_limit_reached")


@dataclass
class Flows:
    """Revenue and customer flows (MRR in cents): every MRR change is booked as expansion
    (a rise) or contraction (a fall), whatever caused it."""

    expansion_mrr: int = 0
    contraction_mrr: int = 0
    churned_mrr: int = 0
    expansions: int = 0
    contractions: int = 0
    conversions: int = 0
    sends: int = 0
    unsubscribes: int = 0
    churned_customers: int = 0
    adoptions: int = 0
    milestones: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(milestones.MILESTONES, 0))


class JourneyModel(mesa.Model):
    """The expansion-journey world: a customer base as arrays, stepped one day per ``step``."""

    def __init__(self, cfg: SimConfig, scenario: Scenario | None = None) -> None:
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        pop = cfg.population
        self.segment_names = list(pop.segments)
        self.plan_names = list(pop.plans)
        self.price_cents = price_cents(pop)
        self.streams = streams(cfg.seed)
        self.customers = generate(pop, self.streams["population"])
        c = self.customers
        self.events = EventLog()
        self.flows = Flows()
        self.today = Flows()
        self.signals: dict[str, np.ndarray] = {name: np.zeros(0, np.int64)
                                               for name in milestones.MILESTONES}
        self.last_discount_end = -1  # no discount with an end runs past this day
        self._churned_totals = np.zeros(3)  # depth, utilisation, over-limit: frozen at churn

        self._retention = fatigue.daily_retention(
            [getattr(pop.fatigue.half_life_days, ch) for ch in CHANNELS])
        self.period = PERIOD_DAYS[c.contract]
        self._peer_group = (c.segment.astype(np.intp) if pop.adoption.scope == "segment"
                            else np.zeros(c.size, np.intp))
        groups = len(self.segment_names) if pop.adoption.scope == "segment" else 1
        self._active_peers = np.bincount(self._peer_group, minlength=groups).astype(np.int64)
        self._adopted_peers = np.bincount(self._peer_group, weights=c.adopted,
                                          minlength=groups).astype(np.int64)
        self._milestones = milestones.MilestoneTracker(c, pop.milestones)
        c.conditions[:] = self._milestones.evaluate(c, 0)
        scenario = scenario or compile_scenario(cfg)
        self._tickets_per_month = np.array(
            [seg.support_tickets_per_month for seg in pop.segments.values()])
        self.desk = TeamDesk(self, scenario.offers, WEEKDAYS.index(cfg.start_weekday))
        self.journeys = None
        if scenario.journeys:
            reader = AttributeReader(self, readers(self.segment_names, self.plan_names))
            self.journeys = JourneyEngine(self, list(scenario.journeys), scenario.offers, reader,
                                          WEEKDAYS.index(cfg.start_weekday))

        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, key=name: m.kpis[key]) for name in self.kpi_names()})
        self.kpis: dict[str, float] = {}
        self._record_kpis()

    @property
    def day(self) -> int:
        """Days simulated so far (0 before the first step)."""
        return self.steps

    def step(self) -> None:
        """Advance every customer by one day, in the documented order."""
        c, day = self.customers, self.day
        n = c.size
        self.today = Flows()
        draws = {name: uniforms(self.streams[name], n) for name in DAILY_PROCESSES}

        fatigue.decay(c.fatigue, self._retention)
        usage.advance(c.usage_depth, c.usage_gain)
        self._adopt(draws["adoption"], day)
        seats.grow_demand(c.seat_demand, c.hiring_rate, draws["seat_demand"])
        self._fire_milestones(day)
        self._file_tickets(draws["support"], day)
        if self.journeys is not None:
            self.journeys.run_day(day)
        self.desk.run_day(day)
        self._end_discounts(day)
        self._organic(draws["organic"], day)
        self._renew(draws["churn"], day)
        self._record_kpis()

    def _adopt(self, uniforms: np.ndarray, day: int) -> None:
        a = self.cfg.population.adoption
        share = self._adopted_peers / np.maximum(self._active_peers, 1)
        probability = adoption.daily_probability(a.p, a.q, share, a.period_days)
        c = self.customers
        new = adoption.new_adopters(c.adopted, c.active, self._peer_group, probability, uniforms)
        self.mark_adopted(new, day, "diffusion")

    def _file_tickets(self, uniforms: np.ndarray, day: int) -> None:
        c = self.customers
        rate = support.daily_rate(self._tickets_per_month, c.segment, c.usage_depth,
                                  self.cfg.population.support.usage_effect)
        self.desk.file_tickets(support.filed(rate, c.active, uniforms), day)

    def mark_adopted(self, ids: np.ndarray, day: int, source: str) -> None:
        """Customers ``ids`` (non-adopters) adopt the feature today, through ``source``."""
        c = self.customers
        c.adopted[ids] = True
        self._adopted_peers += np.bincount(self._peer_group[ids],
                                           minlength=len(self._adopted_peers))
        self.today.adoptions += len(ids)
        self.events.add(day, "adoption", ids, detail=source)

    def switch_to_annual(self, ids: np.ndarray, day: int) -> None:
        """Move monthly customers ``ids`` to an annual contract starting today."""
        c, segments = self.customers, list(self.cfg.population.segments.values())
        for s in np.unique(c.segment[ids]):
            seg, mine = segments[s], ids[c.segment[ids] == s]
            c.churn_propensity[mine] = churn.annual_equivalent(
                c.churn_propensity[mine], (seg.churn.monthly.a, seg.churn.monthly.b),
                (seg.churn.annual.a, seg.churn.annual.b))
        c.contract[ids] = ANNUAL
        self.period[ids] = PERIOD_DAYS[ANNUAL]
        c.renewal_day[ids] = day + PERIOD_DAYS[ANNUAL]

    def book(self, day: int, event: str, ids: np.ndarray, delta: np.ndarray,
             **columns: object) -> None:
        """Log an MRR change (cents, one per customer) and book it as expansion or contraction."""
        self.events.add(day, event, ids, mrr_delta_cents=delta, **columns)
        if event == "convert":
            self.today.conversions += len(ids)
        self.today.expansion_mrr += int(delta[delta > 0].sum())
        self.today.contraction_mrr -= int(delta[delta < 0].sum())

    def _fire_milestones(self, day: int) -> None:
        c = self.customers
        self.signals = self._milestones.advance(c, day)
        for name, ids in self.signals.items():
            self.today.milestones[name] = len(ids)
            self.events.add(day, "milestone", ids, detail=name)

    def _organic(self, uniforms: np.ndarray, day: int) -> None:
        c = self.customers
        expansions, contractions = organic.decide(c, uniforms, self.cfg.population.organic,
                                                  top_plan=len(self.plan_names) - 1)
        for event, changes, kinds in (("expansion", expansions, organic.EXPANSION_KINDS),
                                      ("contraction", contractions, organic.CONTRACTION_KINDS)):
            idx = changes.idx
            plan_before, seats_before = c.plan[idx].copy(), c.seats[idx].copy()
            delta = change_subscription(c, idx, changes.plan, changes.seats, self.price_cents)
            self.book(day, event, idx, delta, detail=(kinds, changes.kind),
                      plan_before=(self.plan_names, plan_before),
                      plan_after=(self.plan_names, changes.plan),
                      seats_before=seats_before, seats_after=changes.seats)
            if event == "expansion":
                c.last_purchase_day[idx] = day
                self.today.expansions = len(idx)
            else:
                c.last_downgrade_day[idx] = day
                self.today.contractions = len(idx)

    def _end_discounts(self, day: int) -> None:
        if day > self.last_discount_end:
            return
        c = self.customers
        ending = np.flatnonzero(c.discount_until == day)
        ending = ending[c.active[ending]]
        c.discount[ending] = 0
        c.discount_until[ending] = NEVER
        self.book(day, "discount_end", ending, reprice(c, ending, self.price_cents))

    def _renew(self, uniforms: np.ndarray, day: int) -> None:
        c = self.customers
        due = churn.renewals_due(c.renewal_day, day, self.period)
        trouble = support.in_trouble(c.tickets_open[due], c.bad_support_day[due], day,
                                     self.cfg.population.support.memory_days)
        theta = churn.effective_propensity(
            c.churn_propensity[due], fatigue.total(c.fatigue, due), c.usage_depth[due],
            trouble, self.cfg.population.churn_modifiers)
        gone = due[uniforms[due] < theta]
        lost = c.mrr[gone].copy()
        c.active[gone] = False
        c.churn_day[gone] = day
        c.mrr[gone] = 0
        c.renewal_day[gone] = NEVER
        c.usage_gain[gone] = 1.0
        c.hiring_rate[gone] = 0.0
        c.fatigue[:, gone] = 0.0
        self._churned_totals += [c.usage_depth[gone].sum(dtype=np.float64),
                                 (c.seat_demand[gone] / c.seats[gone]).sum(dtype=np.float64),
                                 np.count_nonzero(c.conditions[gone] & LIMIT_REACHED_BIT)]
        self._active_peers -= np.bincount(self._peer_group[gone], minlength=len(self._active_peers))
        self._adopted_peers -= np.bincount(self._peer_group[gone], weights=c.adopted[gone],
                                           minlength=len(self._adopted_peers)).astype(np.int64)
        self.today.churned_customers, self.today.churned_mrr = len(gone), int(lost.sum())
        self.desk.withdraw(gone, day)
        if self.journeys is not None:
            self.journeys.leave_all(gone, day, "churned")
        self.events.add(day, "churn", gone, detail=(CONTRACTS, c.contract[gone]),
                        plan_before=(self.plan_names, c.plan[gone]), seats_before=c.seats[gone],
                        mrr_delta_cents=-lost)

    @staticmethod
    def kpi_names() -> list[str]:
        """Columns of the daily table, in order."""
        return (["day", "active_customers", "mrr", "expansion_mrr", "contraction_mrr",
                 "churned_mrr", "expansions", "contractions", "conversions", "sends",
                 "unsubscribes", "churned_customers", "adoptions",
                 "adopted_share", "mean_usage_depth", "mean_seat_utilization", "over_seat_limit"]
                + [f"milestone_{name}" for name in milestones.MILESTONES]
                + [f"{kind}_{team}" for team in TEAM_NAMES for kind in ("queue", "busy", "wait")]
                + [f"fatigue_{ch}" for ch in CHANNELS])

    def _record_kpis(self) -> None:
        c, t = self.customers, self.today
        for name in ("expansion_mrr", "contraction_mrr", "churned_mrr"):
            setattr(self.flows, name, getattr(self.flows, name) + getattr(t, name))
        for name in ("expansions", "contractions", "conversions", "sends", "unsubscribes",
                     "churned_customers", "adoptions"):
            setattr(self.flows, name, getattr(self.flows, name) + getattr(t, name))
        for name, count in t.milestones.items():
            self.flows.milestones[name] += count
        active = int(self._active_peers.sum())
        churned_depth, churned_utilization, churned_over_limit = self._churned_totals

        def active_mean(values: np.ndarray, churned_total: float = 0.0) -> float:
            """Mean over active customers: the total less the churned customers' frozen part.

            Totals use numpy's pairwise float32 sum (relative error ~1e-7, and a third of the
            cost of a float64 accumulation).
            """
            return float((float(values.sum()) - churned_total) / active) if active else 0.0

        self.kpis = {
            "day": self.day, "active_customers": active, "mrr": c.mrr.sum() / 100.0,
            "expansion_mrr": t.expansion_mrr / 100.0, "contraction_mrr": t.contraction_mrr / 100.0,
            "churned_mrr": t.churned_mrr / 100.0, "expansions": t.expansions,
            "contractions": t.contractions, "conversions": t.conversions, "sends": t.sends,
            "unsubscribes": t.unsubscribes, "churned_customers": t.churned_customers,
            "adoptions": t.adoptions,
            "adopted_share": float(self._adopted_peers.sum() / max(active, 1)),
            "mean_usage_depth": active_mean(c.usage_depth, churned_depth),
            "mean_seat_utilization": active_mean(c.seat_demand / c.seats, churned_utilization),
            "over_seat_limit": int(np.count_nonzero(c.conditions & LIMIT_REACHED_BIT)
                                   - churned_over_limit),
        }
        self.kpis.update({f"milestone_{k}": v for k, v in t.milestones.items()})
        for team in TEAM_NAMES:
            self.kpis[f"queue_{team}"] = self.desk.queue_length(team)
            self.kpis[f"busy_{team}"] = self.desk.worked(team, self.day)
            self.kpis[f"wait_{team}"] = self.desk.mean_wait_today[team]
        self.kpis.update({f"fatigue_{ch}": active_mean(c.fatigue[i])
                          for i, ch in enumerate(CHANNELS)})
        self.datacollector.collect(self)

    def run(self, days: int, progress: bool = False) -> None:
        """Advance ``days`` days, with a progress bar if asked."""
        if progress:
            from tqdm import tqdm

            for _ in tqdm(range(days), desc="simulating", unit="day"):
                self.step()
        else:
            for _ in range(days):
                self.step()

    def daily(self) -> pd.DataFrame:
        """One row per day (day 0 is the initial state), from the DataCollector."""
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
