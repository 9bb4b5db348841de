"""Benchmark the daily step: the vectorised JourneyModel against the textbook per-agent Mesa model.

Run from the repository root::

    .venv/bin/python benchmarks/bench_step.py                  # full run, about 12 minutes
    .venv/bin/python benchmarks/bench_step.py --quick          # smoke run, a few seconds
    .venv/bin/python benchmarks/bench_step.py --json results/bench_step.json

What is measured
----------------
* Speed of the daily step only, in customer-days per second: the wall time of
  ``model.run(days)`` after the model is built (construction is timed and reported apart).
* Every population size runs alone in a fresh subprocess, so its peak resident memory
  (``ru_maxrss``, which includes the ~150 MB of importing Mesa) is its own. The vectorised sizes
  are repeated (same seed, fresh model each time) and the best and the median are reported: the
  machine is shared, and noise only ever adds time.
* The per-agent version (``benchmarks/agent_model.py``) is far slower, so it runs once, at a
  small population.
* Support tickets are part of the core day (customers file them with or without journeys,
  and a SimPy support team resolves them). The default support team (8 reps,
  ``conf/team/default.yaml``) is sized for the default 10,000 customers, so every run here
  scales it with the population: ``team.support.headcount = max(1, round(8 * size / 10,000))``
  (80 reps at 10^5, 800 at 10^6); at 10^6 customers 8 reps would face a queue growing by
  thousands of tickets a day. The tickets filed, the mean wait and the queue left at the end
  are printed per size, so the load the support team carried is visible next to the speed.
* A model check: the per-agent version must be the same model. For 10^4 customers over 365
  days it prints churned share, expansions per customer, adopted share (and two more) from both
  versions. Both start from the identical generated population, so the differences come from
  the daily luck only; to show how large that luck is, the vectorised model is rerun with
  several other seeds for its daily random streams (same customers), and each per-agent
  number is reported as a z-score against that spread. The per-agent version has no support
  tickets, so the check's vectorised runs set ``population.churn_modifiers.support=0``: without
  journeys, the churn modifier is the only way tickets touch the compared quantities (they are
  still filed and worked). The check's runs are therefore separate from the timed runs, which
  use the default config.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = [10_000, 100_000, 1_000_000]
SUPPORT_REPS_PER_10K = 8
"""The default support team (``conf/team/default.yaml``) is sized for 10,000 customers."""
CHECK_OVERRIDES = ["population.churn_modifiers.support=0"]
"""The model check's vectorised runs: support tickets without their effect on churn, which the
per-agent version does not have."""
AGENT_BUDGET_S = 60.0
"""The per-agent run is meant to finish within about this long (choose --agent-days to fit)."""
CHECK_QUANTITIES = {
    "churned_share": "churned share",
    "expansions_per_customer": "expansions per customer",
    "adopted_share_end": "adopted share at the end",
    "contractions_per_customer": "contractions per customer",
    "nrr": "net revenue retention",
}


# --------------------------------------------------------------------------------------------
# Worker side: runs in a fresh interpreter, measures one thing, prints one JSON line.
# --------------------------------------------------------------------------------------------

def _maxrss_mb() -> float:
    import resource

    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def support_headcount(size: int) -> int:
    """Support reps for ``size`` customers: the default 8 per 10,000, at least one."""
    return max(1, round(SUPPORT_REPS_PER_10K * size / 10_000))


def model_stats(model: Any, size: int, mrr_start_cents: int) -> dict[str, float]:
    """The quantities the model check compares, from either version of the model."""
    f = model.flows
    mrr_end = mrr_start_cents + f.expansion_mrr - f.contraction_mrr - f.churned_mrr
    return {
        "churned_share": f.churned_customers / size,
        "expansions_per_customer": f.expansions / size,
        "adopted_share_end": float(model.kpis["adopted_share"]),
        "contractions_per_customer": f.contractions / size,
        "nrr": mrr_end / mrr_start_cents,
    }


def _worker(spec: dict[str, Any]) -> dict[str, Any]:
    import gc

    started = time.perf_counter()
    import mesa  # noqa: F401  (its import is part of every real run's memory)

    from journeysim.config.compose import CONF_DIR, compose_config
    from journeysim.model import JourneyModel

    sys.path.insert(0, str(HERE))
    from agent_model import AgentJourneyModel

    size, days = spec["size"], spec["days"]
    overrides = [f"population.size={size}", f"horizon_days={days}",
                 f"team.support.headcount={support_headcount(size)}", *spec.get("overrides", [])]
    if not spec.get("with_journeys") and (CONF_DIR / "journey").is_dir():
        overrides.append("journey=[]")  # the core model: no journeys (the default runs some)
    cfg = compose_config(overrides)
    out: dict[str, Any] = {"size": size, "days": days, "kind": spec["kind"],
                           "overrides": overrides,
                           "import_s": time.perf_counter() - started,
                           "rss_after_import_mb": _maxrss_mb()}

    if spec["kind"] == "agent":
        t0 = time.perf_counter()
        model = AgentJourneyModel(cfg)
        t1 = time.perf_counter()
        model.run(days)
        t2 = time.perf_counter()
        out.update(construct_s=[t1 - t0], step_s=[t2 - t1],
                   stats=model_stats(model, size, model.mrr_start))
    else:
        construct, step = [], []
        for _ in range(spec["repeats"]):
            t0 = time.perf_counter()
            model = JourneyModel(cfg)
            t1 = time.perf_counter()
            model.run(days)
            t2 = time.perf_counter()
            construct.append(t1 - t0)
            step.append(t2 - t1)
            stats = model_stats(model, size, int(model.customers.mrr_start.sum()))
            out["journeys_active"] = getattr(model, "journeys", None) is not None
            out["support"] = _support_stats(model, days)
            del model
            gc.collect()
        out.update(construct_s=construct, step_s=step, stats=stats)
        out["peak_rss_timed_mb"] = _maxrss_mb()
        replicas = []
        for k in range(spec.get("replicas", 0)):
            replicas.append(_vector_replica(JourneyModel, cfg, size, days, seed=10_000 + k))
            gc.collect()
        out["replicas"] = replicas
    out["peak_rss_mb"] = _maxrss_mb()
    return out


def _support_stats(model: Any, days: int) -> dict[str, float] | None:
    """The support team's load in a finished run (None if the model has no support team)."""
    team = getattr(getattr(model, "desk", None), "teams", {}).get("support")
    if team is None:
        return None
    records = team.records
    waits = [r.started - r.queued for r in records if r.started is not None]
    return {"headcount": team.spec.headcount, "tickets": len(records),
            "tickets_per_day": len(records) / days,
            "started": len(waits), "mean_wait_days": statistics.fmean(waits) if waits else 0.0,
            "queue_end": team.queue_length}


