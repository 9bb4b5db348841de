"""The condition language: short true/false expressions over customer attributes.

A strategist writes conditions in a journey's YAML, for example
``seat_utilization >= 0.8 and tenure_days >= 30 and segment == "smb"``. Configs get shared, so a
condition is data, never code: :func:`compile_condition` uses ``ast.parse`` only to tokenize and
parse the text, then walks the tree itself and accepts nothing but this whitelist:

- attribute names, numbers, quoted category labels (``"smb"``), ``true``/``false`` (and
  ``True``/``False``);
- ``+ - * /`` and unary ``-`` on numbers;
- comparisons ``== != < <= > >=``, chained (``0.5 < x <= 1`` means ``0.5 < x and x <= 1``);
- ``x in [...]`` and ``x not in [...]`` with a literal list of numbers or of category labels;
- ``and``, ``or``, ``not`` and parentheses.

Anything else (calls, attribute access, indexing, lambdas, comprehensions, f-strings, ``**``,
``%``, bit operations, ``is``, ...) is refused with a :class:`ConditionError` naming it. Types are
checked at compile time: a condition is boolean as a whole; ``and``/``or``/``not`` take booleans;
order comparisons and arithmetic take numbers; ``==``/``!=`` compare like with like, a category
with one of its own labels; ``in`` takes a number or a category on its left.

The compiled :class:`Condition` is a tree of small closures doing numpy operations only, on all
customers at once (no short-circuiting). Categories compare as integer codes, the label being
mapped to its code at compile time. Numbers are compared exactly (float arrays are widened to
float64, integer arrays to int64). A number is *undefined* (nan) where it divides by zero or where
the attribute itself is nan; every comparison with an undefined number is False, ``!=`` and
``not in`` included, so an undefined ratio never makes a customer eligible.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

_MAX_LENGTH = 500
_MAX_DEPTH = 100
_MAX_INT = 2**53
_KINDS = ("number", "bool", "category")
_TRUE = frozenset({"true", "True"})
_FALSE = frozenset({"false", "False"})
_EXAMPLE = 'seats >= 10 and segment == "smb"'
_ALLOWED = (
    "a condition may use attribute names, numbers, quoted labels, true/false, + - * /, "
    "comparisons (== != < <= > >=, in [...], not in [...]), and, or, not and parentheses"
)

Getter = Callable[[str], np.ndarray]
Evaluator = Callable[[Getter], Any]


@dataclass(frozen=True)
class Attribute:
    """A customer attribute a condition may name.

    Parameters
    ----------
    name
        The name used in conditions (a Python identifier).
    kind
        ``"number"`` (int or float values), ``"bool"`` or ``"category"``.
    categories
        For a category: its labels; the attribute's array holds integer codes, code ``i``
        meaning ``categories[i]``.
    doc
        One line describing the attribute, for error messages and documentation.
    """

    name: str
    kind: Literal["number", "bool", "category"]
    categories: tuple[str, ...] = ()
    doc: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"attribute name {self.name!r} is not an identifier")
        if self.kind not in _KINDS:
            raise ValueError(f"attribute {self.name!r}: kind {self.kind!r} is not one of {_KINDS}")
        if self.kind == "category":
            if not self.categories or len(set(self.categories)) != len(self.categories):
                raise ValueError(f"category {self.name!r} needs distinct labels, got "
                                 f"{self.categories!r}")
        elif self.categories:
            raise ValueError(f"attribute {self.name!r} is a {self.kind}; it has no categories")
        if not all(isinstance(label, str) for label in self.categories):
            raise ValueError(f"category {self.name!r} labels must be text: {self.categories!r}")
        # A list from a YAML file is kept as the documented tuple.
        object.__setattr__(self, "categories", tuple(self.categories))


class ConditionError(ValueError):
    """A condition that cannot be compiled.

    Attributes
    ----------
    problem
        What is wrong, quoting the offending part of the condition.
    fix
        How to fix it, listing the valid names or values where that helps.
    """

    def __init__(self, problem: str, fix: str) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; {fix}")

    def __reduce__(self) -> tuple[type[ConditionError], tuple[str, str]]:
        return (type(self), (self.problem, self.fix))


@dataclass(frozen=True)
class Condition:
    """A compiled condition.

    Attributes
    ----------
    text
        The condition as written.
    names
        The attributes it reads.
    """

    text: str
    names: frozenset[str]
    _attributes: Mapping[str, Attribute] = field(repr=False, compare=False)
    _evaluate: Evaluator | None = field(repr=False, compare=False)
    _constant: bool = field(default=False, repr=False, compare=False)

    @property
    def constant(self) -> bool | None:
        """The value of a condition that reads no attribute (``true``, ``false``), else None."""
        return self._constant if self._evaluate is None else None

    def __call__(self, lookup: Callable[[str], np.ndarray], size: int) -> np.ndarray:
        """Evaluate the condition for ``size`` customers.

        Parameters
        ----------
        lookup
            ``lookup(name)`` returns attribute ``name`` for the customers, an array of length
            ``size``: int or float for a number, bool for a bool, integer codes for a category.
            Called at most once per attribute.
        size
            The number of customers.

        Returns
        -------
        numpy.ndarray
            A new bool array of length ``size``.
        """
        if self._evaluate is None:
            return np.full(size, self._constant, dtype=bool)
        cache: dict[str, np.ndarray] = {}

        def get(name: str) -> np.ndarray:
            values = cache.get(name)
            if values is None:
                values = _coerce(self._attributes[name], lookup(name), size)
                cache[name] = values
            return values

        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = np.asarray(self._evaluate(get), dtype=bool)
        if result.shape != (size,):
            result = np.broadcast_to(result, (size,))
        if not result.flags.writeable or any(result is v for v in cache.values()):
            result = result.copy()
        return result

    def __reduce__(self) -> tuple[Callable[..., Condition], tuple[str, dict[str, Attribute]]]:
        return (compile_condition, (self.text, dict(self._attributes)))


def compile_condition(text: str, attributes: Mapping[str, Attribute]) -> Condition:
    """Compile a condition over the given attributes.

    Parameters
    ----------
    text
        The condition, e.g. ``'seat_utilization >= 0.8 and segment == "smb"'``.
    attributes
        The attributes it may name, by name.

    Returns
    -------
    Condition
        The compiled, type-checked condition.

    Raises
    ------
    ConditionError
        If the text is empty, too long, not an expression, uses anything outside the whitelist,
        names an unknown attribute or label, or is ill-typed.
    """
    for key, attribute in attributes.items():
        if key != attribute.name:
            raise ValueError(f"attribute {attribute.name!r} is registered as {key!r}")
    if not isinstance(text, str):
        raise ConditionError(f"a condition must be text, got {type(text).__name__} {text!r}",
                             f"write it as a string (quote it in YAML), e.g. '{_EXAMPLE}'")
    tree, source = _parse(text)
    compiler = _Compiler(source, attributes)
    typed = compiler.compile(tree.body)
    compiler.expect_bool(typed, "a condition")
    used = {name: attributes[name] for name in sorted(compiler.names)}
    if typed.evaluate is None:
        return Condition(text, frozenset(used), used, None, bool(typed.value))
    return Condition(text, frozenset(used), used, typed.evaluate)


def _parse(text: str) -> tuple[ast.Expression, str]:
    """Parse ``text`` as one Python expression, refusing empty, long and unparsable text.

    Returns the tree and the one-line text it was parsed from (for quoting its parts).
    """
    if not text.strip():
        raise ConditionError("the condition is empty", f"write a condition, e.g. {_EXAMPLE}")
    if len(text) > _MAX_LENGTH:
        raise ConditionError(
            f"the condition is {len(text)} characters long, more than {_MAX_LENGTH}",
            "shorten it, or split it across journey steps",
        )
    # Line breaks (YAML block scalars) are spaces; positions are kept for error columns.
    flat = text.translate({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
    lead = len(flat) - len(flat.lstrip())
    source = flat.strip()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        last = source.split()[-1] if source.split() else ""
        if last in ("and", "or", "not", "in", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*",
                    "/"):
            where = f"it ends with '{last}': something is missing after it"
        else:
            where = f"{error.msg} at column {(error.offset or 1) + lead}"
        raise ConditionError(f"cannot read it: {where}", _syntax_hint(text)) from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise ConditionError(f"cannot read it: {error}",
                             f"write a plain expression, e.g. {_EXAMPLE}") from None
    depth = _depth(tree)
    if depth > _MAX_DEPTH:
        raise ConditionError(f"the condition is nested {depth} levels deep, "
                             f"more than {_MAX_DEPTH}", "simplify it")
    return tree, source


def _syntax_hint(text: str) -> str:
    """A fix for a syntax error, aimed at the usual habits from other languages."""
    hints = []
    if "&&" in text or "||" in text:
        hints.append("write 'and' / 'or' instead of '&&' / '||'")
    if "!" in text.replace("!=", ""):
        hints.append("write 'not' instead of '!'")
    stripped = text.replace("==", "").replace("!=", "").replace("<=", "").replace(">=", "")
    if "=" in stripped:
        hints.append("compare with '==', not '='")
    hints.append(f"labels need quotes; a valid condition looks like {_EXAMPLE}")
    return "; ".join(hints)


def _depth(tree: ast.AST) -> int:
    """The nesting depth of an AST, computed without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _coerce(attribute: Attribute, raw: Any, size: int) -> np.ndarray:
    """Check a looked-up array against its attribute and widen numbers to 64 bits."""
    values = np.asarray(raw)
    if values.shape != (size,):
        raise ValueError(f"lookup({attribute.name!r}) gave shape {values.shape}, "
                         f"expected ({size},)")
    dtype_kind = values.dtype.kind
    if attribute.kind == "number":
        if dtype_kind in "iu":
            return values.astype(np.int64, copy=False)
        if dtype_kind == "f":
            return values.astype(np.float64, copy=False)
    elif attribute.kind == "bool":
        if dtype_kind == "b":
            return values
    elif dtype_kind in "iu":
        return values
    raise TypeError(f"lookup({attribute.name!r}) gave {values.dtype} values for a "
                    f"{attribute.kind} attribute")


