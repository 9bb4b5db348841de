"""The core model written the textbook Mesa way: one ``mesa.Agent`` per customer.

This is the baseline that ``bench_step.py`` compares ``journeysim.model.JourneyModel`` with. It
is the same model (docs/model.md): the same day-0 population (``journeysim.population.generate``
with the run's population stream, so both versions start from identical customers), the same
equations and the same order of processes within a customer's day:

1. fatigue decays;
2. usage depth advances along the customer's S-curve;
3. Bass adoption, with the peers' adopted share as of the start of the day;
4. seat demand grows, rounded stochastically;
5. milestone conditions are re-evaluated; the ones that became true fire;
6. (journeys: not part of the core model yet);
7. organic expansion or contraction, one uniform deciding both;
8. a contract due today renews or churns (sBG propensity with its modifiers);
9. the day's KPIs: each customer adds its end-of-day values to the model's tallies.

Everything a customer does is scalar Python in ``Customer.step``; the model only computes the
day's Bass probability per peer group (it depends on the whole base at the start of the day,
exactly as in ``JourneyModel``) and then calls ``self.agents.shuffle_do("step")``. Random numbers
come from Mesa's stdlib ``random.Random`` (``self.random``): it is about twice as fast for scalar
draws as numpy's Generator. They are not the numbers ``JourneyModel`` draws, so the two versions
agree in distribution, not draw for draw. Each active customer draws one uniform per stochastic
process per day, used or not, as the vectorised model does.
"""

from __future__ import annotations

import math

import mesa

from journeysim.behavior.milestones import MILESTONES
from journeysim.channels import CHANNELS
from journeysim.config.schema import SimConfig
from journeysim.model import Flows
from journeysim.population.generate import generate, price_cents
from journeysim.population.state import ANNUAL, CONTRACTS, NEVER, PERIOD_DAYS, Customers
from journeysim.rng import streams

MAX_DAILY_PROBABILITY = 0.5
"""Cap of the organic daily probabilities (``journeysim.behavior.organic``)."""
LIMIT_REACHED_BIT = 1 << MILESTONES.index("seat_limit_reached")
EXPANSION_KINDS = ("seats", "upgrade")
CONTRACTION_KINDS = ("seats", "downgrade")


