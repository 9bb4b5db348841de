"""The event log: one row per thing that happened to a customer, kept as columnar chunks.

Rows are appended a day at a time as numpy arrays (no per-event Python objects); ``frame``
assembles them into one table. Columns a given event does not use are missing (null).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

EVENTS: tuple[str, ...] = ("milestone", "adoption", "expansion", "contraction", "churn")
"""Event types of the core model, in the order of their categorical codes."""

FIELDS: dict[str, type] = {
    "plan_before": np.int8, "plan_after": np.int8,
    "seats_before": np.int32, "seats_after": np.int32, "mrr_delta_cents": np.int64,
}
"""Optional per-event fields and their dtypes."""


class EventLog:
    """Append-only, columnar log of customer events."""

    def __init__(self, plan_names: list[str]) -> None:
        self.plan_names = plan_names
        self._chunks: list[dict[str, np.ndarray]] = []
        self._details: dict[str, int] = {}

    def add(self, day: int, event: str, ids: np.ndarray,
            detail: str | tuple[Sequence[str], np.ndarray], **fields: np.ndarray) -> None:
        """Record ``event`` for customers ``ids`` on ``day``.

        ``detail`` is one label for all rows, or ``(labels, index)`` giving row i the label
        ``labels[index[i]]``.
        """
        n = len(ids)
        if n == 0:
            return
        if isinstance(detail, str):
            codes = np.full(n, self._code(detail), np.int16)
        else:
            labels, index = detail
            codes = np.array([self._code(label) for label in labels], np.int16)[index]
        chunk = {"day": np.full(n, day, np.int32), "customer_id": ids.astype(np.int64),
                 "event": np.full(n, EVENTS.index(event), np.int8), "detail": codes}
        for name, values in fields.items():
            chunk[name] = np.asarray(values, FIELDS[name])
        self._chunks.append(chunk)

    def _code(self, label: str) -> int:
        return self._details.setdefault(label, len(self._details))

    def __len__(self) -> int:
        return sum(len(chunk["day"]) for chunk in self._chunks)

    def frame(self) -> pd.DataFrame:
        """All events as a DataFrame ordered by day, in recording order within a day."""
        columns: dict[str, object] = {}
        for name in ("day", "customer_id"):
            columns[name] = _concat(self._chunks, name, np.int64 if name == "customer_id"
                                    else np.int32)
        columns["event"] = pd.Categorical.from_codes(
            _concat(self._chunks, "event", np.int8), categories=list(EVENTS))
        columns["detail"] = pd.Categorical.from_codes(
            _concat(self._chunks, "detail", np.int16), categories=list(self._details))
        for name, dtype in FIELDS.items():
            values, present = _concat_optional(self._chunks, name, dtype)
            if name.startswith("plan_"):
                codes = np.where(present, values, -1)
                columns[name] = pd.Categorical.from_codes(codes, categories=self.plan_names)
            elif name == "mrr_delta_cents":
                columns["mrr_delta"] = pd.array(values / 100.0, dtype="Float64")
                columns["mrr_delta"][~present] = pd.NA
            else:
                column = pd.array(values, dtype="Int64" if dtype is np.int64 else "Int32")
                column[~present] = pd.NA
                columns[name] = column
        return pd.DataFrame(columns)


def _concat(chunks: list[dict[str, np.ndarray]], name: str, dtype: type) -> np.ndarray:
    if not chunks:
        return np.zeros(0, dtype)
    return np.concatenate([chunk[name] for chunk in chunks]).astype(dtype, copy=False)


def _concat_optional(chunks: list[dict[str, np.ndarray]], name: str,
                     dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """Values of an optional field (zeros where absent) and a mask of where it is present."""
    parts, present = [], []
    for chunk in chunks:
        n = len(chunk["day"])
        has = name in chunk
        parts.append(chunk[name] if has else np.zeros(n, dtype))
        present.append(np.full(n, has))
    if not parts:
        return np.zeros(0, dtype), np.zeros(0, bool)
    return np.concatenate(parts).astype(dtype, copy=False), np.concatenate(present)
