"""The request formats: each family's table with the page it comes from, which family a
model's bodies follow, what a model's own pages set beyond it (MODEL_VALUES), and a body
checked against a format (the tables' generated check, engine.py) or fitted to several."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from bjob.model.models import base_model_id
from bjob.model.requestformats.anthropic_amazon import (
    ANTHROPIC_MESSAGES,
    CONVERSE,
    NOVA,
    NOVA_EMBEDDINGS,
    TITAN_EMBEDDINGS,
    TITAN_EMBEDDINGS_V1,
    TITAN_MULTIMODAL,
    TITAN_TEXT,
)
from bjob.model.requestformats.common import (
    CLAUDE_MODELS_PAGE,
    CLAUDE_PAGE,
    COHERE_COMMAND_PAGE,
    COHERE_COMMAND_R_PAGE,
    COHERE_EMBED_PAGE,
    CONVERSE_PAGE,
    DEEPSEEK_PAGE,
    LLAMA_PAGE,
    MISTRAL_CHAT_PAGE,
    MISTRAL_TEXT_PAGE,
    NOVA_EMBEDDINGS_PAGE,
    OPENAI_PAGE,
    QWEN_PAGE,
    TITAN_EMBEDDINGS_PAGE,
    TITAN_MULTIMODAL_PAGE,
    TITAN_TEXT_PAGE,
)
from bjob.model.requestformats.engine import BodyProblem, Int, Obj, Shape, Str, refine
from bjob.model.requestformats.other_vendors import (
    COHERE_COMMAND,
    COHERE_COMMAND_R,
    COHERE_EMBED,
    DEEPSEEK_R1,
    LLAMA,
    MISTRAL_CHAT,
    MISTRAL_TEXT,
    OPENAI_CHAT,
    QWEN_CHAT,
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
        """The table's verdict (engine.py), compiled the first time a body is checked."""
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
