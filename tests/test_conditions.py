"""The condition language: what strategists may write, what it means, and what is refused."""

from __future__ import annotations

import ast
import math
import operator
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeysim.journeys.conditions as conditions_module
from journeysim.journeys.conditions import (
    Attribute,
    Condition,
    ConditionError,
    compile_condition,
)

SEGMENTS = ("smb", "mid", "enterprise")
PLANS = ("starter", "team", "business", "enterprise")
ATTRIBUTES = {
    a.name: a
    for a in (
        Attribute("seats", "number", doc="purchased seats"),
        Attribute("seat_demand", "number"),
        Attribute("seat_utilization", "number"),
        Attribute("tenure_days", "number"),
        Attribute("usage_depth", "number"),
        Attribute("adopted", "bool"),
        Attribute("seat_limit_reached", "bool"),
        Attribute("segment", "category", SEGMENTS),
        Attribute("plan", "category", PLANS),
    )
}
# Six customers, in the dtypes the population state uses.
DATA = {
    "seats": np.array([10, 5, 3, 20, 8, 1], dtype=np.float32),
    "seat_demand": np.array([12, 5, 6, 21, 9, 1], dtype=np.float32),
    "seat_utilization": np.array([0.9, 0.8, 0.5, 1.0, 0.79, 0.85]),
    "tenure_days": np.array([40, 30, 100, 10, 29, 365], dtype=np.int32),
    "usage_depth": np.array([0.1, 0.5, 0.29, 0.3, 0.9, np.nan], dtype=np.float32),
    "adopted": np.array([True, False, True, True, False, True]),
    "seat_limit_reached": np.array([True, False, True, False, False, True]),
    "segment": np.array([0, 0, 1, 2, 0, 1], dtype=np.int8),
    "plan": np.array([0, 1, 2, 3, 1, 0], dtype=np.int8),
}
SIZE = 6


def run(text: str, data: dict[str, np.ndarray] = DATA, size: int = SIZE) -> list[bool]:
    """Compile ``text`` over ATTRIBUTES and evaluate it on ``data`` as a list of bools."""
    result = compile_condition(text, ATTRIBUTES)(data.__getitem__, size)
    assert result.dtype == np.bool_
    assert result.shape == (size,)
    return result.tolist()


def refusal(text: str) -> ConditionError:
    """The error compiling ``text`` raises."""
    with pytest.raises(ConditionError) as info:
        compile_condition(text, ATTRIBUTES)
    return info.value


# -- meaning -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'seat_utilization >= 0.8 and tenure_days >= 30 and segment == "smb"',
            [True, True, False, False, False, False],
        ),
        ("not adopted or usage_depth < 0.3", [True, True, True, False, True, False]),
        ('plan in ["starter", "team"]', [True, True, False, False, True, True]),
        ('plan not in ("starter", "team")', [False, False, True, True, False, False]),
        ("seat_demand - seats >= 2", [True, False, True, False, False, False]),
        ("seat_limit_reached", [True, False, True, False, False, True]),
        ("not seat_limit_reached", [False, True, False, True, True, False]),
        ('"enterprise" == segment or plan == "enterprise"', [False, False, False, True, False,
                                                             False]),
        ('segment != "smb"', [False, False, True, True, False, True]),
        ("seats * 2 + 1 > seat_demand + 10 / 5", [True, True, False, True, True, False]),
        ("-seats < -4", [True, True, False, True, True, False]),
        ("tenure_days in [10, 29, 365.0]", [False, False, False, True, True, True]),
        ("tenure_days not in [10, 29, 365]", [True, True, True, False, False, False]),
        ("adopted == true", [True, False, True, True, False, True]),
        ("adopted != seat_limit_reached", [False, False, False, True, False, False]),
        ("not adopted and not seat_limit_reached or seats > 15",
         [False, True, False, True, True, False]),
        ("not (adopted and seats > 4)", [False, True, True, False, True, True]),
    ],
)
def test_examples(text: str, expected: list[bool]) -> None:
    assert run(text) == expected


def test_chained_comparison_is_the_conjunction() -> None:
    assert run("0.5 < seat_utilization <= 0.85") == [False, True, False, False, True, True]
    assert run("0.5 < seat_utilization <= 0.85") == run(
        "0.5 < seat_utilization and seat_utilization <= 0.85"
    )
    assert run("1 <= seats < seat_demand <= 12") == [True, False, True, False, True, False]
    assert run('segment == "mid" == segment') == run('segment == "mid"')