class Customer(mesa.Agent):
    """One customer: its profile and state as plain Python scalars, stepped by itself."""

    def __init__(self, model: AgentJourneyModel, row: int, c: Customers) -> None:
        super().__init__(model)
        self.customer_id = row
        # profile
        self.segment = int(c.segment[row])
        self.contract = int(c.contract[row])
        self.period = int(PERIOD_DAYS[self.contract])
        self.churn_propensity = float(c.churn_propensity[row])
        self.usage_gain = float(c.usage_gain[row])      # daily odds factor exp(speed)
        self.hiring_rate = float(c.hiring_rate[row])    # daily growth rate of seat demand
        self.peer_group = self.segment if model.cfg.population.adoption.scope == "segment" else 0
        # state
        self.plan = int(c.plan[row])
        self.seats = int(c.seats[row])
        self.seat_demand = int(c.seat_demand[row])
        self.mrr = int(c.mrr[row])
        self.usage_depth = float(c.usage_depth[row])
        self.adopted = bool(c.adopted[row])
        self.active = True
        self.churn_day = -1
        self.renewal_day = int(c.renewal_day[row])
        self.fatigue = [float(c.fatigue[ch, row]) for ch in range(len(CHANNELS))]
        self.expansions = 0
        self.conditions = self.milestone_conditions(0)

    # -- the customer's day ---------------------------------------------------------------

    def step(self) -> None:
        """One day of this customer, in the documented order."""
        if not self.active:  # a churned customer is frozen (and its fatigue was zeroed)
            return
        m = self.model
        self.fatigue = [f * r for f, r in zip(self.fatigue, m.retention, strict=True)]
        rnd = m.random
        u_adoption, u_seats, u_organic, u_churn = rnd.random(), rnd.random(), rnd.random(), \
            rnd.random()
        day = m.steps
        today = m.today

        # usage depth: one day along the S-curve (its odds grow by the factor exp(speed))
        grown = self.usage_depth * self.usage_gain
        self.usage_depth = depth = grown / (grown - self.usage_depth + 1.0)

        # Bass adoption: today's probability for this customer's peer group
        if not self.adopted and u_adoption < m.adoption_probability[self.peer_group]:
            self.adopted = True
            m.adopted_peers[self.peer_group] += 1
            today.adoptions += 1
            m.log(day, "adoption", self.customer_id, m.adoption.feature)

        # seat demand: expected change d r, rounded stochastically away from zero
        expected = self.seat_demand * self.hiring_rate
        size = abs(expected)
        if u_seats < size:
            whole = math.floor(size)
            change = whole + (u_seats < size - whole)
            if change:
                self.seat_demand = max(1, self.seat_demand + (change if expected > 0 else -change))

        # milestones: fire on a false -> true transition
        current = self.milestone_conditions(day)
        rising = current & ~self.conditions
        self.conditions = current
        if rising:
            for bit, name in enumerate(MILESTONES):
                if rising >> bit & 1:
                    today.milestones[name] += 1
                    m.log(day, "milestone", self.customer_id, name)

        # organic expansion or contraction
        util = self.seat_demand / self.seats
        if u_organic < self.expansion_probability(util, depth):
            self.expand(day)
        elif (u_organic >= 1.0 - MAX_DAILY_PROBABILITY  # below it no P_c can reach
              and (self.seats > self.right_size() or self.plan > 0)
              and u_organic >= 1.0 - self.contraction_probability(util, depth)):
            self.contract_subscription(day)

        # renewal or churn
        if self.renewal_day == day:
            self.renewal_day += self.period
            mods = m.churn_modifiers
            theta = min(1.0, self.churn_propensity * math.exp(
                mods.fatigue * sum(self.fatigue) + mods.low_value * (1.0 - depth)))
            if u_churn < theta:
                self.churn(day)

        if self.active:
            self.tally(depth)

    def milestone_conditions(self, day: int) -> int:
        """Bitmask of the milestone conditions true on ``day`` (bit i is ``MILESTONES[i]``)."""
        ms = self.model.milestones
        bits = 0
        if self.usage_depth >= ms.activation_depth:
            bits |= 1
        if self.usage_depth >= ms.first_value_depth:
            bits |= 2
        if self.seat_demand >= ms.limit_approaching * self.seats:
            bits |= 4
        if self.seat_demand >= ms.limit_reached * self.seats:
            bits |= 8
        if self.contract == ANNUAL and self.renewal_day <= day + ms.renewal_window_days:
            bits |= 16
        return bits

    def expansion_probability(self, util: float, depth: float) -> float:
        """Daily organic expansion probability P_e."""
        o = self.model.organic
        log_m = (o.utilization_effect * (min(util, o.utilization_cap) - 1.0)
                 + o.depth_effect * (depth - 0.5) + o.adoption_effect * self.adopted)
        return min(-math.expm1(-(o.expansion_per_month / 30.0) * math.exp(log_m)),
                   MAX_DAILY_PROBABILITY)

    def contraction_probability(self, util: float, depth: float) -> float:
        """Daily organic contraction probability P_c."""
        o = self.model.organic
        log_m = (o.idle_seat_effect * max(0.0, 1.0 - util)
                 + o.low_depth_effect * max(0.0, 0.5 - depth))
        return min(-math.expm1(-(o.contraction_per_month / 30.0) * math.exp(log_m)),
                   MAX_DAILY_PROBABILITY)

    def expand(self, day: int) -> None:
        """Buy seats (at the seat trigger or on the top plan) or upgrade one plan."""
        m = self.model
        o = m.organic
        if self.seat_demand / self.seats >= o.seat_trigger or self.plan >= m.top_plan:
            kind = 0
            seats = max(self.seats + 1, math.ceil(self.seat_demand * (1.0 + o.seat_headroom)))
            plan = self.plan
        else:
            kind, seats, plan = 1, self.seats, self.plan + 1
        plan_before, seats_before = self.plan, self.seats
        delta = self.change_subscription(plan, seats)
        self.expansions += 1
        m.today.expansions += 1
        m.today.expansion_mrr += delta
        m.log(day, "expansion", self.customer_id, EXPANSION_KINDS[kind],
              plan_before, plan, seats_before, seats, delta)

    def right_size(self) -> int:
        """Seats a contraction keeps: demand plus the seat headroom, rounded up."""
        return math.ceil(self.seat_demand * (1.0 + self.model.organic.seat_headroom))

    def contract_subscription(self, day: int) -> None:
        """Drop seats down to demand plus headroom, or downgrade one plan."""
        m = self.model
        right_size = self.right_size()
        if self.seats > right_size:
            kind, seats, plan = 0, right_size, self.plan
        else:
            kind, seats, plan = 1, self.seats, self.plan - 1
        plan_before, seats_before = self.plan, self.seats
        delta = self.change_subscription(plan, seats)
        m.today.contractions += 1
        m.today.contraction_mrr -= delta
        m.log(day, "contraction", self.customer_id, CONTRACTION_KINDS[kind],
              plan_before, plan, seats_before, seats, delta)

    def change_subscription(self, plan: int, seats: int) -> int:
        """Move to ``plan`` and ``seats``; return the MRR change in cents."""
        new_mrr = seats * self.model.price_cents[plan]
        delta = new_mrr - self.mrr
        self.plan, self.seats, self.mrr = plan, seats, new_mrr
        return delta

    def churn(self, day: int) -> None:
        """Leave at this renewal."""
        m = self.model
        lost = self.mrr
        self.active = False
        self.churn_day = day
        self.mrr = 0
        self.renewal_day = NEVER
        self.fatigue = [0.0] * len(self.fatigue)
        m.active_peers[self.peer_group] -= 1
        if self.adopted:
            m.adopted_peers[self.peer_group] -= 1
        m.today.churned_customers += 1
        m.today.churned_mrr += lost
        m.log(day, "churn", self.customer_id, CONTRACTS[self.contract],
              self.plan, None, self.seats, None, -lost)

    def tally(self, depth: float) -> None:
        """Add this (active) customer's end-of-day values to the model's daily tallies."""
        t = self.model.tallies
        t["mrr"] += self.mrr
        t["usage_depth"] += depth
        t["seat_utilization"] += self.seat_demand / self.seats
        t["over_seat_limit"] += 1 if self.conditions & LIMIT_REACHED_BIT else 0
        fatigue = t["fatigue"]
        for ch, value in enumerate(self.fatigue):
            fatigue[ch] += value


