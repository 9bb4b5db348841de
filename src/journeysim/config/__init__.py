"""Configuration: the typed schema and its validation."""

from journeysim.config.load import ConfigError, load
from journeysim.config.schema import SimConfig

__all__ = ["ConfigError", "SimConfig", "load"]
