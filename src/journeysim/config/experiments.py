"""Named experiments: the sweep configs in the repository's ``experiments/`` folder.

Each ``experiments/<name>.yaml`` is a Hydra config of the global package that sets the runs'
common keys, Hydra's ``sweeper.params`` (the swept keys) and ``sweep.dir``. Registered in Hydra's
config store as the group ``experiment``, a file is selected with ``+experiment=<name>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_store import ConfigStore

from journeysim.config.compose import CONF_DIR
from journeysim.config.load import ConfigError, suggest
from journeysim.config.preflight import GROUPS, check_group_choice, check_override_key

EXPERIMENTS_DIR = CONF_DIR.parent / "experiments"
"""The repository's ``experiments/`` folder."""


def experiment_names(directory: Path = EXPERIMENTS_DIR) -> list[str]:
    """The names of the experiments in ``directory``, sorted."""
    return sorted(path.stem for path in directory.glob("*.yaml"))


def _read(name: str, directory: Path) -> dict[str, Any]:
    return yaml.safe_load((directory / f"{name}.yaml").read_text(encoding="utf-8")) or {}


def register_experiments(directory: Path = EXPERIMENTS_DIR) -> None:
    """Make every experiment selectable as ``+experiment=<name>``."""
    store = ConfigStore.instance()
    for name in experiment_names(directory):
        store.store(group="experiment", name=name, node=_read(name, directory),
                    package="_global_")


def check_experiment(name: str, config_dirs: list[Path],
                     directory: Path = EXPERIMENTS_DIR) -> None:
    """Raise ConfigError unless experiment ``name`` exists and every key it sweeps is valid."""
    if name not in experiment_names(directory):
        raise ConfigError("experiment", f"there is no experiment named '{name}'",
                          suggest(name, experiment_names(directory))
                          .replace("valid keys here", "available"))
    params = _read(name, directory).get("hydra", {}).get("sweeper", {}).get("params") or {}
    for raw_key, values in params.items():
        key = raw_key.lstrip("+~")
        if key in GROUPS:
            for choice in str(values).replace("[", ",").replace("]", ",").split(","):
                if choice.strip():
                    check_group_choice(key, choice.strip(), config_dirs)
        elif not key.startswith("hydra."):
            check_override_key(key)
