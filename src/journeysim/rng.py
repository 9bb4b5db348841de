"""Independent random streams, one per stochastic process (common random numbers).

Every stream is derived from the run's seed with ``numpy.random.SeedSequence``: the stream for
process ``name`` is ``SeedSequence(seed, spawn_key=(crc32(name),))``, which is what
``SeedSequence(seed).spawn`` does with positional keys, keyed by name instead of position so
that adding a process never shifts another one's numbers. Each process draws the same number
of values for every customer every day, used or not, so what one process (or a journey) does
can never change another process's draws: a run with and without a journey differs only where
the journey acted.
"""

from __future__ import annotations

import zlib

import numpy as np

PROCESSES: tuple[str, ...] = ("population", "adoption", "seat_demand", "organic", "churn")
"""The stochastic processes of the core model, each with its own stream."""


def stream(seed: int, process: str) -> np.random.Generator:
    """The generator of ``process`` for the run with master ``seed``."""
    key = zlib.crc32(process.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def streams(seed: int, processes: tuple[str, ...] = PROCESSES) -> dict[str, np.random.Generator]:
    """One independent generator per process name."""
    return {name: stream(seed, name) for name in processes}
