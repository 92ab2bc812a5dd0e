"""What `bjob check` finds in a job's input before it is submitted: each line checked the way
Bedrock reads it, each request body against its model's format, the job against its limits.
Pure state and functions; reading the files is the use case's business."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bjob.model.lines import BOM
from bjob.model.requestformats import (
    FORMATS,
    INFERABLE,
    RequestFormat,
    best_fits,
    body_problems,
    near_fits,
)
from bjob.model.words import counted

Severity = Literal["error", "warning"]
MAX_WHERE = 5  # places named per problem
SAMPLES_FOR_INFERENCE = 100  # request bodies looked at to guess the format
# InvokeModel takes a body of at most 25,000,000 bytes (the API reference); a record's line
# holds that body and a little more.
MAX_BODY_BYTES = 25_000_000


@dataclass(frozen=True)
class Where:
    input: str
    line: int | None
    record_id: str | None
    column: int | None = None
    first: str | None = None  # for a repeat: where the first use is ("file:line")


@dataclass
class Problem:
    severity: Severity
    kind: str
    message: str
    count: int = 0
    where: list[Where] = field(default_factory=list)


@dataclass(frozen=True)
class Limit:
    value: float
    source: str  # "Service Quotas, applied", "Service Quotas, AWS default", "documented default"


@dataclass(frozen=True)
class Limits:
    min_records_per_job: Limit
    records_per_job: Limit
    records_per_input_file: Limit
    input_file_bytes: Limit
    job_bytes: Limit
    note: str | None = None  # why the documented defaults were used, when they were

    def items(self) -> list[tuple[str, Limit]]:
        return [
            ("min_records_per_job", self.min_records_per_job),
            ("records_per_job", self.records_per_job),
            ("records_per_input_file", self.records_per_input_file),
            ("input_file_bytes", self.input_file_bytes),
            ("job_bytes", self.job_bytes),
        ]


GB = 1_000_000_000
DOCUMENTED = "documented default"
DEFAULT_LIMITS = Limits(
    Limit(100, DOCUMENTED),
    Limit(50_000, DOCUMENTED),
    Limit(50_000, DOCUMENTED),
    Limit(1 * GB, DOCUMENTED),
    Limit(5 * GB, DOCUMENTED),
)


@dataclass(frozen=True)
class InputFile:
    uri: str
    records: int
    bytes: int
    readable: bool = True  # False: not JSON lines at all (gzip, zip, UTF-16): not counted


# What a file that is not JSON lines at all starts with.
_NOT_JSONL = (
    (b"\x1f\x8b", "compressed with gzip: Bedrock reads plain JSONL (gunzip it first)"),
    (b"\xff\xfe", "encoded as UTF-16: Bedrock reads UTF-8 (save it as UTF-8)"),
    (b"\xfe\xff", "encoded as UTF-16: Bedrock reads UTF-8 (save it as UTF-8)"),
    (b"PK\x03\x04", "a zip archive: Bedrock reads plain JSONL"),
)
# The keys of an OpenAI batch file's lines, which Bedrock does not read.
_OPENAI_BATCH_KEYS = ("custom_id", "body")


def not_json_reason(raw: bytes, error: ValueError) -> tuple[str, int | None]:
    """Why a line is not JSON, and the column (1-based, in bytes) where it goes wrong."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return f"not UTF-8 (byte 0x{raw[bad.start]:02X})", bad.start + 1
    position = getattr(error, "pos", None)
    if not isinstance(position, int):
        return "not JSON", None
    rest = raw[position : position + 9]
    for token in (b"NaN", b"Infinity", b"-Infinity"):
        if rest.startswith(token):
            return f"{token.decode()} is not JSON: write null or a number", position + 1
    message = getattr(error, "msg", "") or ""
    if "after document" in message:
        return "more after the JSON object (two records on one line?)", position + 1
    return f"not JSON: {message}" if message else "not JSON", position + 1


