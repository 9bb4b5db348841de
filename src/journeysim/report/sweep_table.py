"""A sweep's complete runs as one table, and its settings compared across seeds.

The runs table has one row per job directory holding a ``summary.json``, in job order: the
overrides of the sweep's jobs (their keys from ``.hydra/overrides.yaml``, each job's value of a
config key read from its ``config.yaml``, so that a job that left a key at its default, or
spelled a value differently, has the same setting), ``job`` (the directory's name), then every
scalar of the summary under its dotted path. The comparison has, per setting (the overrides
except ``seed``) and key metric, the number of runs, their mean and standard deviation and the
95% Student-t interval of the mean. Both are described in docs/sweeps.md.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from scipy import stats

from journeysim.config.preflight import GROUPS

JOB = "job"
"""Column of the job directory's name; the overrides are the columns before it."""

KEY_METRICS = ("nrr", "grr", "expansion_mrr", "contraction_mrr", "churned_mrr",
               "logo_churn_rate", "unsubscribes", "sends", "conversions")
KEY_PATTERNS = (re.compile(r"effects\.true\.overall\.[^.]+"),
                re.compile(r"lift\.[^.]+\.[^.]+\.[^.]+\.(true|estimate|mde)"),
                re.compile(r"journeys\.[^.]+\.naive_lift_vs_holdout\.[^.]+\.[^.]+"))
"""Metrics compared besides ``KEY_METRICS``: true effects, lift estimates, naive lifts."""

LEVEL = 0.95

Scalar = bool | int | float | str | None


def complete_jobs(sweep_dir: Path) -> list[Path]:
    """The job directories of ``sweep_dir`` that hold a complete run, in job order."""
    jobs = [p.parent for p in Path(sweep_dir).glob("*/summary.json")]
    return sorted(jobs, key=lambda p: (0, int(p.name), "") if p.name.isdigit() else (1, 0, p.name))


def job_overrides(job_dir: Path) -> dict[str, Scalar]:
    """The job's task overrides as ``key: value`` (numbers, booleans typed; lists as text)."""
    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    lines = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out: dict[str, Scalar] = {}
    for override in OverridesParser.create().parse_overrides(lines):
        if override.is_delete():
            continue
        value = override.value()
        scalar = value is None or isinstance(value, bool | int | float | str)
        out[override.key_or_group] = value if scalar else override.get_value_element_as_str()
    return out


def flatten(summary: dict[str, Any]) -> dict[str, Scalar]:
    """Every scalar of ``summary`` under its dotted path; the effects' lifts as
    ``lift.<journey>.<arm>.<outcome>.<field>``. Lists are left out."""
    out: dict[str, Scalar] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif value is None or isinstance(value, bool | int | float | str):
            out[prefix] = value

    walk("", summary)
    for lift in (summary.get("effects") or {}).get("lifts", []):
        name = f"lift.{lift['journey']}.{lift['arm']}.{lift['outcome']}"
        walk(name, {k: v for k, v in lift.items() if k not in ("journey", "arm", "outcome")})
    return out


def _resolved(job_dir: Path, keys: list[str]) -> dict[str, Scalar]:
    """The values of the dotted config ``keys`` in the job's ``config.yaml`` (found ones only)."""
    path = job_dir / "config.yaml"
    config = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
    out: dict[str, Scalar] = {}
    for key in keys:
        node: Any = config
        for part in key.split("."):
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                break
        else:
            if node is None or isinstance(node, bool | int | float | str):
                out[key] = node
    return out


def runs_table(sweep_dir: Path) -> pd.DataFrame:
    """One row per complete run of ``sweep_dir``: overrides, ``job``, flattened summary."""
    jobs = complete_jobs(sweep_dir)
    texts = [job_overrides(job) for job in jobs]
    keys = list(dict.fromkeys(key for text in texts for key in text))
    config_keys = [k for k in keys if k not in GROUPS and not k.startswith(("hydra.", "hydra/"))]
    rows = [{**text, **_resolved(job, config_keys)} for job, text in zip(jobs, texts, strict=True)]
    overrides = pd.DataFrame(rows, index=range(len(jobs)), columns=keys)
    results = pd.DataFrame(
        [flatten(json.loads((job / "summary.json").read_text(encoding="utf-8"))) for job in jobs],
        index=range(len(jobs)))
    results = results.drop(columns=[c for c in results.columns if c in overrides.columns])
    overrides[JOB] = [job.name for job in jobs]
    return pd.concat([overrides, results], axis=1)


def setting_columns(runs: pd.DataFrame) -> list[str]:
    """The override columns that define a setting: all but ``seed`` and Hydra's own."""
    overrides = runs.columns[: runs.columns.get_loc(JOB)]
    return [c for c in overrides if c != "seed" and not c.startswith(("hydra.", "hydra/"))]


def key_metrics(runs: pd.DataFrame) -> list[str]:
    """The numeric result columns the comparison covers, in table order."""
    results = runs.columns[runs.columns.get_loc(JOB) + 1:]
    return [c for c in results
            if (c in KEY_METRICS or any(p.fullmatch(c) for p in KEY_PATTERNS))
            and pd.api.types.is_numeric_dtype(runs[c]) and not pd.api.types.is_bool_dtype(runs[c])]


def mean_interval(values: pd.Series, level: float = LEVEL) -> dict[str, float]:
    """n, mean, sd and the Student-t interval of the mean of ``values`` (missing ones dropped)."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    n = len(values)
    mean = float(values.mean()) if n else math.nan
    sd = float(values.std(ddof=1)) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n) if n > 1 else math.nan
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def comparison(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per setting and key metric: the setting's values, ``metric``, n, mean, sd,
    ``ci_low`` and ``ci_high``; settings in the order of their first run."""
    settings = setting_columns(runs)
    metrics = key_metrics(runs)
    groups = runs.groupby(settings, sort=False, dropna=False) if settings else [((), runs)]
    rows = [{**dict(zip(settings, values, strict=True)), "metric": metric,
             **mean_interval(group[metric])}
            for values, group in groups for metric in metrics]
    return pd.DataFrame(rows, columns=[*settings, "metric", "n", "mean", "sd", "ci_low",
                                       "ci_high"])
