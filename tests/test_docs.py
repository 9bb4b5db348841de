"""The documentation keeps up with the code: every config key is documented."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator

from helpers import ROOT
from journeysim.config.schema import Distribution, SimConfig


def schema_paths(cls: type, prefix: str = "") -> Iterator[str]:
    """Every dotted key of the schema, with ``<name>`` for the keys of a mapping."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path, hint = f"{prefix}{f.name}", hints[f.name]
        if typing.get_origin(hint) is dict:
            item = typing.get_args(hint)[1]
            if dataclasses.is_dataclass(item):
                yield from schema_paths(item, f"{path}.<name>.")
            else:
                yield f"{path}.<name>"
        elif dataclasses.is_dataclass(hint) and hint is not Distribution:
            yield from schema_paths(hint, f"{path}.")
        else:
            yield path


def test_every_config_key_is_in_the_configuration_guide() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [path for path in schema_paths(SimConfig) if f"`{path}`" not in text]
    assert not missing, f"undocumented keys: {missing}"


def test_the_readme_opens_with_the_two_commands() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```")]
    assert [line.split()[0] for line in block] == ["./scripts/run", "./scripts/test"]
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