class CheckTally:
    """Problems grouped by (severity, kind, message), with their count and first places; the
    per-record state is each recordId's first line (for repeats) and, when the format is to
    be inferred, how many records each family fits best."""

    def __init__(self, fmt: RequestFormat | None, infer: bool = False) -> None:
        self.format = fmt
        self._fast = fmt.fast_check if fmt is not None else None
        self._max_body = fmt.max_body_bytes if fmt is not None else None
        self.infer = infer
        self.problems: dict[tuple[str, str, str], Problem] = {}
        self.record_ids: dict[str, int] = {}  # id -> first line
        # Bodies by their keys: how many, and one of them (what the families are told by).
        self.shapes: Counter[tuple[str, ...]] = Counter()
        self.examples: dict[tuple[str, ...], Mapping[str, Any]] = {}
        self.stopped = False  # the file is not JSON lines at all: the rest is not read

    def note(
        self,
        severity: Severity,
        kind: str,
        message: str,
        input_uri: str,
        line: int | None,
        record_id: str | None = None,
        column: int | None = None,
        first: str | None = None,
    ) -> None:
        problem = self.problems.get((severity, kind, message))
        if problem is None:
            problem = self.problems[(severity, kind, message)] = Problem(severity, kind, message)
        problem.count += 1
        if len(problem.where) < MAX_WHERE:
            problem.where.append(Where(input_uri, line, record_id, column, first))

    def line(self, raw: bytes, input_uri: str, number: int, loads: Callable[[bytes], Any]) -> bool:
        """Check one line; True when it is a record (counted toward the job)."""
        if number == 1:
            raw = self._first_line(raw, input_uri)
            if self.stopped:
                return False
        if not raw or raw.isspace():  # (a line of spaces is short: isspace stops at once)
            self.note("warning", "empty-line", "an empty line", input_uri, number)
            return False
        if len(raw) > MAX_BODY_BYTES:
            self.note(
                "error",
                "line-too-large",
                f"a line of more than {MAX_BODY_BYTES:,} bytes: larger than a request body may be",
                input_uri,
                number,
            )
            return True
        try:
            document = loads(raw)
        except (ValueError, RecursionError) as error:
            if isinstance(error, RecursionError):
                reason, column = "nested deeper than a JSON parser goes", None
            else:
                reason, column = not_json_reason(raw, error)
            self.note("error", "not-json", reason, input_uri, number, column=column)
            return True
        if not isinstance(document, dict):
            self.note("error", "not-json", "not a JSON object", input_uri, number)
            return True
        record_id = document.get("recordId")
        named = record_id if type(record_id) is str else None
        if named is not None:
            first = self.record_ids.setdefault(named, number)
            if first != number:
                self._repeated(named, input_uri, number, first)
        elif record_id is not None:
            self.note("warning", "record-id", "recordId is not a string", input_uri, number)
        body = document.get("modelInput")
        if body is None:
            if all(key in document for key in _OPENAI_BATCH_KEYS):
                self.note(
                    "error",
                    "openai-batch",
                    'an OpenAI batch line: Bedrock reads {"recordId", "modelInput"} '
                    "(custom_id -> recordId, body -> modelInput; method and url go)",
                    input_uri,
                    number,
                    named,
                )
            else:
                self.note("error", "model-input", "no modelInput", input_uri, number, named)
        elif not isinstance(body, dict):
            self.note(
                "error", "model-input", "modelInput is not a JSON object", input_uri, number, named
            )
        else:
            if self.infer:
                self.count_fits(body)
            # The compiled fast check first: the full walk only for a body with a problem.
            if self._fast is not None and not self._fast(body):
                for severity, kind, message in body_problems(body, self.format):  # type: ignore[arg-type]
                    self.note(severity, kind, message, input_uri, number, named)
            # A line no longer than the limit holds a body no longer than it: measured only
            # past it.
            if self._max_body is not None and len(raw) > self._max_body:
                self._body_size(body, input_uri, number, named)
        return True

    def _body_size(
        self, body: Mapping[str, Any], input_uri: str, number: int, named: str | None
    ) -> None:
        """The body as sent (compact JSON, UTF-8) against the model's payload limit."""
        size = len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode())
        fmt = self.format
        if fmt is not None and fmt.max_body_bytes is not None and size > fmt.max_body_bytes:
            self.note(
                "error",
                "body-too-large",
                f"modelInput is {size:,} bytes: {fmt.title} takes at most "
                f"{fmt.max_body_bytes:,} ({fmt.max_body_source})",
                input_uri,
                number,
                named,
            )

    def _first_line(self, raw: bytes, input_uri: str) -> bytes:
        for magic, why in _NOT_JSONL:
            if raw.startswith(magic):
                self.note("error", "not-jsonl", f"the file is {why}", input_uri, None)
                self.stopped = True
                return raw
        if raw.startswith(BOM):
            self.note(
                "warning",
                "byte-order-mark",
                "the file starts with a byte-order mark: save it as UTF-8 without one",
                input_uri,
                1,
            )
            return raw[len(BOM) :]
        return raw

    def _repeated(self, record_id: str, input_uri: str, number: int, first: int) -> None:
        self.note(
            "warning",
            "duplicate-record-id",
            "a recordId used before in the file: the outputs of these records cannot be "
            "told apart by recordId",
            input_uri,
            number,
            record_id,
            first=f"{input_uri}:{first}",
        )

    def count_fits(self, body: Mapping[str, Any]) -> None:
        """Count the body's shape (its keys): which families it fits is worked out once per
        shape, at the end (fits)."""
        shape = tuple(body)
        count = self.shapes.get(shape)
        if count is None:
            self.examples[shape] = body
            self.shapes[shape] = 1
        else:
            self.shapes[shape] = count + 1

    def fits(self) -> tuple[Counter[str], Counter[str]]:
        """(family -> records it fits best, family -> records it fits but for one key)."""
        best: Counter[str] = Counter()
        near: Counter[str] = Counter()
        for shape, count in self.shapes.items():
            body = self.examples[shape]
            for name in best_fits(body, INFERABLE):
                best[name] += count
            for name in near_fits(body, INFERABLE):
                near[name] += count
        return best, near

    def merge(self, other: CheckTally) -> None:
        """Another file's problems and fits counted in (their first places after these); its
        record ids are not: a repeat across files is found by cross_file_repeats."""
        for key, problem in other.problems.items():
            into = self.problems.setdefault(
                key, Problem(problem.severity, problem.kind, problem.message)
            )
            into.count += problem.count
            into.where = (into.where + problem.where)[:MAX_WHERE]
        self.shapes.update(other.shapes)
        for shape, body in other.examples.items():
            self.examples.setdefault(shape, body)


