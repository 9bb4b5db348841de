"""The event log: one row per thing that happened to a customer, kept as columnar chunks.

Rows are appended a batch at a time as numpy arrays (no per-event Python objects); ``frame``
assembles them into one table. Text columns are categorical; a column an event does not use
is missing (null) in its rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

EVENTS: tuple[str, ...] = (
    "milestone", "adoption", "expansion", "contraction", "churn", "discount_end",
    "enter", "step", "send", "suppressed", "deliver", "open", "click", "unsubscribe",
    "convert", "handoff", "exit", "task_queued", "task_started", "task_finished",
)
"""Event types, in the order of their categorical codes."""

LABELS: tuple[str, ...] = ("detail", "journey", "step", "arm", "channel", "offer", "team",
                           "plan_before", "plan_after")
"""Text columns. A value is one label for all rows, or ``(labels, index)`` giving row i the
label ``labels[index[i]]``."""

NUMBERS: dict[str, type] = {"seats_before": np.int32, "seats_after": np.int32,
                            "mrr_delta_cents": np.int64, "wait_days": np.float64}
"""Numeric columns and their dtypes (money in cents; written out in currency units)."""

Label = str | tuple[Sequence[str], np.ndarray]


class EventLog:
    """Append-only, columnar log of customer events."""

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._vocabulary: dict[str, dict[str, int]] = {name: {} for name in LABELS}
        self._lookups: dict[tuple[str, tuple[str, ...]], np.ndarray] = {}

    def add(self, day: int, event: str, ids: np.ndarray, **columns: Label | np.ndarray) -> None:
        """Record ``event`` on ``day`` for customers ``ids`` with the given columns."""
        n = len(ids)
        if n == 0:
            return
        chunk = {"day": np.full(n, day, np.int32), "customer_id": ids.astype(np.int64),
                 "event": np.full(n, EVENTS.index(event), np.int8)}
        for name, value in columns.items():
            if name in NUMBERS:
                chunk[name] = np.asarray(value, NUMBERS[name])
            else:
                chunk[name] = self._codes(name, value, n)
        self._chunks.append(chunk)

    def _codes(self, column: str, value: Label, n: int) -> np.ndarray:
        vocabulary = self._vocabulary[column]
        if isinstance(value, str):
            return np.full(n, vocabulary.setdefault(value, len(vocabulary)), np.int16)
        labels, index = value
        key = (column, tuple(labels))
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = np.array([vocabulary.setdefault(label, len(vocabulary)) for label in labels],
                              np.int16)
            self._lookups[key] = lookup
        return lookup[np.asarray(index)]

    def __len__(self) -> int:
        return sum(len(chunk["day"]) for chunk in self._chunks)

    def frame(self) -> pd.DataFrame:
        """All events as a DataFrame, in recording order (which is day order)."""
        columns: dict[str, object] = {
            "day": _column(self._chunks, "day", np.int32)[0],
            "customer_id": _column(self._chunks, "customer_id", np.int64)[0],
            "event": pd.Categorical.from_codes(_column(self._chunks, "event", np.int8)[0],
                                               categories=list(EVENTS)),
        }
        for name in LABELS:
            codes, present = _column(self._chunks, name, np.int16)
            columns[name] = pd.Categorical.from_codes(np.where(present, codes, -1),
                                                      categories=list(self._vocabulary[name]))
        for name, dtype in NUMBERS.items():
            values, present = _column(self._chunks, name, dtype)
            if name == "mrr_delta_cents":
                columns["mrr_delta"] = pd.arrays.FloatingArray(values / 100.0, ~present)
            elif values.dtype.kind == "f":
                columns[name] = pd.arrays.FloatingArray(values, ~present)
            else:
                columns[name] = pd.arrays.IntegerArray(values.astype(np.int64), ~present)
        return pd.DataFrame(columns)


def _column(chunks: list[dict[str, np.ndarray]], name: str,
            dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """A column over all chunks (zeros where a chunk lacks it) and where it is present."""
    parts, present = [], []
    for chunk in chunks:
        n = len(chunk["day"])
        parts.append(chunk[name] if name in chunk else np.zeros(n, dtype))
        present.append(np.full(n, name in chunk))
    if not parts:
        return np.zeros(0, dtype), np.zeros(0, bool)
    return np.concatenate(parts).astype(dtype, copy=False), np.concatenate(present)
