"""Finite teams as SimPy queues: tasks wait for one of ``headcount`` reps.

Conventions
-----------
Time
    One time unit is one calendar day. Day ``d`` is the half-open interval ``[d, d + 1)``;
    its weekday is ``(first_weekday + d) % 7`` (0 = Monday ... 6 = Sunday). ``d = 0`` is the
    start of the simulation.

Driving the team in lockstep with the daily model step
    ``submit(..., day=t)`` enqueues a task at time ``t >= now`` (usually the start of the current
    day, but any later time is accepted). ``run_until(t)`` processes every event with time
    ``< t`` and leaves the clock at ``t``; an event at exactly ``t`` (say a task finishing at
    the start of the next day) belongs to the next call. The daily step for day ``d`` is
    therefore: ``submit`` the day's hand-offs at ``d``, then ``run_until(d + 1)``.

Working days
    Reps work only on days whose weekday is in ``TeamSpec.working_days``, the whole of such a
    day (no hours). Service times are in *working* days and are converted to calendar time by
    counting only working days: the finish is the earliest calendar time at which the
    accumulated working time equals the service time. A task needing 1.5 working days that
    starts on Friday at 12:00 (Monday to Friday working) accumulates 0.5 on Friday, nothing at
    the weekend and 1.0 on Monday, so it finishes on Tuesday at 00:00. Nothing starts on a
    non-working day: a task that arrives on one is put to the reps at the start of the next
    working day, and a rep who finishes exactly at the end of a working day that is followed
    by non-working days (say Saturday 00:00) is free again only at the start of the next
    working day. The record keeps the true finish time.

Queue disciplines
    Waiting tasks form one heap ordered by the discipline: ``fifo`` by ``(queued time,
    submission order)``, ``value`` by ``(-value, queued, submission order)``: the highest account
    value first, ties first come first served. Each rep is a SimPy process that takes the top
    task, works it, and takes the next; an idle rep sleeps until tasks arrive. Tasks that become
    ready at the same instant enter the heap together, before any rep freed at that instant
    takes one, so a simultaneous arrival can never jump ahead of a better task. (One process
    per rep rather than per task: about 5x less SimPy work per task.)

Ordering of events at one instant ``t`` (SimPy breaks ties by priority, then scheduling
order): the stop of ``run_until`` and withdrawals (``URGENT``), then task finishes and idle
reps waking (``NORMAL``), then the arrivals ready at ``t`` (priority 2), then the reps freed
at ``t`` (priority 3).

Randomness
    The team draws nothing itself. Each task arrives with its own uniform draw ``u`` (the caller
    keys it to the task, see ``operations.desk``), and its service time is the inverse CDF of
    its kind's distribution at ``u``: ``d`` for ``fixed``, ``-mean log(1 - u)`` for
    ``exponential``, ``median exp(sigma Phi^-1(u))`` for ``lognormal``. A task therefore takes
    as long whatever the headcount, the discipline or the other tasks (common random numbers:
    comparing two teams compares their queues, not their luck).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any, Literal

import simpy
from scipy.special import ndtri
from simpy.events import NORMAL, Event, EventPriority

Discipline = Literal["fifo", "value"]
ServiceDist = tuple[str, float, float]

SERVICE_FAMILIES: tuple[str, ...] = ("fixed", "exponential", "lognormal")
"""Service-time families: ``("fixed", d, 0)``, ``("exponential", mean, 0)``,
``("lognormal", median, sigma)``, all in working days."""

_ARRIVE = EventPriority(2)
_RELEASE = EventPriority(3)


@dataclass(frozen=True)
class TeamSpec:
    """A team's configuration.

    ``service_days`` maps each task type to its service-time distribution (see
    :data:`SERVICE_FAMILIES`), in working days; fractions are allowed. ``working_days`` are
    the weekday indices (0 = Monday ... 6 = Sunday) on which the reps work.
    """

    name: str
    headcount: int
    discipline: Discipline
    service_days: dict[str, ServiceDist]
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)

    def __post_init__(self) -> None:
        if self.headcount < 1:
            raise ValueError(f"team {self.name!r}: headcount must be >= 1, got {self.headcount}")
        if self.discipline not in ("fifo", "value"):
            raise ValueError(f"team {self.name!r}: unknown discipline {self.discipline!r}")
        days = tuple(self.working_days)
        if not days or any(d not in range(7) for d in days) or len(set(days)) != len(days):
            raise ValueError(
                f"team {self.name!r}: working_days must be distinct weekdays 0..6, got {days}"
            )
        if not self.service_days:
            raise ValueError(f"team {self.name!r}: service_days is empty")
        for kind, dist in self.service_days.items():
            family, p1, p2 = dist
            if family not in SERVICE_FAMILIES:
                raise ValueError(f"team {self.name!r}, task {kind!r}: unknown family {family!r}")
            if not p1 > 0 or (family == "lognormal" and not p2 >= 0):
                raise ValueError(f"team {self.name!r}, task {kind!r}: bad parameters {dist}")


@dataclass(slots=True)
class TaskRecord:
    """One task's passage through a team; times in days, ``None`` until they happen."""

    task_id: int
    customer_id: int
    kind: str
    value: float
    queued: float
    work: float
    """Service time in working days (from the task's draw)."""
    started: float | None = None
    finished: float | None = None
    rep: int | None = None
    withdrawn: float | None = None
    """When the task was withdrawn because its customer left (it then never finishes)."""

    @property
    def wait(self) -> float | None:
        """Days from queued to started (calendar time, weekends included)."""
        return None if self.started is None else self.started - self.queued


