"""The request bodies the models take, as data: one table per format family, in depth (keys,
JSON types, allowed values, nesting), each naming its source, and one walk that checks a
body against a table, naming the JSON path of what it finds (`modelInput.messages[0].role`).

Sources: the Bedrock user guide's "Inference request parameters and response fields for
foundation models" page of each family (docs.aws.amazon.com/bedrock/latest/userguide/
model-parameters-*.html), the Converse API reference (API_runtime_Converse), and the Amazon
Nova user guide (using-invoke-api). What a table is unsure of is not an error: an unknown
key is a warning (the model is likely to reject it), and inside nested objects unknown keys
are let be (new options appear there first). Errors are what the model's validation is
documented to refuse: a missing or mistyped required key, a value outside its documented set,
an empty list that must hold something, and keys Bedrock refuses outright in a body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any, Literal

from bjob.model.models import base_model_id

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
    """What a value must be. `check` appends problems for `value` found at `path`."""

    types: tuple[JsonType, ...] = ()

    def accepts_type(self, value: Any) -> bool:
        kind = json_type(value)
        return kind in self.types or (kind == "integer" and "number" in self.types)

    def check(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if not self.accepts_type(value):
            out.append(_wrong_type(path, self.types, value))
        else:
            self.check_value(value, path, out)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        """The value, its JSON type already right."""

    def emit(self, expr: str, code: _Code) -> None:
        """Lines of the fast check (see _Code) that return False unless `expr` is right."""
        code.line(f"if type({expr}) not in {code.constant(self.python_types())}: return False")
        self.emit_value(expr, code)

    def emit_value(self, expr: str, code: _Code) -> None:
        """The same, the value's type already right."""

    def python_types(self) -> frozenset[type]:
        return frozenset(kind for name in self.types for kind in _PYTHON_TYPES[name])


