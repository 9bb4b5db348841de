"""The finite-team queueing engine: hand calculations, queue invariants, Erlang C, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from journeysim.operations import TaskRecord, Team, TeamSpec, erlang_c_mean_wait

ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


def _spec(headcount=1, discipline="fifo", service=("fixed", 1.0, 0.0), working_days=ALL_DAYS):
    return TeamSpec(
        name="support",
        headcount=headcount,
        discipline=discipline,
        service_days={"ticket": service},
        working_days=working_days,
    )


ANY_DRAW = 0.5
"""A task's draw where it does not matter (fixed service times)."""


def _team(**kwargs) -> Team:
    return Team(_spec(**kwargs))


def test_one_rep_fixed_service_matches_hand_calculation():
    team = _team()
    for i, t in enumerate([0.0, 0.0, 0.0, 0.5]):
        team.submit(i, 100 + i, "ticket", 1.0, t, ANY_DRAW)
    assert team.queue_length == 3  # the task at 0.5 has not arrived yet
    # run_until(t) processes events with time < t: the finish at exactly 4 is left for later
    assert [r.task_id for r in team.run_until(4.0)] == [0, 1, 2]
    assert team.busy == 1
    assert team.queue_length == 0
    assert [r.task_id for r in team.run_until(5.0)] == [3]
    assert team.busy == 0
    records = team.records
    assert [r.wait for r in records] == [0.0, 1.0, 2.0, 2.5]
    assert [r.finished for r in records] == [1.0, 2.0, 3.0, 4.0]
    assert {r.rep for r in records} == {0}
    assert [team.worked(day) for day in range(6)] == [1.0, 1.0, 1.0, 1.0, 0.0, 0.0]


def test_work_per_day_counts_tasks_in_service_and_skips_days_off():
    team = Team(_spec(working_days=(0, 1, 2, 3, 4)))  # day 0 a Monday: days 5 and 6 off
    team.submit(0, 1, "ticket", 1.0, 4.5, ANY_DRAW)  # half of Friday, then half of Monday
    team.run_until(5.0)
    assert team.worked(4) == 0.5 and team.busy == 1, "counted while still in service"
    team.run_until(9.0)
    assert [team.worked(day) for day in range(4, 9)] == [0.5, 0.0, 0.0, 0.5, 0.0]


def test_value_discipline_serves_highest_value_first_ties_fifo():
    team = _team(discipline="value")
    for i, value in enumerate([1.0, 5.0, 3.0, 5.0]):
        team.submit(i, i, "ticket", value, 0.0, ANY_DRAW)
    team.run_until(10.0)
    order = sorted(team.records, key=lambda r: r.started)
    assert [r.task_id for r in order] == [1, 3, 2, 0]


def test_task_submitted_on_saturday_starts_monday():
    team = Team(_spec(working_days=(0, 1, 2, 3, 4)), first_weekday=0)
    team.run_until(5.0)
    team.submit(1, 1, "ticket", 1.0, 5.0, ANY_DRAW)  # day 5 is a Saturday
    assert team.run_until(7.0) == []
    assert team.queue_length == 1
    assert team.records[0].started is None
    team.run_until(9.0)
    assert team.records[0].started == 7.0
    assert team.records[0].finished == 8.0


def test_service_counts_working_days_only():
    # 1.5 working days from Friday 12:00 (Mon-Fri working) ends Tuesday 00:00
    team = Team(_spec(service=("fixed", 1.5, 0.0), working_days=(0, 1, 2, 3, 4)))
    team.submit(1, 1, "ticket", 1.0, 4.5, ANY_DRAW)
    team.submit(2, 2, "ticket", 1.0, 4.5, ANY_DRAW)
    team.run_until(20.0)
    first, second = team.records
    assert (first.started, first.finished) == (4.5, 8.0)
    assert (second.started, second.finished) == (8.0, 9.5)


def test_rep_freed_at_weekend_is_free_again_on_monday():
    # a one-day task from Friday 00:00 finishes Saturday 00:00; the next one starts Monday
    team = _team(working_days=(0, 1, 2, 3, 4))
    team.submit(1, 1, "ticket", 1.0, 4.0, ANY_DRAW)
    team.submit(2, 2, "ticket", 1.0, 4.0, ANY_DRAW)
    team.run_until(20.0)
    first, second = team.records
    assert (first.started, first.finished) == (4.0, 5.0)
    assert (second.started, second.finished) == (7.0, 8.0)


def test_erlang_c_closed_forms():
    # M/M/1: Wq = rho / (mu - lambda)
    assert erlang_c_mean_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    assert erlang_c_mean_wait(0.9, 1.0, 1) == pytest.approx(9.0)
    # M/M/2, lambda = 1, mu = 1: C = 1/3, Wq = C / (2 - 1)
    assert erlang_c_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        erlang_c_mean_wait(2.0, 1.0, 2)