class _At(Event):
    """An event that fires at exactly the absolute time ``at`` with ``priority`` (a Timeout)."""

    def __init__(self, env: simpy.Environment, at: float, priority: EventPriority) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority, _exact_delay(float(env.now), at))


def _exact_delay(now: float, at: float) -> float:
    """A delay ``d >= 0`` with ``now + d == at`` in floating point, if one exists.

    SimPy schedules at ``now + delay``; ``at - now`` alone can land one ulp off ``at``, which
    would put a working-day start at 6.999... (a Sunday) instead of 7.
    """
    if at <= now:
        return 0.0
    delay = at - now
    for _ in range(4):
        if now + delay < at:
            delay = math.nextafter(delay, math.inf)
        elif now + delay > at:
            delay = math.nextafter(delay, 0.0)
        else:
            break
    return delay


@dataclass(slots=True)
class _Task:
    record: TaskRecord
    seq: int
    ready: float
    dispatched: bool = False  # put to the reps' queue (its ready time has come)
    withdrawn: bool = False


@dataclass
class _Calendar:
    """Working-day arithmetic."""

    working_days: tuple[int, ...]
    first_weekday: int
    _working: tuple[bool, ...] = field(init=False)

    def __post_init__(self) -> None:
        self._working = tuple(d in self.working_days for d in range(7))

    def is_working_day(self, day: int) -> bool:
        return self._working[(self.first_weekday + day) % 7]

    def next_working_instant(self, t: float) -> float:
        """``t`` if it falls on a working day, else the start of the next working day."""
        day = math.floor(t)
        if self.is_working_day(day):
            return t
        day += 1
        while not self.is_working_day(day):
            day += 1
        return float(day)

    def end_of_work(self, start: float, work: float) -> float:
        """The earliest calendar time by which ``work`` working days done from ``start`` add up."""
        day = math.floor(start)
        if self.is_working_day(day):
            left_today = max(0.0, day + 1 - start)
            if work <= left_today:
                return start + work
            work -= left_today
        day += 1
        per_week = sum(self._working)
        weeks = max(0, math.ceil(work / per_week) - 1)
        work -= weeks * per_week
        day += 7 * weeks
        while True:
            if self.is_working_day(day):
                if work <= 1.0:
                    return day + work
                work -= 1.0
            day += 1


