"""The engine the request-format tables are written in: shapes (Str, Int, Num, Bool, Arr,
Obj, Tagged, Either, AnyValue) that say what a value must be, and one code generator that
turns a table into a Python function checking a body against it.

A shape says once what it refuses (the test it emits) and once how it says so (a method
called with the value and its JSON path, `modelInput.messages[0].role`). From those tests the
generator writes the check twice over, so that the two cannot disagree: the report, which
appends each problem with its path (built only then), in the body's key order; and the
verdict, the same tests returning False at the first problem, with no index, path or call:
what a body with nothing wrong (the common case) costs. There is no walk of the tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Severity = Literal["error", "warning"]
# The kinds of problem a body check finds (dropped when the format turns out otherwise).
BODY_KINDS = frozenset(
    {
        "missing-key",
        "wrong-type",
        "bad-value",
        "empty",
        "refused-key",
        "unknown-key",
        "body-too-large",
    }
)
BodyProblem = tuple[Severity, str, str]  # (severity, kind, message)
JsonType = str  # "string", "integer", "number", "boolean", "array", "object", "null"
# A body's check: the body, the JSON path it is at, the list its problems are appended to.
BodyCheck = Callable[[Mapping[str, Any], str, list[BodyProblem]], None]


def json_type(value: Any) -> JsonType:
    kind = _JSON_TYPES.get(type(value))
    if kind is not None:
        return kind
    return next((name for base, name in _JSON_TYPES.items() if isinstance(value, base)), "null")


_PYTHON_TYPES: dict[JsonType, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "array": (list,),
    "object": (dict,),
    "null": (type(None),),
}
_JSON_TYPES: dict[type, JsonType] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    list: "array",
    dict: "object",
    type(None): "null",
}


class Shape:
    """What a value must be. `emit` writes the lines of a body's check for a value found at
    a JSON path; the problem messages are the shape's methods, called only for a problem."""

    types: tuple[JsonType, ...] = ()

    def accepts_type(self, value: Any) -> bool:
        kind = json_type(value)
        return kind in self.types or (kind == "integer" and "number" in self.types)

    def emit(self, expr: str, path: str, code: _Code) -> None:
        """Lines that append a problem for each thing wrong with the value `expr` (the
        verdict returns False instead): Python expressions, `path` building its JSON path,
        evaluated only for a problem."""
        with code.block(f"if type({expr}) not in {code.constant(self.python_types())}:"):
            code.problem(self, f"mistyped({expr}, {path})")
        with code.block("else:"):
            self.emit_value(expr, path, code)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        """The same, the value's type already right."""

    def python_types(self) -> frozenset[type]:
        return frozenset(kind for name in self.types for kind in _PYTHON_TYPES[name])

    def mistyped(self, value: Any, path: str) -> BodyProblem:
        return _wrong_type(path, self.types, value)


