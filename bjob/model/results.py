"""What a finished job produced: its output records tallied line by line, its manifest, and
what they cost. Pure state and functions; reading S3 is the use case's business.

Output lines are `{"recordId", "modelInput", "modelOutput"}`, or `"error": {"errorCode",
"errorMessage"}` in place of modelOutput for a failed record (see ../shared/DOMAIN.md).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bjob.model.prices import BatchPrices, dollars
from bjob.support.exits import BjobError, ExitCode

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
# Stop reasons that mean the answer was cut off, and where each comes from (the Bedrock user
# guide's inference-parameters page for the family, and the Converse API reference).
# fmt: off
CUT_OFF_REASONS: dict[str, str] = {
    "max_tokens":                    "Anthropic Messages, Amazon Nova, Converse",
    "model_context_window_exceeded": "Anthropic Messages (context window full), Converse",
    "length":                        "Meta Llama, Mistral, AI21 Jamba, OpenAI-style chat",
    "LENGTH":                        "Amazon Titan Text (completionReason)",
    "MAX_TOKENS":                    "Cohere Command and Command R (finish_reason)",
    "max_length":                    "AI21 Jurassic (finishReason)",
}
# fmt: on
TRUNCATED_REASONS = frozenset(CUT_OFF_REASONS)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class OutputFile:
    uri: str
    size: int
    records: int | None  # None for what is not a file of records (the manifest)


@dataclass(frozen=True)
class ErrorGroup:
    """Failures with one error code and one message, numbers aside: "Input is too long:
    2048 tokens" and "...: 3100 tokens" are one group; `message` is a verbatim sample."""

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
    prices: BatchPrices | None = None  # what the figures were computed at, and from where


@dataclass(frozen=True)
class Prices:
    """USD per million tokens, as the user gives them (--prices)."""

    input: float
    output: float


def cost_at(tokens: Tokens, prices: BatchPrices) -> Cost:
    """What the tokens cost at the prices (USD per million); a figure that would not be a
    finite number is unknown."""
    spent_in = dollars(tokens.input, prices.input.per_million)
    spent_out = dollars(tokens.output, prices.output.per_million)
    known = [value for value in (spent_in, spent_out) if value is not None]
    total = round(sum(known), 9) if known else None
    overflowed = (tokens.input is not None and spent_in is None) or (
        tokens.output is not None and spent_out is None
    )
    finite = total is not None and total < float("inf") and not overflowed
    return Cost(spent_in, spent_out, total if finite else None, prices)


def summed_costs(costs: Sequence[Cost | None]) -> Cost | None:
    """A run's cost, its jobs' added up: a figure one job lacks is unknown for the run (never
    a sum that leaves a job out); the prices are kept when every job had the same."""
    if not costs or any(cost is None for cost in costs):
        return None
    known = [cost for cost in costs if cost is not None]

    def added(values: list[float | None]) -> float | None:
        if any(value is None for value in values):
            return None
        total = round(sum(value for value in values if value is not None), 9)
        return total if total < float("inf") else None

    prices = {cost.prices for cost in known}
    return Cost(
        added([cost.input for cost in known]),
        added([cost.output for cost in known]),
        added([cost.total for cost in known]),
        prices.pop() if len(prices) == 1 else None,
    )


def parse_prices(text: str) -> Prices:
    """ "IN,OUT" in USD per million tokens: "0.125,0.625"; finite and not negative."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        values = [float(part) for part in parts]
    except ValueError:
        raise BjobError(
            f"--prices: expected IN,OUT in USD per million tokens, not {text!r}",
            ExitCode.USAGE,
            hint="e.g. --prices 0.125,0.625 (batch is about half the on-demand price)",
        ) from None
    if not all(0 <= value < float("inf") for value in values):  # NaN fails this too
        raise BjobError(
            f"--prices: prices are finite numbers, 0 or more, not {text!r}", ExitCode.USAGE
        )
    return Prices(values[0] + 0.0, values[1] + 0.0)


@dataclass(frozen=True)
class InputSummary:
    """What reading the job's input found (when it was read)."""

    uri: str
    files: int
    records: int  # lines that are records, readable or not
    unreadable: int  # lines that are not a JSON object
    without_record_id: int
    repeated_record_ids: int  # lines whose recordId an earlier line of the file has


@dataclass(frozen=True)
class RunRef:
    """The run results are about: its name, and its jobs' ARNs (parts, then retries)."""

    name: str
    jobs: tuple[str, ...]


