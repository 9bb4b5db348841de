"""Compile everything a run's journeys need, before the run: offers, journeys and policy checks."""

from __future__ import annotations

from dataclasses import dataclass

from journeysim import catalog
from journeysim.behavior.milestones import MILESTONES
from journeysim.channels import CHANNELS
from journeysim.config.load import ConfigError, suggest
from journeysim.config.schema import SimConfig
from journeysim.governance.policy import WEEKDAYS
from journeysim.journeys.attributes import readers
from journeysim.journeys.spec import CompiledJourney, compile_journey


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
    for channel in CHANNELS:
        for i, day in enumerate(getattr(policy.quiet_days, channel)):
            if day not in WEEKDAYS:
                raise ConfigError(f"policy.quiet_days.{channel}.{i}", f"'{day}' is not a weekday",
                                  f"use {', '.join(WEEKDAYS)}")


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
    return Scenario(journeys, offers)