@dataclass(frozen=True, eq=False)
class Str(Shape):
    allowed: frozenset[str] | None = None
    why: str = ""  # said when a value is not allowed
    source: str = ""  # the page the allowed set comes from
    expected: str = ""  # what is allowed, said instead of the whole set
    types = ("string",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        if self.allowed is not None:
            with code.block(f"if {expr} not in {code.constant(self.allowed)}:"):
                code.problem(self, f"not_allowed({expr}, {path})")

    def not_allowed(self, value: str, path: str) -> BodyProblem:
        choices = self.expected or "not one of " + ", ".join(sorted(self.allowed or ()))
        why = f" ({self.why})" if self.why else ""
        return ("error", "bad-value", f"{path} is {value!r}: {choices}{why}")


# What an integer a model reads can hold: a 64-bit one. JSON has no limit, and orjson reads an
# integer past 64 bits as a float: that is a number out of range, not "not an integer".
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _number(value: float) -> str:
    """A JSON number as it was written, as near as a float allows (an integer past 64 bits
    read as a float is shown as the integer)."""
    if isinstance(value, float) and value.is_integer() and abs(value) >= 2**53:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"from {_number(minimum)} to {_number(maximum)}"
    if minimum is not None:
        return f"at least {_number(minimum)}"
    if maximum is not None:
        return f"at most {_number(maximum)}"
    return "a 64-bit integer"


@dataclass(frozen=True, eq=False)
class Int(Shape):
    minimum: int | None = None
    maximum: int | None = None
    allowed: frozenset[int] | None = None
    source: str = ""  # the page the range or set comes from
    types = ("integer",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        low, high = self._limits()
        with code.block(f"if not {low} <= {expr} <= {high}:"):
            code.problem(self, f"out_of_range({expr}, {path})")
        if self.allowed is not None:
            with code.block(f"elif {expr} not in {code.constant(self.allowed)}:"):
                code.problem(self, f"not_allowed({expr}, {path})")

    def mistyped(self, value: Any, path: str) -> BodyProblem:
        if type(value) is float and value.is_integer() and not INT64_MIN <= value <= INT64_MAX:
            return ("error", "bad-value", f"{path} is {_number(value)}: {self._outside()}")
        return super().mistyped(value, path)

    def out_of_range(self, value: int, path: str) -> BodyProblem:
        if INT64_MIN <= value <= INT64_MAX:
            return ("error", "bad-value", f"{path} is {value}: {self._range()}")
        return ("error", "bad-value", f"{path} is {value}: {self._outside()}")

    def not_allowed(self, value: int, path: str) -> BodyProblem:
        choices = ", ".join(str(number) for number in sorted(self.allowed or ()))
        return ("error", "bad-value", f"{path} is {value}: one of {choices}")

    def _limits(self) -> tuple[int, int]:
        low = INT64_MIN if self.minimum is None else max(self.minimum, INT64_MIN)
        high = INT64_MAX if self.maximum is None else min(self.maximum, INT64_MAX)
        return low, high

    def _range(self) -> str:
        return _bounds(self.minimum, self.maximum)

    def _outside(self) -> str:
        return f"out of range ({self._range()})"


@dataclass(frozen=True, eq=False)
class Num(Shape):
    minimum: float | None = None
    maximum: float | None = None
    source: str = ""  # the page the range comes from
    types = ("number",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        outside = []
        if self.minimum is not None:
            outside.append(f"{expr} < {self.minimum!r}")
        if self.maximum is not None:
            outside.append(f"{expr} > {self.maximum!r}")
        if outside:
            with code.block(f"if {' or '.join(outside)}:"):
                code.problem(self, f"out_of_range({expr}, {path})")

    def out_of_range(self, value: float, path: str) -> BodyProblem:
        bounds = _bounds(self.minimum, self.maximum)
        return ("error", "bad-value", f"{path} is {_number(value)}: {bounds}")


@dataclass(frozen=True, eq=False)
class Bool(Shape):
    allowed: bool | None = None  # the one value a flag may have (stream: false in a batch)
    why: str = ""
    source: str = ""
    types = ("boolean",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        if self.allowed is not None:
            with code.block(f"if {expr} is not {self.allowed!r}:"):
                code.problem(self, f"not_allowed({expr}, {path})")

    def not_allowed(self, value: bool, path: str) -> BodyProblem:
        why = f" ({self.why})" if self.why else ""
        must = "true" if self.allowed else "false"
        return ("error", "bad-value", f"{path} is {str(value).lower()}: must be {must}{why}")


@dataclass(frozen=True, eq=False)
class AnyValue(Shape):
    types = ("string", "integer", "number", "boolean", "array", "object", "null")

    def emit(self, expr: str, path: str, code: _Code) -> None:
        pass


@dataclass(frozen=True, eq=False)
class Arr(Shape):
    items: Shape | None = None
    non_empty: bool = False
    max_items: int | None = None
    source: str = ""  # the page max_items comes from
    types = ("array",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        if self.non_empty:
            with code.block(f"if not {expr}:"):
                code.problem(self, f"empty({path})")
        if self.max_items is not None:
            with code.block(f"if len({expr}) > {self.max_items}:"):
                code.problem(self, f"too_many({expr}, {path})")
        if self.items is not None and not isinstance(self.items, AnyValue):
            index, item = code.name(), code.name()
            # The index is needed only to say where a problem is.
            loop = f"{index}, {item} in enumerate({expr})" if code.report else f"{item} in {expr}"
            with code.block(f"for {loop}:"):
                self.items.emit(item, f"{path} + '[' + str({index}) + ']'", code)

    def empty(self, path: str) -> BodyProblem:
        return ("error", "empty", f"{path} is empty: it needs at least one item")

    def too_many(self, value: list[Any], path: str) -> BodyProblem:
        return ("error", "bad-value", f"{path} has {len(value)} items: at most {self.max_items}")


@dataclass(frozen=True, eq=False)
class Obj(Shape):
    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)
    # Keys Bedrock refuses in this object, and why: errors.
    refused: Mapping[str, str] = field(default_factory=dict)
    # At least one of these keys (Titan Multimodal's inputText/inputImage, a content block).
    one_of: tuple[str, ...] = ()
    # Keys that may not be given together (Claude Sonnet 4.5: temperature or top_p), and why.
    exclusive: tuple[tuple[tuple[str, ...], str], ...] = ()
    unknown: Literal["warning", "ignore"] = "ignore"
    title: str = ""  # named in an unknown key's warning
    types = ("object",)

    def knows(self, key: str) -> bool:
        return key in self.required or key in self.optional

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        value = code.name()
        code.line(f"{value} = {expr}")
        for key, shape in self.required.items():
            with code.block(f"if {key!r} in {value}:"):
                item = code.name()
                code.line(f"{item} = {value}[{key!r}]")
                shape.emit(item, f"{path} + {'.' + key!r}", code)
            with code.block("else:"):
                code.problem(self, f"lacks({key!r}, {path})")
        if self.one_of:
            keys = " or ".join(f"{key!r} in {value}" for key in self.one_of)
            with code.block(f"if not ({keys}):"):
                code.problem(self, f"has_none({path})")
        for index, (paired, _) in enumerate(self.exclusive):
            given = " and ".join(f"{value}.get({key!r}) is not None" for key in paired)
            with code.block(f"if {given}:"):
                code.problem(self, f"paired({index}, {path})")
        self._emit_other_keys(value, path, code)

    def _emit_other_keys(self, value: str, path: str, code: _Code) -> None:
        """The keys beside the required ones, each optional one checked where the table has
        it; the problems are put in the body's key order (as they are listed) when there
        are any, or a key that is refused or unknown (in_key_order)."""
        checked = [
            (key, shape) for key, shape in self.optional.items() if not isinstance(shape, AnyValue)
        ]
        at, marks = code.name(), code.name()
        ordered = code.report and bool(checked)  # problems to put in the body's key order
        if ordered:
            code.line(f"{at} = len(out)")
            code.line(f"{marks} = None")
        for key, shape in checked:
            item = code.name()
            with code.block(f"if {key!r} in {value}:"):
                code.line(f"{item} = {value}[{key!r}]")
                with code.block(f"if {item} is not None:"):
                    shape.emit(item, f"{path} + {'.' + key!r}", code)
                    if ordered:
                        with code.block(f"if len(out) > {at}:"):
                            code.line(f"{marks} = _mark({marks}, {key!r}, {at})")
                            code.line(f"{at} = len(out)")
        others = [f"{marks} is not None"] if ordered else []
        if self.unknown == "warning":
            known = code.constant(frozenset(self.required) | frozenset(self.optional))
            others.append(f"not {value}.keys() <= {known}")
        elif self.refused:
            others.append(
                f"not {value}.keys().isdisjoint({code.constant(frozenset(self.refused))})"
            )
        if others:
            with code.block(f"if {' or '.join(others)}:"):
                start = f"{marks}[0][1] if {marks} else len(out)" if ordered else "len(out)"
                code.problems(
                    f"{code.constant(self)}.in_key_order({value}, {path}, out, {start}, "
                    f"{marks if ordered else 'None'})"
                )

    def in_key_order(
        self,
        value: Mapping[str, Any],
        path: str,
        out: list[BodyProblem],
        start: int,
        marks: list[tuple[str, int]] | None,
    ) -> None:
        """out[start:] (the optional keys' problems, each key's from its mark on) put in the
        order of the body's keys, with a problem for each key refused or unknown."""
        found: dict[str, list[BodyProblem]] = {}
        if marks is not None:
            ends = [mark for _, mark in marks[1:]] + [len(out)]
            for (key, begin), end in zip(marks, ends, strict=True):
                found[key] = out[begin:end]
        del out[start:]
        for key in value:
            if key in self.required:
                continue
            if key in self.optional:
                out.extend(found.get(key, ()))
            elif key in self.refused:
                out.append(("error", "refused-key", f"{path}.{key}: {self.refused[key]}"))
            elif self.unknown == "warning":
                about = f"part of {self.title}" if self.title else "a known key"
                message = f"{path}.{key} is not {about}: the model is likely to reject it"
                out.append(("warning", "unknown-key", message))

    @property
    def check_value(self) -> BodyCheck:
        """The object's check (its type taken as right), compiled the first time it is
        asked for: check_value(value, path, problems) appends each problem."""
        check = self.__dict__.get("_check")
        if check is None:
            check = _compile_report(self)
            object.__setattr__(self, "_check", check)
        return check

    @property
    def ok_value(self) -> Callable[[Mapping[str, Any]], bool]:
        """The same tests compiled to a verdict, the first time it is asked for: True when
        check_value would find no problem, at no cost but the tests (the common case)."""
        ok = self.__dict__.get("_ok")
        if ok is None:
            ok = _compile_verdict(self)
            object.__setattr__(self, "_ok", ok)
        return ok

    def lacks(self, key: str, path: str) -> BodyProblem:
        return ("error", "missing-key", f"{path} lacks {key}{self._needs()}")

    def has_none(self, path: str) -> BodyProblem:
        keys = " or ".join(self.one_of)
        return ("error", "missing-key", f"{path} has none of {keys}{self._needs()}")

    def paired(self, index: int, path: str) -> BodyProblem:
        keys, why = self.exclusive[index]
        return ("error", "bad-value", f"{path} has {' and '.join(keys)}: {why}")

    def _needs(self) -> str:
        return f", which {self.title} requires" if self.title else ""


def _mark(marks: list[tuple[str, int]] | None, key: str, start: int) -> list[tuple[str, int]]:
    """Where a key's problems begin in the list (Obj.in_key_order puts them in order)."""
    return [*(marks or ()), (key, start)]


@dataclass(frozen=True, eq=False)
class Tagged(Shape):
    """Objects told apart by a tag key ("type"): each tag's own object shape."""

    tag: str
    variants: Mapping[str, Obj]
    # Other tags are let be (a kind the table does not know yet), as long as the tag is a string.
    open: bool = False
    types = ("object",)

    def emit_value(self, expr: str, path: str, code: _Code) -> None:
        tag = code.name()
        code.line(f"{tag} = {expr}.get({self.tag!r})")
        with code.block(f"if {tag} is None:"):
            code.problem(self, f"no_tag({path})")
        for name, variant in self.variants.items():
            with code.block(f"elif {tag} == {name!r} and type({tag}) is str:"):
                variant.emit_value(expr, path, code)
        with code.block(f"elif type({tag}) is not str:" if self.open else "else:"):
            code.problem(self, f"bad_tag({tag}, {path})")

    def no_tag(self, path: str) -> BodyProblem:
        return ("error", "missing-key", f"{path} lacks {self.tag}")

    def bad_tag(self, tag: Any, path: str) -> BodyProblem:
        choices = ", ".join(self.variants)
        return ("error", "bad-value", f"{path}.{self.tag} is {tag!r}: not one of {choices}")


@dataclass(frozen=True, eq=False)
class Either(Shape):
    """One of several shapes, chosen by the value's JSON type (a string, or a list of
    blocks)."""

    options: tuple[Shape, ...]

    @property
    def types(self) -> tuple[JsonType, ...]:  # type: ignore[override]
        return tuple(kind for option in self.options for kind in option.types)

    def emit(self, expr: str, path: str, code: _Code) -> None:
        kind = code.name()
        code.line(f"{kind} = type({expr})")
        keyword = "if"
        for option in self.options:
            with code.block(f"{keyword} {kind} in {code.constant(option.python_types())}:"):
                option.emit_value(expr, path, code)
            keyword = "elif"
        with code.block("else:"):
            code.problem(self, f"mistyped({expr}, {path})")


class _Code:
    """Python source for a table's check, built once per table: nested ifs and loops, each
    test written by the shape it belongs to. The same tests serve two ends: the report
    (`report`: each problem a call of its shape's method, appended with its path) and the
    verdict (each problem `return False`: the quick answer for a body with nothing wrong,
    with no index, path or order kept)."""

    def __init__(self, report: bool) -> None:
        self.report = report
        self.lines: list[str] = []
        self.depth = 1
        self.constants: dict[str, Any] = {}
        self._named: dict[int, str] = {}
        self.count = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def name(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def constant(self, value: Any) -> str:
        name = self._named.get(id(value))
        if name is None:
            name = self._named[id(value)] = f"C{len(self.constants)}"
            self.constants[name] = value
        return name

    def problem(self, shape: Shape, call: str) -> None:
        """A problem found: `call` is one of the shape's message methods."""
        self.problems(f"out.append({self.constant(shape)}.{call})")

    def problems(self, statement: str) -> None:
        """A statement that appends problems, in the report; the end, in the verdict."""
        self.line(statement if self.report else "return False")

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.depth += 1
        before = len(self.lines)
        yield
        if len(self.lines) == before:
            self.line("pass")
        self.depth -= 1


def _compile_report(shape: Obj) -> BodyCheck:
    code = _Code(report=True)
    shape.emit_value("body", "path", code)
    source = "def check(body, path, out):\n" + "\n".join(code.lines) + "\n"
    check: BodyCheck = _define(source, "check", code.constants, shape)
    return check


def _compile_verdict(shape: Obj) -> Callable[[Mapping[str, Any]], bool]:
    code = _Code(report=False)
    shape.emit_value("body", "path", code)
    source = "def ok(body):\n" + "\n".join(code.lines) + "\n    return True\n"
    ok: Callable[[Mapping[str, Any]], bool] = _define(source, "ok", code.constants, shape)
    return ok


def _define(source: str, name: str, constants: dict[str, Any], shape: Obj) -> Any:
    scope: dict[str, Any] = {**constants, "_mark": _mark}
    exec(compile(source, f"<body {name}: {shape.title or 'object'}>", "exec"), scope)
    return scope[name]


def _wrong_type(path: str, types: Sequence[JsonType], value: Any) -> BodyProblem:
    expected = " or ".join(_article(kind) for kind in types)
    return ("error", "wrong-type", f"{path} is {_article(json_type(value))}, not {expected}")


def _article(kind: JsonType) -> str:
    return f"{'an' if kind[0] in 'aeio' else 'a'} {kind}"


def refine(shape: Obj, path: str, value: Shape) -> Obj:
    """The table with the shape at a dotted path (through nested objects) replaced: a model's
    own value for a key its family's table has (a key the table refuses becomes allowed)."""
    key, _, rest = path.partition(".")
    if rest:
        inner = shape.required.get(key) or shape.optional.get(key)
        if not isinstance(inner, Obj):
            raise ValueError(f"{path}: {key} is not an object in {shape.title or 'the table'}")
        value = refine(inner, rest, value)
    if key in shape.required:
        return replace(shape, required={**shape.required, key: value})
    refused = {name: why for name, why in shape.refused.items() if name != key}
    return replace(shape, optional={**shape.optional, key: value}, refused=refused)