def _vector_replica(model_class: Any, cfg: Any, size: int, days: int,
                    seed: int) -> dict[str, float]:
    """One more vectorised run on the same customers with other seeds for the daily draws."""
    from journeysim.rng import PROCESSES, streams

    model = model_class(cfg)
    if not isinstance(getattr(model, "streams", None), dict):
        raise SystemExit("JourneyModel no longer keeps its random streams in `model.streams`; "
                         "update _vector_replica in benchmarks/bench_step.py")
    fresh = streams(seed, tuple(p for p in PROCESSES if p != "population"))
    model.streams = {**model.streams, **fresh}
    model.run(days)
    return model_stats(model, size, int(model.customers.mrr_start.sum()))


def _run_workers(specs: list[dict[str, Any]], together: bool = False) -> list[dict[str, Any]]:
    """Run the measurements in fresh interpreters, one each; return the results in order.

    With ``together`` (``--quick`` only) all of them share one interpreter, which saves the
    seconds of importing Mesa again; memory is then not measured per size.
    """
    def run(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker",
                               json.dumps(batch)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stderr)
            raise SystemExit(f"benchmark worker failed for {batch} (exit {proc.returncode})")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    if together:
        return run(specs)
    results = []
    for spec in specs:
        print(f"  {spec['label']} ...", flush=True)
        results.extend(run([spec]))
    return results


# --------------------------------------------------------------------------------------------
# Driver side
# --------------------------------------------------------------------------------------------

def _rate(size: int, days: int, seconds: float) -> float:
    return size * days / seconds