@pytest.mark.parametrize("word", ["true", "True", "false", "False"])
def test_boolean_literals(word: str) -> None:
    value = word.lower() == "true"
    assert run(word) == [value] * SIZE
    assert run(f"adopted or {word}") == [value or a for a in DATA["adopted"].tolist()]
    assert compile_condition(word, ATTRIBUTES).names == frozenset()


def test_constant_conditions_need_only_the_size() -> None:
    def no_lookup(name: str) -> np.ndarray:
        raise AssertionError(f"looked up {name}")

    assert compile_condition("1 < 2 and not false", ATTRIBUTES)(no_lookup, 4).tolist() == [True] * 4
    assert compile_condition('2 in [1, 3]', ATTRIBUTES)(no_lookup, 2).tolist() == [False] * 2
    assert compile_condition("true", ATTRIBUTES)(no_lookup, 0).shape == (0,)


def test_names_and_single_lookup_per_attribute() -> None:
    condition = compile_condition(
        "seats > 1 and seats < 100 or 0 < seats / seat_demand <= 1 and seats in [3, 4]", ATTRIBUTES
    )
    assert isinstance(condition, Condition)
    assert condition.names == frozenset({"seats", "seat_demand"})
    calls: list[str] = []

    def lookup(name: str) -> np.ndarray:
        calls.append(name)
        return DATA[name]

    condition(lookup, SIZE)
    assert sorted(calls) == ["seat_demand", "seats"]


def test_result_is_a_new_array() -> None:
    flags = DATA["adopted"].copy()
    result = compile_condition("adopted", ATTRIBUTES)({"adopted": flags}.__getitem__, SIZE)
    result[:] = False
    assert flags.tolist() == DATA["adopted"].tolist()


def test_division_by_zero_at_run_time_is_undefined_and_quiet() -> None:
    data = {"seats": np.array([0.0, 0.0, 0.0, 2.0]), "seat_demand": np.array([1.0, 0.0, -1, 4])}
    with np.errstate(all="raise"):
        for text in ("seat_demand / seats > 0", "seat_demand / seats < 3",
                     "seat_demand / seats == seat_demand / seats",
                     "seat_demand / seats != 0", "seat_demand / seats not in [0.5]"):
            assert run(text, data, 4) == [False, False, False, True], text
        assert run("not seat_demand / seats > 1", data, 4) == [True, True, True, False]


def test_nan_attribute_compares_false() -> None:
    data = {"usage_depth": np.array([np.nan, 0.5])}
    assert run("usage_depth != 0.2", data, 2) == [False, True]
    assert run("usage_depth not in [0.2]", data, 2) == [False, True]
    assert run("usage_depth >= 0 or usage_depth < 0", data, 2) == [False, True]


def test_float32_values_compare_exactly() -> None:
    # float32(0.7) is 0.699999988..., below the literal 0.7.
    data = {"usage_depth": np.array([0.7, 0.8], dtype=np.float32)}
    assert run("usage_depth >= 0.7", data, 2) == [False, True]


def test_multiline_text_from_yaml() -> None:
    assert run("seats >= 5\n  and adopted\n") == run("seats >= 5 and adopted")


def test_condition_pickles() -> None:
    condition = compile_condition('segment == "mid" and seats > 2', ATTRIBUTES)
    clone = pickle.loads(pickle.dumps(condition))
    assert clone.text == condition.text and clone.names == condition.names
    assert clone(DATA.__getitem__, SIZE).tolist() == condition(DATA.__getitem__, SIZE).tolist()
    error = pickle.loads(pickle.dumps(ConditionError("p", "f")))
    assert (error.problem, error.fix) == ("p", "f")


def test_lookup_of_wrong_shape_or_type_is_a_programming_error() -> None:
    condition = compile_condition("seats > 1 and adopted", ATTRIBUTES)
    with pytest.raises(ValueError, match="shape"):
        condition({"seats": np.ones(3), "adopted": np.ones(3, bool)}.__getitem__, 4)
    with pytest.raises(TypeError, match="adopted"):
        condition({"seats": np.ones(3), "adopted": np.ones(3)}.__getitem__, 3)