@dataclass(frozen=True)
class Results:
    """Everything `bjob results` reports about one job's outputs: one computation, shown
    for people, in JSON and as the retry file."""

    arn: str | None
    status: str | None
    output_uri: str
    files: tuple[OutputFile, ...]
    succeeded: int
    failed: int
    unreadable: int
    # Input records with no readable output line; None when that cannot be known (the job
    # is still running, the input is gone, or its records have no recordId).
    missing: int | None
    missing_record_ids: tuple[str, ...]
    # Failed records that can be submitted again: from their input line, or their output
    # line's modelInput when the input lacks them; None while the job (or a job of the run)
    # has not ended: a retry file is refused then.
    to_submit_again: int | None
    errors: tuple[ErrorGroup, ...]
    stop_reasons: Mapping[str, int]
    manifest: Mapping[str, Any] | None
    tokens: Tokens | None
    cost: Cost | None
    first_unreadable: str | None  # "file:line" of the first line that was not a record
    input: InputSummary | None = None
    warnings: tuple[str, ...] = ()
    run: RunRef | None = None  # the results of a run (every record by its latest attempt)

    @property
    def truncated(self) -> int:
        return sum(
            count for reason, count in self.stop_reasons.items() if reason in TRUNCATED_REASONS
        )


@dataclass(frozen=True)
class RetryWritten:
    path: Path | None  # None: standard output
    records: int
    replaced: bool  # an existing file was replaced


@dataclass(frozen=True)
class Downloaded:
    folder: Path
    copied: int
    same: int  # already there with the same content
    skipped: int  # keys that cannot be placed under the folder
    bytes: int
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """One output line, classified."""

    record_id: str | None
    failed: bool
    error_code: int | str | None = None
    error_message: str | None = None
    stop_reason: str | None = None
    has_model_input: bool = True
    usage: Tokens | None = None  # what the answer says it used, where its family says so


def classify_line(line: bytes | str, loads: Callable[[Any], Any] = json.loads) -> Record:
    """An output line as a Record; ValueError for a line that is not a record (not a JSON
    object, or neither modelOutput nor error)."""
    return classify_document(loads(line))


def classify_document(document: Any) -> Record:
    """A parsed output line as a Record (classify_line's)."""
    if not isinstance(document, dict):
        raise ValueError("not a JSON object")
    record_id = document.get("recordId")
    record_id = record_id if isinstance(record_id, str) else None
    error = document.get("error")
    if error is not None:
        code = error.get("errorCode") if isinstance(error, dict) else None
        code = code if isinstance(code, int | str) and not isinstance(code, bool) else None
        message = error.get("errorMessage") if isinstance(error, dict) else str(error)
        return Record(
            record_id,
            failed=True,
            error_code=code,
            error_message=message if isinstance(message, str) else None,
            has_model_input=isinstance(document.get("modelInput"), dict),
        )
    if "modelOutput" not in document:
        raise ValueError("neither modelOutput nor error")
    output = document["modelOutput"]
    return Record(record_id, failed=False, stop_reason=stop_reason(output), usage=usage(output))


# Where each family's answer says how many tokens it read and wrote (DOMAIN.md, "What a
# model's answer looks like"): Anthropic, Converse and Nova, OpenAI-style, Llama, Titan.
USAGE_PATHS: tuple[tuple[tuple[str | int, ...], tuple[str | int, ...]], ...] = (
    (("usage", "input_tokens"), ("usage", "output_tokens")),
    (("usage", "inputTokens"), ("usage", "outputTokens")),
    (("usage", "prompt_tokens"), ("usage", "completion_tokens")),
    (("prompt_token_count",), ("generation_token_count",)),
    (("inputTextTokenCount",), ("results", 0, "tokenCount")),
)


def _at(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, dict) else None
    return value


def usage(model_output: Any) -> Tokens | None:
    """The answer's input and output tokens, in whichever family's shape it has."""
    for input_path, output_path in USAGE_PATHS:
        read, written = _at(model_output, input_path), _at(model_output, output_path)
        if type(read) is int and type(written) is int and read >= 0 and written >= 0:
            return Tokens(read, written)
    return None


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


def message_pattern(message: str | None) -> str | None:
    """A failure message with its numbers as #: what groups failures."""
    return _NUMBER.sub("#", message) if message is not None else None


@dataclass
class _ErrorTally:
    sample: str | None
    count: int = 0
    record_ids: list[str] = field(default_factory=list)


