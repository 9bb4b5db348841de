"""Check a journey config and compile it into step tables the engine runs on arrays.

Every mistake is a ``ConfigError`` whose key starts with ``journey.<name>`` (so the command
line names the journey file), says what is wrong and how to fix it: a missing or misplaced
key for a step type, a step pointing nowhere, an unreachable step, a loop without a wait, an
unknown offer, a condition that does not compile.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from journeysim.channels import CHANNELS
from journeysim.config.journey_schema import (
    STEP_TYPES,
    JourneyConfig,
    StepConfig,
    VariantConfig,
)
from journeysim.config.load import ConfigError, suggest
from journeysim.journeys.conditions import Attribute, Condition, ConditionError, compile_condition

SEND, WAIT, WAIT_UNTIL, BRANCH, HANDOFF, EXIT = range(len(STEP_TYPES))
CONTENTS: tuple[str, ...] = ("education", "offer")
TEAMS: tuple[str, ...] = ("sales", "success")
REQUIRED: dict[str, tuple[str, ...]] = {
    "send": ("channel", "content", "next"),
    "wait": ("days", "next"),
    "wait_until": ("condition", "timeout_days", "next", "on_timeout"),
    "branch": ("branches", "otherwise"),
    "handoff": ("team", "next"),
    "exit": (),
}
"""Keys each step type needs; every other step key must stay unset (``offer`` goes with
``content: offer``)."""


def compile_or_fail(text: str, attributes: Mapping[str, Attribute], key: str) -> Condition:
    """Compile a condition, turning a ``ConditionError`` into a ``ConfigError`` at ``key``."""
    try:
        return compile_condition(text, attributes)
    except ConditionError as err:
        raise ConfigError(key, f"condition {text!r}: {err.problem}", err.fix) from None


@dataclass(frozen=True)
class Steps:
    """A journey's steps as tables indexed ``[variant, step]`` (one step numbering for all
    variants; a step a variant does not have is of kind -1 and is never reached)."""

    names: tuple[str, ...]
    kind: np.ndarray          # step type code
    next: np.ndarray          # following step
    channel: np.ndarray       # CHANNELS index (send)
    content: np.ndarray       # CONTENTS index (send)
    offer: np.ndarray         # catalog offer index (send with an offer)
    days: np.ndarray          # wait days / wait_until timeout
    on_timeout: np.ndarray    # wait_until
    otherwise: np.ndarray     # branch
    team: np.ndarray          # TEAMS index (handoff)
    conditions: tuple[tuple[Condition | None, ...], ...]                    # wait_until
    branches: tuple[tuple[tuple[tuple[Condition, int], ...], ...], ...]     # (condition, target)
    start: int


@dataclass(frozen=True)
class CompiledJourney:
    """A checked journey, ready to run."""

    name: str
    priority: int
    signal: str | None
    when: Condition
    eligibility: Condition
    reentry: str
    reentry_days: int
    exit_on_conversion: bool
    exit_on_unsubscribe: bool
    exit_when: Condition
    holdout: float
    variant_names: tuple[str, ...]
    variant_weights: np.ndarray
    steps: Steps
    channels: frozenset[int]   # CHANNELS indices its sends use
    offers: frozenset[int]     # catalog indices its sends offer


def _merge(base: StepConfig, override: StepConfig) -> StepConfig:
    """A variant's step: the override's keys over the base step, or the override alone when it
    changes the step's type."""
    if override.type is not None and override.type != base.type:
        return override
    changes = {f.name: getattr(override, f.name) for f in dataclasses.fields(StepConfig)
               if getattr(override, f.name) is not None}
    return dataclasses.replace(base, **changes)