# -- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("__import__('os').system('x')", "function call"),
        ("open('f')", "function call"),
        ("seats.__class__", "attribute access"),
        ("seats.__class__.__bases__[0].__subclasses__()", "function call"),
        ("[x for x in y]", "comprehension"),
        ("any(s > 1 for s in seats)", "function call"),
        ("lambda: 1", "lambda"),
        ("seats ** 2", "'**'"),
        ("seats % 2 == 0", "'%'"),
        ("seats // 2 == 0", "'//'"),
        ("adopted & seat_limit_reached", "'&'"),
        ("adopted | seat_limit_reached", "'|'"),
        ("adopted ^ seat_limit_reached", "'^'"),
        ("~adopted", "'~'"),
        ("seats << 1 > 2", "'<<'"),
        ("+seats > 1", "unary '+'"),
        ("adopted is True", "'is'"),
        ("adopted is not True", "'is not'"),
        ("seats[0] > 1", "indexing"),
        ("f'{seats}' == 'x'", "f-string"),
        ("(seats := 3) > 1", "':='"),
        ("adopted if seats else adopted", "conditional expression"),
        ("plan in {'team'}", "set literal"),
        ("plan in {'team': 1}", "dict literal"),
        ("seats in [*seats]", "unpacking"),
        ("None", "literal None"),
        ("b'x' == segment", "literal b'x'"),
        ("1j == seats", "literal 1j"),
    ],
)
def test_refused_constructs_are_named(text: str, construct: str) -> None:
    error = refusal(text)
    assert construct in error.problem
    assert "not allowed" in error.problem


def test_refused_code_never_runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("executed")

    monkeypatch.setattr(os, "system", boom)
    monkeypatch.chdir(tmp_path)
    for text in ("__import__('os').system('x')", "open('f', 'w')", "exit()",
                 "(lambda: __import__('os').system('x'))()"):
        refusal(text)
    assert not (tmp_path / "f").exists()


def test_module_never_evaluates_or_reflects() -> None:
    tree = ast.parse(Path(conditions_module.__file__).read_text())
    called = {node.func.id for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}
    assert not called & {"eval", "exec", "compile", "getattr", "__import__", "globals"}


def test_text_limits_and_syntax_errors() -> None:
    assert "empty" in refusal("").problem
    assert "empty" in refusal("  \n ").problem
    assert "500" in refusal("seats > 1 and " * 40 + "adopted").problem
    error = refusal("seats >= 10 andd adopted")
    assert "column" in error.problem
    error = refusal("  seats = 3")
    assert "column 9" in error.problem and "'=='" in error.fix
    assert "'and'" in refusal("adopted && seat_limit_reached").fix
    assert "'not'" in refusal("!adopted").fix
    assert "string" in refusal(True).fix  # type: ignore[arg-type]
    assert "nested" in refusal("-" * 200 + "seats > 1").problem


def test_unknown_attribute_suggests() -> None:
    error = refusal("seat_utilisation >= 0.8")
    assert error.problem == "unknown attribute 'seat_utilisation'"
    assert error.fix.startswith("did you mean 'seat_utilization'? valid attributes: adopted, plan,")
    assert "seats, segment, tenure_days, usage_depth" in error.fix
    assert "quote it: segment == \"smb\"" in refusal("segment == smb").fix


@pytest.mark.parametrize(
    ("text", "problem", "fix"),
    [
        ("seats", "'seats' is a number", "compare it, e.g. seats >= 10"),
        ("seat_demand - seats", "is a number", "seat_demand - seats >= 10"),
        ("segment", "is a category", 'segment == "smb"'),
        ("'smb'", "text label", 'segment == \'smb\''),
        ("[1, 2]", "a list", "right of 'in'"),
        ("seats and adopted", "'seats' is a number", "compare it"),
        ("not seats", "'seats' is a number", "compare it"),
        ("adopted < 1", "needs numbers", "on its own"),
        ("segment > 'smb'", "needs numbers", "no order"),
        ("adopted + 1 > 2", "needs numbers", ""),
        ("-adopted", "negation", ""),
        ("plan * 2 == 4", "needs numbers", ""),
        ("seats == 'smb'", "unlike", "number with a number"),
        ("adopted == 1", "unlike", "true or false"),
        ("adopted == 'yes'", "unlike", "true or false"),
        ("segment == 1", "unlike", "quoted labels"),
        ("'a' == 'a'", "two quoted labels", ""),
        ("plan == segment", "different labels", ""),
        ("seats / 0 > 1", "division by zero", ""),
        ("seats / (2 - 2) > 1", "division by zero", ""),
        ("seats > 99999999999999999999", "too large", ""),
        ("seats > 1e999", "out of range", ""),
        ("seats in seat_demand", "literal list", ""),
        ("seats in []", "empty", ""),
        ("seats in [seat_demand]", "not a literal", ""),
        ("seats in [1, 'a']", "text label", "numbers only"),
        ("seats in [1, true]", "boolean", "numbers only"),
        ("segment in [1]", "number", 'quoted labels of \'segment\': one of "smb"'),
        ("adopted in [true]", "number or a category", ""),
        ("'smb' in segment", "quoted label", 'segment == \'smb\''),
        ("[1] == [1]", "list", ""),
        ("seats in [1] in [2]", "list", ""),
    ],
)
def test_type_errors(text: str, problem: str, fix: str) -> None:
    error = refusal(text)
    assert problem in error.problem
    assert fix in error.fix
    assert str(error) == f"{error.problem}; {error.fix}"


