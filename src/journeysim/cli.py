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
    check_yaml_files,
    rewrite_overrides,
)
from journeysim.config.schema import SimConfig
from journeysim.config.sweep_check import SweepValueError, check_resume, check_sweep
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
    """Where ``key`` of the composed config was set: an override or a config file."""
    hc = HydraConfig.get()
    for override in hc.overrides.task:
        name = override.split("=", 1)[0].lstrip("+~")
        related = key == name or key.startswith(name + ".") or name.startswith(key + ".")
        if name not in GROUPS and related:
            return f"command-line override '{override.lstrip('+')}'"
    parts = key.split(".")
    group = parts[0]
    if group == "journey" and len(parts) > 1:  # a list group: each file holds one journey
        choice = parts[1]
    else:
        choice = hc.runtime.choices.get(group) if group in GROUPS else None
    name = f"{group}/{choice}.yaml" if choice else f"{hc.job.config_name}.yaml"
    for source in hc.runtime.config_sources:
        if source.schema == "file" and (Path(source.path) / name).is_file():
            return _relative(Path(source.path) / name)
    return name


def _discard_empty_run_dir() -> None:
    """Remove the run directory Hydra made for a run that a config error stopped."""
    out = Path(HydraConfig.get().runtime.output_dir)
    if out.is_dir() and {p.name for p in out.iterdir()} <= {".hydra"}:
        shutil.rmtree(out)


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


def _check_sweep(argv: list[str], dirs: list[Path]) -> None:
    """In a sweep, stop on a bad swept value, or a resume that does not match its folder,
    before any job runs (config.sweep_check)."""
    jobs, experiment = _job_overrides(argv)
    if experiment is None and not {"-m", "--multirun"} & set(argv):
        return
    try:
        check_sweep(jobs, dirs, experiment)
        sweep_dir = next((a.split("=", 1)[1] for a in argv if a.startswith("hydra.sweep.dir=")),
                         None)
        if sweep_dir is not None:
            check_resume(jobs, dirs, experiment, Path(sweep_dir))
    except SweepValueError as err:
        fail(err.origin, err.error.key, f"{err.error.problem} (in the sweep's job with "
                                        f"{err.setting})", err.error.fix)
    except ConfigError as err:
        fail(f"command-line override 'hydra.sweep.dir={sweep_dir}'", err.key, err.problem,
             err.fix)


def main() -> None:
    """Console entry point: preflight checks, then Hydra runs (or sweeps) ``_run``."""
    argv = sys.argv[1:]
    dirs = _config_dirs(argv)
    try:
        check_yaml_files([*dirs, EXPERIMENTS_DIR])
        argv = [_experiment_override(arg, dirs) for arg in argv]
        argv = rewrite_overrides(argv, dirs)
        parse_overrides([a for a in _job_overrides(argv)[0]])
    except YamlError as err:
        fail(_relative(err.path), None, err.problem, err.fix)
    except ConfigError as err:
        override = next((a for a in argv if a.lstrip("+~").split("=", 1)[0] == err.key),
                        err.key)
        fail(f"command-line override '{override.lstrip('+')}'", err.key, err.problem, err.fix)
    register_experiments()
    _check_sweep(argv, dirs)
    sys.argv = [sys.argv[0], *argv]
    _run()