def _summarise(result: dict[str, Any]) -> dict[str, Any]:
    size, days, step = result["size"], result["days"], result["step_s"]
    best, median = min(step), statistics.median(step)
    return {**result, "repeats": len(step), "step_best_s": best, "step_median_s": median,
            "construct_median_s": statistics.median(result["construct_s"]),
            "customer_days_per_s_best": _rate(size, days, best),
            "customer_days_per_s_median": _rate(size, days, median),
            "us_per_customer_day_best": best / (size * days) * 1e6}


def _default_repeats(size: int) -> int:
    return 3 if size <= 100_000 else 2


def _print_table(vector: list[dict[str, Any]], agent: dict[str, Any] | None) -> None:
    head = (f"{'model':<10} {'customers':>10} {'days':>5} {'reps':>4} {'build s':>8} "
            f"{'step s best':>11} {'step s med':>10} {'M cust-days/s best':>18} "
            f"{'(median)':>9} {'us/cust-day':>11} {'peak RSS MB':>11}")
    print(head)
    print("-" * len(head))
    for r in [*vector, *([agent] if agent else [])]:
        name = "per-agent" if r["kind"] == "agent" else "vectorised"
        rss = r.get("peak_rss_timed_mb", r["peak_rss_mb"])  # before the check's extra runs
        print(f"{name:<10} {r['size']:>10,} {r['days']:>5} {r['repeats']:>4} "
              f"{r['construct_median_s']:>8.2f} {r['step_best_s']:>11.2f} "
              f"{r['step_median_s']:>10.2f} {r['customer_days_per_s_best'] / 1e6:>18.3f} "
              f"{r['customer_days_per_s_median'] / 1e6:>9.3f} "
              f"{r['us_per_customer_day_best']:>11.3f} {rss:>11.0f}")


def _print_support(rows: list[dict[str, Any]]) -> None:
    """The support team's load in each size's last timed run."""
    rows = [r for r in rows if r.get("support")]
    if not rows:
        return
    print(f"  {'customers':>10} {'support reps':>12} {'tickets':>9} {'per day':>8} "
          f"{'mean wait d':>11} {'queue at end':>12}")
    for r in rows:
        t = r["support"]
        print(f"  {r['size']:>10,} {t['headcount']:>12} {t['tickets']:>9,} "
              f"{t['tickets_per_day']:>8.1f} {t['mean_wait_days']:>11.2f} {t['queue_end']:>12,}")


def _check(vector: dict[str, Any], agent_stats: dict[str, float], size: int,
           days: int) -> dict[str, Any]:
    """Compare the per-agent numbers with the vectorised ones and their seed-to-seed spread."""
    runs = [vector["stats"], *vector["replicas"]]
    rows = {}
    print(f"\nModel check: {size:,} customers, {days} days, identical day-0 population. "
          f"Vectorised: seed 42 and the mean +- sd over {len(runs)} seeds of the daily draws;")
    print("z = (per-agent - vectorised mean) / (sd * sqrt(1 + 1/runs)); |z| < 3 means agreement "
          "within sampling noise.")
    print(f"{'quantity':<27} {'vectorised':>11} {'mean':>9} {'sd':>8} {'per-agent':>10} "
          f"{'z':>6}")
    for key, label in CHECK_QUANTITIES.items():
        values = [r[key] for r in runs]
        mean = statistics.fmean(values)
        sd = statistics.stdev(values) if len(values) > 1 else float("nan")
        z = (agent_stats[key] - mean) / (sd * (1 + 1 / len(values)) ** 0.5) if sd > 0 else None
        rows[key] = {"vectorised_seed42": values[0], "vectorised_mean": mean,
                     "vectorised_sd": sd, "vectorised_runs": len(values),
                     "per_agent": agent_stats[key], "z": z}
        z_text = f"{z:>6.2f}" if z is not None else f"{'-':>6}"
        print(f"{label:<27} {values[0]:>11.4f} {mean:>9.4f} {sd:>8.4f} "
              f"{agent_stats[key]:>10.4f} {z_text}")
    worst = max((abs(r["z"]) for r in rows.values() if r["z"] is not None), default=0.0)
    if len(runs) < 10:
        verdict = f"cannot be judged: {len(runs)} vectorised runs give no usable spread"
    elif worst < 3:
        verdict = "the two versions agree"
    else:
        verdict = "the two versions DISAGREE: check agent_model.py against model.py"
    print(f"largest |z| = {worst:.2f}: {verdict}.")
    return {"size": size, "days": days, "quantities": rows, "max_abs_z": worst}


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                            "cpus": os.cpu_count(), **_git()}
    for name in ("numpy", "mesa"):
        try:
            from importlib.metadata import version

            info[name] = version(name)
        except Exception:  # informational only
            info[name] = None
    return info