def _check_invariants(records: list[TaskRecord], team: Team) -> None:
    headcount, discipline = team.spec.headcount, team.spec.discipline
    for r in records:
        assert r.started is not None and r.finished is not None, "task lost"
        assert r.started >= r.queued
        assert r.finished >= r.started
        assert r.rep is not None and 0 <= r.rep < headcount
        weekday = (team.calendar.first_weekday + math.floor(r.started)) % 7
        assert weekday in team.spec.working_days, "a task started on a non-working day"
    by_rep: dict[int, list[TaskRecord]] = {}
    for r in records:
        by_rep.setdefault(r.rep, []).append(r)
    for tasks in by_rep.values():
        tasks.sort(key=lambda r: (r.started, r.finished))
        for a, b in zip(tasks, tasks[1:], strict=False):
            assert a.finished <= b.started, "a rep worked two tasks at once"
    events = sorted([(r.started, 1) for r in records] + [(r.finished, -1) for r in records])
    in_service = 0
    for _, step in events:  # finishes sort before starts at the same time
        in_service += step
        assert in_service <= headcount
    seq = {id(r): i for i, r in enumerate(records)}
    if discipline == "fifo":
        queue_order = sorted(records, key=lambda r: (r.queued, seq[id(r)]))
        starts = [r.started for r in queue_order]
        assert starts == sorted(starts), "FIFO: tasks started out of queue order"
    else:
        for x in records:
            for y in records:
                if y is x or not (y.queued <= x.started < y.started):
                    continue
                # y was waiting when x started: y must not come first by the discipline
                assert y.value < x.value or (
                    y.value == x.value and (y.queued, seq[id(y)]) > (x.queued, seq[id(x)])
                ), "value: a better task was waiting"


arrivals = st.lists(
    st.tuples(st.floats(0.0, 20.0), st.sampled_from([1.0, 2.0, 5.0, 10.0])),
    min_size=1,
    max_size=30,
)


