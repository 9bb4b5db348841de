"""Look at one customer: its profile, its final state and its history from the event log.

From Python, ``customer_view(model, customer_id)`` reads a live ``JourneyModel``; from the shell,
``journeysim-inspect RUN_DIR CUSTOMER_ID`` reads a finished run's parquet files.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.metrics.tables import customers_frame


@dataclass
class CustomerView:
    """One customer: every column of the customer table, and its events in order."""

    customer_id: int
    record: dict[str, Any]
    history: pd.DataFrame

    def __str__(self) -> str:
        width = max(len(k) for k in self.record)
        lines = [f"customer {self.customer_id}"]
        lines += [f"  {key:<{width}}  {value}" for key, value in self.record.items()]
        lines.append(f"  history ({len(self.history)} events):")
        if len(self.history):
            shown = self.history.drop(columns="customer_id").dropna(axis=1, how="all")
            lines += ["    " + line for line in shown.to_string(index=False).splitlines()]
        return "\n".join(lines)


def _view(customers: pd.DataFrame, events: pd.DataFrame, customer_id: int) -> CustomerView:
    if not 0 <= customer_id < len(customers):
        raise KeyError(f"no customer {customer_id}; ids run from 0 to {len(customers) - 1}")
    record = customers.iloc[customer_id].to_dict()
    history = events[events["customer_id"] == customer_id].reset_index(drop=True)
    return CustomerView(customer_id, record, history)


def customer_view(model: Any, customer_id: int) -> CustomerView:
    """The current profile, state and history of ``customer_id`` in a running model."""
    return _view(customers_frame(model), model.events.frame(), customer_id)


def main(argv: list[str] | None = None) -> None:
    """``journeysim-inspect RUN_DIR CUSTOMER_ID``: print one customer of a finished run."""
    parser = argparse.ArgumentParser(
        prog="journeysim-inspect",
        description="Print one customer of a finished run: its profile, final state and history.")
    parser.add_argument("run_dir", type=Path, help="a run directory under results/")
    parser.add_argument("customer_id", type=int)
    args = parser.parse_args(argv)
    files = {name: args.run_dir / f"{name}.parquet" for name in ("customers", "events")}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        sys.exit(f"journeysim-inspect: {', '.join(missing)} not found; run with "
                 "output.customers=true output.events=true to write them")
    customers = pd.read_parquet(files["customers"])
    events = pd.read_parquet(files["events"])
    try:
        print(_view(customers, events, args.customer_id))
    except KeyError as err:
        sys.exit(f"journeysim-inspect: {err.args[0]}")
