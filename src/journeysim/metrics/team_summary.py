"""Per-team results, from the event log and the teams' task records.

For each team: tasks queued, started, finished by a rep, withdrawn (the customer churned, waiting
or in service), in service and waiting at the end (queued = finished + withdrawn + in service +
waiting); the median and 90th percentile of the days a task waited for a rep; utilisation, the
share of rep working days spent on tasks; the conversions its contacts won with their MRR
change; and for support, the tickets resolved badly.
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
        closed = mine[mine["event"] == "task_finished"]
        finished = closed[closed["detail"] != "churned"]
        spec, days = team.spec, range(1, horizon_days + 1)
        working = sum(team.calendar.is_working_day(d) for d in days)
        busy = sum(team.worked(d) for d in days)
        out[name] = {
            "headcount": spec.headcount,
            "tasks_queued": int((mine["event"] == "task_queued").sum()),
            "tasks_started": int(len(waits)),
            "tasks_finished": int(len(finished)),
            "tasks_withdrawn": int(len(closed) - len(finished)),
            "in_service_at_end": team.busy,
            "queue_at_end": team.queue_length,
            "median_wait_days": float(np.median(waits)) if len(waits) else None,
            "p90_wait_days": float(np.quantile(waits, 0.9)) if len(waits) else None,
            "utilization": busy / (spec.headcount * working) if working else None,
            "conversions": int(len(won)),
            "conversion_mrr": round(float(won["mrr_delta"].sum()), 2),
            "resolved_badly": int((finished["detail"] == "resolved_badly").sum()),
        }
    return out
