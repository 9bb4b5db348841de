"""Compile everything a run's journeys need, before the run: offers, journeys and policy checks."""

from __future__ import annotations

from dataclasses import dataclass

from journeysim import catalog
from journeysim.behavior.milestones import MILESTONES
from journeysim.channels import CHANNELS
from journeysim.config.journey_schema import TeamConfig
from journeysim.config.load import ConfigError, suggest
from journeysim.config.schema import SimConfig
from journeysim.governance.policy import WEEKDAYS
from journeysim.journeys.attributes import readers
from journeysim.journeys.spec import CompiledJourney, compile_journey
from journeysim.operations.desk import SERVICE_FAMILIES, TEAM_NAMES
from journeysim.population.distributions import check


@dataclass(frozen=True)
class Scenario:
    """The checked journeys and offers of a run."""

    journeys: tuple[CompiledJourney, ...]
    offers: dict[str, catalog.Offer]


def _check_policy(cfg: SimConfig) -> None:
    policy = cfg.policy
    for i, channel in enumerate(policy.exempt_channels):
        if channel not in CHANNELS:
            raise ConfigError(f"policy.exempt_channels.{i}", f"there is no channel '{channel}'",
                              suggest(channel, CHANNELS).replace("valid keys here", "channels"))
    for i, rule in enumerate(policy.caps):
        if rule.channel in policy.exempt_channels:
            raise ConfigError(f"policy.caps.{i}.channel",
                              f"the cap on {rule.channel} never applies: {rule.channel} is in "
                              "exempt_channels", f"remove {rule.channel} from exempt_channels, "
                              "or remove the cap rule")
    for channel in CHANNELS:
        for i, day in enumerate(getattr(policy.quiet_days, channel)):
            _check_weekday(day, f"policy.quiet_days.{channel}.{i}")


def _check_weekday(day: str, key: str) -> None:
    """Raise ConfigError at ``key`` unless ``day`` is a weekday name (mon ... sun)."""
    if day not in WEEKDAYS:
        hint = suggest(day.lower(), WEEKDAYS).replace("valid keys here", "weekdays")
        raise ConfigError(key, f"'{day}' is not a weekday", hint)


def _check_teams(cfg: SimConfig, offers: dict[str, catalog.Offer]) -> None:
    for name in TEAM_NAMES:
        team, key = getattr(cfg.team, name), f"team.{name}"
        if not team.working_days:
            raise ConfigError(f"{key}.working_days", "the team never works",
                              "list its working days, e.g. [mon, tue, wed, thu, fri]")
        for i, day in enumerate(team.working_days):
            _check_weekday(day, f"{key}.working_days.{i}")
        problem = check(team.service_days)
        if problem or team.service_days.dist not in SERVICE_FAMILIES:
            raise ConfigError(f"{key}.service_days", problem or
                              f"a service time cannot be '{team.service_days.dist}'",
                              f"use one of {', '.join(SERVICE_FAMILIES)}")
        offer = team.outcome.offer if isinstance(team, TeamConfig) else None
        if offer is not None and offer not in offers:
            raise ConfigError(f"{key}.outcome.offer", f"offer '{offer}' is not in the catalog",
                              suggest(offer, offers).replace("valid keys here", "offers"))


def _check_counterfactual(cfg: SimConfig) -> None:
    for i, name in enumerate(cfg.counterfactual.switch_off):
        if name not in cfg.journey:
            raise ConfigError(f"counterfactual.switch_off.{i}", f"no journey '{name}' runs",
                              suggest(name, list(cfg.journey))
                              .replace("valid keys here", "journeys of this run"))


def compile_scenario(cfg: SimConfig) -> Scenario:
    """Check and compile the catalog, the journeys and the policy of ``cfg``.

    Raises ``ConfigError`` (keys ``catalog.*``, ``journey.<name>.*``, ``policy.*``).
    """
    attributes = {name: attribute for name, (attribute, _) in
                  readers(list(cfg.population.segments), list(cfg.population.plans)).items()}
    offers = catalog.compile_catalog(cfg.catalog, attributes)
    journeys = tuple(compile_journey(name, j, offers, attributes, MILESTONES)
                     for name, j in cfg.journey.items())
    _check_policy(cfg)
    _check_teams(cfg, offers)
    _check_counterfactual(cfg)
    return Scenario(journeys, offers)