class Team:
    """A SimPy-driven team: tasks queue for ``headcount`` reps; one time unit is one day.

    Each rep is a SimPy process that takes the best waiting task (by the discipline), works it
    and takes the next; an idle rep sleeps until tasks arrive. See the module docstring for the
    conventions (``run_until`` semantics, working days, disciplines, event ordering, service
    times from each task's draw). The team owns its :class:`simpy.Environment`.
    """

    def __init__(self, spec: TeamSpec, first_weekday: int = 0) -> None:
        if first_weekday not in range(7):
            raise ValueError(f"first_weekday must be 0..6, got {first_weekday}")
        self.spec = spec
        self.env = simpy.Environment()
        self.calendar = _Calendar(tuple(spec.working_days), first_weekday)
        self._waiting: list[tuple[tuple[float, ...], _Task]] = []  # heap by discipline
        self._tasks_arrived: Event = self.env.event()
        self._records: list[TaskRecord] = []
        self._batches: dict[float, list[_Task]] = {}
        self._in_service: dict[int, TaskRecord] = {}  # rep -> the task it works now
        self._worked: list[float] = []  # rep-days of work per day, of tasks no longer in service
        self._started = 0
        self._withdrawn_waiting = 0  # tasks withdrawn before they started
        self._open: dict[int, list[_Task]] = {}  # customer -> tasks not finished or withdrawn
        self._not_yet_queued: list[float] = []  # queued times still after the clock (a heap)
        self._started_now: list[TaskRecord] = []
        self._finished_now: list[TaskRecord] = []
        self._reps = [self.env.process(self._rep(rep)) for rep in range(spec.headcount)]

    # -- driving -----------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The team's clock, in days."""
        return float(self.env.now)

    def submit(self, task_id: int, customer_id: int, kind: str, value: float, day: float,
               draw: float) -> None:
        """Enqueue a task at time ``day`` (>= ``now``; usually the start of the current day).

        ``draw`` is the task's own uniform on [0, 1), which sets its service time.
        """
        if kind not in self.spec.service_days:
            raise KeyError(f"team {self.spec.name!r} has no service time for task type {kind!r}")
        if day < self.env.now:
            raise ValueError(f"cannot submit at day {day}: the team's clock is at {self.env.now}")
        if not 0.0 <= draw < 1.0:
            raise ValueError(f"a task's draw must be in [0, 1), got {draw}")
        record = TaskRecord(task_id, customer_id, kind, float(value), float(day),
                            self._service_days(kind, draw))
        ready = self.calendar.next_working_instant(float(day))
        task = _Task(record, len(self._records), ready)
        self._records.append(record)
        self._open.setdefault(customer_id, []).append(task)
        if day > self.env.now:
            heapq.heappush(self._not_yet_queued, float(day))
        batch = self._batches.get(ready)
        if batch is None:
            batch = self._batches[ready] = []
            _At(self.env, ready, _ARRIVE).callbacks.append(self._dispatcher(ready))
        batch.append(task)

    def run_until(self, day: float) -> list[TaskRecord]:
        """Process every event with time ``< day``; return the tasks that finished meanwhile.

        The clock is left at ``day``; the tasks that started meanwhile are in ``started_now``.
        Nothing happens if ``day <= now``.
        """
        self._started_now, self._finished_now = [], []
        if day > self.env.now:
            self.env.run(until=day)
        while self._not_yet_queued and self._not_yet_queued[0] <= self.env.now:
            heapq.heappop(self._not_yet_queued)
        finished, self._finished_now = self._finished_now, []
        return finished

    def withdraw(self, customer_ids: list[int]) -> list[TaskRecord]:
        """Withdraw, as of now, the open tasks of customers who left; return their records.

        A waiting task leaves the queue; a task in service stops and its rep is free again at
        the next working instant.
        """
        now = float(self.env.now)
        withdrawn = []
        for customer in customer_ids:
            for task in self._open.pop(customer, ()):
                record = task.record
                record.withdrawn = now
                if record.started is not None:
                    self._reps[record.rep].interrupt()
                elif task.dispatched:
                    task.withdrawn = True  # skipped when it comes up
                    self._withdrawn_waiting += 1
                else:
                    self._batches[task.ready].remove(task)
                    if record.queued > now:
                        self._not_yet_queued.remove(record.queued)
                        heapq.heapify(self._not_yet_queued)
                    else:
                        self._withdrawn_waiting += 1
                withdrawn.append(record)
        return withdrawn

    # -- state -------------------------------------------------------------------------------

    @property
    def records(self) -> list[TaskRecord]:
        """Every submitted task, in submission order."""
        return list(self._records)

    @property
    def started_now(self) -> list[TaskRecord]:
        """The tasks that started during the last ``run_until``, in start order."""
        return list(self._started_now)

    @property
    def queue_length(self) -> int:
        """Tasks that have arrived (queued <= now) and not started yet."""
        return (len(self._records) - len(self._not_yet_queued) - self._started
                - self._withdrawn_waiting)

    @property
    def busy(self) -> int:
        """Reps working on a task now (started and not finished)."""
        return len(self._in_service)

    def worked(self, day: int) -> float:
        """Rep-days spent on tasks during ``day`` (the time ``[day, day + 1)``), up to now.

        Divided by the headcount, the share of the team's capacity that day that went to tasks;
        final once the clock has passed ``day + 1``.
        """
        done = self._worked[day] if day < len(self._worked) else 0.0
        now = float(self.env.now)
        return done + sum(self._working_time(r.started, now, day)
                          for r in self._in_service.values())

    def _working_time(self, start: float, stop: float, day: int) -> float:
        """The part of ``[start, stop)`` that falls on ``day``, if ``day`` is a working day."""
        if not self.calendar.is_working_day(day):
            return 0.0
        return max(0.0, min(stop, day + 1.0) - max(start, float(day)))

    def _book_work(self, start: float, stop: float) -> None:
        """Add the working time of ``[start, stop)`` to the days it falls on."""
        last = math.ceil(stop)
        if len(self._worked) < last:
            self._worked.extend([0.0] * (last - len(self._worked)))
        for day in range(math.floor(start), last):
            self._worked[day] += self._working_time(start, stop, day)

    # -- processes ---------------------------------------------------------------------------

    def _order_key(self, task: _Task) -> tuple[float, ...]:
        r = task.record
        if self.spec.discipline == "value":
            return (-r.value, r.queued, task.seq)
        return (r.queued, task.seq)

    def _dispatcher(self, ready: float) -> Callable[[Event], None]:
        def dispatch(_: Event) -> None:
            for task in self._batches.pop(ready):
                task.dispatched = True
                heapq.heappush(self._waiting, (self._order_key(task), task))
            arrived, self._tasks_arrived = self._tasks_arrived, self.env.event()
            arrived.succeed()

        return dispatch

    def _next_task(self) -> _Task | None:
        """The best waiting task, by the discipline (None if there is none)."""
        while self._waiting:
            _, task = heapq.heappop(self._waiting)
            if not task.withdrawn:
                return task
        return None

    def _service_days(self, kind: str, draw: float) -> float:
        """The service time of a ``kind`` task whose draw is ``draw`` (inverse CDF)."""
        family, p1, p2 = self.spec.service_days[kind]
        if family == "fixed":
            return float(p1)
        if family == "exponential":
            return float(-p1 * math.log1p(-draw))
        return float(p1 * math.exp(p2 * ndtri(draw))) if p2 else float(p1)

    def _rep(self, rep: int) -> Generator[Event, Any, None]:
        """One rep: take the best waiting task, work it, be free again at a working instant."""
        while True:
            task = self._next_task()
            if task is None:
                yield self._tasks_arrived
                continue
            record = task.record
            record.started = float(self.env.now)
            record.rep = rep
            self._in_service[rep] = record
            self._started += 1
            self._started_now.append(record)
            finish = self.calendar.end_of_work(record.started, record.work)
            try:
                yield _At(self.env, finish, NORMAL)
            except simpy.Interrupt:  # withdrawn in service: the rep stops now
                pass
            else:
                record.finished = float(self.env.now)
                self._finished_now.append(record)
                still_open = self._open[record.customer_id]
                still_open.remove(task)
                if not still_open:
                    del self._open[record.customer_id]
            del self._in_service[rep]
            self._book_work(record.started, float(self.env.now))
            free_at = self.calendar.next_working_instant(float(self.env.now))
            yield _At(self.env, free_at, _RELEASE)


def erlang_c_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    r"""Mean wait in queue of an M/M/c queue (Erlang C).

    With arrival rate :math:`\lambda`, service rate :math:`\mu` per server, :math:`c` servers,
    offered load :math:`a = \lambda/\mu` and utilisation :math:`\rho = a/c < 1`:

    .. math::

        C(c, a) = \frac{\frac{a^c}{c!}\frac{1}{1-\rho}}
                       {\sum_{k=0}^{c-1}\frac{a^k}{k!} + \frac{a^c}{c!}\frac{1}{1-\rho}},
        \qquad
        W_q = \frac{C(c, a)}{c\mu - \lambda}.

    ``C(c, a)`` is the probability that an arrival has to wait.
    """
    if arrival_rate <= 0 or service_rate <= 0 or servers < 1:
        raise ValueError("rates must be positive and servers >= 1")
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        raise ValueError(f"unstable queue: utilisation {rho} >= 1")
    term = 1.0  # a^k / k!
    below = 0.0
    for k in range(servers):
        below += term
        term *= a / (k + 1)
    top = term / (1.0 - rho)  # term is now a^c / c!
    wait_probability = top / (below + top)
    return wait_probability / (servers * service_rate - arrival_rate)
