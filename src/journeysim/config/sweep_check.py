"""Check a sweep before its first job runs: every swept value, and what a resume would redo.

Hydra composes a sweep job's config only when the job starts, so a bad value late in a sweep
(``policy.caps.0.max_sends=1,-1``) would stop the sweep after its good jobs ran. Here each swept
key's values are checked one at a time, the other keys at their first value: a group choice by
composing the config, any other value by setting it in the composed config (what ``++key=value``
does) and loading that. A sweep into a folder that holds finished jobs must give each of them
the config it ran with, else Hydra would overwrite the folder's ``multirun.yaml`` before the job
refuses the mismatch.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException, OverrideParseException
from omegaconf import OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from journeysim.config.load import ConfigError, load
from journeysim.config.preflight import GROUPS
from journeysim.journeys.scenario import compile_scenario


class SweepValueError(ValueError):
    """An override (``origin``) whose value, or swept value ``setting``, fails the checks."""

    def __init__(self, origin: str, setting: str | None, error: ConfigError) -> None:
        self.origin, self.setting, self.error = origin, setting, error
        super().__init__(f"{origin}: {setting}: {error}")


def parse(overrides: list[str]) -> list[Override]:
    """Hydra's parse of ``overrides``; raise ConfigError naming the one it cannot read."""
    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except OverrideParseException:
            key = text.split("=", 1)[0].lstrip("+~")
            raise ConfigError(key, "Hydra cannot read the value (an unquoted space, quote or "
                                   "bracket, or a sweep written wrong?)",
                              "quote a value holding spaces inside the argument, e.g. "
                              f"\"{key}='a value'\"; a sweep is a,b,c or range(0,5)") from None
    return parsed


def _key(override: Override) -> str:
    return override.get_key_element().lstrip("+~")


def _choices(override: Override) -> list[str]:
    """The ``key=value`` strings of one (possibly swept) override, as Hydra's sweeper lists them."""
    element = override.get_key_element()
    if override.is_sweep_override():
        return [f"{element}={value}" for value in override.sweep_string_iterator()]
    return [override.input_line]


def _composed(overrides: list[str], config_dirs: list[Path]) -> Any:
    """The config with Hydra's part, composed from the first dir with the others searched too."""
    search = ",".join(f"file://{d.resolve()}" for d in config_dirs[1:])
    extra = [f"hydra.searchpath=[{search}]"] if search else []
    with initialize_config_dir(config_dir=str(config_dirs[0]), version_base=None):
        return compose(config_name="config", overrides=[*extra, *overrides],
                       return_hydra_config=True)


def _without_hydra(cfg: Any) -> Any:
    cfg = copy.deepcopy(cfg)
    with open_dict(cfg):
        cfg.pop("hydra", None)
    return cfg


def _check(cfg: Any, compile_journeys: bool = True) -> None:
    """Load ``cfg`` and, if asked, compile its journeys (group keys: the rest only load)."""
    try:
        data = OmegaConf.to_container(cfg, resolve=True)
    except OmegaConfBaseException as err:
        raise ConfigError(getattr(err, "full_key", None) or "", str(err).splitlines()[0],
                          "fix the ${...} interpolation or quote the value") from None
    sim = load(data)
    if compile_journeys:
        compile_scenario(sim)


def _experiment_params(experiment: str | None, config_dirs: list[Path]) -> list[str]:
    """The ``key=values`` sweeps of the experiment's ``hydra.sweeper.params``."""
    if experiment is None:
        return []
    params = _composed([f"+experiment={experiment}"], config_dirs).hydra.sweeper.params or {}
    return [f"{key}={value}" for key, value in params.items()]