def _check_step(step: StepConfig, key: str, names: list[str], offers: Mapping[str, object]) -> None:
    if step.type is None:
        raise ConfigError(f"{key}.type", "the step has no type",
                          f"set type to one of {', '.join(STEP_TYPES)}")
    needed = REQUIRED[step.type] + (("offer",) if step.content == "offer" else ())
    for name in needed:
        if getattr(step, name) in (None, []):
            raise ConfigError(f"{key}.{name}", f"a {step.type} step needs '{name}'",
                              f"add {name}: ... to the step (docs/journeys.md, step types)")
    for f in dataclasses.fields(StepConfig):
        if f.name != "type" and f.name not in needed and getattr(step, f.name) is not None:
            raise ConfigError(f"{key}.{f.name}", f"a {step.type} step has no '{f.name}'",
                              f"remove it; a {step.type} step takes "
                              f"{', '.join(needed) or 'no other key'}")
    targets = [(name, getattr(step, name)) for name in ("next", "on_timeout", "otherwise")]
    targets += [(f"branches.{i}.next", b.next) for i, b in enumerate(step.branches or [])]
    for name, target in targets:
        if target is not None and target not in names:
            raise ConfigError(f"{key}.{name}", f"step '{target}' does not exist",
                              suggest(target, names).replace("valid keys here", "steps"))
    if step.offer is not None and step.offer not in offers:
        raise ConfigError(f"{key}.offer", f"offer '{step.offer}' is not in the catalog",
                          suggest(step.offer, offers).replace("valid keys here", "offers"))


def _added_step_hint(err: ConfigError, added: list[str], base_steps: list[str]) -> ConfigError:
    """``err`` with a hint when it is about a step a variant adds that looks like a typo."""
    for name in added:
        close = difflib.get_close_matches(name, base_steps, n=1)
        if close and f".steps.{name}" in err.key:
            return ConfigError(err.key, err.problem,
                               f"'{name}' is not a step of the journey, so the variant adds it: "
                               f"did you mean '{close[0]}'? ({err.fix})")
    return err


def _edges(step: StepConfig) -> list[str]:
    out = [t for t in (step.next, step.on_timeout, step.otherwise) if t is not None]
    return out + [b.next for b in step.branches or []]


def _check_graph(steps: dict[str, StepConfig], start: str, key: str,
                 must_reach: list[str]) -> None:
    """Every step of ``must_reach`` is reachable from ``start``; no loop lacks a wait."""
    reached, todo = {start}, [start]
    while todo:
        for target in _edges(steps[todo.pop()]):
            if target not in reached:
                reached.add(target)
                todo.append(target)
    unreachable = [name for name in must_reach if name not in reached]
    if unreachable:
        raise ConfigError(f"{key}.steps.{unreachable[0]}",
                          f"step(s) {', '.join(unreachable)} can never be reached from "
                          f"'{start}'", "point a step's next/branch to it, or remove it")
    # A cycle through instantaneous steps only would spin forever within one day.
    instant = {n: [t for t in _edges(s) if steps[t].type not in ("wait", "wait_until")]
               for n, s in steps.items() if s.type not in ("wait", "wait_until")}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in instant.get(node, []):
            if state.get(target) == 1:
                loop = path[path.index(target):] + [target] if target in path else [node, target]
                raise ConfigError(f"{key}.steps.{node}",
                                  f"the loop {' -> '.join(loop)} has no wait",
                                  "add a wait or wait_until step inside the loop")
            if target not in state:
                visit(target, path + [target])
        state[node] = 2

    for node in instant:
        if node not in state:
            visit(node, [node])


def _tables(variants: list[dict[str, StepConfig]], start: str, offers: list[str],
            attributes: Mapping[str, Attribute], key: str) -> Steps:
    """Stack the variants' steps into ``Steps`` tables over the union of their step names."""
    names = list(dict.fromkeys(name for steps in variants for name in steps))
    index = {name: i for i, name in enumerate(names)}

    def table(value: Callable[[StepConfig], int]) -> np.ndarray:
        return np.array([[value(steps[n]) if n in steps else -1 for n in names]
                         for steps in variants], np.int32)

    def target(name: str | None) -> int:
        return -1 if name is None else index[name]

    def condition(steps: dict[str, StepConfig], n: str) -> Condition | None:
        text = steps[n].condition if n in steps else None
        return None if text is None else compile_or_fail(
            text, attributes, f"{key}.steps.{n}.condition")

    def branches(steps: dict[str, StepConfig], n: str) -> tuple[tuple[Condition, int], ...]:
        listed = (steps[n].branches or []) if n in steps else []
        return tuple((compile_or_fail(b.condition, attributes,
                                      f"{key}.steps.{n}.branches.{i}.condition"), index[b.next])
                     for i, b in enumerate(listed))

    return Steps(
        names=tuple(names),
        kind=table(lambda x: STEP_TYPES.index(x.type)),
        next=table(lambda x: target(x.next)),
        channel=table(lambda x: -1 if x.channel is None else CHANNELS.index(x.channel)),
        content=table(lambda x: -1 if x.content is None else CONTENTS.index(x.content)),
        offer=table(lambda x: -1 if x.offer is None else offers.index(x.offer)),
        days=table(lambda x: x.days or x.timeout_days or 0),
        on_timeout=table(lambda x: target(x.on_timeout)),
        otherwise=table(lambda x: target(x.otherwise)),
        team=table(lambda x: -1 if x.team is None else TEAMS.index(x.team)),
        conditions=tuple(tuple(condition(steps, n) for n in names) for steps in variants),
        branches=tuple(tuple(branches(steps, n) for n in names) for steps in variants),
        start=index[start],
    )