def _defined(values: Any) -> Any:
    """Where ``values`` is a defined number (not nan): an array, or True for non-floats."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return ~np.isnan(values)
    return True


def _not_equal(a: Any, b: Any) -> Any:
    return np.not_equal(a, b) & _defined(a) & _defined(b)


def _not_in(a: Any, b: np.ndarray) -> Any:
    return ~np.isin(a, b) & _defined(a)


def _divide(a: Any, b: Any) -> Any:
    """``a / b``, undefined (nan) where ``b`` is zero; ``b`` is never a literal zero."""
    quotient = np.true_divide(a, b)
    if isinstance(b, np.ndarray):
        zero = b == 0
        if zero.any():
            quotient[zero] = np.nan
    return quotient


_COMPARE: dict[type[ast.cmpop], tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Eq: ("==", np.equal),
    ast.NotEq: ("!=", _not_equal),
    ast.Lt: ("<", np.less),
    ast.LtE: ("<=", np.less_equal),
    ast.Gt: (">", np.greater),
    ast.GtE: (">=", np.greater_equal),
    ast.In: ("in", np.isin),
    ast.NotIn: ("not in", _not_in),
}
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_ARITHMETIC: dict[type[ast.operator], tuple[str, Callable[[Any, Any], Any],
                                             Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add, np.add),
    ast.Sub: ("-", operator.sub, np.subtract),
    ast.Mult: ("*", operator.mul, np.multiply),
    ast.Div: ("/", operator.truediv, _divide),
}
_ONLY_ARITHMETIC = "only + - * / are available"
_REFUSED_OPERATORS: dict[type[ast.AST], tuple[str, str]] = {
    ast.Pow: ("'**' (power)", _ONLY_ARITHMETIC + "; write x * x for a square"),
    ast.Mod: ("'%' (remainder)", _ONLY_ARITHMETIC),
    ast.FloorDiv: ("'//' (floor division)", _ONLY_ARITHMETIC),
    ast.MatMult: ("'@' (matrix product)", _ONLY_ARITHMETIC),
    ast.BitAnd: ("'&' (bitwise and)", "write 'and' to combine conditions"),
    ast.BitOr: ("'|' (bitwise or)", "write 'or' to combine conditions"),
    ast.BitXor: ("'^' (bitwise xor)", "write (a and not b) or (b and not a)"),
    ast.LShift: ("'<<' (bit shift)", _ONLY_ARITHMETIC),
    ast.RShift: ("'>>' (bit shift)", _ONLY_ARITHMETIC),
    ast.Invert: ("'~' (bitwise not)", "write 'not' to negate a condition"),
    ast.UAdd: ("unary '+'", "leave the '+' out"),
    ast.Is: ("'is'", "write '==' to compare values"),
    ast.IsNot: ("'is not'", "write '!=' to compare values"),
}
_REFUSED_NODES: dict[type[ast.AST], tuple[str, str]] = {
    ast.Call: ("a function call", "conditions have no functions; compare attributes directly, "
               f"e.g. {_EXAMPLE}"),
    ast.Attribute: ("attribute access with '.'", "name customer attributes directly, e.g. seats"),
    ast.Subscript: ("indexing with '[...]'", "name customer attributes directly, e.g. seats"),
    ast.Lambda: ("a lambda", _ALLOWED),
    ast.ListComp: ("a comprehension", _ALLOWED),
    ast.SetComp: ("a comprehension", _ALLOWED),
    ast.DictComp: ("a comprehension", _ALLOWED),
    ast.GeneratorExp: ("a generator expression", _ALLOWED),
    ast.JoinedStr: ("an f-string", "write a plain quoted label, e.g. \"smb\""),
    ast.FormattedValue: ("an f-string", "write a plain quoted label, e.g. \"smb\""),
    ast.NamedExpr: ("an assignment ':='", "compare with '==', e.g. seats == 10"),
    ast.IfExp: ("a conditional expression (x if c else y)", "combine conditions with and/or"),
    ast.Dict: ("a dict literal", "lists go on the right of 'in', e.g. plan in [\"team\"]"),
    ast.Set: ("a set literal {...}", "write a list [...], e.g. plan in [\"team\"]"),
    ast.Starred: ("unpacking with '*'", _ALLOWED),
    ast.Slice: ("a slice", _ALLOWED),
    ast.Await: ("'await'", _ALLOWED),
    ast.Yield: ("'yield'", _ALLOWED),
    ast.YieldFrom: ("'yield from'", _ALLOWED),
}


@dataclass(frozen=True)
class _Typed:
    """A compiled, typed subexpression.

    ``kind`` is "number", "bool", "category", "label" (a quoted string) or "list". A constant
    has ``evaluate`` None and its Python value in ``value`` (a label its text, a list a tuple of
    typed items); otherwise ``evaluate(get)`` returns its array.
    """

    kind: str
    source: str
    evaluate: Evaluator | None = None
    value: Any = None
    attribute: Attribute | None = None


class _Compiler:
    """Walks a parsed condition, type-checking it and building its evaluator."""

    def __init__(self, text: str, attributes: Mapping[str, Attribute]) -> None:
        self.text = text
        self.attributes = attributes
        self.names: set[str] = set()

    # -- helpers -------------------------------------------------------------------------------

    def source(self, node: ast.AST) -> str:
        return ast.get_source_segment(self.text, node) or ast.unparse(node)

    def describe(self, typed: _Typed) -> str:
        if typed.kind == "category":
            assert typed.attribute is not None
            return f"{_q(typed.source)} is a category ({_labels(typed.attribute)})"
        article = {"number": "a number", "bool": "a boolean", "label": "a text label",
                   "list": "a list"}[typed.kind]
        return f"{_q(typed.source)} is {article}"

    def example_category(self, label: str = "") -> Attribute | None:
        """A category for an example in a message, preferably one that has ``label``."""
        categories = [a for a in self.attributes.values() if a.kind == "category"]
        return min(categories, key=lambda a: (label not in a.categories, a.name), default=None)

    def refuse(self, node: ast.AST, construct: str, fix: str) -> ConditionError:
        return ConditionError(f"{construct} is not allowed in a condition: {_q(self.source(node))}",
                              fix)

    def expect_bool(self, typed: _Typed, where: str) -> None:
        if typed.kind == "bool":
            return
        problem = f"{self.describe(typed)}, but {where} must be true or false"
        if typed.kind == "number":
            fix = f"compare it, e.g. {typed.source} >= 10"
        elif typed.kind == "category":
            assert typed.attribute is not None
            label = typed.attribute.categories[0]
            fix = f'compare it with a label, e.g. {typed.source} == "{label}"'
        elif typed.kind == "label":
            example = self.example_category(typed.value)
            fix = (f"compare a category with it, e.g. {example.name} == {typed.source}"
                   if example else "compare a category attribute with it")
        else:
            fix = 'a list goes on the right of \'in\', e.g. plan in ["starter", "team"]'
        raise ConditionError(problem, fix)

    def expect_number(self, typed: _Typed, where: str) -> None:
        if typed.kind == "number":
            return
        problem = f"{where} needs numbers, but {self.describe(typed)}"
        if typed.kind == "bool":
            fix = f"use a boolean as a condition on its own, e.g. {typed.source} and seats > 3"
        elif typed.kind == "category":
            assert typed.attribute is not None
            fix = ("categories have no order or arithmetic; compare with == or in, e.g. "
                   f'{typed.source} == "{typed.attribute.categories[0]}"')
        elif typed.kind == "label":
            fix = "a quoted label can only be compared with a category, using == != in"
        else:
            fix = 'a list goes on the right of \'in\', e.g. seats in [1, 2, 3]'
        raise ConditionError(problem, fix)

    def code(self, label: _Typed, category: _Typed) -> int:
        """The integer code of a quoted label among a category's labels."""
        attribute = category.attribute
        assert attribute is not None
        if label.value in attribute.categories:
            return attribute.categories.index(label.value)
        guess = _did_you_mean(label.value, attribute.categories)
        hint = f'did you mean "{guess}"? ' if guess else ""
        raise ConditionError(
            f"{label.source} is not a label of category '{category.source}'",
            f"{hint}'{category.source}' is {_labels(attribute)}",
        )

    # -- the walk ------------------------------------------------------------------------------

    def compile(self, node: ast.AST) -> _Typed:
        if isinstance(node, ast.BoolOp):
            return self.bool_op(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary_op(node)
        if isinstance(node, ast.BinOp):
            return self.bin_op(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.List | ast.Tuple):
            return self.sequence(node)
        construct, fix = _REFUSED_NODES.get(type(node), (type(node).__name__, _ALLOWED))
        raise self.refuse(node, construct, fix)

    def bool_op(self, node: ast.BoolOp) -> _Typed:
        word = "and" if isinstance(node.op, ast.And) else "or"
        operands = [self.compile(value) for value in node.values]
        for operand in operands:
            self.expect_bool(operand, f"each side of '{word}'")
        source = self.source(node)
        if all(o.evaluate is None for o in operands):
            values = [bool(o.value) for o in operands]
            return _Typed("bool", source, value=all(values) if word == "and" else any(values))
        combine = np.logical_and if word == "and" else np.logical_or
        parts = [_evaluator(o) for o in operands]

        def evaluate(get: Getter) -> Any:
            result = parts[0](get)
            for part in parts[1:]:
                result = combine(result, part(get))
            return result

        return _Typed("bool", source, evaluate)

    def unary_op(self, node: ast.UnaryOp) -> _Typed:
        source = self.source(node)
        if isinstance(node.op, ast.Not):
            operand = self.compile(node.operand)
            self.expect_bool(operand, "the operand of 'not'")
            if operand.evaluate is None:
                return _Typed("bool", source, value=not operand.value)
            inner = operand.evaluate
            return _Typed("bool", source, lambda get: np.logical_not(inner(get)))
        if isinstance(node.op, ast.USub):
            operand = self.compile(node.operand)
            self.expect_number(operand, "'-' (negation)")
            if operand.evaluate is None:
                return self.number_constant(node, -operand.value)
            inner = operand.evaluate
            return _Typed("number", source, lambda get: np.negative(inner(get)))
        construct, fix = _REFUSED_OPERATORS[type(node.op)]
        raise self.refuse(node, construct, fix)

    def bin_op(self, node: ast.BinOp) -> _Typed:
        if type(node.op) not in _ARITHMETIC:
            construct, fix = _REFUSED_OPERATORS.get(type(node.op), (type(node.op).__name__,
                                                                    _ONLY_ARITHMETIC))
            raise self.refuse(node, construct, fix)
        symbol, fold, vectorised = _ARITHMETIC[type(node.op)]
        left, right = self.compile(node.left), self.compile(node.right)
        self.expect_number(left, f"'{symbol}'")
        self.expect_number(right, f"'{symbol}'")
        source = self.source(node)
        if symbol == "/" and right.evaluate is None and right.value == 0:
            raise ConditionError(f"division by zero in {_q(source)}",
                                 "divide by a number that is not zero")
        if left.evaluate is None and right.evaluate is None:
            return self.number_constant(node, fold(left.value, right.value))
        a, b = _evaluator(left), _evaluator(right)
        return _Typed("number", source, lambda get: vectorised(a(get), b(get)))

    def compare(self, node: ast.Compare) -> _Typed:
        operands = [self.compile(node.left), *(self.compile(c) for c in node.comparators)]
        pairs: list[tuple[Callable[[Any, Any], Any], tuple[int, Any], tuple[int, Any]]] = []
        for i, op in enumerate(node.ops):
            if type(op) not in _COMPARE:
                construct, fix = _REFUSED_OPERATORS.get(type(op), (type(op).__name__, _ALLOWED))
                raise self.refuse(node, construct, fix)
            symbol, function = _COMPARE[type(op)]
            left, right = operands[i], operands[i + 1]
            a, b = self.check_pair(symbol, left, right)
            pairs.append((function, (i if a is None else -1, a), (i + 1 if b is None else -1, b)))
        parts = [o.evaluate for o in operands]

        def evaluate(get: Getter | None) -> Any:
            values = [None if part is None else part(get) for part in parts]
            result: Any = None
            for function, (i, a), (j, b) in pairs:
                outcome = function(values[i] if i >= 0 else a, values[j] if j >= 0 else b)
                result = outcome if result is None else np.logical_and(result, outcome)
            return result

        source = self.source(node)
        if all(part is None for part in parts):
            return _Typed("bool", source, value=bool(evaluate(None)))
        return _Typed("bool", source, evaluate)

    def check_pair(self, symbol: str, left: _Typed, right: _Typed) -> tuple[Any, Any]:
        """Type-check ``left symbol right``; return the constants to compare (None: variable)."""
        a = None if left.evaluate is not None else left.value
        b = None if right.evaluate is not None else right.value
        where = _q(f"{left.source} {symbol} {right.source}")
        if symbol in ("in", "not in"):
            return a, self.check_membership(symbol, left, right, where)
        for side in (left, right):
            if side.kind == "list":
                raise ConditionError(
                    f"{where}: a list can only stand on the right of 'in' or 'not in'",
                    'write e.g. plan in ["starter", "team"]',
                )
        if symbol not in ("==", "!="):
            self.expect_number(left, f"'{symbol}' in {where}")
            self.expect_number(right, f"'{symbol}' in {where}")
            return a, b
        kinds = (left.kind, right.kind)
        if kinds in (("number", "number"), ("bool", "bool")):
            return a, b
        if kinds == ("category", "label"):
            return a, self.code(right, left)
        if kinds == ("label", "category"):
            return self.code(left, right), b
        if kinds == ("category", "category"):
            assert left.attribute is not None and right.attribute is not None
            if left.attribute.categories == right.attribute.categories:
                return a, b
            raise ConditionError(
                f"{where} compares categories with different labels: "
                f"{self.describe(left)}, {self.describe(right)}",
                "compare each with one of its own labels",
            )
        if kinds == ("label", "label"):
            raise ConditionError(f"{where} compares two quoted labels",
                                 'compare a category attribute with a label, e.g. segment == "smb"')
        fixes = {
            "number": "compare a number with a number, e.g. seats >= 10",
            "bool": "compare a boolean with true or false, or use it on its own",
            "category": "compare a category with one of its quoted labels",
            "label": "compare a quoted label with a category attribute",
        }
        raise ConditionError(
            f"{where} compares unlike things: {self.describe(left)}, {self.describe(right)}",
            fixes[left.kind if left.kind != "label" else right.kind],
        )

    def check_membership(self, symbol: str, left: _Typed, right: _Typed, where: str) -> Any:
        """Type-check ``left in [...]``; return the list as an array of numbers or codes."""
        if left.kind == "label":
            example = self.example_category(left.value)
            name = example.name if example else "segment"
            raise ConditionError(f"{where}: the left of '{symbol}' is a quoted label",
                                 f"put a category on the left: {name} == {left.source} "
                                 f"or {name} in [{left.source}]")
        if right.kind != "list":
            raise ConditionError(f"{where}: '{symbol}' needs a literal list on its right",
                                 'write e.g. plan in ["starter", "team"] or seats in [1, 2, 3]')
        if not right.value:
            raise ConditionError(f"{where}: the list is empty", "list at least one value")
        if left.kind == "category":
            for item in right.value:
                if item.kind != "label":
                    raise ConditionError(
                        f"{where}: {self.describe(item)}, but '{left.source}' is a category",
                        f"list quoted labels of '{left.source}': {_labels(left.attribute)}",
                    )
            return np.array([self.code(item, left) for item in right.value], dtype=np.int64)
        if left.kind == "number":
            for item in right.value:
                if item.kind != "number":
                    raise ConditionError(
                        f"{where}: {self.describe(item)}, but '{left.source}' is a number",
                        "list numbers only, e.g. seats in [1, 2, 3]",
                    )
            return np.array([item.value for item in right.value])
        if left.kind == "bool":
            raise ConditionError(f"{where}: '{symbol}' needs a number or a category on its left, "
                                 f"but {self.describe(left)}",
                                 f"use == true / == false, or {left.source} on its own")
        raise ConditionError(f"{where}: a list can only stand on the right of '{symbol}'",
                             'write e.g. plan in ["starter", "team"]')

    def name(self, node: ast.Name) -> _Typed:
        name = node.id
        if name in _TRUE or name in _FALSE:
            return _Typed("bool", name, value=name in _TRUE)
        attribute = self.attributes.get(name)
        if attribute is None:
            raise ConditionError(f"unknown attribute '{name}'", self.unknown_fix(name))
        self.names.add(name)
        return _Typed(attribute.kind, name, lambda get: get(name), attribute=attribute)

    def unknown_fix(self, name: str) -> str:
        fix = ""
        guess = _did_you_mean(name, list(self.attributes))
        if guess:
            fix += f"did you mean '{guess}'? "
        owners = sorted(a.name for a in self.attributes.values() if name in a.categories)
        if owners:
            fix += f'to compare with the label "{name}", quote it: {owners[0]} == "{name}"; '
        return fix + "valid attributes: " + (", ".join(sorted(self.attributes)) or "(none)")

    def constant(self, node: ast.Constant) -> _Typed:
        value = node.value
        if isinstance(value, bool):
            return _Typed("bool", self.source(node), value=value)
        if isinstance(value, int | float):
            return self.number_constant(node, value)
        if isinstance(value, str):
            return _Typed("label", self.source(node), value=value)
        raise self.refuse(node, f"the literal {self.source(node)}",
                          "use numbers, quoted labels or true/false")

    def number_constant(self, node: ast.AST, value: int | float) -> _Typed:
        source = self.source(node)
        if isinstance(value, int) and abs(value) > _MAX_INT:
            raise ConditionError(f"the number '{source}' is too large",
                                 f"use numbers between -{_MAX_INT} and {_MAX_INT}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConditionError(f"the number '{source}' is out of range",
                                 "use a finite number, e.g. 1e9")
        return _Typed("number", source, value=value)

    def sequence(self, node: ast.List | ast.Tuple) -> _Typed:
        items = []
        for element in node.elts:
            item = self.compile(element)
            if item.evaluate is not None or item.kind == "list":
                raise ConditionError(
                    f"{_q(item.source)} in list {_q(self.source(node))} is not a literal",
                    "list literal numbers or quoted labels, e.g. plan in [\"starter\", \"team\"]",
                )
            items.append(item)
        return _Typed("list", self.source(node), value=tuple(items))


def _evaluator(typed: _Typed) -> Evaluator:
    """The evaluator of a subexpression, a constant one returning its value."""
    if typed.evaluate is not None:
        return typed.evaluate
    value = typed.value
    return lambda get: value


def _labels(attribute: Attribute | None) -> str:
    """A category's labels, quoted, for messages: 'one of "a", "b"'."""
    assert attribute is not None
    return "one of " + ", ".join(f'"{label}"' for label in attribute.categories)


def _q(source: str) -> str:
    """``source`` in quotes for a message, double quotes if it holds single ones."""
    return f'"{source}"' if "'" in source and '"' not in source else f"'{source}'"


def _did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str | None:
    """The closest option to ``word`` (case-insensitively equal first), or None."""
    for option in options:
        if option.lower() == word.lower():
            return option
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None
