"""Where does ``JourneyModel.step`` spend its time? Milliseconds per day, process by process.

Run from the repository root::

    .venv/bin/python benchmarks/profile_step.py                       # 10^6 customers, 365 days
    .venv/bin/python benchmarks/profile_step.py --size 100000 --days 60

The model's own processes are wrapped with timers (nothing in ``src/`` is changed): the four
daily draws, each process the step calls, and, nested inside them, the event log, the
DataCollector and a few behaviour functions. Costs change over the horizon (churned customers
make ``active`` sparse), so the table shows the mean over all days and over the first and last
30 days. Wrapping adds about a microsecond per call: nothing at this scale.

Support tickets are part of the core day; as in ``bench_step.py`` the support team is scaled
with the population (8 reps per 10,000 customers, ``--support-headcount`` to choose), and the
report ends with the cost per ticket filed: queueing it (``_file_tickets``), the teams' day
(``desk.run_day``: without journeys only the support team has work) and, inside it, the SimPy
run of the support team.
"""

from __future__ import annotations

import argparse
import importlib
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

TOP: tuple[tuple[str, str], ...] = (
    ("draws", "journeysim.model:uniforms"),
    ("fatigue.decay", "journeysim.behavior.fatigue:decay"),
    ("usage.advance", "journeysim.behavior.usage:advance"),
    ("_adopt", "model:_adopt"),
    ("seats.grow_demand", "journeysim.behavior.seats:grow_demand"),
    ("_fire_milestones", "model:_fire_milestones"),
    ("_file_tickets", "model:_file_tickets"),
    ("journeys.run_day", "model:journeys.run_day"),
    ("desk.run_day", "model:desk.run_day"),
    ("_end_discounts", "model:_end_discounts"),
    ("_organic", "model:_organic"),
    ("_renew", "model:_renew"),
    ("_record_kpis", "model:_record_kpis"),
)
"""Top-level parts of the step, in the step's order: ``model:method`` for the model's own
methods, ``module:attribute`` (dotted for a class attribute) for what the step calls through a
module. Parts that the current code does not have are skipped."""
NESTED: tuple[tuple[str, str], ...] = (
    ("events.add", "model:events.add"),
    ("datacollector.collect", "model:datacollector.collect"),
    ("adoption.new_adopters", "journeysim.behavior.adoption:new_adopters"),
    ("MilestoneTracker.advance", "journeysim.behavior.milestones:MilestoneTracker.advance"),
    ("MilestoneTracker.evaluate", "journeysim.behavior.milestones:MilestoneTracker.evaluate"),
    ("milestones.conditions", "journeysim.behavior.milestones:conditions"),
    ("milestones.fired", "journeysim.behavior.milestones:fired"),
    ("organic.decide", "journeysim.behavior.organic:decide"),
    ("change_subscription", "journeysim.model:change_subscription"),
    ("churn.renewals_due", "journeysim.behavior.churn:renewals_due"),
    ("churn.effective_propensity", "journeysim.behavior.churn:effective_propensity"),
    ("fatigue.total", "journeysim.behavior.fatigue:total"),
    ("support.daily_rate", "journeysim.behavior.support:daily_rate"),
    ("desk.file_tickets", "model:desk.file_tickets"),
    ("support team submit (SimPy)", "model:desk.teams.support.submit"),
    ("support team run_until (SimPy)", "model:desk.teams.support.run_until"),
    ("desk._resolve", "model:desk._resolve"),
    ("desk.withdraw", "model:desk.withdraw"),
)
"""Pieces inside the top-level parts (their time is already counted there)."""


class Timers:
    """Seconds per label per day."""

    def __init__(self, days: int) -> None:
        self.days = days
        self.day = 0
        self.seconds: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(days))
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[label][self.day] += time.perf_counter() - t0
                self.calls[label] += 1
        return timed


class _TimedStream:
    """Stands in for a numpy Generator; times ``random``."""

    def __init__(self, generator: np.random.Generator, timers: Timers) -> None:
        self._generator = generator
        self.random = timers.wrap("draws", generator.random)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._generator, name)


def _resolve(model: Any, target: str) -> tuple[Any, str] | None:
    """The object and attribute name that ``target`` points at, or None if it does not exist."""
    where, path = target.split(":")
    owner = model if where == "model" else importlib.import_module(where)
    *parents, attr = path.split(".")
    for name in parents:
        owner = owner.get(name) if isinstance(owner, dict) else getattr(owner, name, None)
    return (owner, attr) if owner is not None and hasattr(owner, attr) else None


def support_headcount(size: int) -> int:
    """Support reps for ``size`` customers: the default 8 per 10,000 (as in bench_step.py)."""
    return max(1, round(8 * size / 10_000))