@dataclass(frozen=True, eq=False)
class Str(Shape):
    allowed: frozenset[str] | None = None
    why: str = ""  # said when a value is not allowed
    source: str = ""  # the page the allowed set comes from
    expected: str = ""  # what is allowed, said instead of the whole set
    types = ("string",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.allowed is not None and value not in self.allowed:
            choices = self.expected or "not one of " + ", ".join(sorted(self.allowed))
            why = f" ({self.why})" if self.why else ""
            out.append(("error", "bad-value", f"{path} is {value!r}: {choices}{why}"))

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.allowed is not None:
            code.line(f"if {expr} not in {code.constant(self.allowed)}: return False")


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

    def check(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if type(value) is float and value.is_integer() and not INT64_MIN <= value <= INT64_MAX:
            out.append(("error", "bad-value", f"{path} is {_number(value)}: {self._outside()}"))
        else:
            super().check(value, path, out)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        low, high = self._limits()
        if not low <= value <= high:
            if INT64_MIN <= value <= INT64_MAX:
                out.append(("error", "bad-value", f"{path} is {value}: {self._range()}"))
            else:
                out.append(("error", "bad-value", f"{path} is {value}: {self._outside()}"))
        elif self.allowed is not None and value not in self.allowed:
            choices = ", ".join(str(number) for number in sorted(self.allowed))
            out.append(("error", "bad-value", f"{path} is {value}: one of {choices}"))

    def emit_value(self, expr: str, code: _Code) -> None:
        low, high = self._limits()
        code.line(f"if not {low} <= {expr} <= {high}: return False")
        if self.allowed is not None:
            code.line(f"if {expr} not in {code.constant(self.allowed)}: return False")

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

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            bounds = _bounds(self.minimum, self.maximum)
            out.append(("error", "bad-value", f"{path} is {_number(value)}: {bounds}"))

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.minimum is not None:
            code.line(f"if {expr} < {self.minimum!r}: return False")
        if self.maximum is not None:
            code.line(f"if {expr} > {self.maximum!r}: return False")


@dataclass(frozen=True, eq=False)
class Bool(Shape):
    allowed: bool | None = None  # the one value a flag may have (stream: false in a batch)
    why: str = ""
    source: str = ""
    types = ("boolean",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.allowed is not None and value is not self.allowed:
            why = f" ({self.why})" if self.why else ""
            must = "true" if self.allowed else "false"
            out.append(
                ("error", "bad-value", f"{path} is {str(value).lower()}: must be {must}{why}")
            )

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.allowed is not None:
            code.line(f"if {expr} is not {self.allowed!r}: return False")


@dataclass(frozen=True, eq=False)
class AnyValue(Shape):
    types = ("string", "integer", "number", "boolean", "array", "object", "null")

    def emit(self, expr: str, code: _Code) -> None:
        pass


@dataclass(frozen=True, eq=False)
class Arr(Shape):
    items: Shape | None = None
    non_empty: bool = False
    max_items: int | None = None
    source: str = ""  # the page max_items comes from
    types = ("array",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.non_empty and not value:
            out.append(("error", "empty", f"{path} is empty: it needs at least one item"))
        if self.max_items is not None and len(value) > self.max_items:
            out.append(
                ("error", "bad-value", f"{path} has {len(value)} items: at most {self.max_items}")
            )
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check(item, f"{path}[{index}]", out)

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.non_empty:
            code.line(f"if not {expr}: return False")
        if self.max_items is not None:
            code.line(f"if len({expr}) > {self.max_items}: return False")
        if self.items is not None and not isinstance(self.items, AnyValue):
            item = code.name()
            with code.block(f"for {item} in {expr}:"):
                self.items.emit(item, code)


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

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        for key, shape in self.required.items():
            if key in value:
                shape.check(value[key], f"{path}.{key}", out)
            else:
                out.append(("error", "missing-key", f"{path} lacks {key}{self._needs()}"))
        if self.one_of and not any(key in value for key in self.one_of):
            keys = " or ".join(self.one_of)
            out.append(("error", "missing-key", f"{path} has none of {keys}{self._needs()}"))
        for paired, why in self.exclusive:
            if all(value.get(key) is not None for key in paired):
                both = " and ".join(paired)
                out.append(("error", "bad-value", f"{path} has {both}: {why}"))
        for key, item in value.items():
            if key in self.required:
                continue
            option = self.optional.get(key)
            if option is not None:
                if item is not None:
                    option.check(item, f"{path}.{key}", out)
            elif key in self.refused:
                out.append(("error", "refused-key", f"{path}.{key}: {self.refused[key]}"))
            elif self.unknown == "warning":
                about = f"part of {self.title}" if self.title else "a known key"
                out.append(
                    (
                        "warning",
                        "unknown-key",
                        f"{path}.{key} is not {about}: the model is likely to reject it",
                    )
                )

    def emit_value(self, expr: str, code: _Code) -> None:
        value = code.name()
        code.line(f"{value} = {expr}")
        for key, shape in self.required.items():
            item = code.name()
            code.line(f"if {key!r} not in {value}: return False")
            code.line(f"{item} = {value}[{key!r}]")
            shape.emit(item, code)
        if self.one_of:
            keys = " or ".join(f"{key!r} in {value}" for key in self.one_of)
            code.line(f"if not ({keys}): return False")
        for paired, _ in self.exclusive:
            given = " and ".join(f"{value}.get({key!r}) is not None" for key in paired)
            code.line(f"if {given}: return False")
        if self.unknown == "warning":
            known = code.constant(frozenset(self.required) | frozenset(self.optional))
            code.line(f"if not {value}.keys() <= {known}: return False")
        elif self.refused:
            refused = code.constant(frozenset(self.refused))
            code.line(f"if not {value}.keys().isdisjoint({refused}): return False")
        for key, shape in self.optional.items():
            if isinstance(shape, AnyValue):
                continue
            item = code.name()
            with code.block(f"if {key!r} in {value}:"):
                code.line(f"{item} = {value}[{key!r}]")
                with code.block(f"if {item} is not None:"):
                    shape.emit(item, code)
                    code.line("pass")

    @property
    def ok_value(self) -> Callable[[Mapping[str, Any]], bool]:
        """No problem at all with the object: the fast answer for the common case (a body
        with nothing wrong), compiled once; check_value says what and where only when this
        is False."""
        ok = self.__dict__.get("_ok")
        if ok is None:
            ok = _compile(self)
            object.__setattr__(self, "_ok", ok)
        return ok

    def _needs(self) -> str:
        return f", which {self.title} requires" if self.title else ""


@dataclass(frozen=True, eq=False)
class Tagged(Shape):
    """Objects told apart by a tag key ("type"): each tag's own object shape."""

    tag: str
    variants: Mapping[str, Obj]
    # Other tags are let be (a kind the table does not know yet), as long as the tag is a string.
    open: bool = False
    types = ("object",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        tag = value.get(self.tag)
        if tag is None:
            out.append(("error", "missing-key", f"{path} lacks {self.tag}"))
            return
        variant = self.variants.get(tag) if isinstance(tag, str) else None
        if variant is None and self.open and isinstance(tag, str):
            return
        if variant is None:
            choices = ", ".join(self.variants)
            out.append(
                ("error", "bad-value", f"{path}.{self.tag} is {tag!r}: not one of {choices}")
            )
            return
        variant.check_value(value, path, out)

    def emit_value(self, expr: str, code: _Code) -> None:
        tag = code.name()
        code.line(f"{tag} = {expr}.get({self.tag!r})")
        keyword = "if"
        for name, variant in self.variants.items():
            with code.block(f"{keyword} {tag} == {name!r} and type({tag}) is str:"):
                variant.emit_value(expr, code)
                code.line("pass")
            keyword = "elif"
        if self.open:
            code.line(f"elif type({tag}) is not str: return False")
        else:
            code.line("else: return False")


@dataclass(frozen=True, eq=False)
class Either(Shape):
    """One of several shapes, chosen by the value's JSON type (a string, or a list of
    blocks)."""

    options: tuple[Shape, ...]

    @property
    def types(self) -> tuple[JsonType, ...]:  # type: ignore[override]
        return tuple(kind for option in self.options for kind in option.types)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        for option in self.options:
            if option.accepts_type(value):
                option.check_value(value, path, out)
                return

    def emit(self, expr: str, code: _Code) -> None:
        kind = code.name()
        code.line(f"{kind} = type({expr})")
        keyword = "if"
        for option in self.options:
            with code.block(f"{keyword} {kind} in {code.constant(option.python_types())}:"):
                option.emit_value(expr, code)
                code.line("pass")
            keyword = "elif"
        code.line("else: return False")


class _Code:
    """Python source for a table's fast check, built once per table: nested ifs and loops
    that return False at the first thing wrong, with no path strings and no calls, several
    times quicker per body than walking the table's objects."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.constants: dict[str, Any] = {}
        self.count = 0

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def name(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def constant(self, value: Any) -> str:
        name = f"C{len(self.constants)}"
        self.constants[name] = value
        return name

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.depth += 1
        yield
        self.depth -= 1


def _compile(shape: Obj) -> Callable[[Any], bool]:
    code = _Code()
    shape.emit_value("body", code)
    source = "def ok(body):\n" + "\n".join(code.lines) + "\n    return True\n"
    scope: dict[str, Any] = dict(code.constants)
    exec(compile(source, f"<fast check: {shape.title or 'object'}>", "exec"), scope)
    ok: Callable[[Any], bool] = scope["ok"]
    return ok


def _wrong_type(path: str, types: Sequence[JsonType], value: Any) -> BodyProblem:
    expected = " or ".join(_article(kind) for kind in types)
    return ("error", "wrong-type", f"{path} is {_article(json_type(value))}, not {expected}")


def _article(kind: JsonType) -> str:
    return f"{'an' if kind[0] in 'aeio' else 'a'} {kind}"


def _strs(*values: str) -> frozenset[str]:
    return frozenset(values)


STRINGS = Arr(Str())
ANY_OBJECT = Obj()
# Keys that belong to the record or the job, never to a request body: Bedrock refuses a body
# that carries them (the modelId of a batch job is the job's, not each record's).
_NOT_IN_A_BODY = {
    "modelId": "the model is the job's (--model), not a key of the request body",
    "model": "the model is the job's (--model), not a key of the request body",
    "recordId": "recordId goes beside modelInput, not inside it",
}


def _body(title: str, **shape: Any) -> Obj:
    """A request body's table: keys it does not know are warnings, and the keys that belong
    to the record or the job are refused (unless the table says otherwise)."""
    shape.setdefault("refused", _NOT_IN_A_BODY)
    return Obj(title=title, unknown="warning", **shape)


# Where each rule comes from: the Bedrock user guide's page of each family ("Inference request
# parameters and response fields for foundation models", docs.aws.amazon.com/bedrock/latest/
# userguide/<page>.html), the Bedrock API reference, the Amazon Nova user guide and the
# Anthropic pages the Bedrock Claude page sends its readers to.
_USER_GUIDE = "Bedrock user guide, "
CLAUDE_PAGE = _USER_GUIDE + "model-parameters-anthropic-claude-messages-request-response"
CLAUDE_MODELS_PAGE = "Anthropic models overview (max output per model), docs.anthropic.com"
CLAUDE_VISION_PAGE = "Anthropic vision guide (on Bedrock, base64 sources only), platform.claude.com"
STRUCTURED_OUTPUT_PAGE = _USER_GUIDE + "structured-output"
CONVERSE_PAGE = "Bedrock API reference, API_runtime_Converse"
NOVA_PAGE = "Amazon Nova user guide, complete-request-schema"
NOVA_EMBEDDINGS_PAGE = "Amazon Nova user guide, embeddings-schema"
TITAN_TEXT_PAGE = _USER_GUIDE + "model-parameters-titan-text"
TITAN_EMBEDDINGS_PAGE = _USER_GUIDE + "model-parameters-titan-embed-text"
TITAN_MULTIMODAL_PAGE = _USER_GUIDE + "model-parameters-titan-embed-mm"
LLAMA_PAGE = _USER_GUIDE + "model-parameters-meta"
MISTRAL_TEXT_PAGE = _USER_GUIDE + "model-parameters-mistral-text-completion"
MISTRAL_CHAT_PAGE = _USER_GUIDE + "model-parameters-mistral-chat-completion"
OPENAI_PAGE = _USER_GUIDE + "model-parameters-openai"
OPENAI_CHAT_API = (
    "OpenAI API reference, Create chat completion (which model-parameters-openai follows)"
)
DEEPSEEK_PAGE = _USER_GUIDE + "model-parameters-deepseek"
QWEN_PAGE = _USER_GUIDE + "model-cards-qwen and structured-output (OpenAI-style chat body)"
COHERE_COMMAND_PAGE = _USER_GUIDE + "model-parameters-cohere-command"
COHERE_COMMAND_R_PAGE = _USER_GUIDE + "model-parameters-cohere-command-r-plus"
COHERE_EMBED_PAGE = _USER_GUIDE + "model-parameters-embed"


def _unit(source: str) -> Num:
    """A number from 0 to 1 (temperature, top_p on most pages)."""
    return Num(0, 1, source=source)


# --- Anthropic Claude, Messages API: content is a string or a list of typed blocks.
_IMAGE_MEDIA_TYPES = _strs("image/jpeg", "image/png", "image/gif", "image/webp")
# On Bedrock an image is sent as base64 only (the vision guide); its media type and data are
# required members of the source (the Claude page's request example).
_CLAUDE_IMAGE_SOURCE = Tagged(
    "type",
    {
        "base64": Obj(
            required={
                "media_type": Str(_IMAGE_MEDIA_TYPES, source=CLAUDE_VISION_PAGE),
                "data": Str(),
            }
        )
    },
)
# A document's base64 source needs its media type and data too; other source kinds (text,
# content, and those Anthropic adds) are let be.
_CLAUDE_DOCUMENT_SOURCE = Tagged(
    "type",
    {"base64": Obj(required={"media_type": Str(), "data": Str()})},
    open=True,
)
ANTHROPIC_BLOCK = Tagged(
    "type",
    {
        "text": Obj(required={"text": Str()}),
        "image": Obj(required={"source": _CLAUDE_IMAGE_SOURCE}),
        "document": Obj(required={"source": _CLAUDE_DOCUMENT_SOURCE}),
        "tool_use": Obj(required={"id": Str(), "name": Str(), "input": ANY_OBJECT}),
        "tool_result": Obj(
            required={"tool_use_id": Str()},
            optional={"content": Either((Str(), Arr(ANY_OBJECT))), "is_error": Bool()},
        ),
        "thinking": Obj(required={"thinking": Str()}, optional={"signature": Str()}),
        "redacted_thinking": Obj(required={"data": Str()}),
        "search_result": Obj(required={"source": Str(), "title": Str(), "content": Arr()}),
        "server_tool_use": Obj(required={"id": Str(), "name": Str()}),
        "web_search_tool_result": Obj(required={"tool_use_id": Str()}),
        "container_upload": Obj(required={"file_id": Str()}),
    },
)
_ANTHROPIC_CONTENT = Either((Str(), Arr(ANTHROPIC_BLOCK, non_empty=True)))
ANTHROPIC_MESSAGES = _body(
    "Anthropic Messages",
    required={
        "anthropic_version": Str(_strs("bedrock-2023-05-31"), source=CLAUDE_PAGE),
        # The cap is each model's (CLAUDE_MAX_TOKENS below).
        "max_tokens": Int(minimum=1, source=CLAUDE_PAGE),
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        _strs("user", "assistant"),
                        why="a system prompt goes in the top-level system key",
                        source=CLAUDE_PAGE,
                    ),
                    "content": _ANTHROPIC_CONTENT,
                }
            ),
            non_empty=True,
        ),
    },
    optional={
        "system": Either((Str(), Arr(Tagged("type", {"text": Obj(required={"text": Str()})})))),
        "temperature": _unit(CLAUDE_PAGE),
        "top_p": _unit(CLAUDE_PAGE),
        "top_k": Int(0, 500, source=CLAUDE_PAGE),
        "stop_sequences": STRINGS,
        "tools": Arr(ANY_OBJECT),
        "tool_choice": ANY_OBJECT,
        "anthropic_beta": STRINGS,
        "thinking": Obj(required={"type": Str()}),
        "metadata": ANY_OBJECT,
        # Structured output: {"format": {"type": "json_schema", "schema": {...}}}.
        "output_config": Obj(
            optional={
                "format": Tagged(
                    "type",
                    {"json_schema": Obj(required={"schema": ANY_OBJECT})},
                )
            }
        ),
    },
)

# --- Converse (API_runtime_Converse): content is a list of blocks, each an object with one
# member naming its kind; system is a list of blocks too. An image, document or video block
# names its format and carries a source (ImageBlock, DocumentBlock, VideoBlock).
_CONVERSE_BLOCK_KINDS = (
    "text",
    "image",
    "document",
    "video",
    "audio",
    "toolUse",
    "toolResult",
    "guardContent",
    "cachePoint",
    "reasoningContent",
    "citationsContent",
    "searchResult",
)
_MEDIA_SOURCE = Obj(one_of=("bytes", "s3Location"))
CONVERSE_IMAGE = Obj(
    required={
        "format": Str(_strs("png", "jpeg", "gif", "webp"), source=CONVERSE_PAGE),
        "source": _MEDIA_SOURCE,
    }
)
CONVERSE_DOCUMENT = Obj(
    required={
        "format": Str(
            _strs("pdf", "csv", "doc", "docx", "xls", "xlsx", "html", "txt", "md"),
            source=CONVERSE_PAGE,
        ),
        "name": Str(),
        "source": Obj(one_of=("bytes", "s3Location", "text", "content")),
    }
)
CONVERSE_VIDEO = Obj(
    required={
        "format": Str(
            _strs("mkv", "mov", "mp4", "webm", "flv", "mpeg", "mpg", "wmv", "three_gp"),
            source=CONVERSE_PAGE,
        ),
        "source": _MEDIA_SOURCE,
    }
)
CONVERSE_BLOCK = Obj(
    optional={
        "text": Str(),
        "image": CONVERSE_IMAGE,
        "document": CONVERSE_DOCUMENT,
        "video": CONVERSE_VIDEO,
    },
    one_of=_CONVERSE_BLOCK_KINDS,
)
_CONVERSE_MESSAGE = Obj(
    required={
        "role": Str(
            _strs("user", "assistant"),
            why="a system prompt goes in the top-level system key",
            source=CONVERSE_PAGE,
        ),
        "content": Arr(CONVERSE_BLOCK, non_empty=True),
    }
)
_SYSTEM_BLOCKS = Arr(Obj(optional={"text": Str()}, one_of=("text", "guardContent", "cachePoint")))
# Structured output (OutputConfig, OutputFormat): textFormat {type: json_schema, structure:
# {jsonSchema: {schema: a JSON schema as a string, name, description}}}.
_CONVERSE_OUTPUT_CONFIG = Obj(
    optional={
        "textFormat": Obj(
            required={
                "type": Str(_strs("json_schema"), source=CONVERSE_PAGE),
                "structure": Obj(
                    optional={
                        "jsonSchema": Obj(
                            required={"schema": Str()},
                            optional={"name": Str(), "description": Str()},
                        )
                    },
                    one_of=("jsonSchema",),
                ),
            }
        )
    }
)
CONVERSE = _body(
    "Converse",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1, source=CONVERSE_PAGE),
                "temperature": _unit(CONVERSE_PAGE),
                "topP": _unit(CONVERSE_PAGE),
                "stopSequences": STRINGS,
            }
        ),
        "toolConfig": ANY_OBJECT,
        "guardrailConfig": ANY_OBJECT,
        "additionalModelRequestFields": ANY_OBJECT,
        "additionalModelResponseFieldPaths": STRINGS,
        "promptVariables": ANY_OBJECT,
        "requestMetadata": ANY_OBJECT,
        "performanceConfig": ANY_OBJECT,
        "outputConfig": _CONVERSE_OUTPUT_CONFIG,
    },
)

# --- Amazon Nova understanding models, InvokeModel (messages-v1; Nova user guide,
# complete-request-schema and using-invoke-api): Converse's shape, with schemaVersion;
# inferenceConfig spelled maxTokens/topP/topK (and, in the first docs, max_new_tokens/top_p/
# top_k). Temperature and topP are from 0 to 1.
NOVA = _body(
    "Amazon Nova (messages-v1)",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "schemaVersion": Str(),
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1, source=NOVA_PAGE),
                "max_new_tokens": Int(minimum=1, source=NOVA_PAGE),
                "temperature": _unit(NOVA_PAGE),
                "topP": _unit(NOVA_PAGE),
                "top_p": _unit(NOVA_PAGE),
                "topK": Int(minimum=0, source=NOVA_PAGE),
                "top_k": Int(minimum=0, source=NOVA_PAGE),
                "stopSequences": STRINGS,
                "reasoningConfig": ANY_OBJECT,
            }
        ),
        "toolConfig": ANY_OBJECT,
    },
)
# --- Amazon Nova Multimodal Embeddings (Nova user guide, embeddings-schema): one embedding
# per body (SINGLE_EMBEDDING), or segments of a long input (SEGMENTED_EMBEDDING, the
# asynchronous API's).
_NOVA_EMBEDDING_PURPOSES = _strs(
    "GENERIC_INDEX",
    "GENERIC_RETRIEVAL",
    "TEXT_RETRIEVAL",
    "IMAGE_RETRIEVAL",
    "VIDEO_RETRIEVAL",
    "DOCUMENT_RETRIEVAL",
    "AUDIO_RETRIEVAL",
    "CLASSIFICATION",
    "CLUSTERING",
)
_NOVA_SOURCE = Obj(one_of=("bytes", "s3Location"))
NOVA_EMBEDDINGS = _body(
    "Amazon Nova Multimodal Embeddings",
    required={
        "taskType": Str(
            _strs("SINGLE_EMBEDDING", "SEGMENTED_EMBEDDING"), source=NOVA_EMBEDDINGS_PAGE
        )
    },
    optional={
        "schemaVersion": Str(_strs("nova-multimodal-embed-v1"), source=NOVA_EMBEDDINGS_PAGE),
        "singleEmbeddingParams": Obj(
            required={
                "embeddingPurpose": Str(_NOVA_EMBEDDING_PURPOSES, source=NOVA_EMBEDDINGS_PAGE)
            },
            optional={
                "embeddingDimension": Int(
                    allowed=frozenset({256, 384, 1024, 3072}), source=NOVA_EMBEDDINGS_PAGE
                ),
                "text": Obj(
                    optional={
                        "truncationMode": Str(
                            _strs("START", "END", "NONE"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                        "value": Str(),
                    },
                    one_of=("value", "source"),
                ),
                "image": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "detailLevel": Str(
                            _strs("STANDARD_IMAGE", "DOCUMENT_IMAGE"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                        "format": Str(
                            _strs("png", "jpeg", "gif", "webp"), source=NOVA_EMBEDDINGS_PAGE
                        ),
                    },
                ),
                "audio": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "format": Str(_strs("mp3", "wav", "ogg"), source=NOVA_EMBEDDINGS_PAGE)
                    },
                ),
                "video": Obj(
                    required={"source": _NOVA_SOURCE},
                    optional={
                        "format": Str(
                            _strs("mp4", "mov", "mkv", "webm", "flv", "mpeg", "mpg", "wmv", "3gp"),
                            source=NOVA_EMBEDDINGS_PAGE,
                        ),
                        "embeddingMode": Str(
                            _strs("AUDIO_VIDEO_COMBINED", "AUDIO_VIDEO_SEPARATE"),
                            source=NOVA_EMBEDDINGS_PAGE,
                        ),
                    },
                ),
            },
            one_of=("text", "image", "audio", "video"),
        ),
        "segmentedEmbeddingParams": ANY_OBJECT,
    },
    one_of=("singleEmbeddingParams", "segmentedEmbeddingParams"),
)

# --- Amazon Titan Text (model-parameters-titan-text): temperature and topP from 0 to 1; the
# maxTokenCount cap is each model's (TITAN_TEXT_MAX_TOKENS below).
TITAN_TEXT = _body(
    "Amazon Titan Text",
    required={"inputText": Str()},
    optional={
        "textGenerationConfig": Obj(
            optional={
                "maxTokenCount": Int(minimum=0, source=TITAN_TEXT_PAGE),
                "temperature": _unit(TITAN_TEXT_PAGE),
                "topP": _unit(TITAN_TEXT_PAGE),
                "stopSequences": STRINGS,
            }
        )
    },
)
# --- Amazon Titan Text Embeddings G1 (v1: inputText only) and V2 (dimensions 256/512/1024,
# normalize, embeddingTypes float/binary) (model-parameters-titan-embed-text).
TITAN_EMBEDDINGS_V1 = _body(
    "Amazon Titan Text Embeddings G1",
    required={"inputText": Str()},
)
TITAN_EMBEDDINGS = _body(
    "Amazon Titan Text Embeddings V2",
    required={"inputText": Str()},
    optional={
        "dimensions": Int(allowed=frozenset({256, 512, 1024}), source=TITAN_EMBEDDINGS_PAGE),
        "normalize": Bool(),
        "embeddingTypes": Arr(Str(_strs("float", "binary"), source=TITAN_EMBEDDINGS_PAGE)),
    },
)
# --- Amazon Titan Multimodal Embeddings G1 (model-parameters-titan-embed-mm): text, an image
# (base64), or both.
TITAN_MULTIMODAL = _body(
    "Amazon Titan Multimodal Embeddings",
    optional={
        "inputText": Str(),
        "inputImage": Str(),
        "embeddingConfig": Obj(
            optional={
                "outputEmbeddingLength": Int(
                    allowed=frozenset({256, 384, 1024}), source=TITAN_MULTIMODAL_PAGE
                )
            }
        ),
    },
    one_of=("inputText", "inputImage"),
)
# --- Meta Llama (model-parameters-meta): temperature and top_p from 0 to 1, max_gen_len from 1
# to 2,048.
LLAMA = _body(
    "Meta Llama",
    required={"prompt": Str()},
    optional={
        "temperature": _unit(LLAMA_PAGE),
        "top_p": _unit(LLAMA_PAGE),
        "max_gen_len": Int(1, 2048, source=LLAMA_PAGE),
        "images": STRINGS,
    },
)
# --- Mistral AI text completion (model-parameters-mistral-text-completion): a prompt (Mistral
# 7B, Mixtral 8x7B, Mistral Large 24.02, Mistral Small 24.02); temperature and top_p from 0
# to 1, top_k from 1 to 200; the max_tokens cap is each model's (MISTRAL_MAX_TOKENS).
MISTRAL_TEXT = _body(
    "Mistral text completion",
    required={"prompt": Str()},
    optional={
        "max_tokens": Int(minimum=1, source=MISTRAL_TEXT_PAGE),
        "stop": Arr(Str(), max_items=10, source=MISTRAL_TEXT_PAGE),
        "temperature": _unit(MISTRAL_TEXT_PAGE),
        "top_p": _unit(MISTRAL_TEXT_PAGE),
        "top_k": Int(1, 200, source=MISTRAL_TEXT_PAGE),
    },
)
# --- Mistral AI chat completion (model-parameters-mistral-chat-completion): messages (Mistral
# Large 24.07 and later, Pixtral Large, and the models that came after: Magistral Small,
# Ministral 3, Mistral Large 3, Voxtral, whose model cards point to the chat page).
_CHAT_CONTENT = Either((Str(), Arr(ANY_OBJECT)))
MISTRAL_CHAT = _body(
    "Mistral chat completion",
    required={
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        _strs("system", "user", "assistant", "tool"), source=MISTRAL_CHAT_PAGE
                    )
                },
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "max_tokens": Int(minimum=1, source=MISTRAL_CHAT_PAGE),
        "temperature": _unit(MISTRAL_CHAT_PAGE),
        "top_p": _unit(MISTRAL_CHAT_PAGE),
        "stop": Either((Str(), STRINGS)),
        "random_seed": Int(),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
    },
)
# --- OpenAI-style chat completions (gpt-oss; model-parameters-openai, which follows OpenAI's
# Create chat completion): `model` may be given when it names the model (the page: "must match
# the value in the header"; see _naming_the_model); `stream` must be false with InvokeModel,
# which a batch job uses. Ranges from OpenAI's reference: temperature 0-2, top_p 0-1,
# penalties -2-2.
OPENAI_CHAT = _body(
    "OpenAI-style chat completion",
    required={
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        _strs("system", "developer", "user", "assistant", "tool"),
                        source=OPENAI_CHAT_API,
                    )
                },
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "model": Str(),
        "max_completion_tokens": Int(minimum=1, source=OPENAI_CHAT_API),
        "max_tokens": Int(minimum=1, source=OPENAI_CHAT_API),
        "temperature": Num(0, 2, source=OPENAI_CHAT_API),
        "top_p": _unit(OPENAI_CHAT_API),
        "stop": Either((Str(), STRINGS)),
        "seed": Int(),
        "n": Int(minimum=1, source=OPENAI_CHAT_API),
        "reasoning_effort": Str(_strs("low", "medium", "high"), source=OPENAI_CHAT_API),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
        "frequency_penalty": Num(-2, 2, source=OPENAI_CHAT_API),
        "presence_penalty": Num(-2, 2, source=OPENAI_CHAT_API),
        "logprobs": Bool(),
        "top_logprobs": Int(0, 20, source=OPENAI_CHAT_API),
        "stream": Bool(
            allowed=False,
            why="a batch job calls InvokeModel, which takes no stream",
            source=OPENAI_PAGE,
        ),
    },
    refused={key: why for key, why in _NOT_IN_A_BODY.items() if key != "model"},
)
# --- Qwen (model-cards-qwen; structured-output names response_format for "open weight
# models"): the same OpenAI-style chat body, as AWS's examples send it.
QWEN_CHAT = replace(OPENAI_CHAT, title="Qwen chat completion (OpenAI-style)")
# --- DeepSeek-R1 (model-parameters-deepseek): a prompt; temperature and top_p at most 1,
# max_tokens from 1 to 32,768, stop at most 10 items.
DEEPSEEK_R1 = _body(
    "DeepSeek-R1",
    required={"prompt": Str()},
    optional={
        "temperature": _unit(DEEPSEEK_PAGE),
        "top_p": _unit(DEEPSEEK_PAGE),
        "max_tokens": Int(1, 32_768, source=DEEPSEEK_PAGE),
        "stop": Arr(Str(), max_items=10, source=DEEPSEEK_PAGE),
    },
)
# --- Cohere Command (model-parameters-cohere-command): temperature 0-5, p 0-1, k 0-500,
# max_tokens 1-4,096.
COHERE_COMMAND = _body(
    "Cohere Command",
    required={"prompt": Str()},
    optional={
        "temperature": Num(0, 5, source=COHERE_COMMAND_PAGE),
        "p": _unit(COHERE_COMMAND_PAGE),
        "k": Int(0, 500, source=COHERE_COMMAND_PAGE),
        "max_tokens": Int(1, 4096, source=COHERE_COMMAND_PAGE),
        "stop_sequences": STRINGS,
        "return_likelihoods": Str(_strs("GENERATION", "ALL", "NONE"), source=COHERE_COMMAND_PAGE),
        "stream": Bool(
            allowed=False,
            why="a batch job calls InvokeModel, which does not stream",
            source=COHERE_COMMAND_PAGE,
        ),
        "num_generations": Int(1, 5, source=COHERE_COMMAND_PAGE),
        "logit_bias": ANY_OBJECT,
        "truncate": Str(_strs("NONE", "START", "END"), source=COHERE_COMMAND_PAGE),
    },
)
# --- Cohere Command R and R+ (model-parameters-cohere-command-r-plus): temperature 0-1, p
# 0.01-0.99, k 0-500, penalties 0-1.
COHERE_COMMAND_R = _body(
    "Cohere Command R",
    required={"message": Str()},
    optional={
        "chat_history": Arr(ANY_OBJECT),
        "documents": Arr(ANY_OBJECT),
        "search_queries_only": Bool(),
        "preamble": Str(),
        "max_tokens": Int(minimum=1, source=COHERE_COMMAND_R_PAGE),
        "temperature": _unit(COHERE_COMMAND_R_PAGE),
        "p": Num(0.01, 0.99, source=COHERE_COMMAND_R_PAGE),
        "k": Int(0, 500, source=COHERE_COMMAND_R_PAGE),
        "prompt_truncation": Str(),
        "frequency_penalty": _unit(COHERE_COMMAND_R_PAGE),
        "presence_penalty": _unit(COHERE_COMMAND_R_PAGE),
        "seed": Int(),
        "return_prompt": Bool(),
        "tools": Arr(ANY_OBJECT),
        "tool_results": Arr(ANY_OBJECT),
        "stop_sequences": STRINGS,
        "raw_prompting": Bool(),
    },
)
COHERE_EMBED = _body(
    "Cohere Embed",
    required={
        "input_type": Str(
            _strs("search_document", "search_query", "classification", "clustering", "image"),
            source=COHERE_EMBED_PAGE,
        )
    },
    optional={
        "texts": STRINGS,
        "images": STRINGS,
        "inputs": Arr(ANY_OBJECT),
        "truncate": Str(_strs("NONE", "START", "END", "LEFT", "RIGHT"), source=COHERE_EMBED_PAGE),
        "embedding_types": STRINGS,
        "output_dimension": Int(minimum=1, source=COHERE_EMBED_PAGE),
        "max_tokens": Int(minimum=1, source=COHERE_EMBED_PAGE),
    },
    one_of=("texts", "images", "inputs"),
)


@dataclass(frozen=True)
class RequestFormat:
    """One family's request body and the page it comes from; for a given model, its own
    values too (max-token caps, the largest body it takes)."""

    name: str
    shape: Obj
    source: str
    max_body_bytes: int | None = None  # the model's documented payload limit
    max_body_source: str = ""

    @property
    def title(self) -> str:
        return self.shape.title

    @cached_property
    def fast_check(self) -> Callable[[Mapping[str, Any]], bool]:
        """The table compiled, the first time a body is checked against it."""
        return self.shape.ok_value


ALL_FORMATS = (
    RequestFormat("anthropic-messages", ANTHROPIC_MESSAGES, CLAUDE_PAGE),
    RequestFormat("amazon-nova", NOVA, "Amazon Nova user guide, using-invoke-api"),
    RequestFormat("nova-multimodal-embeddings", NOVA_EMBEDDINGS, NOVA_EMBEDDINGS_PAGE),
    RequestFormat("titan-text", TITAN_TEXT, TITAN_TEXT_PAGE),
    RequestFormat("titan-embeddings", TITAN_EMBEDDINGS, TITAN_EMBEDDINGS_PAGE),
    RequestFormat("titan-embeddings-v1", TITAN_EMBEDDINGS_V1, TITAN_EMBEDDINGS_PAGE),
    RequestFormat("titan-multimodal-embeddings", TITAN_MULTIMODAL, TITAN_MULTIMODAL_PAGE),
    RequestFormat("meta-llama", LLAMA, LLAMA_PAGE),
    RequestFormat("mistral-text", MISTRAL_TEXT, MISTRAL_TEXT_PAGE),
    RequestFormat("mistral-chat", MISTRAL_CHAT, MISTRAL_CHAT_PAGE),
    RequestFormat("openai-chat", OPENAI_CHAT, OPENAI_PAGE),
    RequestFormat("qwen-chat", QWEN_CHAT, QWEN_PAGE),
    RequestFormat("deepseek-r1", DEEPSEEK_R1, DEEPSEEK_PAGE),
    RequestFormat("cohere-command", COHERE_COMMAND, COHERE_COMMAND_PAGE),
    RequestFormat("cohere-command-r", COHERE_COMMAND_R, COHERE_COMMAND_R_PAGE),
    RequestFormat("cohere-embed", COHERE_EMBED, COHERE_EMBED_PAGE),
    RequestFormat("converse", CONVERSE, CONVERSE_PAGE),
)
FORMATS = {fmt.name: fmt for fmt in ALL_FORMATS}
CONVERSE_FORMAT = FORMATS["converse"]
# Families a file's bodies are told apart among when no model is given (InvokeModel ones and
# Converse; Titan Embeddings G1 is V2's subset, so V2 stands for both; Qwen's body is
# OpenAI-style chat's, which stands for both).
INFERABLE = tuple(
    fmt for fmt in ALL_FORMATS if fmt.name not in ("titan-embeddings-v1", "qwen-chat")
)

# Base model id prefixes: which table a model's bodies follow. Each prefix names models, not
# a provider: a model no prefix names has no table (a note), never a neighbour's by accident
# (amazon.nova-2-multimodal-embeddings is not a Nova messages model).
_BY_MODEL = (
    ("anthropic.claude", "anthropic-messages"),
    ("amazon.nova-micro", "amazon-nova"),
    ("amazon.nova-lite", "amazon-nova"),
    ("amazon.nova-pro", "amazon-nova"),
    ("amazon.nova-premier", "amazon-nova"),
    ("amazon.nova-2-lite", "amazon-nova"),
    ("amazon.nova-2-pro", "amazon-nova"),
    ("amazon.nova-2-multimodal-embeddings", "nova-multimodal-embeddings"),
    ("amazon.titan-embed-image", "titan-multimodal-embeddings"),
    ("amazon.titan-embed-g1-text", "titan-embeddings-v1"),
    ("amazon.titan-embed-text-v1", "titan-embeddings-v1"),
    ("amazon.titan-embed-text-v2", "titan-embeddings"),
    ("amazon.titan-text", "titan-text"),
    ("amazon.titan-tg1", "titan-text"),
    ("meta.llama", "meta-llama"),
    ("mistral.mistral-7b", "mistral-text"),
    ("mistral.mixtral-8x7b", "mistral-text"),
    ("mistral.mistral-large-2402", "mistral-text"),
    ("mistral.mistral-small-2402", "mistral-text"),
    ("mistral.mistral-large-2407", "mistral-chat"),
    ("mistral.mistral-large-2411", "mistral-chat"),
    ("mistral.mistral-large-3", "mistral-chat"),
    ("mistral.pixtral", "mistral-chat"),
    ("mistral.magistral", "mistral-chat"),
    ("mistral.ministral", "mistral-chat"),
    ("mistral.voxtral", "mistral-chat"),
    ("openai.gpt-oss", "openai-chat"),
    ("qwen.qwen3", "qwen-chat"),
    ("deepseek.r1", "deepseek-r1"),
    ("cohere.command-r", "cohere-command-r"),
    ("cohere.command-text", "cohere-command"),
    ("cohere.command-light-text", "cohere-command"),
    ("cohere.embed", "cohere-embed"),
)


@dataclass(frozen=True)
class ModelValues:
    """What one model's pages set beyond its family's table: a value's shape at a dotted path
    (its max-token cap), and the largest body it takes."""

    prefix: str  # of the base model id
    values: Mapping[str, Shape] = field(default_factory=dict)
    max_body_bytes: int | None = None
    source: str = ""
    exclusive: tuple[tuple[tuple[str, ...], str], ...] = ()  # keys the body may not pair


def _claude_cap(prefix: str, cap: int) -> ModelValues:
    return ModelValues(prefix, {"max_tokens": Int(1, cap, source=CLAUDE_MODELS_PAGE)})


# The Bedrock Claude page sends max_tokens to Anthropic's models overview ("different models
# have different maximum values"). Claude 3.7 Sonnet's cap is its beta's (128K output with
# anthropic_beta output-128k), so that a body using the beta is not refused.
# The Claude page said "the maximum size of the payload you can send in a request is 20MB";
# its newer version points to "API restrictions", which set no total for a body: the 20 MB
# (taken as MiB, the larger reading, so as never to refuse a body the service takes) is the
# one figure documented.
CLAUDE_MAX_BODY_BYTES = 20 * 1024 * 1024
MODEL_VALUES: tuple[ModelValues, ...] = (
    ModelValues("anthropic.claude", max_body_bytes=CLAUDE_MAX_BODY_BYTES, source=CLAUDE_PAGE),
    _claude_cap("anthropic.claude-instant", 4096),
    _claude_cap("anthropic.claude-v2", 4096),
    _claude_cap("anthropic.claude-3-haiku", 4096),
    _claude_cap("anthropic.claude-3-sonnet", 4096),
    _claude_cap("anthropic.claude-3-opus", 4096),
    _claude_cap("anthropic.claude-3-5-haiku", 8192),
    _claude_cap("anthropic.claude-3-5-sonnet", 8192),
    _claude_cap("anthropic.claude-3-7-sonnet", 128_000),
    _claude_cap("anthropic.claude-sonnet-4-2", 64_000),
    _claude_cap("anthropic.claude-opus-4-2", 32_000),
    _claude_cap("anthropic.claude-opus-4-1", 32_000),
    _claude_cap("anthropic.claude-sonnet-4-5", 64_000),
    _claude_cap("anthropic.claude-haiku-4-5", 64_000),
    _claude_cap("anthropic.claude-opus-4-5", 64_000),
    # The Claude page: "Claude Sonnet 4.5 and Claude Haiku 4.5 support specifying either the
    # temperature or top_p parameter, but not both."
    *(
        ModelValues(
            prefix,
            exclusive=((("temperature", "top_p"), "this model takes one or the other"),),
            source=CLAUDE_PAGE,
        )
        for prefix in ("anthropic.claude-sonnet-4-5", "anthropic.claude-haiku-4-5")
    ),
    # Titan Text: maxTokenCount per model (Lite 4,096, Express 8,192, Premier 3,072).
    ModelValues(
        "amazon.titan-text-lite",
        {"textGenerationConfig.maxTokenCount": Int(0, 4096, source=TITAN_TEXT_PAGE)},
    ),
    ModelValues(
        "amazon.titan-text-express",
        {"textGenerationConfig.maxTokenCount": Int(0, 8192, source=TITAN_TEXT_PAGE)},
    ),
    ModelValues(
        "amazon.titan-text-premier",
        {"textGenerationConfig.maxTokenCount": Int(0, 3072, source=TITAN_TEXT_PAGE)},
    ),
    # Mistral text completion: max_tokens per model (Mixtral 4,096; the others 8,192).
    ModelValues("mistral.mistral-7b", {"max_tokens": Int(1, 8192, source=MISTRAL_TEXT_PAGE)}),
    ModelValues("mistral.mixtral-8x7b", {"max_tokens": Int(1, 4096, source=MISTRAL_TEXT_PAGE)}),
    ModelValues(
        "mistral.mistral-large-2402", {"max_tokens": Int(1, 8192, source=MISTRAL_TEXT_PAGE)}
    ),
    ModelValues(
        "mistral.mistral-small-2402", {"max_tokens": Int(1, 8192, source=MISTRAL_TEXT_PAGE)}
    ),
)
# Families whose body may name the model (`model`), as long as it names this one.
_NAMES_ITS_MODEL = frozenset({"openai-chat", "qwen-chat"})
_PROFILE_GEOGRAPHIES = ("us", "eu", "apac", "global", "jp", "au", "ca", "us-gov")


def _naming_the_model(base: str) -> Str:
    """`model` in an OpenAI-style body: the job's model, as its id or an inference profile."""
    names = frozenset({base, *(f"{geo}.{base}" for geo in _PROFILE_GEOGRAPHIES)})
    return Str(
        names,
        expected=f"it must name the job's model, {base} (or be left out)",
        source=OPENAI_PAGE,
    )


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


def format_for_model(model_id: str | None, invocation_type: str) -> RequestFormat | None:
    """The format a model takes: Converse's for the Converse type, whatever the model; None
    for a model bjob has no table for. The family's table with the model's own values."""
    if invocation_type == "Converse":
        return CONVERSE_FORMAT
    if model_id is None:
        return None
    return _model_format(base_model_id(model_id))


@lru_cache(maxsize=64)
def _model_format(base: str) -> RequestFormat | None:
    family = next((FORMATS[name] for prefix, name in _BY_MODEL if base.startswith(prefix)), None)
    if family is None:
        return None
    shape, max_body, max_body_source = family.shape, None, ""
    for rule in MODEL_VALUES:
        if not base.startswith(rule.prefix):
            continue
        for path, value in rule.values.items():
            shape = refine(shape, path, value)
        if rule.exclusive:
            shape = replace(shape, exclusive=shape.exclusive + rule.exclusive)
        if rule.max_body_bytes is not None:
            max_body, max_body_source = rule.max_body_bytes, rule.source
    if family.name in _NAMES_ITS_MODEL:
        shape = refine(shape, "model", _naming_the_model(base))
    if shape is family.shape and max_body is None:
        return family
    return replace(family, shape=shape, max_body_bytes=max_body, max_body_source=max_body_source)


def body_problems(body: Mapping[str, Any], fmt: RequestFormat) -> list[BodyProblem]:
    """What in a request body the format refuses (errors) or is likely to (warnings), each
    naming its JSON path."""
    if fmt.fast_check(body):
        return []
    problems: list[BodyProblem] = []
    fmt.shape.check_value(body, "modelInput", problems)
    return problems


@dataclass(frozen=True)
class Fit:
    """How well a body's top level fits a family: errors, and keys the family does not know."""

    errors: int
    unknown: int
    missing_only: bool  # every error is a missing required key

    @property
    def key(self) -> tuple[int, int]:
        return (self.errors, self.unknown)


def top_level_fit(body: Mapping[str, Any], fmt: RequestFormat) -> Fit:
    """The top level only, cheaply: enough to tell the families apart."""
    shape = fmt.shape
    errors = missing = unknown = 0
    for key, item in shape.required.items():
        if key not in body:
            errors += 1
            missing += 1
        elif not item.accepts_type(body[key]):
            errors += 1
    if shape.one_of and not any(key in body for key in shape.one_of):
        errors += 1
        missing += 1
    for key, value in body.items():
        if key in shape.required:
            continue
        option = shape.optional.get(key)
        if option is None:
            if key in shape.refused:
                errors += 1
            else:
                unknown += 1
        elif value is not None and not option.accepts_type(value):
            errors += 1
    return Fit(errors, unknown, errors == missing)


def best_fits(body: Mapping[str, Any], formats: Iterable[RequestFormat]) -> list[str]:
    """The families this body fits best (fewest errors, then fewest unknown keys)."""
    fits = [(top_level_fit(body, fmt).key, fmt.name) for fmt in formats]
    best = min(key for key, _ in fits)
    return [name for key, name in fits if key == best]


def near_fits(body: Mapping[str, Any], formats: Iterable[RequestFormat]) -> list[str]:
    """Families the body would fit but for a missing required key (an Anthropic body without
    anthropic_version): named among what a file could be."""
    names = []
    for fmt in formats:
        fit = top_level_fit(body, fmt)
        if fit.errors == 1 and fit.missing_only and not fit.unknown:
            names.append(fmt.name)
    return names