@dataclass(frozen=True)
class FormatChoice:
    """The family a file's bodies follow, as far as they tell: one, or several it could be."""

    format: RequestFormat | None
    candidates: tuple[str, ...] = ()  # when it cannot be told: what it could be


def choose_format(tally: CheckTally) -> FormatChoice:
    """The family most records fit best; when several tie, none (Nova's InvokeModel body
    and Converse's check alike: Converse stands for both)."""
    fits, near = tally.fits()
    if not fits:
        return FormatChoice(None)
    top = max(fits.values())
    leaders = [name for name, count in fits.items() if count == top]
    if len(leaders) == 1:
        return FormatChoice(FORMATS[leaders[0]])
    if set(leaders) == {"amazon-nova", "converse"}:
        return FormatChoice(FORMATS["converse"])
    could = [
        *leaders,
        *(name for name, count in near.items() if count >= top and name not in leaders),
    ]
    return FormatChoice(None, tuple(sorted(could)))


def limit_problems(inputs: Sequence[InputFile], limits: Limits) -> list[Problem]:
    """The job as a whole against the limits, each naming where its number comes from."""
    problems = []
    records = sum(item.records for item in inputs)
    total_bytes = sum(item.bytes for item in inputs)
    job = Where("(the job)", None, None)

    def over(kind: str, text: str, limit: Limit, where: Where) -> None:
        problems.append(Problem("error", kind, f"{text} ({limit.source})", 1, [where]))

    low, high = limits.min_records_per_job, limits.records_per_job
    # A file that is not JSON lines at all has its one error: its records are not known, so
    # the job's count says nothing.
    if records < low.value and all(item.readable for item in inputs):
        over(
            "too-few-records",
            f"{counted(records, 'record')}: a job needs at least {low.value:,.0f}",
            low,
            job,
        )
    if records > high.value:
        over(
            "too-many-records",
            f"{counted(records, 'record')}: a job takes at most {high.value:,.0f}",
            high,
            job,
        )
    if total_bytes > limits.job_bytes.value:
        over(
            "job-too-large",
            f"{total_bytes:,} bytes: a job takes at most {limits.job_bytes.value:,.0f}",
            limits.job_bytes,
            job,
        )
    for item in inputs:
        here = Where(item.uri, None, None)
        per_file = limits.records_per_input_file
        if item.records > per_file.value:
            over(
                "file-too-many-records",
                f"{counted(item.records, 'record')} in one file: at most {per_file.value:,.0f}",
                per_file,
                here,
            )
        if item.bytes > limits.input_file_bytes.value:
            over(
                "file-too-large",
                f"{item.bytes:,} bytes in one file: at most {limits.input_file_bytes.value:,.0f}",
                limits.input_file_bytes,
                here,
            )
    return problems


