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


def streams(seed: int, processes: tuple[str, ...] = PROCESSES) -> dict[str, np.random.Generator]:
    """One independent generator per process name."""
    return {name: stream(seed, name) for name in processes}
