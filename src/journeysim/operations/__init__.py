"""Operations: finite teams (sales, customer success, support) as SimPy queues."""

from __future__ import annotations

from journeysim.operations.teams import TaskRecord, Team, TeamSpec, erlang_c_mean_wait

__all__ = ["TaskRecord", "Team", "TeamSpec", "erlang_c_mean_wait"]