@dataclass
class Tally:
    """Records counted as they are read, from any number of files (not thread-safe: one per
    file, then merged in file order). Keeps only counts and a few samples."""

    succeeded: int = 0
    failed: int = 0
    unreadable: int = 0
    first_unreadable: str | None = None
    errors: dict[tuple[int | str | None, str | None], _ErrorTally] = field(default_factory=dict)
    stop_reasons: Counter[str] = field(default_factory=Counter)
    # The answers' own token counts (the cost where there is no manifest).
    usage_input: int = 0
    usage_output: int = 0
    without_usage: int = 0  # answers that do not say

    def add(self, record: Record) -> None:
        if record.failed:
            self.failed += 1
            key = (record.error_code, message_pattern(record.error_message))
            group = self.errors.setdefault(key, _ErrorTally(record.error_message))
            group.count += 1
            if record.record_id is not None and len(group.record_ids) < SAMPLE_RECORD_IDS:
                group.record_ids.append(record.record_id)
        else:
            self.succeeded += 1
            if record.stop_reason is not None:
                self.stop_reasons[record.stop_reason] += 1
            if record.usage is None:
                self.without_usage += 1
            else:
                self.usage_input += record.usage.input or 0
                self.usage_output += record.usage.output or 0

    def add_unreadable(self, where: str) -> None:
        self.unreadable += 1
        if self.first_unreadable is None:
            self.first_unreadable = where

    def merge(self, other: Tally) -> None:
        self.succeeded += other.succeeded
        self.failed += other.failed
        self.unreadable += other.unreadable
        self.first_unreadable = self.first_unreadable or other.first_unreadable
        for key, theirs in other.errors.items():
            group = self.errors.setdefault(key, _ErrorTally(theirs.sample))
            group.count += theirs.count
            group.record_ids = (group.record_ids + theirs.record_ids)[:SAMPLE_RECORD_IDS]
        self.stop_reasons.update(other.stop_reasons)
        self.usage_input += other.usage_input
        self.usage_output += other.usage_output
        self.without_usage += other.without_usage

    def usage_tokens(self, warnings: list[str]) -> Tokens | None:
        """The tokens the answers say they used, when every answer says (else a warning):
        the count where the job left no manifest."""
        if not self.succeeded:
            return None
        if self.without_usage:
            warnings.append(
                f"{self.without_usage:,} of {self.succeeded:,} answers do not say their token "
                "usage and there is no manifest: the tokens and cost are not known"
            )
            return None
        return Tokens(self.usage_input, self.usage_output)

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
            ErrorGroup(code, group.sample, group.count, tuple(group.record_ids))
            for (code, _), group in self.errors.items()
        ]
        return tuple(sorted(groups, key=lambda group: (-group.count, str(group.message))))


@dataclass
class FileOutcomes:
    """Which records one output file answers, by recordId: what the input is joined with."""

    succeeded: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    # Failed lines with no modelInput object, by recordId (None: lines without one).
    failed_without_input: Counter[str | None] = field(default_factory=Counter)
    failed_without_id: int = 0

    def add(self, record: Record) -> None:
        if record.failed and not record.has_model_input:
            self.failed_without_input[record.record_id] += 1
        if record.record_id is None:
            self.failed_without_id += record.failed
        elif record.failed:
            self.failed[record.record_id] += 1
        else:
            self.succeeded[record.record_id] += 1

    def unretryable(self, failed_left: Mapping[str, int]) -> int:
        """Failed lines no input line matched (`failed_left`, by recordId, and those without
        one) that carry no modelInput either: they cannot be submitted again. Lines with a
        modelInput are preferred for a recordId the input lacks."""
        lacking = self.failed_without_input[None]  # no recordId: never matched
        for record_id, left in failed_left.items():
            with_input = self.failed[record_id] - self.failed_without_input[record_id]
            lacking += max(0, left - with_input)
        return lacking


def tally_lines(
    lines: Iterable[bytes],
    name: str,
    loads: Callable[[bytes], Any],
    on_failed_line: Callable[[bytes], None] | None = None,
) -> tuple[Tally, FileOutcomes]:
    """Every line of one output file, counted; `name` says where in messages."""
    tally, outcomes = Tally(), FileOutcomes()
    for number, line in enumerate(lines, start=1):
        if not line or line.isspace():
            continue
        try:
            record = classify_line(line, loads)
        except (ValueError, RecursionError):  # orjson's JSONDecodeError is a ValueError too
            tally.add_unreadable(f"{name}:{number}")
            continue
        tally.add(record)
        outcomes.add(record)
        if record.failed and on_failed_line is not None:
            on_failed_line(line)
    return tally, outcomes


def manifest_tokens(manifest: Mapping[str, Any] | None, warnings: list[str]) -> Tokens | None:
    """Token counts exist only in manifest.json.out; None without one. A count that is not a
    whole number, 0 or more, is unknown (and said so)."""
    if manifest is None:
        return None

    def count(key: str) -> int | None:
        value = manifest.get(key)
        if value is None:
            return None
        if type(value) is int and value >= 0:
            return value
        warnings.append(f"the manifest's {key} is not a count ({value!r}): taken as unknown")
        return None

    return Tokens(count("inputTokenCount"), count("outputTokenCount"))
