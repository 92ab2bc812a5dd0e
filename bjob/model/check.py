"""What `bjob check` finds in a job's input before it is submitted: each line checked the way
Bedrock reads it, each request body against its model's format, the job against its limits.
Pure state and functions; reading the files is the use case's business."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bjob.model.requestformats import RequestFormat, body_problems

Severity = Literal["error", "warning"]
MAX_WHERE = 5  # places named per problem
SAMPLES_FOR_INFERENCE = 100  # request bodies looked at to guess the format
# InvokeModel takes a body of at most 25,000,000 bytes (the API reference); a record's line
# holds that body and a little more.
MAX_BODY_BYTES = 25_000_000
BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Where:
    input: str
    line: int | None
    record_id: str | None


@dataclass
class Problem:
    severity: Severity
    kind: str
    message: str
    count: int = 0
    where: list[Where] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    min_records_per_job: float
    records_per_job: float
    records_per_input_file: float
    input_file_bytes: float
    job_bytes: float
    source: str  # "service-quotas", or "defaults" and why


GB = 1_000_000_000
DEFAULT_LIMITS = Limits(100, 50_000, 50_000, 1 * GB, 5 * GB, "defaults")


@dataclass(frozen=True)
class InputFile:
    uri: str
    records: int
    bytes: int


class CheckTally:
    """Problems grouped by (severity, kind, message), with their count and first places; the
    only per-record state is the set of record ids (for repeats)."""

    def __init__(self, fmt: RequestFormat | None) -> None:
        self.format = fmt
        self.problems: dict[tuple[str, str, str], Problem] = {}
        self.record_ids: set[str] = set()

    def note(
        self,
        severity: Severity,
        kind: str,
        message: str,
        input_uri: str,
        line: int | None,
        record_id: str | None = None,
    ) -> None:
        problem = self.problems.get((severity, kind, message))
        if problem is None:
            problem = self.problems[(severity, kind, message)] = Problem(severity, kind, message)
        problem.count += 1
        if len(problem.where) < MAX_WHERE:
            problem.where.append(Where(input_uri, line, record_id))

    def line(self, raw: bytes, input_uri: str, number: int, loads: Callable[[bytes], Any]) -> bool:
        """Check one line; True when it is a record (counted toward the job)."""
        if number == 1 and raw.startswith(BOM):
            self.note(
                "warning",
                "byte-order-mark",
                "the file starts with a byte-order mark: save it as UTF-8 without one",
                input_uri,
                number,
            )
            raw = raw[len(BOM) :]
        if not raw or raw.isspace():
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
        except ValueError:
            self.note("error", "not-json", "not JSON", input_uri, number)
            return True
        if not isinstance(document, dict):
            self.note("error", "not-json", "not a JSON object", input_uri, number)
            return True
        record_id = document.get("recordId")
        named = record_id if isinstance(record_id, str) else None
        if record_id is not None:
            if named is None:
                self.note("warning", "record-id", "recordId is not a string", input_uri, number)
            elif record_id in self.record_ids:
                self.note(
                    "error",
                    "duplicate-record-id",
                    "a recordId used before: outputs cannot be joined back to inputs",
                    input_uri,
                    number,
                    named,
                )
            else:
                self.record_ids.add(record_id)
        body = document.get("modelInput")
        if body is None:
            self.note("error", "model-input", "no modelInput", input_uri, number, named)
        elif not isinstance(body, dict):
            self.note(
                "error", "model-input", "modelInput is not a JSON object", input_uri, number, named
            )
        elif self.format is not None:
            for severity, kind, message in body_problems(body, self.format):
                self.note(severity, kind, message, input_uri, number, named)
        return True

    def merge(self, other: CheckTally) -> None:
        """Another file's problems counted in (their first places after these); its record
        ids are not: a repeat across files is found by cross_file_repeats."""
        for key, problem in other.problems.items():
            into = self.problems.setdefault(
                key, Problem(problem.severity, problem.kind, problem.message)
            )
            into.count += problem.count
            into.where = (into.where + problem.where)[:MAX_WHERE]


def limit_problems(inputs: Sequence[InputFile], limits: Limits) -> list[Problem]:
    """The job as a whole against the limits."""
    problems = []
    records = sum(item.records for item in inputs)
    total_bytes = sum(item.bytes for item in inputs)
    job = Where("(the job)", None, None)
    if records < limits.min_records_per_job:
        problems.append(
            Problem(
                "error",
                "too-few-records",
                f"{records:,} records: a job needs at least {limits.min_records_per_job:,.0f}",
                1,
                [job],
            )
        )
    if records > limits.records_per_job:
        problems.append(
            Problem(
                "error",
                "too-many-records",
                f"{records:,} records: a job takes at most {limits.records_per_job:,.0f}",
                1,
                [job],
            )
        )
    if total_bytes > limits.job_bytes:
        problems.append(
            Problem(
                "error",
                "job-too-large",
                f"{total_bytes:,} bytes: a job takes at most {limits.job_bytes:,.0f}",
                1,
                [job],
            )
        )
    for item in inputs:
        here = Where(item.uri, None, None)
        if item.records > limits.records_per_input_file:
            problems.append(
                Problem(
                    "error",
                    "file-too-many-records",
                    f"{item.records:,} records "
                    f"in one file: at most {limits.records_per_input_file:,.0f}",
                    1,
                    [here],
                )
            )
        if item.bytes > limits.input_file_bytes:
            problems.append(
                Problem(
                    "error",
                    "file-too-large",
                    f"{item.bytes:,} bytes in one file: at most {limits.input_file_bytes:,.0f}",
                    1,
                    [here],
                )
            )
    return problems


def cross_file_repeats(id_sets: Iterable[tuple[str, set[str]]]) -> list[Problem]:
    """Record ids that appear in more than one input file: where each repeat is, by file."""
    seen: set[str] = set()
    problem = Problem(
        "error",
        "duplicate-record-id",
        "a recordId used in another input file: outputs cannot be joined back",
    )
    for uri, ids in id_sets:
        for record_id in sorted(ids & seen):
            problem.count += 1
            if len(problem.where) < MAX_WHERE:
                problem.where.append(Where(uri, None, record_id))
        seen |= ids
    return [problem] if problem.count else []


def in_order(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """Errors first, then the most frequent."""
    return tuple(sorted(problems, key=lambda p: (p.severity != "error", -p.count, p.kind)))


@dataclass(frozen=True)
class CheckReport:
    inputs: tuple[InputFile, ...]
    format: RequestFormat | None
    format_assumed: bool  # inferred from the records rather than given by --model/--type
    model_id: str | None
    limits: Limits
    problems: tuple[Problem, ...]

    @property
    def records(self) -> int:
        return sum(item.records for item in self.inputs)

    def count(self, severity: Severity) -> int:
        return sum(problem.count for problem in self.problems if problem.severity == severity)

    def ok(self, strict: bool) -> bool:
        return not self.count("error") and not (strict and self.count("warning"))


def limits_from_quotas(values: Mapping[str, float]) -> Limits:
    """Limits from a model's quotas; the documented defaults where a quota is missing."""

    def pick(kind: str, default: float, scale: float = 1) -> float:
        value = values.get(kind)
        return value * scale if value is not None else default

    base = DEFAULT_LIMITS
    return Limits(
        pick("min_records_per_job", base.min_records_per_job),
        pick("records_per_job", base.records_per_job),
        pick("records_per_input_file", base.records_per_input_file),
        pick("input_file_gb", base.input_file_bytes, GB),
        pick("job_size_gb", base.job_bytes, GB),
        "service-quotas",
    )
