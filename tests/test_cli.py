"""The command line as a user runs it: outputs, determinism, and config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import ROOT, run_cli

OUTPUTS = ("config.yaml", "summary.json", "daily.parquet", "events.parquet", "customers.parquet")


def test_a_run_writes_every_output_and_prints_its_summary(run_dir: Path) -> None:
    done = run_cli("population.size=2000", "horizon_days=90", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr
    assert "NRR / GRR" in done.stdout and str(run_dir) in done.stdout
    for name in OUTPUTS:
        assert (run_dir / name).is_file(), name
    assert not list(run_dir.glob(".*.tmp")), "no temporary file is left behind"
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["customers_start"] == 2000 and summary["horizon_days"] == 90
    assert summary["revenue_balances"] is True
    daily = pd.read_parquet(run_dir / "daily.parquet")
    assert len(daily) == 91 and daily["day"].tolist() == list(range(91))
    events = pd.read_parquet(run_dir / "events.parquet")
    assert {"day", "customer_id", "event", "detail", "mrr_delta"} <= set(events.columns)
    customers = pd.read_parquet(run_dir / "customers.parquet")
    assert len(customers) == 2000 and customers["customer_id"].is_unique


def test_same_seed_gives_byte_identical_outputs(tmp_path: Path) -> None:
    runs = [tmp_path / "a", tmp_path / "b"]
    for out in runs:
        done = run_cli("population.size=3000", "horizon_days=120", "seed=5", f"hydra.run.dir={out}")
        assert done.returncode == 0, done.stderr
    for name in OUTPUTS:
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name


def test_a_finished_run_is_never_overwritten(run_dir: Path) -> None:
    first = run_cli("population.size=200", "horizon_days=5", f"hydra.run.dir={run_dir}")
    assert first.returncode == 0
    before = (run_dir / "summary.json").read_bytes()
    again = run_cli("population.size=300", "horizon_days=5", f"hydra.run.dir={run_dir}")
    assert again.returncode != 0
    assert "already holds a finished run" in again.stderr
    assert (run_dir / "summary.json").read_bytes() == before


def test_a_rerun_of_a_stopped_run_leaves_none_of_its_files(run_dir: Path) -> None:
    """A run stopped before its summary leaves files; the rerun removes them, whatever it writes."""
    assert run_cli("population.size=200", "horizon_days=5", f"hydra.run.dir={run_dir}"
                   ).returncode == 0
    (run_dir / "summary.json").unlink()  # as if stopped just before the end
    (run_dir / ".daily.parquet.x.tmp").write_bytes(b"half")
    again = run_cli("population.size=200", "horizon_days=5", "output.events=false",
                    "output.customers=false", f"hydra.run.dir={run_dir}")
    assert again.returncode == 0, again.stderr
    for name in ("events.parquet", "customers.parquet"):
        assert not (run_dir / name).exists(), name
    assert not list(run_dir.glob(".*.tmp")) and (run_dir / "summary.json").is_file()


def _config_error(*args: str, cwd: Path = ROOT) -> str:
    done = run_cli(*args, cwd=cwd)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.stderr.startswith("journeysim: configuration error")
    return done.stderr


@pytest.mark.parametrize(("override", "expected"), [
    ("population.size=-5", ["population.size", "out of range", "[1, inf)",
                            "command-line override 'population.size=-5'"]),
    ("population.sise=5", ["population.sise", "unknown key", "did you mean 'size'"]),
    ("horizon_days=abc", ["horizon_days", "must be an integer", "'abc'"]),
    ("population.segments.smb.annual_share=1.3", ["annual_share", "[0, 1]"]),
    ("population.segments.smb.churn.monthly.a=0", ["churn.monthly.a", "(0, inf)"]),
    ("population.segments.smb.seats.dist=zipf", ["seats", "unknown distribution 'zipf'",
                                                 "lognormal"]),
    ("population.segments.smb.share=0.9", ["population.segments", "add up to 1"]),
    ("population.segments.smb.plan_mix.gold=0.1", ["plan 'gold' is not defined", "starter"]),
    ("population=nope", ["no population config named 'nope'", "saas_collab"]),
    ("progress=sometimes", ["progress", "auto, on, off"]),
    ("population.adoption.scope=world", ["population.adoption.scope", "segment, base"]),
    ("policy.name=${oops}", ["command-line override 'policy.name=${oops}'", "oops"]),
    ("policy.caps.2.max_sends=1", ["no list item policy.caps[2]", "numbered from 0"]),
    ("+policy.caps.0.max_sends=3", ["adds a key", "drop the '+'"]),
    ("seed=1,2", ["several values", "add -m"]),
    ("journey=[seat_expansion,seat_expansion]", ["listed twice"]),
    ("policy.exempt_channels=[in_app,email]", ["policy.caps.0.channel", "never applies"]),
    ("policy.quiet_days.email=[Sat]", ["'Sat' is not a weekday", "did you mean 'sat'"]),
    ("journey.seat_expansion.arms.variants.offer_now.steps.pausee.days=1",
     ["did you mean 'pause'", "the variant adds it"]),
    ("journey.seat_expansion.entry.when='tenure_days >= 30 and'", ["ends with 'and'"]),
    ("hydra.run.dir=README.md/run", ["README.md is a file"]),
])
def test_config_mistakes_stop_with_one_clear_message(override: str, expected: list[str]) -> None:
    message = _config_error(override)
    for text in expected:
        assert text in message, (text, message)
    assert "fix:" in message


def test_the_last_of_two_overrides_of_a_key_is_named() -> None:
    message = _config_error("population.size=200", "population.size=-200")
    assert "command-line override 'population.size=-200'" in message


def test_two_exclusive_hydra_flags_are_a_config_error() -> None:
    message = _config_error("-m", "--cfg", "job", "seed=1,2")
    assert "--cfg and --multirun cannot be given together" in message


def test_the_sweep_flag_may_come_after_the_overrides(tmp_path: Path) -> None:
    done = run_cli("population.size=100", "horizon_days=2", "-m", "seed=1,2",
                   f"hydra.sweep.dir={tmp_path / 'sweep'}")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sweep" / "1" / "summary.json").is_file()


@pytest.mark.parametrize(("name", "text", "select", "expected"), [
    ("policy/mine.yaml", "name: x\ncaps:\n  - {channel: email, channel: sms}\n", "policy=mine",
     ["line 3", "'channel' is written twice"]),
    ("policy/mine.yaml", "", "policy=mine", ["the file is empty"]),
    ("policy/default.yaml", "name: x\n", "policy=default",
     ["the name of the project's conf/policy/default.yaml", "my_default.yaml"]),
    ("policy/mine.yaml", "name: !!python/object/apply:os.system [echo hi]\n", "policy=mine",
     ["remove the '!!' tag"]),
])
def test_user_file_mistakes_name_the_file(tmp_path: Path, name: str, text: str, select: str,
                                          expected: list[str]) -> None:
    conf = tmp_path / "myconf"
    (conf / name).parent.mkdir(parents=True)
    (conf / name).write_text(text)
    message = _config_error("--config-dir", str(conf), select)
    for part in [f"myconf/{name}", *expected]:
        assert part in message, (part, message)


def test_a_mistake_in_a_file_stops_a_sweep_and_leaves_no_folder(tmp_path: Path) -> None:
    """Found by the first job (a file's mistake), the sweep folder Hydra made is removed."""
    base = (ROOT / "conf" / "journey" / "seat_expansion.yaml").read_text()
    conf = tmp_path / "myconf"
    (conf / "journey").mkdir(parents=True)
    (conf / "journey" / "mine.yaml").write_text(
        base.replace("seat_expansion:", "mine:", 1).replace("next: pause", "next: paus"))
    sweep_dir = tmp_path / "sweep"
    message = _config_error("-m", "--config-dir", str(conf), "journey=[mine]", "seed=1,2",
                            "population.size=100", f"hydra.sweep.dir={sweep_dir}")
    assert "myconf/journey/mine.yaml" in message and "did you mean 'pause'" in message
    assert not sweep_dir.exists()


def test_a_config_mistake_leaves_no_run_directory(tmp_path: Path) -> None:
    """A mistake found after Hydra made the run directory (a range check) removes it again."""
    done = run_cli("population.size=-5", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert not list(tmp_path.glob("results/runs/*/*")), "no run directory is left behind"
    assert not [p for p in tmp_path.rglob("*") if p.is_file()], "no file is written"


@pytest.mark.parametrize(("args", "expected"), [
    (("policy.caps.0.max_sends=1,-1",),
     ["command-line override 'policy.caps.0.max_sends=1,-1'", "out of range",
      "job with policy.caps.0.max_sends=-1"]),
    (("journey.seat_expansion.entry.when='tenure_days > 3','tenure_dayz > 2'",),
     ["unknown attribute 'tenure_dayz'", "did you mean 'tenure_days'"]),
    (("journey=[seat_expansion],[nope]",), ["no journey config named 'nope'"]),
    (("+experiment=frequency_caps", "policy.caps.0.max_sends=2,1.5"),
     ["must be an integer, got 1.5"]),
])
def test_a_bad_swept_value_stops_the_sweep_before_its_first_job(
        tmp_path: Path, args: tuple[str, ...], expected: list[str]) -> None:
    sweep_dir = tmp_path / "sweep"
    message = _config_error("-m", "population.size=100", "horizon_days=3", *args,
                            f"hydra.sweep.dir={sweep_dir}")
    for text in expected:
        assert text in message, (text, message)
    assert not sweep_dir.exists(), "no job ran"


def test_an_unquoted_space_is_a_config_error_not_a_hydra_parse_error() -> None:
    message = _config_error("journey.seat_expansion.entry.when=tenure_days >= 3")
    assert "journey.seat_expansion.entry.when" in message and "quote a value" in message


def _user_config_dir(tmp_path: Path, name: str, text: str) -> Path:
    conf = tmp_path / "myconf"
    (conf / "population").mkdir(parents=True)
    (conf / "population" / f"{name}.yaml").write_text(text)
    return conf


def test_a_mistake_in_a_user_file_names_that_file(tmp_path: Path) -> None:
    base = (ROOT / "conf" / "population" / "saas_collab.yaml").read_text()
    conf = _user_config_dir(tmp_path, "mine", base.replace("usage:", "usagee:"))
    message = _config_error("--config-dir", str(conf), "population=mine")
    assert "myconf/population/mine.yaml" in message
    assert "population.usagee" in message and "did you mean 'usage'" in message


def test_invalid_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    conf = _user_config_dir(tmp_path, "broken", "size: 10\nplans: [starter\n")
    message = _config_error("--config-dir", str(conf), "population=broken")
    assert "broken.yaml" in message and "line" in message


def test_configs_cannot_run_code(tmp_path: Path, run_dir: Path) -> None:
    """YAML tags that would build Python objects are refused, not executed."""
    base = (ROOT / "conf" / "population" / "saas_collab.yaml").read_text()
    marker = tmp_path / "pwned"
    payload = f'size: !!python/object/apply:os.system ["touch {marker}"]\n'
    conf = _user_config_dir(tmp_path, "evil", payload + base.replace("size: 10000\n", ""))
    done = run_cli("--config-dir", str(conf), "population=evil", f"hydra.run.dir={run_dir}")
    assert done.returncode == 2 and not marker.exists()
