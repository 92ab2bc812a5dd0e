"""What a finished job produced: its output records tallied line by line, its manifest, and
what they cost. Pure state and functions; reading S3 is the use case's business.

Output lines are `{"recordId", "modelInput", "modelOutput"}`, or `"error": {"errorCode",
"errorMessage"}` in place of modelOutput for a failed record (see ../shared/DOMAIN.md).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bjob.model.exits import BjobError, ExitCode

SAMPLE_RECORD_IDS = 3  # per group of failures

# Where each model family's response says why it stopped, as paths into modelOutput, tried in
# order (Bedrock's model parameter docs): Anthropic Messages and Meta Llama `stop_reason`;
# Converse and Amazon Nova `stopReason`; Titan Text `results[0].completionReason`; Mistral
# `outputs[0].stop_reason` (text) and `choices[0].stop_reason` (chat); Cohere
# `finish_reason` and `generations[0].finish_reason`; AI21 Jamba and OpenAI-style models
# `choices[0].finish_reason`; AI21 Jurassic `completions[0].finishReason.reason`.
STOP_REASON_PATHS: tuple[tuple[str | int, ...], ...] = (
    ("stop_reason",),
    ("stopReason",),
    ("results", 0, "completionReason"),
    ("outputs", 0, "stop_reason"),
    ("choices", 0, "stop_reason"),
    ("choices", 0, "finish_reason"),
    ("finish_reason",),
    ("generations", 0, "finish_reason"),
    ("completions", 0, "finishReason", "reason"),
)
# Stop reasons that mean the answer was cut short by its token limit.
TRUNCATED_REASONS = frozenset({"max_tokens", "length", "LENGTH", "MAX_TOKENS", "max_length"})


@dataclass(frozen=True)
class OutputFile:
    uri: str
    size: int
    records: int | None  # None for what is not a file of records (the manifest)


@dataclass(frozen=True)
class ErrorGroup:
    code: int | str | None
    message: str | None
    count: int
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class Tokens:
    input: int | None
    output: int | None


@dataclass(frozen=True)
class Cost:
    input: float | None
    output: float | None
    total: float | None


@dataclass(frozen=True)
class Prices:
    """USD per million tokens, as the user gives them (bjob ships no price table)."""

    input: float
    output: float

    def cost(self, tokens: Tokens | None) -> Cost | None:
        if tokens is None:
            return None
        spent_in = tokens.input * self.input / 1e6 if tokens.input is not None else None
        spent_out = tokens.output * self.output / 1e6 if tokens.output is not None else None
        known = [value for value in (spent_in, spent_out) if value is not None]
        return Cost(spent_in, spent_out, sum(known) if known else None)


def parse_prices(text: str) -> Prices:
    """ "IN,OUT" in USD per million tokens: "0.125,0.625"."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        prices = Prices(float(parts[0]), float(parts[1]))
    except ValueError:
        raise BjobError(
            f"--prices: expected IN,OUT in USD per million tokens, not {text!r}",
            ExitCode.USAGE,
            hint="e.g. --prices 0.125,0.625 (batch is about half the on-demand price)",
        ) from None
    if not all(0 <= price < float("inf") for price in (prices.input, prices.output)):
        raise BjobError(f"--prices: not prices: {text!r}", ExitCode.USAGE)
    return prices


@dataclass(frozen=True)
class Results:
    """Everything `bjob results` reports about one job's outputs."""

    arn: str | None
    status: str | None
    output_uri: str
    files: tuple[OutputFile, ...]
    succeeded: int
    failed: int
    unreadable: int
    missing: int | None  # None when not computed (nothing could be missing)
    missing_record_ids: tuple[str, ...]
    failed_record_ids: tuple[str, ...]
    errors: tuple[ErrorGroup, ...]
    stop_reasons: Mapping[str, int]
    manifest: Mapping[str, Any] | None
    tokens: Tokens | None
    cost: Cost | None
    first_unreadable: str | None  # "file:line" of the first line that was not a record
    warnings: tuple[str, ...] = ()

    @property
    def truncated(self) -> int:
        return sum(
            count for reason, count in self.stop_reasons.items() if reason in TRUNCATED_REASONS
        )


@dataclass(frozen=True)
class Record:
    """One output line, classified."""

    record_id: str | None
    failed: bool
    error_code: int | str | None = None
    error_message: str | None = None
    stop_reason: str | None = None


