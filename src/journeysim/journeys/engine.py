"""All journeys of a run, one day at a time: exits, entries, steps, governance, responses.

The day's journey phase (step 6 of the model's day) runs in this order:

1. education boosts that end today end;
2. every journey applies its exit criteria, then admits today's entrants;
3. every journey runs its due customers until they park at a wait or a send;
4. governance decides every send request of every journey together (``governance.policy``);
5. customers respond to what was sent (``behavior.response``): delivery, open, click,
   unsubscribe, education effects, offer conversion;
6. each request's journey moves on (skip or sent: the next step, run the same day; deferred:
   tomorrow; exit), conversions and unsubscribes end journeys per their exit criteria.

Response draws are keyed by (seed, purpose, customer, day) (``rng.keyed_uniforms``), so a
customer's luck does not depend on who else was messaged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from journeysim import catalog
from journeysim.behavior import fatigue, response
from journeysim.behavior.usage import daily_gain
from journeysim.channels import CHANNELS
from journeysim.governance.policy import ADVANCE, LEAVE, REASONS, SENT, STAY, Governance, Requests
from journeysim.journeys.attributes import AttributeReader
from journeysim.journeys.runner import OUTSIDE, JourneyRunner
from journeysim.journeys.spec import CONTENTS, CompiledJourney
from journeysim.population.state import MONTHLY
from journeysim.rng import keyed_uniforms, stream

EDUCATION, OFFER = CONTENTS.index("education"), CONTENTS.index("offer")


@dataclass
class Batch:
    """Send requests of one day, one row each, with where they come from."""

    ids: np.ndarray
    runner: np.ndarray
    step: np.ndarray
    channel: np.ndarray
    content: np.ndarray
    offer: np.ndarray

    def take(self, rows: np.ndarray) -> Batch:
        """The rows ``rows`` of the batch."""
        return Batch(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


class JourneyEngine:
    """Runs the compiled journeys of a model under its governance policy."""

    def __init__(self, model: Any, journeys: list[CompiledJourney],
                 offers: dict[str, catalog.Offer], reader: AttributeReader,
                 first_weekday: int) -> None:
        self.model = model
        c = model.customers
        self.offers = list(offers.values())
        self.offer_names = tuple(offers)
        self.governance = Governance(model.cfg.policy, c,
                                     stream(model.cfg.seed, "global_control").random(c.size),
                                     first_weekday)
        self.desk = model.desk
        self.desk.convert = self.convert_by_team
        self.runners = [
            JourneyRunner(j, i, stream(model.cfg.seed, f"journey:{j.name}").random(c.size),
                          model.events, reader.lookup, self.governance.in_control,
                          self.desk.submit)
            for i, j in enumerate(journeys)]
        self._lookup = reader.lookup
        self._last_boost_end = -1  # no boost runs past this day

    def run_day(self, day: int) -> None:
        """The journey phase of ``day`` (see the module docstring)."""
        c = self.model.customers
        self._end_boosts(day)
        for runner in self.runners:
            runner.check_exits(day)
            runner.admit(day, c.active, self.model.signals)
        batch = self._batch([r.advance(day, None, sends_allowed=True) for r in self.runners])
        if len(batch.ids):
            self._send(batch, day)

    def _send(self, batch: Batch, day: int) -> None:
        """Governance, responses and the journeys' next moves for today's send requests."""
        c = self.model.customers
        reason, action = self.governance.resolve(self._requests(batch, day), c, day)
        self._log_outcomes(batch, reason, day)
        sent = np.flatnonzero(reason == SENT)
        self.model.today.sends += len(sent)
        converted, unsubscribed = self._respond(batch.take(sent), day)
        self._move_on(batch, action, converted, unsubscribed, day)

    def _batch(self, parked: list[np.ndarray]) -> Batch:
        """The parked customers of every journey as one batch, per journey and arm."""
        parts = []
        for runner, ids in zip(self.runners, parked, strict=True):
            t, variant, step = runner.journey.steps, runner.variant[ids], runner.step[ids]
            parts.append(Batch(ids=ids, runner=np.full(len(ids), runner.index), step=step,
                               channel=t.channel[variant, step], content=t.content[variant, step],
                               offer=t.offer[variant, step]))
        if not parts:
            empty = np.zeros(0, np.int64)
            return Batch(empty, empty, empty, empty, empty, empty)
        return Batch(*(np.concatenate([getattr(p, f) for p in parts])
                       for f in Batch.__dataclass_fields__))

    def _requests(self, b: Batch, day: int) -> Requests:
        c = self.model.customers
        offer_ok = np.ones(len(b.ids), bool)
        top_plan = len(self.model.plan_names) - 1
        for o in np.unique(b.offer[b.offer >= 0]):
            rows = np.flatnonzero(b.offer == o)
            ids = b.ids[rows]
            offer = self.offers[o]
            offer_ok[rows] = offer.eligibility(self._lookup(ids), len(ids)) \
                & catalog.applicable(offer, c, ids, top_plan)
        holdout = np.zeros(len(b.ids), bool)
        deferred = np.zeros(len(b.ids), np.int64)
        for runner in self.runners:
            rows = b.runner == runner.index
            holdout[rows] = runner.arm[b.ids[rows]] == runner.holdout_arm
            deferred[rows] = day - runner.since[b.ids[rows]]
        priority = np.array([r.journey.priority for r in self.runners], np.int64)
        return Requests(ids=b.ids, journey=b.runner, priority=priority[b.runner],
                        channel=b.channel, holdout=holdout, offer_ok=offer_ok,
                        deferred_days=deferred)

    def _emit(self, day: int, event: str, b: Batch, rows: np.ndarray,
              per_row: dict[str, Any] | None = None, delta: np.ndarray | None = None) -> None:
        """Log ``event`` for ``rows`` of ``b`` with their journey, step, arm, channel and offer.

        ``per_row`` columns are aligned with ``rows`` (arrays, or ``(labels, codes)``); with
        ``delta`` (MRR change in cents, aligned with ``rows``) the model books the revenue.
        """
        per_row = per_row or {}
        offered = b.offer[rows] >= 0
        for runner in self.runners:
            in_runner = b.runner[rows] == runner.index
            for has_offer in (False, True):
                sel = in_runner & (offered == has_offer)
                if not sel.any():
                    continue
                r = rows[sel]
                columns: dict[str, Any] = {
                    "journey": runner.journey.name,
                    "arm": (runner.arm_labels, runner.arm[b.ids[r]]),
                    "step": (runner.journey.steps.names, b.step[r]),
                    "channel": (CHANNELS, b.channel[r])}
                if has_offer:
                    columns["offer"] = (self.offer_names, b.offer[r])
                for name, values in per_row.items():
                    columns[name] = ((values[0], values[1][sel]) if isinstance(values, tuple)
                                     else values[sel])
                if delta is None:
                    self.model.events.add(day, event, b.ids[r], **columns)
                else:
                    self.model.book(day, event, b.ids[r], delta[sel], **columns)

    def _log_outcomes(self, b: Batch, reason: np.ndarray, day: int) -> None:
        every = np.arange(len(b.ids))
        sent = every[reason == SENT]
        refused = every[reason != SENT]
        self._emit(day, "send", b, sent)
        self._emit(day, "suppressed", b, refused, {"detail": (REASONS, reason[refused])})

    def _respond(self, b: Batch, day: int) -> tuple[tuple[np.ndarray, np.ndarray],
                                                    tuple[np.ndarray, np.ndarray]]:
        """Responses to what was sent; returns who converted (ids, offers) and who
        unsubscribed (ids, channels)."""
        m = self.model
        c, cfg, seed = m.customers, m.cfg.population.response, m.cfg.seed
        ids, ch = b.ids, b.channel
        every = np.arange(len(ids))

        def draw(purpose: str) -> np.ndarray:
            return keyed_uniforms(seed, purpose, ids, day)

        stock = c.fatigue[ch, ids]
        delivered = draw("deliver") < response.delivery_probability(cfg, ch, c.usage_depth[ids])
        opened = delivered & (draw("open") < response.attention_probability(cfg, ch, stock))
        clicked = opened & (draw("click") < response.channel_table(cfg, "click")[ch])
        unsubscribed = delivered & (
            draw("unsubscribe") < response.unsubscribe_probability(cfg, ch, stock))
        c.fatigue[ch[delivered], ids[delivered]] += \
            response.channel_table(cfg, "fatigue_weight")[ch[delivered]].astype(np.float32)
        for event, mask in (("deliver", delivered), ("open", opened), ("click", clicked),
                            ("unsubscribe", unsubscribed)):
            self._emit(day, event, b, every[mask])
        c.consent[ch[unsubscribed], ids[unsubscribed]] = False
        m.today.unsubscribes += int(unsubscribed.sum())

        education = b.content == EDUCATION
        boosted = ids[opened & education]
        edu = cfg.education
        c.usage_gain[boosted] = daily_gain(c.usage_speed[boosted] * (1.0 + edu.usage_boost))
        c.boost_until[boosted] = day + edu.boost_days
        if len(boosted):
            self._last_boost_end = day + edu.boost_days
        adopt = clicked & education & (draw("adopt") < edu.adoption_probability)
        m.mark_adopted(ids[adopt & ~c.adopted[ids]], day, "education")

        offered = delivered & (b.content == OFFER)
        pressure = self._pressure(ids, day)
        converted = self._convert(b, every[clicked & (b.content == OFFER)], pressure, day)
        c.offer_pressure[ids[offered]] = pressure[offered] + 1.0
        c.offer_pressure_day[ids[offered]] = day
        return converted, (ids[unsubscribed], ch[unsubscribed])

    def _pressure(self, ids: np.ndarray, day: int) -> np.ndarray:
        c = self.model.customers
        half_life = self.model.cfg.population.response.offer.pressure_half_life_days
        age = day - c.offer_pressure_day[ids]
        return c.offer_pressure[ids] * 2.0 ** (-age / half_life)

    def _convert(self, b: Batch, rows: np.ndarray, pressure: np.ndarray, day: int) -> np.ndarray:
        """Conversions among offer clickers ``rows`` of ``b``; returns (ids, offers)."""
        m = self.model
        c, cfg = m.customers, m.cfg.population
        booked: dict[str, list[np.ndarray]] = {k: [] for k in (
            "rows", "plan_before", "plan_after", "seats_before", "seats_after", "delta")}
        for o in np.unique(b.offer[rows]):
            mine = rows[b.offer[rows] == o]
            ids, offer = b.ids[mine], self.offers[o]
            q = catalog.quote(offer, c, ids, m.price_cents, cfg.organic.seat_headroom,
                              len(m.plan_names) - 1)
            mrr = np.maximum(c.mrr[ids], 1)
            need = (response.seat_need(c.seat_demand[ids] / c.seats[ids])
                    if "seat_pack" in offer.parts else np.zeros(len(ids)))
            p = response.conversion_probability(
                cfg.response.offer, offer.appeal, need, c.usage_depth[ids], (q.mrr - mrr) / mrr,
                fatigue.total(c.fatigue, ids), pressure[mine])
            yes = keyed_uniforms(m.cfg.seed, "convert", ids, day) < p
            q = catalog.Quote(*(getattr(q, f)[yes] for f in q.__dataclass_fields__))
            booked["rows"].append(mine[yes])
            booked["plan_before"].append(c.plan[q.idx].copy())
            booked["seats_before"].append(c.seats[q.idx].copy())
            booked["delta"].append(q.mrr - c.mrr[q.idx])
            booked["plan_after"].append(q.plan)
            booked["seats_after"].append(q.seats)
            switching = q.idx[q.annual & (c.contract[q.idx] == MONTHLY)]
            catalog.apply(q, offer, c, day)
            if offer.discount > 0 and offer.discount_days:
                m.last_discount_end = max(m.last_discount_end, day + offer.discount_days)
            m.switch_to_annual(switching, day)
            c.last_purchase_day[q.idx] = day
        if not booked["rows"]:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        done = {k: np.concatenate(v) for k, v in booked.items()}
        kinds = [offer.kind for offer in self.offers]
        self._emit(day, "convert", b, done["rows"], {
            "detail": (kinds, b.offer[done["rows"]]),
            "plan_before": (m.plan_names, done["plan_before"]),
            "plan_after": (m.plan_names, done["plan_after"]),
            "seats_before": done["seats_before"], "seats_after": done["seats_after"]},
            delta=done["delta"])
        return b.ids[done["rows"]], b.offer[done["rows"]]

    def _move_on(self, b: Batch, action: np.ndarray, converted: tuple[np.ndarray, np.ndarray],
                 unsubscribed: tuple[np.ndarray, np.ndarray], day: int) -> None:
        """Apply each request's action; conversions and unsubscribes end the journeys whose
        exit criteria ask for it (a conversion to one of the journey's offers, an unsubscribe
        from one of its channels), whether or not they sent today's message."""
        for runner in self.runners:
            j = runner.journey
            if j.exit_on_conversion:
                ids, offers = converted
                runner.leave(ids[np.isin(offers, list(j.offers))], day, "converted")
            if j.exit_on_unsubscribe:
                ids, channels = unsubscribed
                runner.leave(ids[np.isin(channels, list(j.channels))], day, "unsubscribed")
            rows = np.flatnonzero(b.runner == runner.index)
            ids, act = b.ids[rows], action[rows]
            gone = runner.step[ids] == OUTSIDE
            runner.leave(ids[~gone & (act == LEAVE)], day, "capped")
            runner.wake_at(ids[~gone & (act == STAY)], day + 1)
            onward = ids[~gone & (act == ADVANCE)]
            runner.move(onward, runner.next_step(onward), day)
            runner.advance(day, onward, sends_allowed=False)

    def convert_by_team(self, team: str, offer: catalog.Offer, ids: np.ndarray,
                        credits: list[Any], day: int) -> None:
        """Book the conversions ``ids`` won by a team contact, credited to their journeys."""
        m = self.model
        c = m.customers
        q = catalog.quote(offer, c, ids, m.price_cents, m.cfg.population.organic.seat_headroom,
                          len(m.plan_names) - 1)
        plan_before, seats_before = c.plan[ids].copy(), c.seats[ids].copy()
        delta = q.mrr - c.mrr[ids]
        switching = ids[q.annual & (c.contract[ids] == MONTHLY)]
        catalog.apply(q, offer, c, day)
        m.switch_to_annual(switching, day)
        c.last_purchase_day[ids] = day
        source = np.array([credit.runner for credit in credits])
        for runner in self.runners:
            rows = np.flatnonzero(source == runner.index)
            if not len(rows):
                continue
            who = ids[rows]
            m.book(day, "convert", who, delta[rows], journey=runner.journey.name,
                   arm=(runner.arm_labels, np.array([credits[i].arm for i in rows])),
                   step=(runner.journey.steps.names, np.array([credits[i].step for i in rows])),
                   offer=offer.name, team=team,
                   plan_before=(m.plan_names, plan_before[rows]),
                   plan_after=(m.plan_names, q.plan[rows]),
                   seats_before=seats_before[rows], seats_after=q.seats[rows])

    def leave_all(self, ids: np.ndarray, day: int, reason: str) -> None:
        """Take ``ids`` out of every journey they are in."""
        for runner in self.runners:
            runner.leave(ids, day, reason)

    def _end_boosts(self, day: int) -> None:
        if day > self._last_boost_end:
            return
        c = self.model.customers
        ending = np.flatnonzero(c.boost_until == day)
        ending = ending[c.active[ending]]
        c.usage_gain[ending] = daily_gain(c.usage_speed[ending])
        c.boost_until[ending] = -1
