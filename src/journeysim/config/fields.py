"""Dataclass fields that carry their documented range and help text for validation and docs."""

from __future__ import annotations

from dataclasses import field
from typing import Any


def spec(default: Any = None, *, lo: float | None = None, hi: float | None = None,
         lo_open: bool = False, hi_open: bool = False, help: str = "",
         required: bool = False) -> Any:
    """A dataclass field with a documented range ``lo <= value <= hi`` (strict where open).

    A ``required`` key must be written whenever its section is (the default serves only
    configs built in code).
    """
    meta = {"lo": lo, "hi": hi, "lo_open": lo_open, "hi_open": hi_open, "help": help,
            "required": required}
    return field(default=default, metadata=meta)


def unit_interval(default: float, help: str) -> Any:
    """A field holding a level strictly between 0 and 1."""
    return spec(default, lo=0.0, hi=1.0, lo_open=True, hi_open=True, help=help)


def probability(default: float, help: str) -> Any:
    """A field holding a probability or share in [0, 1]."""
    return spec(default, lo=0.0, hi=1.0, help=help)