@settings(max_examples=20)
@given(
    headcount=st.integers(1, 4),
    tasks=arrivals,
    mean=st.floats(0.1, 3.0),
    discipline=st.sampled_from(["fifo", "value"]),
    working_days=st.sampled_from([ALL_DAYS, (0, 1, 2, 3, 4), (1, 3, 6)]),
    first_weekday=st.integers(0, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_queue_invariants(headcount, tasks, mean, discipline, working_days, first_weekday, seed):
    spec = _spec(headcount, discipline, ("exponential", mean, 0.0), working_days)
    team, draws = Team(spec, first_weekday=first_weekday), np.random.default_rng(seed)
    tasks = sorted(tasks, key=lambda t: t[0])
    finished = []
    day, i = 0, 0
    while len(finished) < len(tasks):  # the daily lockstep: submit the day's tasks, run the day
        while i < len(tasks) and tasks[i][0] < day + 1:
            team.submit(i, i, "ticket", tasks[i][1], tasks[i][0], draws.random())
            i += 1
        finished += team.run_until(day + 1)
        assert team.busy <= headcount
        day += 1
        assert day < 10_000
    assert sorted(r.task_id for r in finished) == list(range(len(tasks)))
    _check_invariants(team.records, team)


def test_mmc_matches_erlang_c():
    lam, mu, c = 4.0, 1.25, 4
    team, draws = Team(_spec(c, "fifo", ("exponential", 1 / mu, 0.0))), np.random.default_rng(1)
    arrivals_rng = np.random.default_rng(2)
    times = np.cumsum(arrivals_rng.exponential(1 / lam, size=20_000))
    day, i = 0, 0
    while i < len(times):
        while i < len(times) and times[i] < day + 1:
            team.submit(i, i, "ticket", 1.0, float(times[i]), draws.random())
            i += 1
        team.run_until(day + 1)
        day += 1
    team.run_until(day + 100)
    waits = np.array([r.wait for r in team.records])[2_000:]  # drop the warm-up
    batches = waits.reshape(20, -1).mean(axis=1)
    se = batches.std(ddof=1) / math.sqrt(len(batches))
    expected = erlang_c_mean_wait(lam, mu, c)
    assert abs(waits.mean() - expected) < 4 * se, (waits.mean(), expected, se)


def test_same_draws_same_records():
    def run(seed: int) -> list[TaskRecord]:
        spec = _spec(2, "value", ("lognormal", 0.7, 0.5), (0, 1, 2, 3, 4))
        team, draws = Team(spec, first_weekday=3), np.random.default_rng(seed)
        times = np.random.default_rng(9).uniform(0, 30, size=60)
        for i, t in enumerate(sorted(times)):
            team.submit(i, i, "ticket", float(i % 4), float(t), draws.random())
        team.run_until(200.0)
        return team.records

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_service_times_are_the_inverse_cdf_of_each_tasks_draw():
    """Exponential and lognormal service times at a task's draw, and their sample means."""
    u = np.random.default_rng(3).random(40_000)
    for service, mean in ((("exponential", 0.8, 0.0), 0.8),
                          (("lognormal", 0.5, 0.6), 0.5 * math.exp(0.6**2 / 2))):
        team = _team(service=service)
        for i, draw in enumerate(u):
            team.submit(i, i, "ticket", 1.0, 0.0, float(draw))
        work = np.array([r.work for r in team.records])
        assert work[0] == pytest.approx(
            -0.8 * math.log1p(-u[0]) if service[0] == "exponential"
            else 0.5 * math.exp(0.6 * stats.norm.ppf(u[0])))
        assert abs(work.mean() - mean) < 4 * work.std() / math.sqrt(len(work)), service


@settings(max_examples=30)
@given(
    tasks=arrivals,
    reps=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_task_takes_as_long_whatever_the_headcount_and_waits_no_longer_with_more_reps(
        tasks, reps, seed):
    """Common random numbers: the same tasks with the same draws, ``reps`` against ``reps + 1``
    reps (FIFO): every task's service time is the same, and no task waits longer."""
    tasks = sorted(tasks, key=lambda t: t[0])
    draws = np.random.default_rng(seed).random(len(tasks))
    records = {}
    for headcount in (reps, reps + 1):
        team = Team(_spec(headcount, "fifo", ("exponential", 1.5, 0.0)))
        for i, (t, value) in enumerate(tasks):
            team.submit(i, i, "ticket", value, t, float(draws[i]))
        team.run_until(10_000.0)
        records[headcount] = team.records
    for few, many in zip(records[reps], records[reps + 1], strict=True):
        assert few.work == many.work
        assert many.wait <= few.wait + 1e-9


def test_withdrawn_tasks_leave_the_queue_and_free_their_rep() -> None:
    team = _team(service=("fixed", 2.0, 0.0))
    for task in range(3):
        team.submit(task, customer_id=10 + task, kind="ticket", value=1.0, day=0,
                    draw=ANY_DRAW)
    team.run_until(1.0)  # task 0 in service, tasks 1 and 2 waiting
    assert team.queue_length == 2 and team.busy == 1
    withdrawn = team.withdraw([10, 12, 99])
    assert [r.task_id for r in withdrawn] == [0, 2]
    assert team.queue_length == 1
    finished = team.run_until(10.0)
    first, second, third = team.records
    assert first.withdrawn == 1.0 and first.finished is None
    assert second.started == 1.0 and second.finished == 3.0 and finished == [second]
    assert third.started is None and third.withdrawn == 1.0
    assert team.queue_length == 0 and team.busy == 0


@settings(deadline=None)
@given(
    headcount=st.integers(1, 3),
    tasks=arrivals,
    leaving=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 25)), max_size=10),
    discipline=st.sampled_from(["fifo", "value"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_withdrawals_lose_nothing_and_never_double_book_a_rep(headcount, tasks, leaving,
                                                              discipline, seed):
    """Customers leave on random days: each task ends exactly once (finished or withdrawn)."""
    spec = _spec(headcount, discipline, ("exponential", 1.5, 0.0), (0, 1, 2, 3, 4))
    team, draws = Team(spec), np.random.default_rng(seed)
    tasks = sorted(tasks, key=lambda t: t[0])
    leaves_on = {}
    for customer, day in leaving:
        leaves_on.setdefault(day, []).append(customer)
    day, i = 0, 0
    while i < len(tasks) or team.busy or team.queue_length:
        while i < len(tasks) and tasks[i][0] < day + 1:
            team.submit(i, i % 5, "ticket", tasks[i][1], tasks[i][0], draws.random())
            i += 1
        team.run_until(day + 1)
        team.withdraw(leaves_on.get(day, []))
        assert team.queue_length >= 0 and 0 <= team.busy <= headcount
        assert -1e-9 <= team.worked(day) <= headcount + 1e-9
        day += 1
        assert day < 10_000
    team.run_until(day + 30)
    assert team.queue_length == 0 and team.busy == 0
    spans: dict[int, list[tuple[float, float]]] = {}
    for r in team.records:
        assert (r.finished is None) != (r.withdrawn is None), "a task must end exactly once"
        if r.started is None:
            continue
        end = r.finished if r.finished is not None else r.withdrawn
        assert end >= r.started
        spans.setdefault(r.rep, []).append((r.started, end))
    for rep_spans in spans.values():
        rep_spans.sort()
        for (_, end), (start, _) in zip(rep_spans, rep_spans[1:], strict=False):
            assert end <= start, "a rep worked two tasks at once"
    weekdays = sum(min(end, d + 1.0) - max(start, float(d))
                   for rep_spans in spans.values() for start, end in rep_spans
                   for d in range(math.floor(start), math.ceil(end)) if d % 7 < 5)
    assert sum(team.worked(d) for d in range(day + 31)) == pytest.approx(weekdays), \
        "the work per day adds up to the working time of the tasks' spans"
