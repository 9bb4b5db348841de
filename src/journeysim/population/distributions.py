"""Named distributions for per-customer traits, written in configs as ``{dist: NAME, ...}``.

Each family lists its parameters and their allowed ranges, so a config naming an unknown
family, a missing parameter or an out-of-range value is refused before the run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from journeysim.config.schema import Distribution

Sampler = Callable[[np.random.Generator, dict[str, float], int], np.ndarray]


@dataclass(frozen=True)
class Family:
    """A distribution family: its parameters (name -> lower bound, exclusive) and sampler."""

    params: dict[str, float | None]
    sample: Sampler
    doc: str


FAMILIES: dict[str, Family] = {
    "constant": Family({"value": None}, lambda g, p, n: np.full(n, p["value"]), "always `value`"),
    "uniform": Family({"low": None, "high": None},
                      lambda g, p, n: g.uniform(p["low"], p["high"], n), "uniform on [low, high)"),
    "normal": Family({"mean": None, "sd": 0.0},
                     lambda g, p, n: g.normal(p["mean"], p["sd"], n), "normal(mean, sd)"),
    "lognormal": Family({"median": 0.0, "sigma": 0.0},
                        lambda g, p, n: p["median"] * np.exp(g.normal(0.0, p["sigma"], n)),
                        "median * exp(sigma * Z)"),
    "gamma": Family({"mean": 0.0, "shape": 0.0},
                    lambda g, p, n: g.gamma(p["shape"], p["mean"] / p["shape"], n),
                    "gamma with the given mean and shape"),
    "exponential": Family({"mean": 0.0}, lambda g, p, n: g.exponential(p["mean"], n),
                          "exponential with the given mean"),
    "beta": Family({"a": 0.0, "b": 0.0}, lambda g, p, n: g.beta(p["a"], p["b"], n),
                   "Beta(a, b)"),
}


def check(spec: Distribution) -> str | None:
    """Return a description of what is wrong with ``spec``, or None if it is usable."""
    family = FAMILIES.get(spec.dist)
    if family is None:
        return f"unknown distribution '{spec.dist}'; choose one of {', '.join(FAMILIES)}"
    missing = [name for name in family.params if name not in spec.params]
    if missing:
        return f"distribution '{spec.dist}' needs {', '.join(missing)}"
    extra = [name for name in spec.params if name not in family.params]
    if extra:
        return (f"distribution '{spec.dist}' has no parameter {', '.join(extra)}; "
                f"its parameters are {', '.join(family.params)}")
    for name, lower in family.params.items():
        if lower is not None and not spec.params[name] > lower:
            return f"parameter {name} of '{spec.dist}' must be > {lower:g}"
    if spec.dist == "uniform" and not spec.params["low"] < spec.params["high"]:
        return "uniform needs low < high"
    if spec.min is not None and spec.max is not None and spec.min > spec.max:
        return "min must not exceed max"
    return None


def sample(spec: Distribution, rng: np.random.Generator, n: int) -> np.ndarray:
    """Draw ``n`` values of ``spec`` (already checked), clipped to ``[min, max]``."""
    values = FAMILIES[spec.dist].sample(rng, spec.params, n).astype(np.float64)
    if spec.min is not None or spec.max is not None:
        np.clip(values, spec.min, spec.max, out=values)
    return values

