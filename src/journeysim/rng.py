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

PROCESSES: tuple[str, ...] = ("population", "adoption", "seat_demand", "support", "organic",
                             "churn")
"""The stochastic processes of the core model, each with its own stream."""


def stream(seed: int, process: str) -> np.random.Generator:
    """The generator of ``process`` for the run with master ``seed``."""
    key = zlib.crc32(process.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def uniforms(generator: np.random.Generator, n: int) -> np.ndarray:
    """``n`` float32 draws, uniform on [0, 1) in steps of 2^-23, from 32 raw bits each.

    Each float is built from 23 random mantissa bits under the exponent of 1.0, minus 1: half
    the cost of ``Generator.random(dtype=float32)`` (numpy's shifts are slow, masks are not)
    and bit-for-bit the same on every machine.
    """
    bits = generator.bit_generator.random_raw((n + 1) // 2).view(np.uint32)[:n]
    np.bitwise_and(bits, np.uint32(0x007FFFFF), out=bits)
    np.bitwise_or(bits, np.uint32(0x3F800000), out=bits)
    draws = bits.view(np.float32)
    draws -= 1.0
    return draws


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (Steele et al. 2014): a bijective 64-bit mixer."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def keyed_uniforms(seed: int, purpose: str, ids: np.ndarray,
                   day: int | np.ndarray) -> np.ndarray:
    """A U[0, 1) draw for each customer in ``ids`` on ``day`` (one day, or one per customer),
    for ``purpose``.

    Counter-based: the draw is a hash of (seed, purpose, customer, day), so it does not depend
    on which other customers draw that day. Message responses use it: a customer has the same
    luck on a given day whatever the journeys did to anyone else; so do team tasks, keyed by the
    day they were queued.
    """
    key = np.uint64((seed * 0x100000001B3 ^ zlib.crc32(purpose.encode("utf-8"))) % 2**64)
    with np.errstate(over="ignore"):
        x = _splitmix64(ids.astype(np.uint64) * np.uint64(0x2545F4914F6CDD1D) ^ key)
        x = _splitmix64(x ^ np.asarray(day, dtype=np.uint64))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def streams(seed: int, processes: tuple[str, ...] = PROCESSES) -> dict[str, np.random.Generator]:
    """One independent generator per process name."""
    return {name: stream(seed, name) for name in processes}
