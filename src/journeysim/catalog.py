"""The offer catalog: what converting to an offer changes, at what price, and for whom.

An offer is quoted first (the subscription a customer would have after converting, and its
MRR), which the conversion model prices in, then applied. Kinds: ``upsell`` (one plan up),
``seat_pack`` (seats added, optionally up to demand plus headroom), ``addon`` (a module's
monthly price added), ``annual_switch`` (monthly contract to annual: the renewal clock and
churn propensity change in the model's ``switch_to_annual``), ``bundle`` (several of these at
once). A discount takes a share of the new MRR off for some months (or for good); when it ends
the MRR steps back up, which counts as expansion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from journeysim.config.journey_schema import CatalogConfig
from journeysim.config.load import ConfigError, suggest
from journeysim.journeys.conditions import Attribute, Condition
from journeysim.journeys.spec import compile_or_fail
from journeysim.population.state import ANNUAL, MONTHLY, NEVER, Customers


@dataclass(frozen=True)
class Offer:
    """A checked offer."""

    name: str
    kind: str
    seats: int
    cover_demand: bool
    addon_cents: int
    parts: tuple[str, ...]     # kinds applied (a bundle's included kinds, else its own)
    discount: float
    discount_days: int         # 0: for good
    eligibility: Condition
    appeal: float


@dataclass
class Quote:
    """The subscription customers ``idx`` would have after converting, and its MRR."""

    idx: np.ndarray
    plan: np.ndarray
    seats: np.ndarray
    addon_cents: np.ndarray
    annual: np.ndarray
    discount: np.ndarray
    mrr: np.ndarray


def compile_catalog(cfg: CatalogConfig, attributes: Mapping[str, Attribute]) -> dict[str, Offer]:
    """Check every offer; raise ``ConfigError`` naming ``catalog.offers.<name>`` on a mistake."""
    offers = {}
    for name, o in cfg.offers.items():
        key = f"catalog.offers.{name}"
        if o.kind == "bundle":
            if not o.includes:
                raise ConfigError(f"{key}.includes", "a bundle includes nothing",
                                  "list the offers it bundles, e.g. [plan_upgrade, analytics]")
            for part in o.includes:
                if part not in cfg.offers or cfg.offers[part].kind == "bundle":
                    raise ConfigError(f"{key}.includes", f"'{part}' is not a non-bundle offer",
                                      suggest(part, [n for n, x in cfg.offers.items()
                                                     if x.kind != "bundle"]))
            for own in ("seats", "addon_mrr", "cover_demand"):
                if getattr(o, own):
                    raise ConfigError(f"{key}.{own}", f"a bundle takes {own} from its offers",
                                      f"remove {own} here and set it on the included offer")
        elif o.includes:
            raise ConfigError(f"{key}.includes", f"only a bundle includes offers, not {o.kind}",
                              "remove includes, or make the offer kind: bundle")
        parts = tuple(cfg.offers[p] for p in o.includes) if o.kind == "bundle" else (o,)
        if any(p.kind == "seat_pack" and p.seats == 0 and not p.cover_demand for p in parts):
            raise ConfigError(f"{key}.seats", "a seat pack that adds no seats",
                              "set seats to 1 or more, or cover_demand: true")
        if any(p.kind == "addon" and p.addon_mrr <= 0 for p in parts):
            raise ConfigError(f"{key}.addon_mrr", "an add-on without a price",
                              "set addon_mrr to the module's monthly price")
        offers[name] = Offer(
            name=name, kind=o.kind, seats=sum(p.seats for p in parts),
            cover_demand=any(p.cover_demand for p in parts),
            addon_cents=round(sum(p.addon_mrr for p in parts) * 100),
            parts=tuple(p.kind for p in parts), discount=o.discount,
            discount_days=30 * o.discount_months,
            eligibility=compile_or_fail(o.eligibility, attributes, f"{key}.eligibility"),
            appeal=o.appeal)
    return offers


def applicable(offer: Offer, c: Customers, idx: np.ndarray, top_plan: int) -> np.ndarray:
    """Whether converting would change anything (no upsell at the top plan, no annual
    switch for an annual contract)."""
    ok = c.active[idx].copy()
    if "upsell" in offer.parts:
        ok &= c.plan[idx] < top_plan
    if "annual_switch" in offer.parts:
        ok &= c.contract[idx] == MONTHLY
    return ok


def quote(offer: Offer, c: Customers, idx: np.ndarray, price_cents: np.ndarray,
          headroom: float, top_plan: int) -> Quote:
    """What customers ``idx`` would have after converting to ``offer``."""
    plan = c.plan[idx].copy()
    seats = c.seats[idx].copy()
    addon = c.addon_mrr[idx].copy()
    annual = c.contract[idx] == ANNUAL
    if "upsell" in offer.parts:
        plan = np.minimum(plan + 1, top_plan).astype(np.int8)
    if "seat_pack" in offer.parts:
        seats = seats + offer.seats
        if offer.cover_demand:
            seats = np.maximum(seats, np.ceil(c.seat_demand[idx] * (1.0 + headroom)))
        seats = seats.astype(np.float32)
    addon = addon + offer.addon_cents
    if "annual_switch" in offer.parts:
        annual = np.ones(len(idx), bool)
    list_price = seats.astype(np.int64) * price_cents[plan] + addon
    if offer.discount > 0:
        discount = np.rint(list_price * offer.discount).astype(np.int64)
    else:
        discount = c.discount[idx].copy()
    return Quote(idx, plan, seats, addon, annual, discount, list_price - discount)


def apply(q: Quote, offer: Offer, c: Customers, day: int) -> None:
    """Write quote ``q``'s plan, seats, add-ons and discount into the customers (the caller
    switches contracts and books the MRR change)."""
    idx = q.idx
    c.plan[idx], c.seats[idx], c.addon_mrr[idx] = q.plan, q.seats, q.addon_cents
    if offer.discount > 0:
        c.discount[idx] = q.discount
        c.discount_until[idx] = day + offer.discount_days if offer.discount_days else NEVER
    c.mrr[idx] = q.mrr
