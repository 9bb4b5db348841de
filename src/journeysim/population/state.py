"""Customer state as columns of numpy arrays: one row per customer, one array per attribute.

Money is held in integer cents so that revenue accounting balances exactly. Seat counts are
whole numbers held as float32, so that utilisation and growth are single float32 passes.
Per-channel quantities are 2-D arrays of shape ``(len(CHANNELS), n)``: one row per channel.
Processes that evolve with time have a per-customer rate that is zeroed (or set to 1 for a
multiplicative one) when the customer churns, which freezes the customer without masking.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

MONTHLY, ANNUAL = 0, 1
CONTRACTS: tuple[str, ...] = ("monthly", "annual")
PERIOD_DAYS = np.array([30, 365], dtype=np.int32)
"""Billing period in days by contract code: a 'month' is 30 days in the model."""
NEVER = np.iinfo(np.int32).max
"""``renewal_day`` of a customer who will not renew (churned), and a discount without end."""
LONG_AGO = -1_000_000
"""Day of a purchase or contraction that never happened (far enough back for any window,
close enough to zero that day arithmetic cannot overflow)."""


@dataclass
class Customers:
    """All customers of one run. Profile columns are fixed at generation; state columns evolve."""

    # profile
    segment: np.ndarray            # int8 index into segment_names
    contract: np.ndarray           # int8, MONTHLY or ANNUAL
    consent: np.ndarray            # bool (channels, n)
    churn_propensity: np.ndarray   # float64 theta_i per billing period (sBG)
    usage_speed: np.ndarray        # float32 k_i, logistic rate per day
    team_growth: np.ndarray        # float32 g_i, annual growth rate of seat demand
    tenure_start: np.ndarray       # int32 days since purchase at day 0
    plan_start: np.ndarray         # int8
    seats_start: np.ndarray        # float32 whole number
    mrr_start: np.ndarray          # int64 cents
    # state
    plan: np.ndarray               # int8 index into plan_names
    seats: np.ndarray              # float32 whole number of purchased seats (the seat limit)
    seat_demand: np.ndarray        # float32 whole number of people who want a seat
    mrr: np.ndarray                # int64 cents
    usage_depth: np.ndarray        # float32 u_i in (0, 1)
    usage_gain: np.ndarray         # float32 daily odds factor exp(k_i); 1 once churned
    hiring_rate: np.ndarray        # float32 daily growth rate of seat demand; 0 once churned
    adopted: np.ndarray            # bool, uses the diffusing feature
    active: np.ndarray             # bool, not churned
    churn_day: np.ndarray          # int32, -1 while active
    renewal_day: np.ndarray        # int32 day of the next renewal; NEVER once churned
    fatigue: np.ndarray            # float32 (channels, n)
    conditions: np.ndarray         # uint8 bitmask of milestone conditions currently true
    addon_mrr: np.ndarray          # int64 cents of add-on modules
    discount: np.ndarray           # int64 cents given off the list MRR while a discount runs
    discount_until: np.ndarray     # int32 day the discount ends; NEVER if none or for good
    last_purchase_day: np.ndarray  # int32 day of the last expansion; LONG_AGO if none
    last_downgrade_day: np.ndarray  # int32 day of the last contraction; LONG_AGO if none
    boost_until: np.ndarray        # int32 day an education boost of usage speed ends; -1 if none
    offer_pressure: np.ndarray     # float32 decayed count of offers delivered, as of ...
    offer_pressure_day: np.ndarray  # int32 ... this day (decay is applied when read)
    tickets_open: np.ndarray       # int16 support tickets filed and not yet resolved
    bad_support_day: np.ndarray    # int32 day a ticket was last resolved badly; LONG_AGO if none

    def __post_init__(self) -> None:
        n = len(self.segment)
        for f in fields(self):
            column = getattr(self, f.name)
            assert column.shape[-1] == n, f"column {f.name} has {column.shape[-1]} rows, not {n}"

    @property
    def size(self) -> int:
        """Number of customers, churned ones included."""
        return len(self.segment)


def list_mrr(customers: Customers, idx: np.ndarray, price_cents: np.ndarray) -> np.ndarray:
    """MRR before discount of customers ``idx``: seats times the plan's price, plus add-ons."""
    seats = customers.seats[idx].astype(np.int64)  # whole numbers
    return seats * price_cents[customers.plan[idx]] + customers.addon_mrr[idx]


def reprice(customers: Customers, idx: np.ndarray, price_cents: np.ndarray) -> np.ndarray:
    """Recompute the MRR of ``idx`` from their subscription; return each one's change in cents.

    MRR = seats x price of the plan + add-ons - running discount.
    """
    new_mrr = list_mrr(customers, idx, price_cents) - customers.discount[idx]
    delta = new_mrr - customers.mrr[idx]
    customers.mrr[idx] = new_mrr
    return delta


def change_subscription(customers: Customers, idx: np.ndarray, plan: np.ndarray,
                        seats: np.ndarray, price_cents: np.ndarray) -> np.ndarray:
    """Move customers ``idx`` to ``plan`` and ``seats``; return each one's MRR change in cents."""
    customers.plan[idx] = plan
    customers.seats[idx] = seats
    return reprice(customers, idx, price_cents)
