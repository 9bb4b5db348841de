"""Schema of the journey language (config group ``journey``), the offer catalog (``catalog``)
and governance (``policy``). Graph checks (targets, reachability, loops) live in
``journeysim.journeys.spec``; here are the keys, their types, defaults and ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from journeysim.config.distribution import Distribution
from journeysim.config.fields import probability, spec

STEP_TYPES: tuple[str, ...] = ("send", "wait", "wait_until", "branch", "handoff", "exit")


@dataclass
class BranchConfig:
    """One arm of a branch step: customers for whom ``condition`` holds go to ``next``."""

    condition: str = spec("", help="condition over customer attributes")
    next: str = spec("", help="step to go to")


@dataclass
class StepConfig:
    """A journey step; which keys apply depends on ``type`` (docs/journeys.md).

    Every key defaults to unset, so that a variant can override just the keys it changes.
    """

    type: Literal["send", "wait", "wait_until", "branch", "handoff", "exit"] | None = spec(
        None, help="what the step does")
    next: str | None = spec(None, help="step that follows (all types but branch and exit)")
    channel: Literal["email", "in_app", "sms", "push"] | None = spec(
        None, help="send: the channel")
    content: Literal["education", "offer"] | None = spec(None, help="send: what it carries")
    offer: str | None = spec(None, help="send with content offer: an offer of the catalog")
    days: int | None = spec(None, lo=1, help="wait: days to wait")
    condition: str | None = spec(None, help="wait_until: the condition waited for")
    timeout_days: int | None = spec(None, lo=1, help="wait_until: days before giving up")
    on_timeout: str | None = spec(None, help="wait_until: step after a timeout")
    branches: list[BranchConfig] | None = spec(None, help="branch: ordered conditions")
    otherwise: str | None = spec(None, help="branch: step when no branch condition holds")
    team: Literal["sales", "success"] | None = spec(None, help="handoff: the receiving team")


@dataclass
class EntryConfig:
    """Who enters the journey, when, and whether they may come back."""

    signal: str | None = spec(None, help="milestone signal that triggers entry (optional)")
    when: str = spec("true", help="condition that must hold (the trigger if no signal)")
    eligibility: str = spec("true", help="condition checked at entry")
    reentry: Literal["never", "after_days", "on_transition"] = spec(
        "never", help="whether a customer who left may enter again")
    reentry_days: int = spec(0, lo=0, help="after_days: days after the exit")


@dataclass
class ExitConfig:
    """Exit criteria, checked every day for every customer in the journey."""

    on_conversion: bool = spec(True, help="leave after converting to one of its offers")
    on_unsubscribe: bool = spec(True, help="leave after unsubscribing from a channel it uses")
    when: str = spec("false", help="leave when this condition holds")


@dataclass
class VariantConfig:
    """An experiment arm: a weight and step overrides merged into the journey's steps."""

    weight: float = spec(1.0, lo=0.0, lo_open=True, help="relative weight among variants")
    steps: dict[str, StepConfig] = field(default_factory=dict)


@dataclass
class ArmsConfig:
    """Experiment arms: variants with weights, and a holdout that enters but is never messaged."""

    holdout: float = probability(0.0, "share of entrants held out from every message")
    variants: dict[str, VariantConfig] = field(default_factory=dict)


@dataclass
class JourneyConfig:
    """One journey: entry, steps, exit criteria, priority and experiment arms."""

    description: str = spec("", help="what the journey is for")
    priority: int = spec(0, help="higher wins when journeys want the same customer the same day")
    start: str = spec("", help="first step (default: the first step written)")
    entry: EntryConfig = field(default_factory=EntryConfig)
    steps: dict[str, StepConfig] = field(default_factory=dict)
    exit: ExitConfig = field(default_factory=ExitConfig)
    arms: ArmsConfig = field(default_factory=ArmsConfig)


@dataclass
class OfferConfig:
    """An offer of the catalog: what converting changes, its discount and who may get it."""

    kind: Literal["upsell", "seat_pack", "addon", "annual_switch", "bundle"] = spec(
        "upsell", help="what the offer sells")
    seats: int = spec(0, lo=0, help="seat_pack: seats added (at least)")
    cover_demand: bool = spec(False, help="seat_pack: add enough seats for demand plus headroom")
    addon_mrr: float = spec(0.0, lo=0.0, help="addon: monthly price of the module")
    includes: list[str] = field(default_factory=list)
    discount: float = spec(0.0, lo=0.0, hi=1.0, hi_open=True,
                           help="share of the new MRR given off while the discount runs")
    discount_months: int = spec(0, lo=0, help="months of discount (0: for good)")
    eligibility: str = spec("true", help="condition a customer must meet to be offered it")
    appeal: float = spec(0.0, help="offer-specific term added to the conversion logit")


