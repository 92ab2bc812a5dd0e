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
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from bjob.model.models import base_model_id

Severity = Literal["error", "warning"]
# The kinds of problem a body check finds (dropped when the format turns out otherwise).
BODY_KINDS = frozenset(
    {"missing-key", "wrong-type", "bad-value", "empty", "refused-key", "unknown-key"}
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
    types = ("string",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.allowed is not None and value not in self.allowed:
            choices = ", ".join(sorted(self.allowed))
            why = f" ({self.why})" if self.why else ""
            out.append(("error", "bad-value", f"{path} is {value!r}: not one of {choices}{why}"))

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.allowed is not None:
            code.line(f"if {expr} not in {code.constant(self.allowed)}: return False")


@dataclass(frozen=True, eq=False)
class Int(Shape):
    minimum: int | None = None
    allowed: frozenset[int] | None = None
    types = ("integer",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.minimum is not None and value < self.minimum:
            out.append(("error", "bad-value", f"{path} is {value}: at least {self.minimum}"))
        elif self.allowed is not None and value not in self.allowed:
            choices = ", ".join(str(number) for number in sorted(self.allowed))
            out.append(("error", "bad-value", f"{path} is {value}: one of {choices}"))

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.minimum is not None:
            code.line(f"if {expr} < {self.minimum}: return False")
        if self.allowed is not None:
            code.line(f"if {expr} not in {code.constant(self.allowed)}: return False")


@dataclass(frozen=True, eq=False)
class Num(Shape):
    types = ("number",)


@dataclass(frozen=True, eq=False)
class Bool(Shape):
    types = ("boolean",)


@dataclass(frozen=True, eq=False)
class AnyValue(Shape):
    types = ("string", "integer", "number", "boolean", "array", "object", "null")

    def emit(self, expr: str, code: _Code) -> None:
        pass


@dataclass(frozen=True, eq=False)
class Arr(Shape):
    items: Shape | None = None
    non_empty: bool = False
    types = ("array",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        if self.non_empty and not value:
            out.append(("error", "empty", f"{path} is empty: it needs at least one item"))
        if self.items is not None:
            for index, item in enumerate(value):
                self.items.check(item, f"{path}[{index}]", out)

    def emit_value(self, expr: str, code: _Code) -> None:
        if self.non_empty:
            code.line(f"if not {expr}: return False")
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
    types = ("object",)

    def check_value(self, value: Any, path: str, out: list[BodyProblem]) -> None:
        tag = value.get(self.tag)
        if tag is None:
            out.append(("error", "missing-key", f"{path} lacks {self.tag}"))
            return
        variant = self.variants.get(tag) if isinstance(tag, str) else None
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
    exec(compile(source, f"<fast check: {shape.title or 'object'}>", "exec"), scope)  # noqa: S102
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


# --- Anthropic Claude, Messages API (model-parameters-anthropic-claude-messages-request-
# response.html): content is a string or a list of typed blocks.
_ANTHROPIC_SOURCE = Obj(required={"type": Str()})
ANTHROPIC_BLOCK = Tagged(
    "type",
    {
        "text": Obj(required={"text": Str()}),
        "image": Obj(required={"source": _ANTHROPIC_SOURCE}),
        "document": Obj(required={"source": _ANTHROPIC_SOURCE}),
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
        "anthropic_version": Str(),
        "max_tokens": Int(minimum=1),
        "messages": Arr(
            Obj(
                required={
                    "role": Str(
                        _strs("user", "assistant"),
                        why="a system prompt goes in the top-level system key",
                    ),
                    "content": _ANTHROPIC_CONTENT,
                }
            ),
            non_empty=True,
        ),
    },
    optional={
        "system": Either((Str(), Arr(Tagged("type", {"text": Obj(required={"text": Str()})})))),
        "temperature": Num(),
        "top_p": Num(),
        "top_k": Int(minimum=0),
        "stop_sequences": STRINGS,
        "tools": Arr(ANY_OBJECT),
        "tool_choice": ANY_OBJECT,
        "anthropic_beta": STRINGS,
        "thinking": Obj(required={"type": Str()}),
        "metadata": ANY_OBJECT,
    },
)

# --- Converse (API_runtime_Converse): content is a list of blocks, each an object with one
# member naming its kind; system is a list of blocks too.
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
CONVERSE_BLOCK = Obj(
    optional={"text": Str(), "image": ANY_OBJECT, "document": ANY_OBJECT, "video": ANY_OBJECT},
    one_of=_CONVERSE_BLOCK_KINDS,
)
_CONVERSE_MESSAGE = Obj(
    required={
        "role": Str(
            _strs("user", "assistant"), why="a system prompt goes in the top-level system key"
        ),
        "content": Arr(CONVERSE_BLOCK, non_empty=True),
    }
)
_SYSTEM_BLOCKS = Arr(Obj(optional={"text": Str()}, one_of=("text", "guardContent", "cachePoint")))
CONVERSE = _body(
    "Converse",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1),
                "temperature": Num(),
                "topP": Num(),
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
    },
)

# --- Amazon Nova, InvokeModel (messages-v1; Nova user guide, using-invoke-api): Converse's
# shape, with schemaVersion; inferenceConfig spelled maxTokens/topP/topK (and, in the first
# docs, max_new_tokens/top_p/top_k).
NOVA = _body(
    "Amazon Nova (messages-v1)",
    required={"messages": Arr(_CONVERSE_MESSAGE, non_empty=True)},
    optional={
        "schemaVersion": Str(),
        "system": _SYSTEM_BLOCKS,
        "inferenceConfig": Obj(
            optional={
                "maxTokens": Int(minimum=1),
                "max_new_tokens": Int(minimum=1),
                "temperature": Num(),
                "topP": Num(),
                "top_p": Num(),
                "topK": Int(minimum=0),
                "top_k": Int(minimum=0),
                "stopSequences": STRINGS,
                "reasoningConfig": ANY_OBJECT,
            }
        ),
        "toolConfig": ANY_OBJECT,
    },
)

# --- Amazon Titan Text (model-parameters-titan-text.html).
TITAN_TEXT = _body(
    "Amazon Titan Text",
    required={"inputText": Str()},
    optional={
        "textGenerationConfig": Obj(
            optional={
                "maxTokenCount": Int(minimum=0),
                "temperature": Num(),
                "topP": Num(),
                "stopSequences": STRINGS,
            }
        )
    },
)
# --- Amazon Titan Text Embeddings G1 (v1: inputText only) and V2 (dimensions 256/512/1024,
# normalize, embeddingTypes float/binary) (model-parameters-titan-embed-text.html).
TITAN_EMBEDDINGS_V1 = _body(
    "Amazon Titan Text Embeddings G1",
    required={"inputText": Str()},
)
TITAN_EMBEDDINGS = _body(
    "Amazon Titan Text Embeddings V2",
    required={"inputText": Str()},
    optional={
        "dimensions": Int(allowed=frozenset({256, 512, 1024})),
        "normalize": Bool(),
        "embeddingTypes": Arr(Str(_strs("float", "binary"))),
    },
)
# --- Amazon Titan Multimodal Embeddings G1 (model-parameters-titan-embed-mm.html): text,
# an image (base64), or both.
TITAN_MULTIMODAL = _body(
    "Amazon Titan Multimodal Embeddings",
    optional={
        "inputText": Str(),
        "inputImage": Str(),
        "embeddingConfig": Obj(
            optional={"outputEmbeddingLength": Int(allowed=frozenset({256, 384, 1024}))}
        ),
    },
    one_of=("inputText", "inputImage"),
)
# --- Meta Llama (model-parameters-meta.html).
LLAMA = _body(
    "Meta Llama",
    required={"prompt": Str()},
    optional={
        "temperature": Num(),
        "top_p": Num(),
        "max_gen_len": Int(minimum=1),
        "images": STRINGS,
    },
)
# --- Mistral AI (model-parameters-mistral-text-completion.html and -chat-completion.html):
# text completion takes a prompt (Mistral 7B, Mixtral 8x7B, Mistral Large 24.02, Mistral
# Small); chat completion takes messages (Mistral Large 24.07 and later, Pixtral Large).
MISTRAL_TEXT = _body(
    "Mistral text completion",
    required={"prompt": Str()},
    optional={
        "max_tokens": Int(minimum=1),
        "stop": STRINGS,
        "temperature": Num(),
        "top_p": Num(),
        "top_k": Int(minimum=0),
    },
)
_CHAT_CONTENT = Either((Str(), Arr(ANY_OBJECT)))
MISTRAL_CHAT = _body(
    "Mistral chat completion",
    required={
        "messages": Arr(
            Obj(
                required={"role": Str(_strs("system", "user", "assistant", "tool"))},
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "max_tokens": Int(minimum=1),
        "temperature": Num(),
        "top_p": Num(),
        "stop": Either((Str(), STRINGS)),
        "random_seed": Int(),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
    },
)
# --- OpenAI-style chat completions (gpt-oss; model-parameters-openai.html).
OPENAI_CHAT = _body(
    "OpenAI-style chat completion",
    required={
        "messages": Arr(
            Obj(
                required={"role": Str(_strs("system", "developer", "user", "assistant", "tool"))},
                optional={"content": _CHAT_CONTENT, "tool_calls": Arr(), "tool_call_id": Str()},
            ),
            non_empty=True,
        )
    },
    optional={
        "max_completion_tokens": Int(minimum=1),
        "max_tokens": Int(minimum=1),
        "temperature": Num(),
        "top_p": Num(),
        "stop": Either((Str(), STRINGS)),
        "seed": Int(),
        "n": Int(minimum=1),
        "reasoning_effort": Str(_strs("low", "medium", "high")),
        "tools": Arr(ANY_OBJECT),
        "tool_choice": Either((Str(), ANY_OBJECT)),
        "response_format": ANY_OBJECT,
        "frequency_penalty": Num(),
        "presence_penalty": Num(),
        "logprobs": Bool(),
        "top_logprobs": Int(minimum=0),
        "stream": Bool(),
    },
    refused={key: why for key, why in _NOT_IN_A_BODY.items() if key != "model"},
)
# --- Cohere (model-parameters-cohere-command.html, -command-r-plus.html, -embed.html).
COHERE_COMMAND = _body(
    "Cohere Command",
    required={"prompt": Str()},
    optional={
        "temperature": Num(),
        "p": Num(),
        "k": Int(minimum=0),
        "max_tokens": Int(minimum=1),
        "stop_sequences": STRINGS,
        "return_likelihoods": Str(_strs("GENERATION", "ALL", "NONE")),
        "stream": Bool(),
        "num_generations": Int(minimum=1),
        "logit_bias": ANY_OBJECT,
        "truncate": Str(_strs("NONE", "START", "END")),
    },
)
COHERE_COMMAND_R = _body(
    "Cohere Command R",
    required={"message": Str()},
    optional={
        "chat_history": Arr(ANY_OBJECT),
        "documents": Arr(ANY_OBJECT),
        "search_queries_only": Bool(),
        "preamble": Str(),
        "max_tokens": Int(minimum=1),
        "temperature": Num(),
        "p": Num(),
        "k": Int(minimum=0),
        "prompt_truncation": Str(),
        "frequency_penalty": Num(),
        "presence_penalty": Num(),
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
            _strs("search_document", "search_query", "classification", "clustering", "image")
        )
    },
    optional={
        "texts": STRINGS,
        "images": STRINGS,
        "inputs": Arr(ANY_OBJECT),
        "truncate": Str(_strs("NONE", "START", "END", "LEFT", "RIGHT")),
        "embedding_types": STRINGS,
        "output_dimension": Int(minimum=1),
        "max_tokens": Int(minimum=1),
    },
    one_of=("texts", "images", "inputs"),
)


@dataclass(frozen=True)
class RequestFormat:
    """One family's request body, and the page it comes from."""

    name: str
    shape: Obj
    source: str

    @property
    def title(self) -> str:
        return self.shape.title

    @cached_property
    def fast_check(self) -> Callable[[Mapping[str, Any]], bool]:
        """The table compiled, the first time a body is checked against it."""
        return self.shape.ok_value


_USER_GUIDE = "Bedrock user guide, "
ALL_FORMATS = (
    RequestFormat(
        "anthropic-messages",
        ANTHROPIC_MESSAGES,
        _USER_GUIDE + "model-parameters-anthropic-claude-messages-request-response",
    ),
    RequestFormat("amazon-nova", NOVA, "Amazon Nova user guide, using-invoke-api"),
    RequestFormat("titan-text", TITAN_TEXT, _USER_GUIDE + "model-parameters-titan-text"),
    RequestFormat(
        "titan-embeddings", TITAN_EMBEDDINGS, _USER_GUIDE + "model-parameters-titan-embed-text"
    ),
    RequestFormat(
        "titan-embeddings-v1",
        TITAN_EMBEDDINGS_V1,
        _USER_GUIDE + "model-parameters-titan-embed-text",
    ),
    RequestFormat(
        "titan-multimodal-embeddings",
        TITAN_MULTIMODAL,
        _USER_GUIDE + "model-parameters-titan-embed-mm",
    ),
    RequestFormat("meta-llama", LLAMA, _USER_GUIDE + "model-parameters-meta"),
    RequestFormat(
        "mistral-text", MISTRAL_TEXT, _USER_GUIDE + "model-parameters-mistral-text-completion"
    ),
    RequestFormat(
        "mistral-chat", MISTRAL_CHAT, _USER_GUIDE + "model-parameters-mistral-chat-completion"
    ),
    RequestFormat("openai-chat", OPENAI_CHAT, _USER_GUIDE + "model-parameters-openai"),
    RequestFormat(
        "cohere-command", COHERE_COMMAND, _USER_GUIDE + "model-parameters-cohere-command"
    ),
    RequestFormat(
        "cohere-command-r", COHERE_COMMAND_R, _USER_GUIDE + "model-parameters-cohere-command-r-plus"
    ),
    RequestFormat("cohere-embed", COHERE_EMBED, _USER_GUIDE + "model-parameters-embed"),
    RequestFormat("converse", CONVERSE, "Bedrock API reference, API_runtime_Converse"),
)
FORMATS = {fmt.name: fmt for fmt in ALL_FORMATS}
CONVERSE_FORMAT = FORMATS["converse"]
# Families a file's bodies are told apart among when no model is given (InvokeModel ones and
# Converse; Titan Embeddings G1 is V2's subset, so V2 stands for both).
INFERABLE = tuple(fmt for fmt in ALL_FORMATS if fmt.name != "titan-embeddings-v1")

# Base model id prefixes, most specific first: which table a model's bodies follow.
_BY_MODEL = (
    ("anthropic.", "anthropic-messages"),
    ("amazon.nova", "amazon-nova"),
    ("amazon.titan-embed-image", "titan-multimodal-embeddings"),
    ("amazon.titan-embed-g1-text", "titan-embeddings-v1"),
    ("amazon.titan-embed-text-v1", "titan-embeddings-v1"),
    ("amazon.titan-embed-text", "titan-embeddings"),
    ("amazon.titan-text", "titan-text"),
    ("amazon.titan-tg1", "titan-text"),
    ("meta.llama", "meta-llama"),
    ("mistral.mistral-large-2407", "mistral-chat"),
    ("mistral.mistral-large-2411", "mistral-chat"),
    ("mistral.pixtral", "mistral-chat"),
    ("mistral.", "mistral-text"),
    ("openai.", "openai-chat"),
    ("cohere.command-r", "cohere-command-r"),
    ("cohere.command", "cohere-command"),
    ("cohere.embed", "cohere-embed"),
)


def format_for_model(model_id: str | None, invocation_type: str) -> RequestFormat | None:
    """The format a model takes: Converse's for the Converse type, whatever the model; None
    for a model bjob has no table for."""
    if invocation_type == "Converse":
        return CONVERSE_FORMAT
    if model_id is None:
        return None
    base = base_model_id(model_id)
    for prefix, name in _BY_MODEL:
        if base.startswith(prefix):
            return FORMATS[name]
    return None


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