def test_category_labels_are_checked() -> None:
    error = refusal('segment == "smbb"')
    assert '"smbb" is not a label' in error.problem
    assert error.fix == 'did you mean "smb"? \'segment\' is one of "smb", "mid", "enterprise"'
    assert 'did you mean "enterprise"' in refusal('"Enterprise" == plan').fix
    error = refusal('plan in ["starter", "tem"]')
    assert '"tem"' in error.problem and 'did you mean "team"' in error.fix
    assert "did you mean" not in refusal('segment == "xyz"').fix


def test_attribute_validation() -> None:
    with pytest.raises(ValueError):
        Attribute("segment", "category")
    with pytest.raises(ValueError):
        Attribute("seats", "number", ("a",))
    with pytest.raises(ValueError):
        Attribute("seats", "integer")  # type: ignore[arg-type]
    assert Attribute("s", "category", ["a", "b"]).categories == ("a", "b")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        compile_condition("x", {"y": Attribute("x", "bool")})


# -- property: the compiled condition agrees with a plain-Python evaluation row by row ----------

LABELS = ("smb", "mid", "ent")
PROPERTY_ATTRIBUTES = {
    a.name: a
    for a in (
        Attribute("n_int", "number"),
        Attribute("n_float", "number"),
        Attribute("flag", "bool"),
        Attribute("flag2", "bool"),
        Attribute("cat", "category", LABELS),
        Attribute("cat2", "category", LABELS),
    )
}
FLOATS = (0.0, 0.5, 1.5, -2.0, 3.0, 0.1, math.nan)
LITERALS = (0, 1, 2, 3, -1, 0.5, 2.25, 0.1, 0.0)

Row = dict[str, Any]
Expr = tuple[str, Callable[[Row], Any], Any]  # text, reference evaluator, constant value or None


def _nan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _divide(a: Any, b: Any) -> Any:
    return math.nan if b == 0 else a / b


REFERENCE_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
    "in": lambda a, b: a in b, "not in": lambda a, b: a not in b,
}


def _compare(op: str, a: Any, b: Any) -> bool:
    if _nan(a) or _nan(b):
        return False
    return REFERENCE_COMPARE[op](a, b)


@st.composite
def numbers(draw: st.DrawFn, depth: int) -> Expr:
    choice = draw(st.integers(0, 4 if depth > 0 else 2))
    if choice == 0:
        name = draw(st.sampled_from(["n_int", "n_float"]))
        return name, lambda row: row[name], None
    if choice in (1, 2):
        value = draw(st.sampled_from(LITERALS))
        return repr(value), lambda row: value, value
    if choice == 3:
        text, f, const = draw(numbers(depth - 1))
        return f"(-{text})", lambda row: -f(row), None if const is None else -const
    op = draw(st.sampled_from(["+", "-", "*", "/"]))
    (ta, fa, ca), (tb, fb, cb) = draw(numbers(depth - 1)), draw(numbers(depth - 1))
    if op == "/" and cb == 0:
        op = "*"
    python = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": _divide}[op]
    const = None if ca is None or cb is None else python(ca, cb)
    return f"({ta} {op} {tb})", lambda row: python(fa(row), fb(row)), const