class AgentJourneyModel(mesa.Model):
    """The same world as ``JourneyModel``, as one ``Customer`` agent per customer."""

    def __init__(self, cfg: SimConfig) -> None:
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        pop = cfg.population
        self.segment_names = list(pop.segments)
        self.plan_names = list(pop.plans)
        self.top_plan = len(self.plan_names) - 1
        self.adoption, self.organic, self.milestones = pop.adoption, pop.organic, pop.milestones
        self.churn_modifiers = pop.churn_modifiers
        self.price_cents = [int(p) for p in price_cents(pop)]
        self.retention = [2.0 ** (-1.0 / getattr(pop.fatigue.half_life_days, ch))
                          for ch in CHANNELS]
        population = generate(pop, streams(cfg.seed)["population"])
        self.size = population.size
        self.mrr_start = int(population.mrr.sum())
        self.events: list[tuple] = []
        self.flows = Flows()
        self.today = Flows()
        self.customers = [Customer(self, row, population) for row in range(population.size)]
        del population

        groups = len(self.segment_names) if pop.adoption.scope == "segment" else 1
        self.active_peers = [0] * groups
        self.adopted_peers = [0] * groups
        for customer in self.customers:
            self.active_peers[customer.peer_group] += 1
            self.adopted_peers[customer.peer_group] += customer.adopted
        self.adoption_probability = [0.0] * groups

        self.kpis: dict[str, float] = {}
        self.daily_rows: list[dict[str, float]] = []
        self._new_tallies()
        for customer in self.customers:
            customer.tally(customer.usage_depth)
        self._record_kpis()

    @property
    def day(self) -> int:
        """Days simulated so far."""
        return self.steps

    def log(self, day: int, event: str, customer_id: int, detail: str, *fields: object) -> None:
        """Append one event row (day, customer, event, detail, plan/seats before/after, delta)."""
        self.events.append((day, customer_id, event, detail, *fields))

    def step(self) -> None:
        """One day: today's Bass probabilities per peer group, then every customer steps."""
        a = self.adoption
        self.adoption_probability = [
            -math.expm1(-(a.p + a.q * adopted / max(active, 1)) / a.period_days)
            for adopted, active in zip(self.adopted_peers, self.active_peers, strict=True)]
        self.today = Flows()
        self._new_tallies()
        self.agents.shuffle_do("step")
        self._record_kpis()

    def _new_tallies(self) -> None:
        self.tallies = {"mrr": 0, "usage_depth": 0.0, "seat_utilization": 0.0,
                        "over_seat_limit": 0, "fatigue": [0.0] * len(CHANNELS)}

    def _record_kpis(self) -> None:
        f, t, tally = self.flows, self.today, self.tallies
        for name in ("expansion_mrr", "contraction_mrr", "churned_mrr", "expansions",
                     "contractions", "churned_customers", "adoptions"):
            setattr(f, name, getattr(f, name) + getattr(t, name))
        for name, count in t.milestones.items():
            f.milestones[name] += count
        active = sum(self.active_peers)
        per = 1.0 / max(active, 1)
        self.kpis = {
            "day": self.day, "active_customers": active, "mrr": tally["mrr"] / 100.0,
            "expansion_mrr": t.expansion_mrr / 100.0, "contraction_mrr": t.contraction_mrr / 100.0,
            "churned_mrr": t.churned_mrr / 100.0, "expansions": t.expansions,
            "contractions": t.contractions, "churned_customers": t.churned_customers,
            "adoptions": t.adoptions, "adopted_share": sum(self.adopted_peers) * per,
            "mean_usage_depth": tally["usage_depth"] * per,
            "mean_seat_utilization": tally["seat_utilization"] * per,
            "over_seat_limit": tally["over_seat_limit"],
        }
        self.kpis.update({f"milestone_{k}": v for k, v in t.milestones.items()})
        self.kpis.update({f"fatigue_{ch}": tally["fatigue"][i] * per
                          for i, ch in enumerate(CHANNELS)})
        self.daily_rows.append(self.kpis)

    def run(self, days: int) -> None:
        """Advance ``days`` days."""
        for _ in range(days):
            self.step()
