"""A model's answer, as `bjob answers` gives it: the text (or the embedding) and the token
counts read out of `modelOutput`, whatever the family, and one line per input record in
JSON lines or RFC 4180 CSV. Pure functions.

Where each family keeps its answer (the Bedrock model parameter pages; ../shared/DOMAIN.md):
Anthropic Messages `content[]` text blocks, `usage.input_tokens/output_tokens` (Claude's
older Text Completions `completion`); Converse and Amazon Nova `output.message.content[]
.text`, `usage.inputTokens/outputTokens`; Titan Text `results[].outputText`,
`inputTextTokenCount`, `results[].tokenCount`; Meta Llama `generation`,
`prompt_token_count`, `generation_token_count`; Mistral text `outputs[].text`; Mistral chat,
AI21 Jamba and OpenAI-style models (gpt-oss...) `choices[].message.content`,
`usage.prompt_tokens/completion_tokens`; DeepSeek R1 `choices[].text`; Cohere Command
`generations[].text`, Command R `text`; AI21 Jurassic `completions[].data.text`.
Embeddings: Titan `embedding`, Cohere `embeddings`, Nova `embeddings[].embedding`.
The stop reason is `results.stop_reason`'s, the one `bjob results` counts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bjob.model.results import stop_reason

AnswerStatus = Literal["ok", "failed", "missing", "pending"]
ANSWER_STATUSES: tuple[AnswerStatus, ...] = ("ok", "failed", "missing", "pending")
CSV_HEADER = (
    "recordId",
    "status",
    "text",
    "stop_reason",
    "input_tokens",
    "output_tokens",
    "error",
    "job",
)
RAW_COLUMN = "modelOutput"

NO_MODEL_OUTPUT: Any = object()  # an answer kept without its modelOutput (no --raw)


# Not frozen: one of each is made per record, and a frozen dataclass's __init__ costs
# several times as much; neither is changed once made.
@dataclass(slots=True)
class Extracted:
    """What bjob read out of one modelOutput."""

    text: str | None
    embedding: Any = None  # the vector (or the family's list of them); None for text
    stop_reason: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None

    @property
    def known(self) -> bool:
        return self.text is not None or self.embedding is not None


@dataclass(slots=True)
class Answer:
    """One input record's answer: its latest attempt."""

    record_id: str | None
    status: AnswerStatus
    job: str | None  # the ARN of the job of its latest attempt
    extracted: Extracted | None = None  # status ok
    error_code: int | str | None = None  # status failed
    error_message: str | None = None
    model_output: Any = NO_MODEL_OUTPUT  # kept only when --raw asks for it

    def to_dict(self, raw: bool = False) -> dict[str, Any]:
        """The documented line (schemas/answer.schema.json): every key always there but
        `embedding` (an embedding's answer) and `modelOutput` (with --raw)."""
        found = self.extracted
        if found is None:
            line: dict[str, Any] = dict.fromkeys(_TEXT_FIELDS)
        else:
            line = answer_fields(found, self.model_output if raw else NO_MODEL_OUTPUT)
        line["error"] = (
            {"code": self.error_code, "message": self.error_message}
            if self.status == "failed"
            else None
        )
        line["job"] = self.job
        return {"recordId": self.record_id, "status": self.status, **line}


_TEXT_FIELDS = ("text", "stop_reason", "input_tokens", "output_tokens")


def answer_fields(found: Extracted, model_output: Any = NO_MODEL_OUTPUT) -> dict[str, Any]:
    """An ok answer's fields, in the line's order: text, stop_reason, tokens, then
    `embedding` (an embedding) and `modelOutput` (--raw) where there is one."""
    fields: dict[str, Any] = {
        "text": found.text,
        "stop_reason": found.stop_reason,
        "input_tokens": found.input_tokens,
        "output_tokens": found.output_tokens,
    }
    if found.embedding is not None:
        fields["embedding"] = found.embedding
    if model_output is not NO_MODEL_OUTPUT:
        fields["modelOutput"] = model_output
    return fields


@dataclass(frozen=True)
class AnswersWritten:
    """What `bjob answers` wrote: how many lines, by status."""

    lines: int
    statuses: Mapping[AnswerStatus, int]
    warnings: tuple[str, ...]


