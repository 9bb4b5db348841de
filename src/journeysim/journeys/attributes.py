"""The customer attributes a condition may name, and how to read them for a set of customers.

Every attribute is computed only for the customers a condition is evaluated on (an index
array, or a slice for everyone), so a condition over the few customers at a step costs next to
nothing. Derived numbers are computed straight into the 64-bit types conditions compare in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from journeysim.behavior import fatigue
from journeysim.behavior.milestones import MILESTONES
from journeysim.channels import CHANNELS
from journeysim.journeys.conditions import Attribute
from journeysim.operations.desk import TEAM_NAMES
from journeysim.population.state import CONTRACTS

Reader = Callable[[Any, np.ndarray], np.ndarray]
"""Reads one attribute: ``reader(model, idx) -> values of customers idx``."""


def _bit(bit: int) -> Reader:
    return lambda m, idx: (m.customers.conditions[idx] >> bit) & 1 == 1


def _row(array: str, row: int) -> Reader:
    return lambda m, idx: getattr(m.customers, array)[row, idx]


def _queue(team: str) -> Reader:
    def read(m: Any, idx: np.ndarray) -> np.ndarray:
        waiting = m.desk.queue_length(team)
        size = m.customers.size if isinstance(idx, slice) else len(idx)
        return np.full(size, waiting, np.int64)
    return read


def _days_since(column: str) -> Reader:
    return lambda m, idx: np.subtract(m.day, getattr(m.customers, column)[idx], dtype=np.int64)


def readers(segment_names: list[str], plan_names: list[str]) -> dict[str, tuple[Attribute, Reader]]:
    """Every attribute with its reader, for a population with these segments and plans."""
    table: dict[str, tuple[Attribute, Reader]] = {}

    def add(name: str, kind: str, reader: Reader, doc: str,
            categories: tuple[str, ...] = ()) -> None:
        table[name] = (Attribute(name, kind, categories, doc), reader)

    add("segment", "category", lambda m, i: m.customers.segment[i], "the customer's segment",
        tuple(segment_names))
    add("plan", "category", lambda m, i: m.customers.plan[i], "current plan", tuple(plan_names))
    add("contract", "category", lambda m, i: m.customers.contract[i], "monthly or annual",
        CONTRACTS)
    add("tenure_days", "number",
        lambda m, i: np.add(m.customers.tenure_start[i], m.day, dtype=np.int64),
        "days since the first purchase")
    add("seats", "number", lambda m, i: m.customers.seats[i], "purchased seats (the limit)")
    add("seat_demand", "number", lambda m, i: m.customers.seat_demand[i],
        "people who want a seat")
    add("seat_utilization", "number",
        lambda m, i: np.divide(m.customers.seat_demand[i], m.customers.seats[i],
                               dtype=np.float64),
        "seat demand / seats (above 1 when over the limit)")
    add("usage_depth", "number", lambda m, i: m.customers.usage_depth[i], "usage depth, 0 to 1")
    add("adopted", "bool", lambda m, i: m.customers.adopted[i], "uses the diffusing feature")
    add("mrr", "number", lambda m, i: m.customers.mrr[i] / 100.0, "monthly recurring revenue")
    add("addon_mrr", "number", lambda m, i: m.customers.addon_mrr[i] / 100.0,
        "monthly price of the add-on modules bought")
    add("days_to_renewal", "number",
        lambda m, i: np.subtract(m.customers.renewal_day[i], m.day, dtype=np.int64),
        "days until the next renewal")
    add("days_since_purchase", "number", _days_since("last_purchase_day"),
        "days since the last expansion (very large if none)")
    add("days_since_downgrade", "number", _days_since("last_downgrade_day"),
        "days since the last contraction (very large if none)")
    add("fatigue", "number", lambda m, i: fatigue.total(m.customers.fatigue, i),
        "fatigue stock summed over channels")
    for row, channel in enumerate(CHANNELS):
        add(f"consent_{channel}", "bool", _row("consent", row), f"reachable by {channel}")
        add(f"fatigue_{channel}", "number", _row("fatigue", row), f"{channel} fatigue stock")
    add("tickets_open", "number", lambda m, i: m.customers.tickets_open[i],
        "support tickets filed and not yet resolved")
    add("days_since_bad_support", "number", _days_since("bad_support_day"),
        "days since a ticket was resolved badly (very large if never)")
    for team in TEAM_NAMES:
        add(f"{team}_queue", "number", _queue(team), f"tasks waiting for the {team} team now")
    for bit, milestone in enumerate(MILESTONES):
        add(milestone, "bool", _bit(bit), f"the {milestone} condition holds now")
    return table


class AttributeReader:
    """Reads attributes of a live model for index sets, as conditions ask for them."""

    def __init__(self, model: Any, table: dict[str, tuple[Attribute, Reader]]) -> None:
        self.model = model
        self.table = table

    def lookup(self, idx: np.ndarray) -> Callable[[str], np.ndarray]:
        """A lookup function for the customers ``idx``."""
        return lambda name: self.table[name][1](self.model, idx)