def cross_file_repeats(id_maps: Iterable[tuple[str, Mapping[str, int]]]) -> list[Problem]:
    """Record ids that appear in more than one input file: each repeat, with its first use.
    Bedrock keeps each file's records apart (its own <file>.out), so this is a warning."""
    first: dict[str, str] = {}
    problem = Problem(
        "warning",
        "duplicate-record-id",
        "a recordId used in another input file: Bedrock keeps each file apart, but a join on "
        "recordId alone mixes them",
    )
    for uri, ids in id_maps:
        for record_id, line in ids.items():
            place = f"{uri}:{line}"
            earlier = first.setdefault(record_id, place)
            if earlier != place and not earlier.startswith(f"{uri}:"):
                problem.count += 1
                if len(problem.where) < MAX_WHERE:
                    problem.where.append(Where(uri, line, record_id, first=earlier))
    return [problem] if problem.count else []


def in_order(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Errors first, then the most frequent."""
    return tuple(sorted(problems, key=lambda p: (p.severity != "error", -p.count, p.kind)))


@dataclass(frozen=True)
class CheckReport:
    inputs: tuple[InputFile, ...]
    format: RequestFormat | None
    format_assumed: bool  # inferred from the records rather than given by --model/--type
    model_id: str | None  # the base model id --model resolved to
    limits: Limits
    problems: tuple[Problem, ...]
    model_name: str | None = None
    candidates: tuple[str, ...] = ()  # formats the bodies could be, when it cannot be told
    notes: tuple[str, ...] = ()  # what was not checked, and why (never a problem)
    skipped_files: int = 0  # in folders: files that are not .jsonl, or hidden

    @property
    def records(self) -> int:
        return sum(item.records for item in self.inputs)

    def count(self, severity: Severity) -> int:
        return sum(problem.count for problem in self.problems if problem.severity == severity)

    def ok(self, strict: bool) -> bool:
        return not self.count("error") and not (strict and self.count("warning"))


# The quota kinds (model/quotas.py) each limit comes from, and the scale to bytes.
_QUOTA_FOR_LIMIT = {
    "min_records_per_job": ("min_records_per_job", 1),
    "records_per_job": ("records_per_job", 1),
    "records_per_input_file": ("records_per_input_file", 1),
    "input_file_bytes": ("input_file_gb", GB),
    "job_bytes": ("job_size_gb", GB),
}


def limits_from_quotas(quotas: Mapping[str, tuple[float, bool]], note: str | None = None) -> Limits:
    """Limits from a model's quotas (kind -> (value, applied)); the documented defaults where
    a quota is missing. Each limit says where it comes from."""
    chosen: dict[str, Limit] = {}
    for name, default in DEFAULT_LIMITS.items():
        kind, scale = _QUOTA_FOR_LIMIT[name]
        found = quotas.get(kind)
        if found is None:
            chosen[name] = default
        else:
            value, applied = found
            where = "Service Quotas, applied" if applied else "Service Quotas, AWS default"
            chosen[name] = Limit(value * scale, where)
    return Limits(**chosen, note=note)