_UNREAD = object()


def extract(model_output: Any, reason: Any = _UNREAD) -> Extracted:
    """The text or embedding, stop reason and token counts of one modelOutput; text and
    embedding both None for a shape bjob does not know. `reason`: its stop reason, when
    the caller has read it already (results.stop_reason)."""
    if not isinstance(model_output, dict):
        return Extracted(None)
    found = _messages_answer(model_output)
    if found is not None:
        return found
    if reason is _UNREAD:
        reason = stop_reason(model_output)
    tokens_in, tokens_out = _tokens(model_output)
    embedding = _embedding(model_output)
    if embedding is not None:
        return Extracted(None, embedding, reason, tokens_in, tokens_out)
    return Extracted(_text(model_output), None, reason, tokens_in, tokens_out)


def _messages_answer(output: dict[str, Any]) -> Extracted | None:
    """An Anthropic Messages answer (nearly every Claude batch's) read at once: what the
    general path below reads out of it, with a tenth of the calls; None for any other shape
    or anything unusual in this one (the general path reads it then)."""
    content, reason, usage = output.get("content"), output.get("stop_reason"), output.get("usage")
    if (
        type(content) is not list
        or type(reason) is not str
        or type(usage) is not dict
        or "embedding" in output
        or "embeddings" in output
    ):
        return None
    tokens_in, tokens_out = usage.get("input_tokens"), usage.get("output_tokens")
    if type(tokens_in) is not int or type(tokens_out) is not int or tokens_in < 0 or tokens_out < 0:
        return None
    if len(content) == 1:  # one block: its text (_joined's, without the list)
        block = content[0]
        if type(block) is not dict or block.get("type") not in (None, "text"):
            return None
        text = block.get("text")
        if type(text) is not str:
            return None
    else:
        text = _joined(content, _is_text_block)
    return Extracted(text, None, reason, tokens_in, tokens_out)


def _is_text_block(block: dict[str, Any]) -> bool:
    return block.get("type") in (None, "text")


