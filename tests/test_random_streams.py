"""Same seed, same results; each process keeps its own random numbers (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeysim.config.compose import compose_config
from journeysim.rng import PROCESSES, stream
from journeysim.runner import simulate


def _events(overrides: list[str]) -> pd.DataFrame:
    base = ["population.size=5000", "horizon_days=180", "seed=9"]
    return simulate(compose_config(base + overrides)).events.frame()


def test_streams_are_distinct_and_reproducible() -> None:
    first = {name: stream(3, name).random(4) for name in PROCESSES}
    again = {name: stream(3, name).random(4) for name in PROCESSES}
    for name in PROCESSES:
        np.testing.assert_array_equal(first[name], again[name])
    values = np.concatenate(list(first.values()))
    assert len(np.unique(values)) == len(values)
    assert not np.array_equal(stream(4, "churn").random(4), first["churn"])


def test_changing_organic_rates_leaves_churn_and_adoption_untouched() -> None:
    """Organic expansion draws from its own stream: churn and adoption see the same luck."""
    base = _events([])
    other = _events(["population.organic.expansion_per_month=0.5",
                     "population.organic.contraction_per_month=0.2"])
    assert len(other[other.event == "expansion"]) > 2 * len(base[base.event == "expansion"])
    for event in ("churn", "adoption"):
        pd.testing.assert_frame_equal(
            base[base.event == event][["day", "customer_id"]].reset_index(drop=True),
            other[other.event == event][["day", "customer_id"]].reset_index(drop=True))


def test_changing_the_seed_changes_the_run() -> None:
    a = _events([])
    b = _events(["seed=10"])
    assert not a[["day", "customer_id"]].equals(b[["day", "customer_id"]])