def check_resume(overrides: list[str], config_dirs: list[Path], experiment: str | None,
                 sweep_dir: Path) -> None:
    """Raise ConfigError if a finished job in ``sweep_dir`` ran another config than its job here.

    Jobs are numbered as Hydra's basic sweeper numbers them: the product of the experiment's
    swept keys, then the command line's, in order (``hydra.sweep.subdir`` is the job number).
    """
    finished = sorted(int(p.parent.name) for p in sweep_dir.glob("*/summary.json")
                      if p.parent.name.isdigit())
    if not finished:
        return
    selection = [f"+experiment={experiment}"] if experiment else []
    swept = parse([*_experiment_params(experiment, config_dirs), *overrides])
    jobs = BasicSweeper.split_arguments(swept, None)[0]
    for num in finished:
        if num >= len(jobs):
            continue
        cfg = _without_hydra(_composed([*selection, *jobs[num]], config_dirs))
        saved = sweep_dir / str(num) / "config.yaml"
        if not saved.is_file() or saved.read_text(encoding="utf-8") != OmegaConf.to_yaml(
                cfg, resolve=True):
            raise ConfigError(
                "hydra.sweep.dir", f"{sweep_dir / str(num)} already holds a finished run of a "
                                   f"different configuration than this sweep's job {num}",
                "choose another hydra.sweep.dir, or resume with the command that made the "
                "sweep (seeds or values may be added at the end of its lists)")


def _composition_error(err: HydraException, key: str) -> ConfigError:
    """Hydra's refusal to apply the override of ``key``, as a ConfigError with a fix."""
    text, cause = str(err), err.__cause__
    if text.startswith("Ambiguous value"):
        return ConfigError(key, "several values for one key outside a sweep",
                           "add -m to run one job per value, or write a list as key=[a,b]")
    if text.startswith("Could not append"):
        return ConfigError(key, "'+key=value' adds a key, and this one exists already",
                           "drop the '+'")
    if cause is not None and "index out of range" in str(cause):
        where = getattr(cause, "full_key", key)
        return ConfigError(key, f"there is no list item {where}",
                           "list items are numbered from 0; to add an item, write the whole list "
                           "(e.g. policy.caps='[{channel: email, max_sends: 2, days: 7}]')")
    return ConfigError(key, text.splitlines()[0], "check the key and the value")


def check_overrides(overrides: list[str], config_dirs: list[Path], experiment: str | None,
                sweep: bool = True) -> None:
    """Raise SweepValueError for the first override, or swept value, that would stop a job
    (a single run's with ``sweep`` false).

    ``overrides`` are the job overrides as Hydra gets them (``hydra.*`` and flags left out),
    ``experiment`` the ``+experiment=<name>`` selection whose ``hydra.sweeper.params`` sweep too.
    The first job's config is composed and checked (a mistake there that no override explains,
    i.e. one in a file, is left to the job, which names the file); with ``sweep``, then each
    swept value. Without, the overrides are one job's (a list of values is refused).
    """
    selection = [f"+experiment={experiment}"] if experiment else []
    by_key: dict[str, tuple[str, Override]] = {}
    for override in parse(_experiment_params(experiment, config_dirs)):
        by_key[_key(override)] = (f"experiments/{experiment}.yaml", override)
    for override in parse(overrides):
        text = override.input_line.removeprefix("++")
        by_key[_key(override)] = (f"command-line override '{text}'", override)
    first = {key: _choices(o)[0] if sweep else o.input_line for key, (_, o) in by_key.items()}
    try:
        base = _without_hydra(_composed([*selection, *first.values()], config_dirs))
    except HydraException as err:
        blamed = [k for k, (_, o) in by_key.items() if o.input_line in str(err)]
        if not blamed:
            return  # Hydra's own message names what it could not find
        raise SweepValueError(by_key[blamed[-1]][0], None,
                              _composition_error(err, blamed[-1])) from None
    try:
        _check(base)
    except ConfigError as err:
        culprit = [k for k in by_key  # a group choice's mistakes are in its file
                   if err.key == k or (k not in GROUPS and err.key.startswith(k + "."))]
        if culprit:
            origin, override = by_key[culprit[-1]]
            swept = override.is_sweep_override()
            raise SweepValueError(origin, first[culprit[-1]].lstrip("+~") if swept else None,
                                  err) from None
        return
    if not sweep:
        return
    for key, (origin, override) in by_key.items():
        if not override.is_sweep_override():
            continue
        for setting in _choices(override):
            try:
                if key in GROUPS:
                    others = [s for k, s in first.items() if k != key]
                    cfg = _without_hydra(_composed([*selection, *others, setting], config_dirs))
                else:
                    cfg = copy.deepcopy(base)
                    value = parse([setting])[0].value()  # quoted strings as plain text
                    OmegaConf.update(cfg, key, value, merge=False, force_add=True)
                _check(cfg, key.split(".")[0] in GROUPS)
            except ConfigError as err:
                raise SweepValueError(origin, setting.lstrip("+~"), err) from None
            except HydraException:
                continue