def classify_line(line: bytes | str, loads: Callable[[bytes | str], Any] = json.loads) -> Record:
    """An output line as a Record; ValueError for a line that is not a record (not a JSON
    object, or neither modelOutput nor error)."""
    document = loads(line)
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    record_id = document.get("recordId")
    record_id = record_id if isinstance(record_id, str) else None
    error = document.get("error")
    if error is not None:
        code = error.get("errorCode") if isinstance(error, dict) else None
        message = error.get("errorMessage") if isinstance(error, dict) else str(error)
        return Record(
            record_id,
            failed=True,
            error_code=code
            if isinstance(code, (int, str)) and not isinstance(code, bool)
            else None,
            error_message=message if isinstance(message, str) else None,
        )
    if "modelOutput" not in document:
        raise ValueError("neither modelOutput nor error")
    return Record(record_id, failed=False, stop_reason=stop_reason(document["modelOutput"]))


def stop_reason(model_output: Any) -> str | None:
    """Why the model stopped, in whichever family's shape the output has."""
    for path in STOP_REASON_PATHS:
        value = model_output
        for step in path:
            if isinstance(step, int):
                value = value[step] if isinstance(value, list) and len(value) > step else None
            else:
                value = value.get(step) if isinstance(value, dict) else None
            if value is None:
                break
        if isinstance(value, str):
            return value
    return None


@dataclass
class Tally:
    """Records counted as they are read, from any number of files (not thread-safe: one per
    file, then merged). Keeps only counts, the record ids, and a few samples."""

    succeeded: int = 0
    failed: int = 0
    unreadable: int = 0
    first_unreadable: str | None = None
    record_ids: set[str] = field(default_factory=set)
    failed_ids: list[str] = field(default_factory=list)
    errors: dict[tuple[int | str | None, str | None], list[Any]] = field(default_factory=dict)
    stop_reasons: Counter[str] = field(default_factory=Counter)

    def add(self, record: Record) -> None:
        if record.record_id is not None:
            self.record_ids.add(record.record_id)
        if record.failed:
            self.failed += 1
            if record.record_id is not None:
                self.failed_ids.append(record.record_id)
            group = self.errors.setdefault((record.error_code, record.error_message), [0, []])
            group[0] += 1
            if record.record_id is not None and len(group[1]) < SAMPLE_RECORD_IDS:
                group[1].append(record.record_id)
        else:
            self.succeeded += 1
            if record.stop_reason is not None:
                self.stop_reasons[record.stop_reason] += 1

    def add_unreadable(self, where: str) -> None:
        self.unreadable += 1
        if self.first_unreadable is None:
            self.first_unreadable = where

    def merge(self, other: Tally) -> None:
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.unreadable += other.unreadable
        self.first_unreadable = self.first_unreadable or other.first_unreadable
        self.record_ids |= other.record_ids
        self.failed_ids += other.failed_ids
        for key, (count, samples) in other.errors.items():
            group = self.errors.setdefault(key, [0, []])
            group[0] += count
            group[1] = (group[1] + samples)[:SAMPLE_RECORD_IDS]
        self.stop_reasons.update(other.stop_reasons)

    @property
    def records(self) -> int:
        return self.succeeded + self.failed

    @property
    def lines(self) -> int:
        """Every non-empty line: records, and lines that might have been."""
        return self.records + self.unreadable

    def error_groups(self) -> tuple[ErrorGroup, ...]:
        """Most frequent first; ties by message, so the order is stable."""
        groups = [
            ErrorGroup(code, message, count, tuple(samples))
            for (code, message), (count, samples) in self.errors.items()
        ]
        return tuple(sorted(groups, key=lambda group: (-group.count, str(group.message))))


def manifest_tokens(manifest: Mapping[str, Any] | None) -> Tokens | None:
    """Token counts exist only in manifest.json.out; None without one."""
    if manifest is None:
        return None

    def count(key: str) -> int | None:
        value = manifest.get(key)
        return value if type(value) is int and value >= 0 else None

    return Tokens(count("inputTokenCount"), count("outputTokenCount"))


def missing_in_order(input_ids: Iterable[str], output_ids: set[str]) -> list[str]:
    """Input record ids with no output line, in input order, each once."""
    missing: dict[str, None] = {}
    for record_id in input_ids:
        if record_id not in output_ids:
            missing[record_id] = None
    return list(missing)
