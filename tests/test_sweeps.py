"""Sweeps from the command line: the aggregated table and comparison, resuming, launchers, and
the named experiments."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf
from scipy import stats

from helpers import JOURNEYSIM, ROOT, run_cli
from journeysim.config.compose import CONF_DIR
from journeysim.config.experiments import (
    check_experiment,
    experiment_names,
    register_experiments,
)
from journeysim.config.load import ConfigError, load
from journeysim.journeys.scenario import compile_scenario
from journeysim.report.sweep_table import comparison, flatten, runs_table

SMALL = ("population.size=1500", "horizon_days=45", "journey=[seat_expansion]",
         "output.events=false", "output.customers=false")
SWEEP = (*SMALL, "policy.caps.0.max_sends=1,3", "seed=0,1")
"""Two settings times two seeds: jobs 0-3."""
HEADLINE = ("nrr", "grr", "expansion_mrr", "logo_churn_rate", "unsubscribes", "sends",
            "conversions")
REPORT_FILES = ("sweep.parquet", "sweep.csv", "comparison.parquet", "comparison.csv",
                "comparison.png", "tradeoff.png", "report.html")


def _sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = run_cli("-m", *SWEEP, *args, f"hydra.sweep.dir={sweep_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _table(sweep_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sweep_dir / "sweep.parquet")


def _summaries(sweep_dir: Path) -> dict[str, bytes]:
    return {p.parent.name: p.read_bytes() for p in sorted(sweep_dir.glob("*/summary.json"))}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sweep run once, uninterrupted, by Hydra's default (sequential) launcher."""
    sweep_dir = tmp_path_factory.mktemp("sequential") / "sweep"
    _sweep(sweep_dir)
    return sweep_dir


def test_the_sweep_table_has_one_row_per_run_equal_to_its_summary(reference: Path) -> None:
    for name in REPORT_FILES:
        assert (reference / name).is_file(), name
    table = _table(reference)
    assert table["job"].tolist() == ["0", "1", "2", "3"]
    assert table[["policy.caps.0.max_sends", "seed"]].values.tolist() == [[1, 0], [1, 1],
                                                                         [3, 0], [3, 1]]
    assert table["population.size"].eq(1500).all() and table["journey"].eq("[seat_expansion]").all()
    for row in table.to_dict("records"):
        summary = flatten(json.loads((reference / row["job"] / "summary.json").read_text()))
        assert {"nrr", "sends", "by_segment.smb.nrr", "teams.sales.headcount",
                "journeys.seat_expansion.arms.teach_first.entrants"} <= summary.keys()
        for key, value in summary.items():
            assert row[key] == value or (value is None and pd.isna(row[key])), key
    csv = pd.read_csv(reference / "sweep.csv")
    assert list(csv.columns) == list(table.columns) and len(csv) == len(table)


def test_the_comparison_summarises_each_setting_over_its_seeds(reference: Path) -> None:
    table, comp = _table(reference), pd.read_parquet(reference / "comparison.parquet")
    assert set(comp.columns) >= {"policy.caps.0.max_sends", "metric", "n", "mean", "sd",
                                 "ci_low", "ci_high"}
    assert "seed" not in comp.columns
    assert set(HEADLINE) <= set(comp["metric"])
    assert comp.groupby("policy.caps.0.max_sends")["metric"].nunique().nunique() == 1
    assert (comp.loc[comp["metric"].isin(HEADLINE), "n"] == 2).all()
    assert comp["n"].between(0, 2).all()  # a lift a run cannot estimate counts for less
    for cap in (1, 3):
        values = table.loc[table["policy.caps.0.max_sends"] == cap, "expansion_mrr"]
        row = comp[(comp["policy.caps.0.max_sends"] == cap)
                   & (comp["metric"] == "expansion_mrr")].iloc[0]
        half = stats.t.ppf(0.975, 1) * values.std(ddof=1) / 2 ** 0.5
        assert row["mean"] == pytest.approx(values.mean())
        assert row["sd"] == pytest.approx(values.std(ddof=1))
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((values.mean() - half,
                                                                 values.mean() + half))