def profile(size: int, days: int, with_journeys: bool = False,
            support_reps: int | None = None) -> tuple[Timers, np.ndarray, Any]:
    """Run ``days`` days of a ``size``-customer model with every part timed."""
    from journeysim.config.compose import CONF_DIR, compose_config
    from journeysim.model import JourneyModel

    reps = support_headcount(size) if support_reps is None else support_reps
    overrides = [f"population.size={size}", f"horizon_days={days}",
                 f"team.support.headcount={reps}"]
    if not with_journeys and (CONF_DIR / "journey").is_dir():
        overrides.append("journey=[]")  # the core model only
    cfg = compose_config(overrides)
    model = JourneyModel(cfg)
    timers = Timers(days)

    patched: list[tuple[Any, str, Any]] = []
    for label, target in (*TOP, *NESTED):
        found = _resolve(model, target)
        if found is None:
            continue
        owner, attr = found
        original = getattr(owner, attr)
        if target.startswith("model:") and "." not in target.split(":")[1]:
            setattr(owner, attr, timers.wrap(label, original))  # bound method on the instance
        else:
            raw = owner.__dict__.get(attr, original) if isinstance(owner, type) else original
            patched.append((owner, attr, raw))
            setattr(owner, attr, timers.wrap(label, raw))
    if "draws" not in timers.seconds and _resolve(model, TOP[0][1]) is None:
        model.streams = {name: _TimedStream(g, timers) for name, g in model.streams.items()}

    total = np.zeros(days)
    try:
        for day in range(days):
            timers.day = day
            t0 = time.perf_counter()
            model.step()
            total[day] = time.perf_counter() - t0
    finally:
        for owner, attr, original in reversed(patched):
            setattr(owner, attr, original)
    return timers, total, model


def report(timers: Timers, total: np.ndarray, size: int, model: Any = None) -> None:
    """Print milliseconds per day per part."""
    days = len(total)
    window = min(30, days)

    def ms(values: np.ndarray) -> tuple[float, float, float]:
        return (values.mean() * 1e3, values[:window].mean() * 1e3, values[-window:].mean() * 1e3)

    print(f"JourneyModel.step at {size:,} customers over {days} days: "
          f"{total.mean() * 1e3:.1f} ms/day = {size / total.mean() / 1e6:.2f} M customer-days/s")
    print(f"{'part':<34} {'ms/day':>8} {'share':>6} {'first ' + str(window):>9} "
          f"{'last ' + str(window):>8} {'calls/day':>9}")
    top_sum = np.zeros(days)
    for label, _ in TOP:
        if label in timers.seconds:
            s = timers.seconds[label]
            top_sum += s
            mean, first, last = ms(s)
            print(f"{label:<34} {mean:>8.2f} {s.sum() / total.sum():>6.1%} {first:>9.2f} "
                  f"{last:>8.2f} {timers.calls[label] / days:>9.1f}")
    rest = total - top_sum
    mean, first, last = ms(rest)
    print(f"{'rest of step (Flows, dicts, Mesa)':<34} {mean:>8.2f} "
          f"{rest.sum() / total.sum():>6.1%} {first:>9.2f} {last:>8.2f}")
    mean, first, last = ms(total)
    print(f"{'total':<34} {mean:>8.2f} {1:>6.1%} {first:>9.2f} {last:>8.2f}")
    print("\nnested inside the parts above (already counted there):")
    for label, _ in NESTED:
        if label in timers.seconds:
            s = timers.seconds[label]
            mean, first, last = ms(s)
            print(f"  {label:<32} {mean:>8.2f} {s.sum() / total.sum():>6.1%} {first:>9.2f} "
                  f"{last:>8.2f} {timers.calls[label] / days:>9.1f}")
    team = getattr(getattr(model, "desk", None), "teams", {}).get("support")
    if team is None:
        return
    records = team.records
    tickets = len(records)
    waits = [r.started - r.queued for r in records if r.started is not None]
    print(f"\nsupport: {team.spec.headcount} reps, {tickets:,} tickets filed "
          f"({tickets / days:,.1f} a day), mean wait {np.mean(waits) if waits else 0:.2f} days, "
          f"{team.queue_length:,} waiting at the end")
    if tickets:
        print("microseconds per ticket filed (time over the whole run / tickets):")
        for label in ("_file_tickets", "desk.run_day", "support team submit (SimPy)",
                      "support team run_until (SimPy)", "desk._resolve"):
            if label in timers.seconds:
                print(f"  {label:<32} {timers.seconds[label].sum() / tickets * 1e6:>8.1f}")


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", type=int, default=1_000_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--with-journeys", action="store_true",
                   help="keep the default config's journeys (default: the core model only)")
    p.add_argument("--support-headcount", type=int, default=None,
                   help="support reps (default 8 per 10,000 customers, at least 1)")
    args = p.parse_args(argv)
    timers, total, model = profile(args.size, args.days, args.with_journeys,
                                   args.support_headcount)
    report(timers, total, args.size, model)


if __name__ == "__main__":
    main()
