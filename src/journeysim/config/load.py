"""Turn a plain mapping (a composed Hydra config) into the typed ``SimConfig``, or say why not.

The first problem found raises ``ConfigError`` carrying the dotted key, what is wrong and how
to fix it; the command line adds which file or override the key came from.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Mapping
from typing import Any

from journeysim.config.schema import Distribution, SimConfig


class ConfigError(ValueError):
    """A user mistake in a config: names the key, the problem and the fix."""

    def __init__(self, key: str, problem: str, fix: str) -> None:
        self.key, self.problem, self.fix = key, problem, fix
        super().__init__(f"{key}: {problem}. Fix: {fix}")


def suggest(name: str, valid: typing.Iterable[str]) -> str:
    """A 'did you mean' fix listing the valid names, closest first."""
    valid = list(valid)
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"{hint}valid keys here: {', '.join(valid)}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _number(value: Any, key: str, integer: bool) -> float | int:
    kind = "an integer" if integer else "a number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"must be {kind}, got {value!r}",
                          f"write {key}=<{kind.split()[-1]}>")
    if not math.isfinite(value):
        raise ConfigError(key, f"must be finite, got {value!r}", "use a finite number")
    if integer:
        if value != int(value):
            raise ConfigError(key, f"must be an integer, got {value!r}", "drop the decimals")
        return int(value)
    return float(value)


def _check_range(value: float, key: str, meta: Mapping[str, Any]) -> None:
    lo, hi = meta.get("lo"), meta.get("hi")
    lo_open, hi_open = meta.get("lo_open", False), meta.get("hi_open", False)
    too_low = lo is not None and (value <= lo if lo_open else value < lo)
    too_high = hi is not None and (value >= hi if hi_open else value > hi)
    if too_low or too_high:
        left = "(" if lo_open or lo is None else "["
        right = ")" if hi_open or hi is None else "]"
        lo_text = "-inf" if lo is None else f"{lo:g}"
        hi_text = "inf" if hi is None else f"{hi:g}"
        bounds = f"{left}{lo_text}, {hi_text}{right}"
        help_text = meta.get("help")
        what = f" ({help_text})" if help_text else ""
        raise ConfigError(key, f"{value!r} is out of range{what}",
                          f"use a value in {bounds}")


def _distribution(value: Any, key: str) -> Distribution:
    from journeysim.population.distributions import FAMILIES, check

    if not isinstance(value, Mapping) or "dist" not in value:
        raise ConfigError(key, f"must be a distribution like {{dist: lognormal, median: 5, "
                               f"sigma: 0.5}}, got {value!r}",
                          f"name a family with 'dist' (one of {', '.join(FAMILIES)})")
    params = {}
    for name, raw in value.items():
        if name in ("dist", "min", "max"):
            continue
        params[str(name)] = _number(raw, _join(key, str(name)), integer=False)
    bounds = {name: None if value.get(name) is None else
              _number(value[name], _join(key, name), integer=False) for name in ("min", "max")}
    spec = Distribution(dist=str(value["dist"]), params=params, **bounds)
    problem = check(spec)
    if problem:
        raise ConfigError(key, problem, "see docs/configuration.md, section Distributions")
    return spec


def convert(value: Any, hint: Any, key: str, meta: Mapping[str, Any] | None = None) -> Any:
    """Convert ``value`` to type ``hint``, checking ranges from the field ``meta``data."""
    meta = meta or {}
    origin = typing.get_origin(hint)
    if hint is Distribution:
        return _distribution(value, key)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, key)
    if origin in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else convert(value, options[0], key, meta)
    if origin is typing.Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ConfigError(key, f"{value!r} is not one of {', '.join(map(str, choices))}",
                              f"use one of {', '.join(map(str, choices))}")
        return value
    if origin is list:
        if not isinstance(value, list | tuple):
            raise ConfigError(key, f"must be a list, got {value!r}",
                              "write it as a YAML list: [a, b] or lines starting with '- '")
        item_hint = typing.get_args(hint)[0]
        return [convert(v, item_hint, f"{key}.{i}", meta) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(key, f"must be a mapping of names to values, got {value!r}",
                              "write it as `name: value` lines under the key")
        item_hint = typing.get_args(hint)[1]
        return {str(k): convert(v, item_hint, _join(key, str(k)), meta) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(key, f"must be true or false, got {value!r}", "write true or false")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(key, f"must be text, got {value!r}", "quote the value")
        return value
    if hint in (int, float):
        number = _number(value, key, integer=hint is int)
        _check_range(number, key, meta)
        return number
    raise TypeError(f"schema type {hint!r} at {key} is not supported")  # a bug, not a user error


def build[T](cls: type[T], data: Any, path: str = "") -> T:
    """Build dataclass ``cls`` from mapping ``data``; unknown keys and bad values raise."""
    if not isinstance(data, Mapping):
        raise ConfigError(path or "<root>", f"must be a mapping, got {data!r}",
                          "write the keys of this section as `key: value` lines")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for name in data:
        if name not in fields:
            raise ConfigError(_join(path, str(name)), "unknown key", suggest(str(name), fields))
    for name, f in fields.items():
        if f.metadata.get("required") and name not in data:
            raise ConfigError(_join(path, name), "is missing",
                              f"add {name}: <value> ({f.metadata.get('help', '')})")
    hints = typing.get_type_hints(cls)
    kwargs = {name: convert(data[name], hints[name], _join(path, name), fields[name].metadata)
              for name in fields if name in data}
    return cls(**kwargs)


def load(data: Mapping[str, Any]) -> SimConfig:
    """Validate a whole config mapping and return the typed ``SimConfig``."""
    cfg = build(SimConfig, data)
    _check_population(cfg)
    return cfg


def _check_shares(shares: Mapping[str, float], key: str) -> None:
    total = sum(shares.values())
    if not shares or abs(total - 1.0) > 1e-6:
        raise ConfigError(key, f"shares must add up to 1, they add up to {total:g}",
                          "rescale the shares so that they sum to 1")


def _check_population(cfg: SimConfig) -> None:
    pop = cfg.population
    if not pop.plans:
        raise ConfigError("population.plans", "no plans are defined",
                          "add at least one plan with a price_per_seat")
    if not pop.segments:
        raise ConfigError("population.segments", "no segments are defined",
                          "add at least one segment with a share")
    names, prices = list(pop.plans), [plan.price_per_seat for plan in pop.plans.values()]
    for i in range(1, len(prices)):
        if prices[i] < prices[i - 1]:
            name = names[i]
            raise ConfigError(f"population.plans.{name}.price_per_seat",
                              f"plans must be written cheapest first, but {name} costs less "
                              "than the plan before it", "reorder the plans by price")
    _check_shares({name: seg.share for name, seg in pop.segments.items()}, "population.segments")
    for name, seg in pop.segments.items():
        key = f"population.segments.{name}"
        for plan in seg.plan_mix:
            if plan not in pop.plans:
                raise ConfigError(f"{key}.plan_mix.{plan}", f"plan '{plan}' is not defined",
                                  suggest(plan, pop.plans))
        for plan, share in seg.plan_mix.items():
            _check_range(share, f"{key}.plan_mix.{plan}", {"lo": 0.0, "hi": 1.0})
        _check_shares(seg.plan_mix, f"{key}.plan_mix")
        for trait in ("seats", "utilization", "tenure_days", "usage_speed", "team_growth"):
            if getattr(seg, trait).dist == "constant" and not getattr(seg, trait).params:
                raise ConfigError(f"{key}.{trait}", "is not set",
                                  "give it a distribution, e.g. {dist: constant, value: 1}")
    ms = pop.milestones
    if ms.limit_approaching >= ms.limit_reached:
        raise ConfigError("population.milestones.limit_approaching",
                          "must be below limit_reached", "lower it, e.g. to 0.8")
    if ms.activation_depth > ms.first_value_depth:
        raise ConfigError("population.milestones.activation_depth",
                          "must not exceed first_value_depth", "lower it, e.g. to 0.2")