def compile_journey(name: str, cfg: JourneyConfig, offers: Mapping[str, object],
                    attributes: Mapping[str, Attribute],
                    signals: tuple[str, ...]) -> CompiledJourney:
    """Check journey ``name`` and compile it; raise ``ConfigError`` on the first mistake."""
    key = f"journey.{name}"
    if not cfg.steps:
        raise ConfigError(f"{key}.steps", "the journey has no steps",
                          "add steps (docs/journeys.md has a worked example)")
    start = cfg.start or next(iter(cfg.steps))
    if start not in cfg.steps:
        raise ConfigError(f"{key}.start", f"step '{start}' does not exist",
                          suggest(start, cfg.steps).replace("valid keys here", "steps"))
    if cfg.entry.signal is not None and cfg.entry.signal not in signals:
        raise ConfigError(f"{key}.entry.signal", f"there is no signal '{cfg.entry.signal}'",
                          suggest(cfg.entry.signal, signals).replace("valid keys here", "signals"))
    if cfg.entry.reentry == "after_days" and cfg.entry.reentry_days < 1:
        raise ConfigError(f"{key}.entry.reentry_days", "re-entry after_days needs a day count",
                          "set reentry_days to 1 or more")
    for step_name, step in cfg.steps.items():
        _check_step(step, f"{key}.steps.{step_name}", list(cfg.steps), offers)
    _check_graph(cfg.steps, start, key, list(cfg.steps))
    variants = cfg.arms.variants or {"default": VariantConfig()}
    variant_steps, channels = [], set()
    for variant_name, variant in variants.items():
        steps = dict(cfg.steps)
        for step_name, override in variant.steps.items():
            steps[step_name] = _merge(steps[step_name], override) if step_name in steps \
                else override
        added = [n for n in variant.steps if n not in cfg.steps]
        try:
            for step_name, step in steps.items():
                prefix = (f"{key}.arms.variants.{variant_name}" if step_name in variant.steps
                          else key)
                _check_step(step, f"{prefix}.steps.{step_name}", list(steps), offers)
            # a variant may bypass base steps, but the steps it writes must be reachable
            _check_graph(steps, start, f"{key}.arms.variants.{variant_name}" if variant.steps
                         else key, list(variant.steps) if variant.steps else list(steps))
        except ConfigError as err:
            raise _added_step_hint(err, added, list(cfg.steps)) from None
        variant_steps.append(steps)
        channels |= {CHANNELS.index(s.channel) for s in steps.values() if s.channel}
    tables = _tables(variant_steps, start, list(offers), attributes, key)
    weights = np.array([v.weight for v in variants.values()], np.float64)
    return CompiledJourney(
        name=name, priority=cfg.priority, signal=cfg.entry.signal,
        when=compile_or_fail(cfg.entry.when, attributes, f"{key}.entry.when"),
        eligibility=compile_or_fail(cfg.entry.eligibility, attributes, f"{key}.entry.eligibility"),
        reentry=cfg.entry.reentry, reentry_days=cfg.entry.reentry_days,
        exit_on_conversion=cfg.exit.on_conversion, exit_on_unsubscribe=cfg.exit.on_unsubscribe,
        exit_when=compile_or_fail(cfg.exit.when, attributes, f"{key}.exit.when"),
        holdout=cfg.arms.holdout, variant_names=tuple(variants),
        variant_weights=weights / weights.sum(), steps=tables, channels=frozenset(channels),
        offers=frozenset(int(o) for o in np.unique(tables.offer) if o >= 0),
    )

