"""Checks that run before Hydra composes anything: YAML syntax and command-line override keys.

Hydra's own messages for these mistakes name neither the file nor the fix (and suggest ``+key``,
which would only move the error), so the command line checks them first.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path

import yaml

from journeysim.config.load import ConfigError, suggest
from journeysim.config.schema import Distribution, SimConfig

GROUPS: tuple[str, ...] = ("population", "journey", "catalog", "policy", "team")
"""Config groups: a top-level key that names a file under ``conf/<group>/``."""


class YamlError(ValueError):
    """A config file that is not valid YAML, or not a mapping."""

    def __init__(self, path: Path, problem: str, fix: str) -> None:
        self.path, self.problem, self.fix = path, problem, fix
        super().__init__(f"{path}: {problem}. Fix: {fix}")


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (YAML would keep the
    last one silently; Hydra stops with a traceback)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key '{key}' is written twice in the same mapping",
                    key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def check_yaml_files(config_dirs: list[Path]) -> None:
    """Parse every ``*.yaml`` under ``config_dirs``; raise ``YamlError`` for the first bad one."""
    for directory in config_dirs:
        for path in sorted(directory.rglob("*.yaml")):
            try:
                data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown"
                raise YamlError(path, f"invalid YAML at {where}: {exc.problem}",
                                _yaml_fix(str(exc.problem))) from None
            except yaml.YAMLError as exc:
                raise YamlError(path, f"invalid YAML: {exc}", "fix the syntax") from None
            if data is not None and not isinstance(data, dict):
                raise YamlError(path, "the file must hold `key: value` lines",
                                "write the settings as a mapping")
            if data is None and path.parent.name in GROUPS:
                raise YamlError(path, "the file is empty (every setting would be its default)",
                                f"write its settings, e.g. starting from a copy of a file in "
                                f"conf/{path.parent.name}/")
            if path.parent.name == "journey" and (not data or list(data) != [path.stem]):
                found = ", ".join(map(str, data or {})) or "nothing"
                raise YamlError(path, f"a journey file holds one journey named like the file "
                                      f"('{path.stem}'), but this one holds {found}",
                                f"put the journey under a top key `{path.stem}:`")


def check_shadowed_files(project_dir: Path, user_dirs: list[Path]) -> None:
    """Raise ``YamlError`` for a user config file named like a project one, which wins."""
    for directory in user_dirs:
        for path in sorted(directory.rglob("*.yaml")):
            relative = path.relative_to(directory)
            if (project_dir / relative).is_file() and path.resolve() != (
                    project_dir / relative).resolve():
                stem = f"my_{path.stem}"
                raise YamlError(path, f"it has the name of the project's conf/{relative}, which "
                                      "is used instead (the project's conf/ comes first)",
                                f"rename it (e.g. {stem}.yaml" +
                                (f", with its top key renamed to {stem}" if relative.parts[0]
                                 == "journey" else "") + ") and select that name")


def _yaml_fix(problem: str) -> str:
    """The fix for a YAML parse problem."""
    if "written twice" in problem:
        return "keep one of the two (a later one would silently replace the first)"
    if "constructor for the tag" in problem:
        return "remove the '!!' tag: configs are plain data (nothing in them is executed)"
    if "found '<scalar>'" in problem or "expected <block end>" in problem:
        return ("check the indentation and the ':' after each key there; a value that starts "
                "with a quote must be quoted whole, e.g. when: 'x == \"a\" and y > 1'")
    return "check the indentation and the ':' after each key there"


def _schema_child(hint: typing.Any, name: str, key: str) -> typing.Any:
    """The schema type under ``name`` inside ``hint``; raise ConfigError if there is none."""
    if hint is Distribution:
        return float
    if typing.get_origin(hint) is dict:
        return typing.get_args(hint)[1]
    if typing.get_origin(hint) is list:
        if not name.isdigit():
            raise ConfigError(key, "a list is indexed by position",
                              f"write {key.rsplit('.', 1)[0]}.0 for the first item")
        return typing.get_args(hint)[0]
    if typing.get_origin(hint) in (types.UnionType, typing.Union):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _schema_child(options[0], name, key)
    if dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        if name not in hints:
            raise ConfigError(key, "unknown key", suggest(name, hints))
        return hints[name]
    parent = key.rsplit(".", 1)[0]
    raise ConfigError(key, f"'{parent}' holds a single value, not a section",
                      f"set '{parent}=...' directly")


def check_override_key(key: str) -> None:
    """Raise ConfigError unless ``key`` (a dotted override key) exists in the schema."""
    parts = key.split(".")
    if len(parts) == 1 and parts[0] in GROUPS:
        return
    hint: typing.Any = SimConfig
    for depth, name in enumerate(parts):
        hint = _schema_child(hint, name, ".".join(parts[: depth + 1]))


def check_group_choice(group: str, choice: str, config_dirs: list[Path]) -> None:
    """Raise ConfigError unless ``conf/<group>/<choice>.yaml`` exists in one of the dirs."""
    if any((d / group / f"{choice}.yaml").is_file() for d in config_dirs):
        return
    options = sorted({p.stem for d in config_dirs for p in (d / group).glob("*.yaml")})
    raise ConfigError(group, f"there is no {group} config named '{choice}'",
                      suggest(choice, options).replace("valid keys here", "available"))


def rewrite_overrides(argv: list[str], config_dirs: list[Path]) -> list[str]:
    """Check ``key=value`` overrides against the schema and return argv for Hydra.

    A checked schema key is passed as ``++key=value`` (set, or add if the composed file does
    not spell it out), so every documented key can be overridden without Hydra's ``+``.
    """
    out = []
    for arg in argv:
        if arg.startswith("-") or "=" not in arg or arg[0] in "+~":
            out.append(arg)
            continue
        key, value = arg.split("=", 1)
        if key.startswith("hydra.") or key.startswith("hydra/"):
            out.append(arg)
            continue
        if key in GROUPS:
            choices = [c.strip() for c in value.replace("[", ",").replace("]", ",").split(",")]
            for choice in filter(None, choices):
                check_group_choice(key, choice, config_dirs)
            repeated = sorted({c for c in choices if c and choices.count(c) > 1})
            if key == "journey" and value.startswith("[") and repeated:
                raise ConfigError(key, f"journey {repeated[0]} is listed twice (it runs once)",
                                  "list each journey once")
            out.append(arg)
            continue
        check_override_key(key)
        out.append(f"++{arg}")
    return out