@dataclass
class CatalogConfig:
    """The offers journeys can make."""

    offers: dict[str, OfferConfig] = field(default_factory=dict)


@dataclass
class CapRule:
    """At most ``max_sends`` sends on ``channel`` (or ``any``) per ``days`` days."""

    channel: Literal["email", "in_app", "sms", "push", "any"] = spec("any", help="capped channel")
    max_sends: int = spec(1, lo=0, help="sends allowed per window")
    days: int = spec(7, lo=1, help="window length in days")
    window: Literal["rolling", "calendar"] = spec(
        "rolling",
        help="rolling: any run of `days` days; calendar: blocks from day 1 (weeks from Monday)")


@dataclass
class QuietDays:
    """Weekdays (mon ... sun) on which a channel sends nothing."""

    email: list[str] = field(default_factory=list)
    in_app: list[str] = field(default_factory=list)
    sms: list[str] = field(default_factory=list)
    push: list[str] = field(default_factory=list)


@dataclass
class PolicyConfig:
    """Governance applied to every send of every journey."""

    name: str = spec("custom", help="name of the preset, for reports")
    caps: list[CapRule] = field(default_factory=list)
    exempt_channels: list[str] = field(default_factory=list)
    on_capped: Literal["skip", "defer", "exit"] = spec(
        "skip", help="what a capped send does: skip and advance, retry later, or leave")
    on_quiet_day: Literal["defer", "skip"] = spec(
        "defer", help="what a send on a quiet day does: wait for the next allowed day, or skip")
    defer_max_days: int = spec(7, lo=1, help="defer: days to keep retrying before skipping")
    quiet_days: QuietDays = field(default_factory=QuietDays)
    suppress_after_purchase_days: int = spec(14, lo=0, help="no sends this long after a purchase")
    cooldown_after_downgrade_days: int = spec(30, lo=0,
                                              help="no sends this long after a contraction")
    global_control: float = probability(0.0, "share of customers no journey ever messages")
    pause_while_ticket_open: bool = spec(True, help="no sends while a support ticket is open")
    cooldown_after_bad_support_days: int = spec(
        30, lo=0, help="no sends this long after a ticket was resolved badly")


@dataclass
class ContactOutcome:
    """What a team contact achieves: a conversion to ``offer`` with a probability that is
    higher for large accounts and halves every ``cooling_half_life_days`` the account waited."""

    offer: str | None = spec(None, help="catalog offer a successful contact sells (none: no sale)")
    conversion: float = probability(0.3, "probability a contact converts an account at once")
    large_account_seats: int = spec(50, lo=1, help="seats from which an account counts as large")
    large_account_conversion: float = probability(0.45, "the same for a large account")
    cooling_half_life_days: float = spec(14.0, lo=0.0, lo_open=True,
                                         help="days of waiting that halve the conversion")


@dataclass
class TeamBase:
    """What every finite team has: reps, their working days and how long a task takes."""

    headcount: int = spec(3, lo=1, help="reps working in parallel")
    discipline: Literal["fifo", "value"] = spec(
        "fifo", help="queue order: first come first served, or highest account MRR first")
    working_days: list[str] = field(default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"])
    service_days: Distribution = field(
        default_factory=lambda: Distribution("lognormal", {"median": 0.5, "sigma": 0.5}))


@dataclass
class TeamConfig(TeamBase):
    """A sales or success team: its contacts can sell an offer."""

    outcome: ContactOutcome = field(default_factory=ContactOutcome)


@dataclass
class TicketResolution:
    """How well a ticket is resolved: badly with probability 1 - (1 - bad) * 2^(-wait / h)."""

    bad: float = probability(0.1, "probability a ticket taken at once is resolved badly")
    bad_half_life_days: float = spec(7.0, lo=0.0, lo_open=True,
                                     help="days of waiting that halve the chance of a good "
                                          "resolution")


@dataclass
class SupportTeamConfig(TeamBase):
    """The support team: it resolves the tickets customers file, well or badly."""

    resolution: TicketResolution = field(default_factory=TicketResolution)


@dataclass
class TeamsConfig:
    """The teams journeys hand customers to."""

    sales: TeamConfig = field(default_factory=TeamConfig)
    success: TeamConfig = field(default_factory=TeamConfig)
    support: SupportTeamConfig = field(default_factory=SupportTeamConfig)
