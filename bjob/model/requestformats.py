"""The request bodies the models take, as data: one table per format family, the top-level
keys of `modelInput` each requires and allows, and their JSON types. Taken from the Bedrock
model parameter docs (Inference request parameters for foundation models; the Converse API
reference). Checks are on the top level only: what a request body must and may hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bjob.model.quotas import base_model_id

JsonType = str  # "string", "integer", "number", "boolean", "array", "object"


@dataclass(frozen=True)
class RequestFormat:
    name: str
    title: str
    required: Mapping[str, tuple[JsonType, ...]]
    optional: Mapping[str, tuple[JsonType, ...]]

    def knows(self, key: str) -> bool:
        return key in self.required or key in self.optional


ANTHROPIC_MESSAGES = RequestFormat(
    "anthropic-messages",
    "Anthropic Messages",
    required={"anthropic_version": ("string",), "max_tokens": ("integer",), "messages": ("array",)},
    optional={
        "system": ("string", "array"),
        "temperature": ("number",),
        "top_p": ("number",),
        "top_k": ("integer",),
        "stop_sequences": ("array",),
        "tools": ("array",),
        "tool_choice": ("object",),
        "anthropic_beta": ("array",),
        "thinking": ("object",),
        "metadata": ("object",),
    },
)
CONVERSE = RequestFormat(
    "converse",
    "Converse",
    required={"messages": ("array",)},
    optional={
        "system": ("array",),
        "inferenceConfig": ("object",),
        "toolConfig": ("object",),
        "guardrailConfig": ("object",),
        "additionalModelRequestFields": ("object",),
        "additionalModelResponseFieldPaths": ("array",),
        "promptVariables": ("object",),
        "requestMetadata": ("object",),
        "performanceConfig": ("object",),
    },
)
NOVA = RequestFormat(
    "amazon-nova",
    "Amazon Nova (messages-v1)",
    required={"messages": ("array",)},
    optional={
        "schemaVersion": ("string",),
        "system": ("array",),
        "inferenceConfig": ("object",),
        "toolConfig": ("object",),
    },
)
TITAN_TEXT = RequestFormat(
    "titan-text",
    "Amazon Titan Text",
    required={"inputText": ("string",)},
    optional={"textGenerationConfig": ("object",)},
)
TITAN_EMBEDDINGS = RequestFormat(
    "titan-embeddings",
    "Amazon Titan Text Embeddings",
    required={"inputText": ("string",)},
    optional={"dimensions": ("integer",), "normalize": ("boolean",), "embeddingTypes": ("array",)},
)
LLAMA = RequestFormat(
    "meta-llama",
    "Meta Llama",
    required={"prompt": ("string",)},
    optional={
        "temperature": ("number",),
        "top_p": ("number",),
        "max_gen_len": ("integer",),
        "images": ("array",),
    },
)
MISTRAL_TEXT = RequestFormat(
    "mistral-text",
    "Mistral text completion",
    required={"prompt": ("string",)},
    optional={
        "max_tokens": ("integer",),
        "stop": ("array",),
        "temperature": ("number",),
        "top_p": ("number",),
        "top_k": ("integer",),
    },
)
MISTRAL_CHAT = RequestFormat(
    "mistral-chat",
    "Mistral chat completion",
    required={"messages": ("array",)},
    optional={
        "max_tokens": ("integer",),
        "temperature": ("number",),
        "top_p": ("number",),
        "stop": ("array",),
        "tools": ("array",),
        "tool_choice": ("string", "object"),
        "response_format": ("object",),
    },
)
# In order of preference when inferring: the first of equal matches wins.
INVOKE_MODEL_FORMATS = (
    ANTHROPIC_MESSAGES,
    NOVA,
    TITAN_TEXT,
    TITAN_EMBEDDINGS,
    LLAMA,
    MISTRAL_TEXT,
    MISTRAL_CHAT,
)
FORMATS = {fmt.name: fmt for fmt in (*INVOKE_MODEL_FORMATS, CONVERSE)}

# Model id prefixes (after any cross-region prefix), most specific first.
_BY_MODEL = (
    ("anthropic.", ANTHROPIC_MESSAGES),
    ("amazon.nova", NOVA),
    ("amazon.titan-embed", TITAN_EMBEDDINGS),
    ("amazon.titan-text", TITAN_TEXT),
    ("amazon.titan-tg1", TITAN_TEXT),
    ("meta.llama", LLAMA),
    ("mistral.mistral-large-2407", MISTRAL_CHAT),
    ("mistral.mistral-large-2411", MISTRAL_CHAT),
    ("mistral.pixtral", MISTRAL_CHAT),
    ("mistral.", MISTRAL_TEXT),
)


def format_for_model(model_id: str | None, invocation_type: str) -> RequestFormat | None:
    """The format a model takes: Converse's whatever the model for the Converse type; None
    for a model bjob has no table for."""
    if invocation_type == "Converse":
        return CONVERSE
    if model_id is None:
        return None
    base = base_model_id(model_id)
    for prefix, fmt in _BY_MODEL:
        if base.startswith(prefix):
            return fmt
    return None


def infer_format(samples: Iterable[Mapping[str, Any]]) -> RequestFormat | None:
    """The InvokeModel format that best fits these request bodies: most known keys, fewest
    unknown ones; None when none knows any of their keys."""
    scores = {fmt.name: 0 for fmt in INVOKE_MODEL_FORMATS}
    known_any: set[str] = set()
    for body in samples:
        for fmt in INVOKE_MODEL_FORMATS:
            for key in body:
                if fmt.knows(key):
                    scores[fmt.name] += 1
                    known_any.add(fmt.name)
                else:
                    scores[fmt.name] -= 1
    candidates = [fmt for fmt in INVOKE_MODEL_FORMATS if fmt.name in known_any]
    return max(candidates, key=lambda fmt: scores[fmt.name], default=None)


_JSON_TYPES: dict[type, JsonType] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> JsonType:
    return _JSON_TYPES.get(type(value)) or next(
        (name for kind, name in _JSON_TYPES.items() if isinstance(value, kind)), "null"
    )


def _accepts(types: tuple[JsonType, ...], value: Any) -> bool:
    actual = json_type(value)
    return actual in types or (actual == "integer" and "number" in types)


BodyProblem = tuple[Literal["error", "warning"], str, str]  # (severity, kind, message)


def body_problems(body: Mapping[str, Any], fmt: RequestFormat) -> list[BodyProblem]:
    """What in a request body the format rejects: missing and mistyped keys are errors, keys
    it does not know are warnings (the model is likely to reject them). Runs for every
    record: the common case, a body with nothing wrong, costs a few dictionary lookups."""
    problems: list[BodyProblem] = []
    for key, types in fmt.required.items():
        value = body.get(key, _MISSING)
        if value is _MISSING:
            problems.append(
                ("error", "missing-key", f"modelInput lacks {key}, which {fmt.title} requires")
            )
        elif not _accepts(types, value):
            problems.append(_wrong_type(key, types, value))
    for key, value in body.items():
        if key in fmt.required:
            continue
        allowed = fmt.optional.get(key)
        if allowed is None:
            problems.append(
                (
                    "warning",
                    "unknown-key",
                    f"modelInput.{key} is not part of "
                    f"{fmt.title}: the model is likely to reject it",
                )
            )
        elif value is not None and not _accepts(allowed, value):
            problems.append(_wrong_type(key, allowed, value))
    return problems


_MISSING = object()


def _wrong_type(key: str, types: tuple[JsonType, ...], value: Any) -> BodyProblem:
    expected = " or ".join(_article(kind) for kind in types)
    return (
        "error",
        "wrong-type",
        f"modelInput.{key} is {_article(json_type(value))}, not {expected}",
    )


def _article(kind: JsonType) -> str:
    return f"{'an' if kind[0] in 'aeio' else 'a'} {kind}"
