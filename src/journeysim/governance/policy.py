"""Governance over every send of every journey, applied in a fixed order each day.

A send request is refused, with the first reason that applies, for: a customer in the
journey's holdout; in the global control group; without consent on the channel (never given,
or unsubscribed); not eligible for the offer; within the post-purchase suppression; within the
cooldown after a contraction; while a support ticket is open, or within the cooldown after a
ticket was resolved badly; on a quiet day of the channel; when one more send would exceed a
frequency cap. Among what is left, arbitration keeps one message per customer per day, from the
journey of highest priority (ties: the journey listed first), so a capped journey never costs
another journey its slot. What each refusal does to the
customer's journey: quiet days follow ``on_quiet_day``, arbitration and caps ``on_capped``
(skip and advance, defer to the next day up to ``defer_max_days``, or exit), everything else
skips the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from journeysim.channels import CHANNELS
from journeysim.config.journey_schema import PolicyConfig
from journeysim.governance.caps import CapLedger
from journeysim.population.state import Customers

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
REASONS: tuple[str, ...] = ("sent", "holdout", "global_control", "no_consent",
                            "offer_ineligible", "post_purchase", "cooldown", "ticket_open",
                            "bad_support", "quiet_day", "arbitration", "frequency_cap")
"""Outcome of a send request: sent, or the reason it was suppressed."""
SENT = 0
ADVANCE, STAY, LEAVE = 0, 1, 2
"""What a resolved request does to the customer's journey."""


@dataclass
class Requests:
    """Today's send requests from all journeys, one row each."""

    ids: np.ndarray
    journey: np.ndarray
    priority: np.ndarray
    channel: np.ndarray
    holdout: np.ndarray
    offer_ok: np.ndarray
    deferred_days: np.ndarray


class Governance:
    """Applies a ``PolicyConfig`` to the day's requests and keeps the send history."""

    def __init__(self, cfg: PolicyConfig, customers: Customers, control_draws: np.ndarray,
                 first_weekday: int) -> None:
        self.cfg = cfg
        self.in_control = control_draws < cfg.global_control
        self.first_weekday = first_weekday
        self.ledger = CapLedger(cfg.caps, cfg.exempt_channels, customers.size, first_weekday)
        self._quiet = np.array([[WEEKDAYS[d] in getattr(cfg.quiet_days, ch) for d in range(7)]
                                for ch in CHANNELS])

    def weekday(self, day: int) -> int:
        """Weekday index (0 = Monday) of ``day`` (day 1 is the configured first weekday)."""
        return (self.first_weekday + day - 1) % 7

    def resolve(self, r: Requests, c: Customers, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Outcome (``REASONS`` index) and action (ADVANCE/STAY/LEAVE) of every request."""
        cfg = self.cfg
        reason = np.zeros(len(r.ids), np.int8)

        def refuse(mask: np.ndarray, name: str) -> None:
            reason[(reason == SENT) & mask] = REASONS.index(name)

        refuse(r.holdout, "holdout")
        refuse(self.in_control[r.ids], "global_control")
        refuse(~c.consent[r.channel, r.ids], "no_consent")
        refuse(~r.offer_ok, "offer_ineligible")
        refuse(day - c.last_purchase_day[r.ids] < cfg.suppress_after_purchase_days,
               "post_purchase")
        refuse(day - c.last_downgrade_day[r.ids] < cfg.cooldown_after_downgrade_days, "cooldown")
        if cfg.pause_while_ticket_open:
            refuse(c.tickets_open[r.ids] > 0, "ticket_open")
        refuse(day - c.bad_support_day[r.ids] < cfg.cooldown_after_bad_support_days,
               "bad_support")
        refuse(self._quiet[r.channel, self.weekday(day)], "quiet_day")
        open_ = np.flatnonzero(reason == SENT)
        fits = self.ledger.allowed(r.ids[open_], r.channel[open_], day)
        reason[open_[~fits]] = REASONS.index("frequency_cap")

        open_ = open_[fits]
        order = open_[np.lexsort((r.journey[open_], -r.priority[open_], r.ids[open_]))]
        first = np.ones(len(order), bool)
        first[1:] = r.ids[order][1:] != r.ids[order][:-1]
        reason[order[~first]] = REASONS.index("arbitration")
        sent = order[first]
        self.ledger.record(r.ids[sent], r.channel[sent], day)

        action = np.full(len(r.ids), ADVANCE, np.int8)
        capped = np.isin(reason, [REASONS.index("arbitration"), REASONS.index("frequency_cap")])
        quiet = reason == REASONS.index("quiet_day")
        for mask, choice in ((capped, cfg.on_capped), (quiet, cfg.on_quiet_day)):
            if choice == "exit":
                action[mask] = LEAVE
            elif choice == "defer":
                action[mask & (r.deferred_days < cfg.defer_max_days)] = STAY
        return reason, action