def test_a_setting_is_the_resolved_config_not_the_override_text(tmp_path: Path) -> None:
    """A job that spelled out a default (extending a sweep, say) is in the same setting."""
    jobs = {"0": (["seed=0"], "seed: 0\nhorizon_days: 10\n"),
            "1": (["seed=1", "horizon_days=10"], "seed: 1\nhorizon_days: 10\n"),
            "2": (["seed=2", "horizon_days=20"], "seed: 2\nhorizon_days: 20\n")}
    for name, (overrides, config) in jobs.items():
        (tmp_path / name / ".hydra").mkdir(parents=True)
        (tmp_path / name / ".hydra" / "overrides.yaml").write_text(
            "".join(f"- {o}\n" for o in overrides))
        (tmp_path / name / "config.yaml").write_text(config)
        (tmp_path / name / "summary.json").write_text(json.dumps({"nrr": 1.0 + int(name)}))
    runs = runs_table(tmp_path)
    assert runs["horizon_days"].tolist() == [10, 10, 20]
    comp = comparison(runs)
    assert comp[["horizon_days", "n"]].values.tolist() == [[10, 2], [20, 1]]


def test_the_sweep_report_command_rebuilds_the_outputs(reference: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    for job in reference.glob("[0-9]*"):
        (copy / job.name).mkdir(parents=True)
        for name in ("summary.json", ".hydra/overrides.yaml"):
            (copy / job.name / name).parent.mkdir(exist_ok=True)
            (copy / job.name / name).write_bytes((job / name).read_bytes())
    done = subprocess.run([str(JOURNEYSIM.with_name("journeysim-sweep-report")), str(copy)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in REPORT_FILES:
        assert (copy / name).is_file(), name
    pd.testing.assert_frame_equal(_table(copy), _table(reference))
    empty = subprocess.run([str(JOURNEYSIM.with_name("journeysim-sweep-report")), str(tmp_path)],
                           capture_output=True, text=True, timeout=300)
    assert empty.returncode == 2 and "no complete run" in empty.stderr


def test_an_interrupted_sweep_resumes_without_rerunning_complete_runs(
        reference: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    command = [str(JOURNEYSIM), "-m", *SWEEP, f"hydra.sweep.dir={sweep_dir}"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not (sweep_dir / "0" / "summary.json").exists():
        assert process.poll() is None and time.monotonic() < deadline, "no first run"
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    complete = _summaries(sweep_dir)
    assert "0" in complete and len(complete) < 4, "the sweep was stopped part-way"
    stamps = {job: (sweep_dir / job / "summary.json").stat().st_mtime_ns for job in complete}
    partial = sweep_dir / next(job for job in "0123" if job not in complete)
    partial.mkdir(exist_ok=True)  # a stopped run leaves whole files but no summary: stale ones
    (partial / "config.yaml").write_text("stale\n")
    (partial / "daily.parquet").write_bytes(b"stale")

    resumed = _sweep(sweep_dir)
    for job in complete:
        assert f"skipped: {sweep_dir / job} already complete" in resumed.stdout
        assert (sweep_dir / job / "summary.json").stat().st_mtime_ns == stamps[job]
    assert _summaries(sweep_dir) == _summaries(reference)
    pd.testing.assert_frame_equal(_table(sweep_dir).drop(columns="job"),
                                  _table(reference).drop(columns="job"))


def test_joblib_with_two_workers_equals_sequential(reference: Path, tmp_path: Path) -> None:
    sweep_dir = tmp_path / "joblib"
    _sweep(sweep_dir, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
    assert _summaries(sweep_dir) == _summaries(reference)
    pd.testing.assert_frame_equal(_table(sweep_dir), _table(reference))


def test_the_ray_launcher_equals_sequential(reference: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hydra_plugins.hydra_ray_launcher")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)  # start a local Ray instance
    sweep_dir = tmp_path / "ray"
    _sweep(sweep_dir, "hydra/launcher=ray", "+hydra.launcher.ray.init.num_cpus=2",
           "+hydra.launcher.ray.init.include_dashboard=false")
    assert _summaries(sweep_dir) == _summaries(reference)
    pd.testing.assert_frame_equal(_table(sweep_dir), _table(reference))


def test_a_rerun_into_a_directory_holding_another_configs_run_stops(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "sweep"
    tiny = ("-m", "population.size=300", "horizon_days=10", "journey=[]")
    assert run_cli(*tiny, "seed=0", f"hydra.sweep.dir={sweep_dir}").returncode == 0
    before = {p: p.read_bytes() for p in sweep_dir.rglob("*") if p.is_file()}
    again = run_cli(*tiny, "seed=1", f"hydra.sweep.dir={sweep_dir}")
    assert again.returncode == 2, again.stderr
    assert again.stderr.startswith("journeysim: configuration error")
    assert "Traceback" not in again.stderr
    for text in (str(sweep_dir / "0"), "finished run of a different configuration",
                 "choose another hydra.sweep.dir"):
        assert text in again.stderr, (text, again.stderr)
    assert {p: p.read_bytes() for p in sweep_dir.rglob("*") if p.is_file()} == before, \
        "nothing in the folder changes, Hydra's multirun.yaml included"


def _job_overrides(name: str) -> list[list[str]]:
    """The overrides of the experiment's jobs for its first seed (one job per setting)."""
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        cfg = compose("config", overrides=[f"+experiment={name}"], return_hydra_config=True)
    assert str(cfg.hydra.sweep.dir).startswith(f"results/experiments/{name}/")
    params = {key: str(values) for key, values in cfg.hydra.sweeper.params.items()}
    assert params.pop("++seed") == "range(0,5)"
    overrides = OverridesParser.create().parse_overrides([f"{k}={v}" for k, v in params.items()])
    return BasicSweeper.split_arguments(overrides, None)[0]


@pytest.mark.parametrize("name", ["timing", "frequency_caps", "offer_strategy", "holdout_size"])
def test_each_experiment_composes_and_validates(name: str) -> None:
    assert name in experiment_names()
    check_experiment(name, [CONF_DIR])
    register_experiments()
    jobs = _job_overrides(name)
    assert len(jobs) >= 2
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base=None):
        configs = [compose("config", overrides=[f"+experiment={name}", *job]) for job in jobs]
    sims = [load(OmegaConf.to_container(cfg, resolve=True)) for cfg in configs]
    for sim in sims:
        compile_scenario(sim)
    assert len({repr(sim) for sim in sims}) == len(jobs), "every setting is a different config"


def test_an_experiment_sweeping_an_unknown_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "hydra:\n  sweeper:\n    params:\n      ++policy.caps.0.max_send: 1,2\n")
    with pytest.raises(ConfigError, match="unknown key") as err:
        check_experiment("mine", [CONF_DIR], directory=tmp_path)
    assert err.value.key == "policy.caps.0.max_send"
    done = run_cli("+experiment=nope")
    assert done.returncode == 2 and "there is no experiment named 'nope'" in done.stderr


def test_a_small_experiment_runs_end_to_end(tmp_path: Path) -> None:
    sweep_dir = tmp_path / "caps"
    done = run_cli("+experiment=frequency_caps", *SMALL, "policy.caps.0.max_sends=1,3",
                   "seed=0,1", f"hydra.sweep.dir={sweep_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    table = _table(sweep_dir)
    assert len(table) == 4 and table["experiment"].eq("frequency_caps").all()
    comp = pd.read_csv(sweep_dir / "comparison.csv")
    assert sorted(comp["policy.caps.0.max_sends"].unique()) == [1, 3]
    assert (comp.loc[comp["metric"].isin(HEADLINE), "n"] == 2).all()
    assert (sweep_dir / "report.html").stat().st_size > 10_000


def test_effects_flatten_to_dotted_columns_and_lifts_by_journey_arm_and_outcome() -> None:
    lift = {"journey": "seat_expansion", "arm": "offer_now", "outcome": "expanded", "unit": "share",
            "entrants": 900, "holdout_entrants": 100, "true": 0.02, "estimate": 0.03,
            "ci_low": -0.01, "ci_high": 0.07, "cuped_estimate": None, "naive": 0.03, "mde": 0.05}
    summary = {"nrr": 1.01, "segments": ["smb"], "effects": {
        "baseline": "no_journeys",
        "true": {"overall": {"expansion_mrr": 120.0}, "by_segment": {"smb": {"nrr": 0.01}}},
        "lifts": [lift]}}
    flat = flatten(summary)
    assert flat["nrr"] == 1.01 and "segments" not in flat and "effects.lifts" not in flat
    assert flat["effects.baseline"] == "no_journeys"
    assert flat["effects.true.overall.expansion_mrr"] == 120.0
    assert flat["effects.true.by_segment.smb.nrr"] == 0.01
    prefix = "lift.seat_expansion.offer_now.expanded."
    assert {k[len(prefix):]: v for k, v in flat.items() if k.startswith(prefix)} == {
        k: v for k, v in lift.items() if k not in ("journey", "arm", "outcome")}
    runs = pd.DataFrame([{"seed": 0, "job": "0", **flat}, {"seed": 1, "job": "1", **flat}])
    assert set(comparison(runs)["metric"]) == {
        "nrr", "effects.true.overall.expansion_mrr", f"{prefix}true", f"{prefix}estimate",
        f"{prefix}mde"}
