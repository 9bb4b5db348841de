"""The typed configuration schema (structured configs as dataclasses).

Every key a user can write lives here, with its default, its allowed range and a short help
text. ``journeysim.config.load`` turns a composed Hydra config into these dataclasses and
reports the first problem with the key, the source file and the fix. ``docs/configuration.md``
documents the same keys; ``tests/test_docs.py`` keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from journeysim.config.distribution import Distribution
from journeysim.config.fields import probability, spec, unit_interval
from journeysim.config.journey_schema import (
    CatalogConfig,
    JourneyConfig,
    PolicyConfig,
    TeamsConfig,
)


@dataclass
class BetaParams:
    """Shape parameters of a Beta distribution (both > 0)."""

    a: float = spec(1.0, lo=0.0, lo_open=True, help="Beta shape a (> 0)", required=True)
    b: float = spec(1.0, lo=0.0, lo_open=True, help="Beta shape b (> 0)", required=True)


@dataclass
class ChurnBeta:
    """Per-billing-period churn propensity distributions, by contract type (sBG model)."""

    monthly: BetaParams = field(default_factory=lambda: BetaParams(0.5, 15.0))
    annual: BetaParams = field(default_factory=lambda: BetaParams(1.0, 9.0))


@dataclass
class ChannelShares:
    """One probability per channel (consent shares)."""

    email: float = probability(0.95, "share of customers consenting to email")
    in_app: float = probability(1.0, "share of customers reachable in the app")
    sms: float = probability(0.2, "share of customers consenting to SMS")
    push: float = probability(0.4, "share of customers consenting to push")


@dataclass
class ChannelHalfLives:
    """Fatigue half-life in days, per channel."""

    email: float = spec(7.0, lo=0.0, lo_open=True, help="email fatigue half-life (days)")
    in_app: float = spec(3.0, lo=0.0, lo_open=True, help="in-app fatigue half-life (days)")
    sms: float = spec(14.0, lo=0.0, lo_open=True, help="SMS fatigue half-life (days)")
    push: float = spec(5.0, lo=0.0, lo_open=True, help="push fatigue half-life (days)")


@dataclass
class PlanConfig:
    """A price tier. Plans are ordered cheapest first as written; upgrades move one tier up."""

    price_per_seat: float = spec(10.0, lo=0.0, lo_open=True, help="monthly price per seat")


@dataclass
class SegmentConfig:
    """A customer segment: its share of the base and the distributions of its traits."""

    share: float = probability(1.0, "share of the population in this segment")
    plan_mix: dict[str, float] = field(default_factory=dict)
    seats: Distribution = field(default_factory=Distribution)
    utilization: Distribution = field(default_factory=Distribution)
    tenure_days: Distribution = field(default_factory=Distribution)
    usage_speed: Distribution = field(default_factory=Distribution)
    team_growth: Distribution = field(default_factory=Distribution)
    annual_share: float = probability(0.2, "share of customers on annual contracts")
    adopted_share: float = probability(0.0, "share that already uses the feature at day 0")
    consent: ChannelShares = field(default_factory=ChannelShares)
    churn: ChurnBeta = field(default_factory=ChurnBeta)
    support_tickets_per_month: float = spec(
        0.1, lo=0.0, help="support tickets an account files per month at usage depth 0.5")


@dataclass
class UsageConfig:
    """Logistic usage depth."""

    initial_depth: float = unit_interval(0.05, "usage depth at signup")


@dataclass
class AdoptionConfig:
    """Bass diffusion of one feature inside the customer base."""

    feature: str = spec("team_governance", help="name of the feature that diffuses")
    p: float = spec(0.03, lo=0.0, hi=1.0, lo_open=True,
                    help="innovation coefficient per period")
    q: float = spec(0.38, lo=0.0, help="imitation coefficient per period")
    period_days: float = spec(91.0, lo=0.0, lo_open=True, help="days in one Bass period")
    scope: Literal["segment", "base"] = spec(
        "segment", help="peers counted in F: the customer's segment or the whole base")


@dataclass
class FatigueConfig:
    """Message fatigue stocks."""

    half_life_days: ChannelHalfLives = field(default_factory=ChannelHalfLives)


@dataclass
class ChurnModifiers:
    """Log-multipliers of the churn propensity; 0 is neutral."""

    fatigue: float = spec(0.0, lo=0.0, help="per unit of total fatigue stock")
    low_value: float = spec(0.0, lo=0.0, help="per unit of unrealised value (1 - usage depth)")
    support: float = spec(0.0, lo=0.0, help="while a ticket is open or was resolved badly "
                                            "within support.memory_days")


@dataclass
class SupportConfig:
    """Support tickets customers file (rates per segment: ``support_tickets_per_month``)."""

    usage_effect: float = spec(1.0, help="log-multiplier of the ticket rate per unit of usage "
                                         "depth above 0.5")
    memory_days: int = spec(90, lo=0, help="days a badly resolved ticket keeps raising churn")


@dataclass
class OrganicConfig:
    """Expansion and contraction that happen without any marketing."""

    expansion_per_month: float = spec(
        0.06, lo=0.0, help="monthly expansion rate at utilisation 1, depth 0.5, not adopted")
    utilization_effect: float = spec(2.5, lo=0.0, help="log-rate per unit of seat utilisation")
    utilization_cap: float = spec(1.25, lo=1.0,
                                  help="utilisation beyond which the need to expand stops rising")
    depth_effect: float = spec(1.5, lo=0.0, help="log-rate per unit of usage depth")
    adoption_effect: float = spec(0.5, lo=0.0, help="log-rate added once the feature is adopted")
    seat_trigger: float = spec(0.9, lo=0.0, lo_open=True,
                               help="utilisation at which an expansion buys seats, not a tier")
    seat_headroom: float = spec(0.2, lo=0.0, help="extra share of seats bought over demand")
    contraction_per_month: float = spec(
        0.003, lo=0.0, help="monthly contraction rate at depth 0.5 with no idle seats")
    idle_seat_effect: float = spec(1.5, lo=0.0, help="log-rate per unit of idle-seat share")
    low_depth_effect: float = spec(2.0, lo=0.0, help="log-rate per unit of depth below 0.5")


@dataclass
class MilestoneConfig:
    """Thresholds at which milestone signals fire (each fires once per crossing)."""

    activation_depth: float = unit_interval(0.2, "usage depth that counts as activated")
    first_value_depth: float = unit_interval(0.5, "usage depth that counts as first value")
    limit_approaching: float = spec(0.8, lo=0.0, lo_open=True,
                                    help="seat utilisation that signals an approaching limit")
    limit_reached: float = spec(1.0, lo=0.0, lo_open=True,
                                help="seat utilisation that signals the limit is reached")
    renewal_window_days: int = spec(60, lo=0, hi=364,
                                    help="days before an annual renewal that open its window")


@dataclass
class ChannelResponse:
    """How customers respond to one message on a channel, at zero fatigue."""

    delivery: float = probability(0.98, "probability a send is delivered")
    attention: float = probability(0.22, "probability a delivered message is opened or viewed")
    click: float = probability(0.12, "probability an opened message is clicked")
    unsubscribe: float = probability(0.0025, "probability a delivered message unsubscribes")
    fatigue_weight: float = spec(1.0, lo=0.0, help="fatigue stock added per delivered message")


@dataclass
class ChannelResponses:
    """Response parameters per channel."""

    email: ChannelResponse = field(default_factory=ChannelResponse)
    in_app: ChannelResponse = field(
        default_factory=lambda: ChannelResponse(0.90, 0.60, 0.15, 0.001, 0.5))
    sms: ChannelResponse = field(
        default_factory=lambda: ChannelResponse(0.97, 0.90, 0.08, 0.01, 2.0))
    push: ChannelResponse = field(
        default_factory=lambda: ChannelResponse(0.90, 0.06, 0.60, 0.005, 1.0))


@dataclass
class OfferResponse:
    """Logit of converting to an offer, for a customer who clicked it."""

    intercept: float = spec(-0.5, help="logit at neutral need, readiness and price")
    need_effect: float = spec(2.0, lo=0.0, help="per unit of need (seat pressure for seats)")
    readiness_effect: float = spec(2.0, lo=0.0, help="per unit of usage depth above 0.5")
    price_effect: float = spec(1.5, lo=0.0, help="per unit of relative MRR increase")
    fatigue_effect: float = spec(0.2, lo=0.0, help="per unit of total fatigue stock")
    pressure_effect: float = spec(0.5, lo=0.0, help="per unit of recent offer pressure")
    pressure_half_life_days: float = spec(30.0, lo=0.0, lo_open=True,
                                          help="half-life of offer pressure (offers delivered)")


@dataclass
class EducationResponse:
    """What an opened education message does."""

    usage_boost: float = spec(1.0, lo=0.0, help="usage speed multiplied by 1 + boost")
    boost_days: int = spec(14, lo=0, help="days the usage boost lasts")
    adoption_probability: float = probability(
        0.1, "probability a click on education makes the customer adopt the feature")


@dataclass
class ResponseConfig:
    """Customer response to messages: channels, fatigue effects, offers and education."""

    channels: ChannelResponses = field(default_factory=ChannelResponses)
    attention_fatigue: float = spec(0.15, lo=0.0,
                                    help="attention multiplied by exp(-x * channel fatigue)")
    unsubscribe_fatigue: float = spec(0.3, lo=0.0,
                                      help="unsubscribe multiplied by exp(x * channel fatigue)")
    offer: OfferResponse = field(default_factory=OfferResponse)
    education: EducationResponse = field(default_factory=EducationResponse)


@dataclass
class PopulationConfig:
    """The customer base and how it behaves."""

    size: int = spec(10_000, lo=1, help="number of customers")
    plans: dict[str, PlanConfig] = field(default_factory=dict)
    segments: dict[str, SegmentConfig] = field(default_factory=dict)
    usage: UsageConfig = field(default_factory=UsageConfig)
    adoption: AdoptionConfig = field(default_factory=AdoptionConfig)
    fatigue: FatigueConfig = field(default_factory=FatigueConfig)
    churn_modifiers: ChurnModifiers = field(default_factory=ChurnModifiers)
    support: SupportConfig = field(default_factory=SupportConfig)
    organic: OrganicConfig = field(default_factory=OrganicConfig)
    milestones: MilestoneConfig = field(default_factory=MilestoneConfig)
    response: ResponseConfig = field(default_factory=ResponseConfig)


@dataclass
class OutputConfig:
    """What a run writes besides summary.json and daily.parquet."""

    events: bool = spec(True, help="write events.parquet")
    customers: bool = spec(True, help="write customers.parquet")
    uplift: bool = spec(True, help="write uplift.parquet (per-customer true effects)")


@dataclass
class CounterfactualConfig:
    """The twin run with the same customers and luck, with journeys switched off."""

    enabled: bool = spec(True, help="run the counterfactual and report true effects")
    switch_off: list[str] = field(default_factory=list)


@dataclass
class SimConfig:
    """The whole run."""

    seed: int = spec(42, lo=0, help="master seed of every random stream")
    horizon_days: int = spec(365, lo=1, help="number of simulated days")
    progress: Literal["auto", "on", "off"] = spec(
        "auto", help="progress bar: auto shows it on a terminal for long runs")
    start_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = spec(
        "mon", help="weekday of day 1 (quiet days and calendar weeks)")
    population: PopulationConfig = field(default_factory=PopulationConfig)
    journey: dict[str, JourneyConfig] = field(default_factory=dict)
    catalog: CatalogConfig = field(default_factory=CatalogConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    team: TeamsConfig = field(default_factory=TeamsConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    counterfactual: CounterfactualConfig = field(default_factory=CounterfactualConfig)
