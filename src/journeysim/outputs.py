"""Writing a run's files atomically: each file appears whole under its final name or not at all.

Every writer writes to a temporary file in the destination folder, flushes it to disk and
renames it over the final name (``os.replace`` is atomic on POSIX file systems).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then rename it to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        tmp.chmod(0o666 & ~_UMASK)  # as a plain open() would (mkstemp makes it 0600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as indented JSON atomically."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def write_parquet(path: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as Parquet (pyarrow, no index) atomically."""
    return atomic_write(path, lambda tmp: frame.to_parquet(tmp, engine="pyarrow", index=False))
