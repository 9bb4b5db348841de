"""Compose a config from Python (tests, notebooks, benchmarks) exactly as the command line does."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from journeysim.config.load import load
from journeysim.config.preflight import rewrite_overrides
from journeysim.config.schema import SimConfig

CONF_DIR = Path(__file__).resolve().parents[3] / "conf"
"""The project's config folder (``conf/`` at the top of the repository)."""


def compose_config(overrides: list[str] | None = None, config_dir: Path = CONF_DIR) -> SimConfig:
    """The validated ``SimConfig`` for ``overrides`` (``key=value`` strings, as on the CLI)."""
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        cfg = compose(config_name="config",
                      overrides=rewrite_overrides(list(overrides or []), [config_dir]))
    return load(OmegaConf.to_container(cfg, resolve=True))