def _text(output: Mapping[str, Any]) -> str | None:
    content = output.get("content")
    if isinstance(content, list):  # Anthropic Messages
        return _joined(content, _is_text_block)
    message = _at(output, "output", "message", "content")
    if isinstance(message, list):  # Converse, Nova
        return _joined(message, lambda block: True)
    for key in ("completion", "generation", "text"):  # Claude Text, Llama, Command R
        if isinstance(output.get(key), str):
            return str(output[key])
    for key, path in (
        ("results", ("outputText",)),  # Titan Text
        ("outputs", ("text",)),  # Mistral text
        ("generations", ("text",)),  # Cohere Command
        ("completions", ("data", "text")),  # AI21 Jurassic
    ):
        items = output.get(key)
        if isinstance(items, list) and items:
            texts = [_at(item, *path) for item in items]
            if all(isinstance(text, str) for text in texts):
                return "".join(texts)
    choices = output.get("choices")
    if isinstance(choices, list) and choices:  # OpenAI-style chat, Mistral chat, DeepSeek
        first = choices[0]
        content = _at(first, "message", "content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return _joined(content, lambda part: part.get("type") in (None, "text"))
        if isinstance(_at(first, "text"), str):
            return str(first["text"])
    return None


def _joined(blocks: list[Any], wanted: Callable[[dict[str, Any]], bool]) -> str | None:
    """The text of the blocks that carry text, joined as the model wrote them; None when
    there is no text block at all (a tool call, an unknown shape)."""
    texts = [
        block["text"]
        for block in blocks
        if isinstance(block, dict) and isinstance(block.get("text"), str) and wanted(block)
    ]
    return "".join(texts) if texts or not blocks else None


def _embedding(output: Mapping[str, Any]) -> Any:
    if isinstance(output.get("embedding"), list):  # Titan
        return output["embedding"]
    embeddings = output.get("embeddings")
    if isinstance(embeddings, dict):  # Cohere with embedding_types: {"float": [[...]]}
        embeddings = embeddings.get("float", next(iter(embeddings.values()), None))
    if isinstance(embeddings, list) and embeddings:
        vectors = [
            item.get("embedding") if isinstance(item, dict) else item for item in embeddings
        ]  # Nova: [{"embeddingType", "embedding"}]; Cohere: [[...]]
        return vectors[0] if len(vectors) == 1 else vectors
    return None


def _tokens(output: Mapping[str, Any]) -> tuple[int | None, int | None]:
    usage = output.get("usage")
    if isinstance(usage, dict):
        for names in (
            ("input_tokens", "output_tokens"),
            ("inputTokens", "outputTokens"),
            ("prompt_tokens", "completion_tokens"),
        ):
            found = _count(usage.get(names[0])), _count(usage.get(names[1]))
            if found != (None, None):
                return found
    if "prompt_token_count" in output or "generation_token_count" in output:  # Llama
        return _count(output.get("prompt_token_count")), _count(
            output.get("generation_token_count")
        )
    if "inputTextTokenCount" in output:  # Titan Text and embeddings
        results = output.get("results")
        counts = (
            [_count(item.get("tokenCount")) for item in results if isinstance(item, dict)]
            if isinstance(results, list)
            else []
        )
        out = sum(c for c in counts if c is not None) if counts and None not in counts else None
        return _count(output.get("inputTextTokenCount")), out
    return None, None


def _count(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _at(value: Any, *path: str) -> Any:
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


class CsvRows:
    """RFC 4180 records: fields with a comma, quote or line break quoted, quotes doubled,
    CRLF at the end of each; gathered until taken. (The csv module reads a long answer a
    character at a time: this is several times faster, and the same bytes.)"""

    def __init__(self) -> None:
        self._rows: list[str] = []
        self.size = 0  # characters added since the last take
        self._fields: dict[str | None, str] = {}  # of values that repeat: jobs, stop reasons

    def add(self, cells: list[Any]) -> None:
        row = ",".join(map(_csv_field, cells)) + "\r\n"
        self._rows.append(row)
        self.size += len(row)

    def add_answer(self, record_id: str | None, found: Extracted, job: str | None) -> None:
        """An ok answer's row with its text (not an embedding), without --raw: add's
        cells for answer_csv_cells of its line, made at once."""
        tokens_in, tokens_out, fields = found.input_tokens, found.output_tokens, self._fields
        reason, job_field = fields.get(found.stop_reason), fields.get(job)
        if reason is None:
            reason = self._field(found.stop_reason)
        if job_field is None:
            job_field = self._field(job)
        row = (
            f"{_csv_field(record_id)},ok,{_csv_field(found.text)},{reason},"
            f"{'' if tokens_in is None else tokens_in},"
            f"{'' if tokens_out is None else tokens_out},,{job_field}\r\n"
        )
        self._rows.append(row)
        self.size += len(row)

    def _field(self, value: str | None) -> str:
        field = _csv_field(value)
        if len(self._fields) < _FIELDS_KEPT:
            self._fields[value] = field
        return field

    def add_header(self, raw: bool) -> None:
        self.add(list(CSV_HEADER) + ([RAW_COLUMN] if raw else []))

    def take(self) -> bytes:
        """The records added since the last take, as UTF-8."""
        data = "".join(self._rows).encode("utf-8")
        self._rows.clear()
        self.size = 0
        return data


_FIELDS_KEPT = 64


def _csv_field(value: Any) -> str:
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if "," in text or '"' in text or "\n" in text or "\r" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def answer_csv_cells(line: Mapping[str, Any], dumps: Callable[[Any], str], raw: bool) -> list[Any]:
    """An answer line's CSV cells: the text (an embedding as its JSON array), the error as
    its JSON object, a missing value as an empty field."""
    text = line["text"]
    if text is None and line.get("embedding") is not None:
        text = dumps(line["embedding"])
    error = line["error"]
    cells = [
        line["recordId"],
        line["status"],
        text,
        line["stop_reason"],
        line["input_tokens"],
        line["output_tokens"],
        dumps(error) if error is not None else None,
        line["job"],
    ]
    if raw:
        cells.append(dumps(line["modelOutput"]) if line.get("modelOutput") is not None else None)
    return ["" if cell is None else cell for cell in cells]
