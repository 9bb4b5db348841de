"""Every run's HTML report: self-contained, every section present, and rebuilt from a run dir."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from helpers import run_cli
from journeysim.config.compose import compose_config
from journeysim.metrics.summary import summarize
from journeysim.report.run_report import TITLES, build_run_report, main, teams_section
from journeysim.runner import simulate
from test_handoffs import CALL_EVERYONE

REPORT = Path(sys.executable).with_name("journeysim-report")
PNG = re.compile(r'src="data:image/png;base64,[A-Za-z0-9+/=]+"')


def sections(html: str) -> dict[str, str]:
    """The page's sections by title: the HTML between one ``<h2>`` and the next."""
    parts = re.split(r"<h2>(.*?)</h2>", html)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def synthetic_effects() -> dict[str, Any]:
    """``summary["effects"]`` as the effects estimator writes it, with made-up numbers."""
    def measures(scale: float) -> dict[str, float]:
        return {"expansion_mrr": 1000.0 * scale, "net_mrr_change": 400.0 * scale,
                "nrr": 1.0 + 0.01 * scale, "expanded_customers": int(50 * scale),
                "churned_customers": int(-3 * scale), "unsubscribed_customers": int(9 * scale)}

    def lift(journey: str, arm: str, outcome: str, unit: str, true: float,
             naive: float | None) -> dict[str, Any]:
        half = abs(true) + 0.01
        return {"journey": journey, "arm": arm, "outcome": outcome, "unit": unit,
                "entrants": 1085, "holdout_entrants": 248, "true": true,
                "estimate": 1.2 * true, "ci_low": 1.2 * true - half, "ci_high": 1.2 * true + half,
                "cuped_estimate": 1.1 * true, "cuped_ci_low": 1.1 * true - half / 2,
                "cuped_ci_high": 1.1 * true + half / 2, "naive": naive, "mde": half}

    return {
        "baseline": "no journeys",
        "true": {"overall": measures(1.0), "with": measures(30.0), "without": measures(29.0),
                 "by_segment": {"smb": measures(0.4), "enterprise": measures(0.6)}},
        "lifts": [lift("seat_expansion", "teach_first", "expanded", "share", 0.0123, 0.0871),
                  lift("seat_expansion", "teach_first", "net_mrr_change", "dollars", 16.8, 67.2),
                  lift("seat_expansion", "offer_now", "expanded", "share", 0.0342, None),
                  lift("seat_expansion", "offer_now", "churned", "share", -0.004, None),
                  lift("annual_plan", "default", "unsubscribed", "share", 0.001, None)],
    }


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run made with the command line, as a user makes one."""
    out = tmp_path_factory.mktemp("report") / "run"
    done = run_cli("population.size=2000", "horizon_days=60", f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def outputs(finished_run: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    summary = json.loads((finished_run / "summary.json").read_text())
    return (summary, pd.read_parquet(finished_run / "daily.parquet"),
            pd.read_parquet(finished_run / "events.parquet"))


def test_a_run_writes_a_self_contained_report_with_every_section(finished_run: Path) -> None:
    html = (finished_run / "report.html").read_text(encoding="utf-8")
    assert list(sections(html)) == list(TITLES.values())
    assert html.count("<img") >= 4 and len(PNG.findall(html)) == html.count("<img")
    assert 'src="http' not in html and "<link" not in html and "<script" not in html
    assert "url(" not in html, "no external resource in the style sheet either"
    assert not list(finished_run.glob(".*.tmp"))
    lift = sections(html)[TITLES["lift"]]
    if json.loads((finished_run / "summary.json").read_text()).get("effects"):
        assert lift.count("<img") == 1 and "naive" in lift          # the run had its twin
    else:
        assert "no counterfactual" in lift


def test_the_lift_section_shows_true_estimated_and_naive_effects(outputs: tuple) -> None:
    summary, daily, _ = outputs
    html = build_run_report({**summary, "effects": synthetic_effects()}, daily)
    lift = sections(html)[TITLES["lift"]]
    assert lift.count("<img") == 1 and "no counterfactual" not in lift
    for shown in ("+1.23 pts",                      # true effect, expanded share
                  "+1.48 [-0.75, +3.71] pts",       # arm - holdout with its 95% interval
                  "+1.35 [+0.24, +2.47] pts",       # CUPED
                  "+8.71 pts",                      # naive attribution
                  "+$16.80", "+$20.16 [+$3.35, +$36.97]", "+$67.20",   # dollars per entrant
                  "-0.40 pts",                      # a negative true effect (churned)
                  "effect: enterprise", "+$1,000"):  # true totals, overall and by segment
        assert shown in lift, shown


def test_without_effects_the_sections_say_why(outputs: tuple) -> None:
    summary, daily, _ = outputs
    without_journeys = daily.assign(mrr=daily["mrr"] * 0.99)
    page = sections(build_run_report({**summary, "effects": None}, daily, without_journeys))
    assert list(page) == list(TITLES.values())
    assert "no counterfactual" in page[TITLES["lift"]] and "<img" not in page[TITLES["lift"]]
    assert "<img" in page[TITLES["conversions"]], "conversions come from summary.json"
    trajectory = page[TITLES["trajectory"]]
    assert "without journeys" in trajectory and trajectory.count("<img") == 1


def test_team_queues_are_drawn_when_hand_offs_reach_a_team() -> None:
    cfg = compose_config(["population.size=2000", "horizon_days=60", "journey=[]"])
    cfg.journey["call_everyone"] = CALL_EVERYONE
    model = simulate(cfg)
    teams = teams_section(summarize(model)["teams"], model.daily())
    assert teams.title == TITLES["teams"]
    html = "".join(teams.parts)
    assert html.count("<img") == 1 and "<td>sales</td>" in html


def test_journeysim_report_rebuilds_the_report_from_a_run_dir(finished_run: Path,
                                                              tmp_path: Path) -> None:
    """The same page, even without the event log (as a run with output.events=false has)."""
    report, events = finished_run / "report.html", finished_run / "events.parquet"
    before = report.read_text(encoding="utf-8")
    report.unlink()
    events.rename(tmp_path / events.name)
    try:
        done = subprocess.run([str(REPORT), str(finished_run)], capture_output=True, text=True,
                              timeout=120)
    finally:
        (tmp_path / events.name).rename(events)
    assert done.returncode == 0, done.stderr
    after = report.read_text(encoding="utf-8")
    assert PNG.sub("", after) == PNG.sub("", before)
    assert after.count("<img") == before.count("<img")


@pytest.mark.parametrize("what", ["empty", "missing", "unreadable"])
def test_journeysim_report_refuses_a_dir_without_a_finished_run(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str) -> None:
    target = tmp_path / "nowhere" if what == "missing" else tmp_path
    if what == "unreadable":
        (tmp_path / "summary.json").write_text("{}")          # but no daily.parquet
    with pytest.raises(SystemExit) as stop:
        main([str(target)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"journeysim-report: {target} ") and err.count("\n") == 1
    assert "Traceback" not in err and not (target / "report.html").exists()