def _git() -> dict[str, Any]:
    """The commit measured, and whether src/ or conf/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "conf"],
                               cwd=HERE.parent, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": None, "git_dirty": None}
    return {"git_commit": head, "git_dirty": bool(dirty)}


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=None,
                   help="vectorised population sizes (default 10000 100000 1000000)")
    p.add_argument("--days", type=int, default=None, help="days per vectorised run (default 365)")
    p.add_argument("--repeats", type=int, default=None,
                   help="timed repeats per vectorised size (default 3 up to 10^5, 2 above)")
    p.add_argument("--agent-size", type=int, default=None,
                   help="customers in the per-agent run (default 10000)")
    p.add_argument("--agent-days", type=int, default=None,
                   help="days of the per-agent run (default 365: about 50 s on a slow 2-core "
                        "machine; lower it to keep the run under ~60 s)")
    p.add_argument("--check-size", type=int, default=None, help="customers in the model check "
                   "(default 10000)")
    p.add_argument("--check-days", type=int, default=None, help="days of the model check "
                   "(default 365)")
    p.add_argument("--check-seeds", type=int, default=None,
                   help="extra seeds of the vectorised daily draws for the check's spread "
                        "(default 9)")
    p.add_argument("--no-journeys", action="store_true",
                   help="skip the runs with the default config's journeys (by default each "
                        "size also runs with them, to report the cost of journeys)")
    p.add_argument("--quick", action="store_true",
                   help="tiny smoke run (1,000 customers, 20 days) that takes a few seconds")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    quick = args.quick
    defaults = {"sizes": [1_000] if quick else DEFAULT_SIZES, "days": 20 if quick else 365,
                "agent_size": 1_000 if quick else 10_000, "agent_days": 20 if quick else 365,
                "check_size": 1_000 if quick else 10_000, "check_days": 20 if quick else 365,
                "check_seeds": 2 if quick else 9}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if quick and args.repeats is None:
        args.repeats = 1
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the tables, optionally write JSON; return the results."""
    args = parse_args(argv)
    if args.worker:
        print(json.dumps([_worker(spec) for spec in json.loads(args.worker)]))
        return {}

    started, load_start = time.perf_counter(), _load()
    print(f"journeysim daily-step benchmark ({'quick smoke run' if args.quick else 'full run'}); "
          f"python {platform.python_version()}, {os.cpu_count()} CPUs, load {load_start}")

    print("Support team scaled with the population: team.support.headcount = max(1, round("
          f"{SUPPORT_REPS_PER_10K} * size / 10,000)): "
          + ", ".join(f"{size:,} customers -> {support_headcount(size)}"
                      for size in args.sizes) + " agents.")
    check_in_agent = (args.agent_size, args.agent_days) == (args.check_size, args.check_days)
    specs = []
    for size in args.sizes:
        repeats = args.repeats or _default_repeats(size)
        specs.append({"kind": "vector", "size": size, "days": args.days, "repeats": repeats,
                      "replicas": 0, "with_journeys": False,
                      "label": f"vectorised: {size:>9,} customers x {args.days} days, "
                               f"{repeats} repeat(s), {support_headcount(size)} support reps"})
    specs.append({"kind": "agent", "size": args.agent_size, "days": args.agent_days,
                  "label": f"per-agent:  {args.agent_size:>9,} customers x {args.agent_days} "
                           "days, once"})
    specs.append({"kind": "vector", "size": args.check_size, "days": args.check_days,
                  "repeats": 1, "replicas": args.check_seeds, "overrides": CHECK_OVERRIDES,
                  "label": f"vectorised (check only, {' '.join(CHECK_OVERRIDES)}): "
                           f"{args.check_size:,} customers x {args.check_days} days, "
                           f"{1 + args.check_seeds} seeds"})
    if not check_in_agent:
        specs.append({"kind": "agent", "size": args.check_size, "days": args.check_days,
                      "label": f"per-agent (check only): {args.check_size:,} customers x "
                               f"{args.check_days} days"})
    journey_sizes = [] if args.no_journeys else args.sizes
    for size in journey_sizes:
        repeats = args.repeats or _default_repeats(size)
        specs.append({"kind": "vector", "size": size, "days": args.days, "repeats": repeats,
                      "replicas": 0, "with_journeys": True,
                      "label": f"with journeys: {size:>9,} customers x {args.days} days, "
                               f"{repeats} repeat(s)"})
    results = _run_workers(specs, together=args.quick)
    journeys = [_summarise(r) for r in results[len(results) - len(journey_sizes):]]
    results = results[:len(results) - len(journey_sizes)]
    n = len(args.sizes)
    vector = [_summarise(r) for r in results[:n]]
    agent = _summarise(results[n])
    check_vector = results[n + 1]
    agent_check_stats = agent["stats"] if check_in_agent else results[n + 2]["stats"]

    print("\nSpeed of the daily step (time of model.run(days) after construction; best and "
          "median of the repeats)\n")
    _print_table(vector, agent)
    within = "within" if agent["step_best_s"] <= AGENT_BUDGET_S else "OVER"
    ratios: dict[str, float] = {}
    print(f"\nThe per-agent model ran {agent['size']:,} customers x {agent['days']} days once, "
          f"in {agent['step_best_s']:.1f} s ({within} the ~{AGENT_BUDGET_S:.0f} s budget; "
          "choose --agent-days to fit).")
    print("Peak RSS: ru_maxrss of a fresh process per size, imports included (Mesa, pandas, "
          f"scipy, Hydra, journeysim: {vector[0]['rss_after_import_mb']:.0f} MB before any "
          "model is built).")
    if args.quick:
        print("(Quick run: every measurement shared one process, so memory is not per size, "
              "and sizes this small time overheads, not the step.)")
    print("\nThe core day includes support tickets (filed by customers with or without journeys, "
          "worked by the SimPy support team; the per-agent version has none). Support load in "
          "the core runs:")
    _print_support(vector)
    if journeys:
        print("\nWith the default config's journeys (seat_expansion and annual_plan under the "
              "default policy):\n")
        _print_table(journeys, None)
        print("\nSupport load with journeys:")
        _print_support(journeys)
        print("\nCost of journeys (core customer-days per second / with journeys, best runs):")
        for core, journey in zip(vector, journeys, strict=True):
            cost = core["customer_days_per_s_best"] / journey["customer_days_per_s_best"]
            ratios[f"core_vs_journeys_{core['size']}"] = cost
            print(f"  {core['size']:>9,} customers: {cost:.2f}x slower with journeys")

    agent_rate = agent["customer_days_per_s_best"]
    same = [r for r in vector if r["size"] == agent["size"]]
    if same:
        ratios[f"vectorised_{same[0]['size']}_vs_per_agent_{agent['size']}"] = \
            same[0]["customer_days_per_s_best"] / agent_rate
    largest = max(vector, key=lambda r: r["size"])
    ratios[f"vectorised_{largest['size']}_vs_per_agent_{agent['size']}"] = \
        largest["customer_days_per_s_best"] / agent_rate
    print("\nSpeed-up, vectorised over per-agent (customer-days per second, best runs; the "
          "vectorised runs also work the support tickets, the per-agent runs have none):")
    for name, value in ratios.items():
        if name.startswith("vectorised_"):
            print(f"  {name}: {value:,.1f}x")

    check = _check(check_vector, agent_check_stats, args.check_size, args.check_days)
    elapsed = time.perf_counter() - started
    print(f"\nTotal benchmark time {elapsed:.0f} s; load average {load_start} at the start, "
          f"{_load()} at the end.")

    payload = {"benchmark": "daily_step", "quick": args.quick,
               "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "machine": _machine(),
               "load_average_start": load_start, "load_average_end": _load(),
               "total_s": elapsed, "vectorised": vector, "with_journeys": journeys,
               "per_agent": agent, "support_reps_per_10k": SUPPORT_REPS_PER_10K,
               "check_overrides": CHECK_OVERRIDES,
               "ratios": ratios, "check": check}
    if args.json:
        _write_json(args.json, payload)
        print(f"Results written to {args.json}")
    return payload


if __name__ == "__main__":
    main()
