"""Looking at one customer: from a live model and from a finished run's files."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import JOURNEYSIM, run_cli
from journeysim.config.compose import compose_config
from journeysim.inspect import customer_view
from journeysim.runner import simulate


def test_a_customer_view_holds_profile_state_and_history() -> None:
    model = simulate(compose_config(["population.size=500", "horizon_days=90"]))
    events = model.events.frame()
    busy = int(events["customer_id"].value_counts().idxmax())
    view = customer_view(model, busy)
    assert view.record["customer_id"] == busy and "segment" in view.record
    assert len(view.history) == (events["customer_id"] == busy).sum() > 0
    assert f"customer {busy}" in str(view)


def test_the_inspect_command_reads_a_run_directory(run_dir: Path) -> None:
    assert run_cli("population.size=300", "horizon_days=30", f"hydra.run.dir={run_dir}") \
        .returncode == 0
    inspect = JOURNEYSIM.with_name("journeysim-inspect")
    done = subprocess.run([str(inspect), str(run_dir), "7"], capture_output=True, text=True)
    assert done.returncode == 0 and "customer 7" in done.stdout and "history" in done.stdout
    missing = subprocess.run([str(inspect), str(run_dir), "99999"], capture_output=True,
                             text=True)
    assert missing.returncode != 0 and "no customer 99999" in missing.stderr
