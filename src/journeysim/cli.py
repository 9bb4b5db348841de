"""The ``journeysim`` command: check the config, run one simulation, write and print results.

Run ``journeysim [key=value ...]``; every key is documented in docs/configuration.md. A config
mistake stops before the run with one message naming the file, the key and the fix. A run whose
directory already holds the complete run of the same config is skipped, so a sweep rerun into its
own ``hydra.sweep.dir`` resumes (docs/sweeps.md); ``+experiment=<name>`` runs a named sweep.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from journeysim.config.compose import CONF_DIR
from journeysim.config.experiments import EXPERIMENTS_DIR, check_experiment, register_experiments
from journeysim.config.load import ConfigError, load
from journeysim.config.preflight import (
    GROUPS,
    YamlError,
    check_shadowed_files,
    check_yaml_files,
    rewrite_overrides,
)
from journeysim.config.schema import SimConfig
from journeysim.config.sweep_check import SweepValueError, check_overrides, check_resume
from journeysim.config.sweep_check import parse as parse_overrides
from journeysim.journeys.scenario import compile_scenario
from journeysim.outputs import write_text

EXIT_CONFIG_ERROR = 2


def fail(where: str, key: str | None, problem: str, fix: str) -> None:
    """Print one config-error message and exit with status 2 (no traceback)."""
    lines = ["journeysim: configuration error", f"  in:      {where}"]
    if key:
        lines.append(f"  key:     {key}")
    lines += [f"  problem: {problem}", f"  fix:     {fix}"]
    print("\n".join(lines), file=sys.stderr)
    raise SystemExit(EXIT_CONFIG_ERROR)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _config_dirs(argv: list[str]) -> list[Path]:
    """The project's conf/ plus any --config-dir/-cd given on the command line."""
    dirs = [CONF_DIR]
    for i, arg in enumerate(argv):
        if arg in ("--config-dir", "-cd") and i + 1 < len(argv):
            dirs.append(Path(argv[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
    return dirs


def source_of(key: str) -> str:
    """Where ``key`` of the composed config was set: an override or a config file.

    The override that sets the key (the last one, if given twice) or a section holding it;
    else the overrides inside it; else the file, with the overrides of the same journey or
    section that may have caused the problem.
    """
    hc = HydraConfig.get()
    overrides = [o for o in OmegaConf.to_container(hc.overrides.task, resolve=False)
                 if o.split("=", 1)[0].lstrip("+~") not in GROUPS]
    names = [o.split("=", 1)[0].lstrip("+~") for o in overrides]
    shown = [f"'{o.lstrip('+')}'" for o in overrides]
    setting = [s for n, s in zip(names, shown, strict=True)
               if key == n or key.startswith(n + ".")]
    if setting:
        return f"command-line override {setting[-1]}"
    inside = [s for n, s in zip(names, shown, strict=True) if n.startswith(key + ".")]
    if inside:
        return f"command-line override{'s' if len(inside) > 1 else ''} {', '.join(inside)}"
    parts = key.split(".")
    group = parts[0]
    if group == "journey" and len(parts) > 1:  # a list group: each file holds one journey
        choice = parts[1]
    else:
        choice = hc.runtime.choices.get(group) if group in GROUPS else None
    name = f"{group}/{choice}.yaml" if choice else f"{hc.job.config_name}.yaml"
    where = name
    for source in hc.runtime.config_sources:
        if source.schema == "file" and (Path(source.path) / name).is_file():
            where = _relative(Path(source.path) / name)
            break
    scope = ".".join(parts[:2]) if group == "journey" else group
    nearby = [s for n, s in zip(names, shown, strict=True) if n.startswith(scope + ".")]
    if nearby:
        return f"{where}, with command-line override{'s' if len(nearby) > 1 else ''} " \
               f"{', '.join(nearby)}"
    return where


def _discard_empty_run_dir() -> None:
    """Remove the run directory Hydra made for a run that a config error stopped, and the
    sweep's directory if it holds nothing else (but Hydra's ``multirun.yaml``)."""
    out = Path(HydraConfig.get().runtime.output_dir)
    if out.is_dir() and {p.name for p in out.iterdir()} <= {".hydra"}:
        shutil.rmtree(out)
    if HydraConfig.get().mode == RunMode.MULTIRUN:
        sweep = out.parent
        if sweep.is_dir() and {p.name for p in sweep.iterdir()} <= {"multirun.yaml"}:
            shutil.rmtree(sweep)
        out = sweep
    day = out.parent  # the default results/runs/<date>/ (or multirun/), if now empty
    if day.parent.name in ("runs", "multirun") and day.is_dir() and not any(day.iterdir()):
        day.rmdir()


def _validated(cfg: DictConfig) -> SimConfig:
    try:
        sim = load(OmegaConf.to_container(cfg, resolve=True))
        compile_scenario(sim)
        return sim
    except ConfigError as err:
        _discard_empty_run_dir()
        fail(source_of(err.key), err.key, err.problem, err.fix)
    except OmegaConfBaseException as err:
        _discard_empty_run_dir()
        key = getattr(err, "full_key", None) or None
        fail(source_of(key) if key else "the composed config", key,
             str(err).splitlines()[0], "fix the ${...} interpolation or quote the value")
    raise AssertionError("unreachable")


def _finished_summary(out_dir: Path, config_yaml: str) -> dict[str, Any] | None:
    """The summary of the complete run of this same config in ``out_dir``, if there is one.

    A complete run of another config there stops with a configuration error.
    """
    summary = out_dir / "summary.json"
    if not summary.exists():
        return None
    saved = out_dir / "config.yaml"
    if not saved.is_file() or saved.read_text(encoding="utf-8") != config_yaml:
        setting = ("hydra.sweep.dir" if HydraConfig.get().mode == RunMode.MULTIRUN
                   else "hydra.run.dir")
        fail(_relative(out_dir), None,
             "this directory already holds a finished run of a different configuration",
             f"choose another {setting}")
    return json.loads(summary.read_text(encoding="utf-8"))


def _save_hydra_record(cfg: DictConfig, out_dir: Path) -> None:
    """Hydra's record of the job in ``.hydra/``, saved here rather than by Hydra.

    Hydra would save it before the job starts (``hydra.output_subdir``, off in conf/config.yaml),
    over the record of a finished run that the job then skips or refuses.
    """
    record = out_dir / ".hydra"
    write_text(record / "config.yaml", OmegaConf.to_yaml(cfg))
    write_text(record / "hydra.yaml", OmegaConf.to_yaml(HydraConfig.instance().cfg))
    write_text(record / "overrides.yaml", OmegaConf.to_yaml(HydraConfig.get().overrides.task))


@hydra.main(config_path=str(CONF_DIR), config_name="config", version_base=None)
def _run(cfg: DictConfig) -> dict[str, Any]:
    from journeysim.runner import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    sim = _validated(cfg)
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    finished = _finished_summary(out_dir, config_yaml)
    if finished is not None:
        print(f"skipped: {out_dir} already complete")
        return finished
    _save_hydra_record(cfg, out_dir)
    return run(sim, config_yaml, out_dir)


def _experiment_override(arg: str, dirs: list[Path]) -> str:
    """``arg`` as Hydra's ``+experiment=<name>`` if it selects an experiment (checked first)."""
    key, _, name = arg.partition("=")
    if key not in ("experiment", "+experiment"):
        return arg
    try:
        check_experiment(name, dirs)
    except ConfigError as err:
        where = (f"command-line override '{arg}'" if err.key == "experiment"
                 else _relative(EXPERIMENTS_DIR / f"{name}.yaml"))
        fail(where, err.key, err.problem, err.fix)
    return f"+experiment={name}"


def _job_overrides(argv: list[str]) -> tuple[list[str], str | None]:
    """The overrides of argv that shape a job's config, and the experiment selected (if any)."""
    jobs, experiment, skip = [], None, False
    for arg in argv:
        if skip or arg in ("--config-dir", "-cd", "--config-name", "-cn"):
            skip = not skip
            continue
        key = arg.split("=", 1)[0].lstrip("+~")
        if key == "experiment":
            experiment = arg.split("=", 1)[1]
        elif not arg.startswith("-") and "=" in arg and not key.startswith(("hydra.", "hydra/")):
            jobs.append(arg)
    return jobs, experiment


def _check_jobs(argv: list[str], dirs: list[Path]) -> None:
    """Stop on a bad override before Hydra starts: in a sweep, on any bad swept value too, and
    on a resume that does not match its folder (config.sweep_check)."""
    jobs, experiment = _job_overrides(argv)
    sweep = experiment is not None or bool({"-m", "--multirun"} & set(argv))
    sweep_dir = next((a.split("=", 1)[1] for a in argv if a.startswith("hydra.sweep.dir=")), None)
    try:
        check_overrides(jobs, dirs, experiment, sweep)
        if sweep and sweep_dir is not None:
            check_resume(jobs, dirs, experiment, Path(sweep_dir))
    except SweepValueError as err:
        job = f" (in the sweep's job with {err.setting})" if err.setting else ""
        fail(err.origin, err.error.key, err.error.problem + job, err.error.fix)
    except ConfigError as err:
        fail(f"command-line override 'hydra.sweep.dir={sweep_dir}'", err.key, err.problem,
             err.fix)


def _flags_first(argv: list[str]) -> list[str]:
    """``argv`` with ``-m``/``--multirun`` first: Hydra reads flags only before the overrides."""
    flags = [a for a in argv if a in ("-m", "--multirun")]
    return [*flags, *(a for a in argv if a not in ("-m", "--multirun"))]


MODE_FLAGS = {"-m": "--multirun", "--multirun": "--multirun", "-c": "--cfg", "--cfg": "--cfg",
              "-i": "--info", "--info": "--info", "-r": "--run", "--run": "--run",
              "-sc": "--shell-completion", "--shell-completion": "--shell-completion"}
"""Hydra's flags of which a command may give only one, by the name they go by."""


def _check_mode_flags(argv: list[str]) -> None:
    """Raise ConfigError if ``argv`` gives two of Hydra's exclusive mode flags."""
    modes = sorted({MODE_FLAGS[a] for a in argv if a in MODE_FLAGS})
    if len(modes) > 1:
        raise ConfigError(modes[0], f"{' and '.join(modes)} cannot be given together",
                          "give one of --multirun, --cfg, --info, --run (e.g. print one job's "
                          "config with --cfg job, without -m)")


def _check_output_dirs(argv: list[str]) -> None:
    """Raise ConfigError if ``hydra.run.dir`` or ``hydra.sweep.dir`` lies under a file."""
    for arg in argv:
        key, _, value = arg.partition("=")
        if key in ("hydra.run.dir", "hydra.sweep.dir") and value:
            for parent in [Path(value), *Path(value).parents]:
                if parent.exists() and not parent.is_dir():
                    raise ConfigError(key, f"{parent} is a file, so {value} cannot be a "
                                           "directory", f"choose another {key}")


def main() -> None:
    """Console entry point: preflight checks, then Hydra runs (or sweeps) ``_run``."""
    argv = sys.argv[1:]
    dirs = _config_dirs(argv)
    argv = _flags_first(argv)
    try:
        check_yaml_files([*dirs, EXPERIMENTS_DIR])
        check_shadowed_files(CONF_DIR, dirs[1:])
        _check_mode_flags(argv)
        _check_output_dirs(argv)
        argv = [_experiment_override(arg, dirs) for arg in argv]
        argv = rewrite_overrides(argv, dirs)
        parse_overrides(_job_overrides(argv)[0])  # an unreadable override, named
    except YamlError as err:
        fail(_relative(err.path), None, err.problem, err.fix)
    except ConfigError as err:
        override = next((a for a in argv if a.lstrip("+~").split("=", 1)[0] == err.key),
                        err.key)
        fail(f"command-line override '{override.lstrip('+')}'", err.key, err.problem, err.fix)
    register_experiments()
    _check_jobs(argv, dirs)
    sys.argv = [sys.argv[0], *argv]
    _run()
