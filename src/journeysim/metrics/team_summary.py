"""Per-team results, from the event log and the teams' task records.

For each team: tasks queued, started and finished; the median and 90th percentile of the days a
task waited for a rep; utilisation, the share of rep working days spent on tasks; the
conversions its contacts won with their MRR change; and for support, the tickets resolved
badly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def summarize_teams(events: pd.DataFrame, desk: Any, horizon_days: int) -> dict[str, Any]:
    """Per team (``desk``: the run's ``TeamDesk``)."""
    out = {}
    for name, team in desk.teams.items():
        mine = events[events["team"] == name]
        waits = mine[mine["event"] == "task_started"]["wait_days"].to_numpy(float)
        won = mine[mine["event"] == "convert"]
        finished = mine[mine["event"] == "task_finished"]
        spec, end = team.spec, horizon_days + 1.0
        working = sum(team.calendar.is_working_day(d) for d in range(1, horizon_days + 1))
        busy = sum(_working_time(team.calendar, r.started, min(_stopped(r, end), end))
                   for r in team.records if r.started is not None and r.started < end)
        out[name] = {
            "headcount": spec.headcount,
            "tasks_queued": int((mine["event"] == "task_queued").sum()),
            "tasks_started": int(len(waits)),
            "tasks_finished": int(len(finished)),
            "queue_at_end": team.queue_length,
            "median_wait_days": float(np.median(waits)) if len(waits) else None,
            "p90_wait_days": float(np.quantile(waits, 0.9)) if len(waits) else None,
            "utilization": busy / (spec.headcount * working) if working else None,
            "conversions": int(len(won)),
            "conversion_mrr": round(float(won["mrr_delta"].sum()), 2),
            "resolved_badly": int((finished["detail"] == "resolved_badly").sum()),
        }
    return out


def _stopped(record: Any, end: float) -> float:
    """When a rep stopped working on a started task: finished, withdrawn, or still at ``end``."""
    if record.finished is not None:
        return record.finished
    return record.withdrawn if record.withdrawn is not None else end


def _working_time(calendar: Any, start: float, end: float) -> float:
    """Working days between ``start`` and ``end`` (the parts of them on working days)."""
    total, day = 0.0, int(np.floor(start))
    while day < end:
        if calendar.is_working_day(day):
            total += min(end, day + 1.0) - max(start, float(day))
        day += 1
    return total