@st.composite
def conditions(draw: st.DrawFn, depth: int) -> tuple[str, Callable[[Row], bool]]:
    choice = draw(st.integers(0, 8 if depth > 0 else 5))
    if choice == 0:
        name = draw(st.sampled_from(["flag", "flag2", "true", "false", "True", "False"]))
        if name in PROPERTY_ATTRIBUTES:
            return name, lambda row: row[name]
        return name, lambda row: name.lower() == "true"
    if choice == 1:  # a (possibly chained) numeric comparison
        operands = [draw(numbers(2)) for _ in range(draw(st.integers(2, 3)))]
        ops = [draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="])) for _ in operands[1:]]
        pairs = zip(ops, operands[1:], strict=True)
        text = operands[0][0] + "".join(f" {op} {e[0]}" for op, e in pairs)

        def chain(row: Row) -> bool:
            values = [e[1](row) for e in operands]
            return all(_compare(op, values[i], values[i + 1]) for i, op in enumerate(ops))

        return f"({text})", chain
    if choice == 2:  # a category against a label or the other category
        op = draw(st.sampled_from(["==", "!="]))
        left = draw(st.sampled_from(["cat", "cat2"]))
        right = draw(st.sampled_from(["cat", "cat2", *LABELS]))
        if right in LABELS and draw(st.booleans()):
            return f'("{right}" {op} {left})', lambda row: _compare(op, right, row[left])
        if right in LABELS:
            return f'({left} {op} "{right}")', lambda row: _compare(op, row[left], right)
        return f"({left} {op} {right})", lambda row: _compare(op, row[left], row[right])
    if choice == 3:  # membership
        op = draw(st.sampled_from(["in", "not in"]))
        if draw(st.booleans()):
            labels = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=3))
            name = draw(st.sampled_from(["cat", "cat2"]))
            text = f"({name} {op} [{', '.join(repr(x) for x in labels)}])"
            return text, lambda row: _compare(op, row[name], labels)
        text_n, f, _ = draw(numbers(1))
        values = draw(st.lists(st.sampled_from(LITERALS), min_size=1, max_size=3))
        return f"({text_n} {op} {values!r})", lambda row: _compare(op, f(row), values)
    if choice in (4, 5):  # booleans compared with each other
        op = draw(st.sampled_from(["==", "!="]))
        left = draw(st.sampled_from(["flag", "flag2"]))
        right = draw(st.sampled_from(["flag", "flag2", "true", "false"]))
        if right in PROPERTY_ATTRIBUTES:
            return f"({left} {op} {right})", lambda row: _compare(op, row[left], row[right])
        return f"({left} {op} {right})", lambda row: _compare(op, row[left], right == "true")
    if choice == 6:
        text, f = draw(conditions(depth - 1))
        return f"(not {text})", lambda row: not f(row)
    word = "and" if choice == 7 else "or"
    parts = [draw(conditions(depth - 1)) for _ in range(draw(st.integers(2, 3)))]
    text = f" {word} ".join(t for t, _ in parts)
    combine = all if word == "and" else any
    return f"({text})", lambda row: combine(f(row) for _, f in parts)


@st.composite
def tables(draw: st.DrawFn) -> dict[str, np.ndarray]:
    m = draw(st.integers(0, 8))
    return {
        "n_int": np.array(draw(st.lists(st.integers(-3, 3), min_size=m, max_size=m)),
                          dtype=np.int64),
        "n_float": np.array(draw(st.lists(st.sampled_from(FLOATS), min_size=m, max_size=m)),
                            dtype=np.float64),
        "flag": np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool),
        "flag2": np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool),
        "cat": np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)), dtype=np.int8),
        "cat2": np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)),
                         dtype=np.int16),
    }


@settings(max_examples=150)
@given(expression=conditions(3), table=tables())
def test_compiled_agrees_with_python_row_by_row(
    expression: tuple[str, Callable[[Row], bool]], table: dict[str, np.ndarray]
) -> None:
    text, reference = expression
    size = len(table["flag"])
    got = compile_condition(text, PROPERTY_ATTRIBUTES)(table.__getitem__, size)
    rows = [
        {
            "n_int": int(table["n_int"][i]),
            "n_float": float(table["n_float"][i]),
            "flag": bool(table["flag"][i]),
            "flag2": bool(table["flag2"][i]),
            "cat": LABELS[table["cat"][i]],
            "cat2": LABELS[table["cat2"][i]],
        }
        for i in range(size)
    ]
    assert got.dtype == np.bool_
    assert got.tolist() == [bool(reference(row)) for row in rows], text
