"""A job's input joined to its outputs file by file (model/join.py): which records are
missing, which failed ones can be submitted again, the lines to submit again written to a
sink as they are found, and a warning for each way the input and outputs disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from bjob.aws.s3 import S3Object
from bjob.model.job import Job
from bjob.model.join import PLACES_NAMED, InputKey, Join, input_key, retry_line_from_output
from bjob.model.locations import S3Location, input_location
from bjob.model.results import FileOutcomes, InputSummary
from bjob.model.words import counted, plural
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.results.jobfiles import JobS3, numbered_lines, output_file_name, read_again


class RetrySink(Protocol):
    """Where the lines to submit again go: a file being written, or standard output."""

    def write(self, data: bytes) -> None: ...

    def rewind(self) -> bool:
        """Start again from nothing; False when what was written cannot be taken back."""
        ...


@dataclass(frozen=True)
class InputFiles:
    """The job's input files, when they are to be read; the record ids read from them."""

    read: bool  # the missing records are to be known (a job that ended, not --failed)
    # The job's own counts say every record it had has a readable output line: none is
    # missing, whatever the input holds now (it is read only for the failed records' lines).
    answered: bool = False
    files: list[S3Location] | None = None  # None: the input cannot be read
    unread: str | None = None  # why not
    keys: list[list[tuple[int, InputKey]]] | None = None  # per file: (line, key)


@dataclass(frozen=True)
class Reconciliation:
    """What the join found: the records missing (None: cannot be told), their ids, the failed
    records that cannot be submitted again, and the input's summary."""

    missing: int | None
    missing_ids: tuple[str, ...] = ()
    unretryable: int = 0
    input: InputSummary | None = None


def reconcile(
    s3: JobS3,
    job: Job,
    outcomes: dict[str, FileOutcomes],
    named_files: Sequence[tuple[S3Object, str]],
    inputs: InputFiles,
    sink: RetrySink | None,
    warnings: list[str],
) -> Reconciliation:
    """Which input records are missing, and (with a retry sink) every line to submit again:
    from the input where it has them, else from the failed output lines."""
    if not inputs.read:
        if sink is not None:  # the CLI refuses earlier; this guards the use case itself
            raise BjobError("the job has not ended", ExitCode.JOB_NOT_FINISHED)
        return Reconciliation(None)

    if inputs.answered and sink is None:
        return Reconciliation(0)  # every record the job had has a readable output line

    def attempt() -> Reconciliation:
        written = WrittenFrom()
        join = _join_input(s3, job, outcomes, inputs, sink, written) if inputs.files else None
        unretryable = _retry_from_outputs(s3, outcomes, named_files, join, sink, written)
        found = _join_findings(job, outcomes, join, inputs, unretryable, warnings)
        shared = written.shared_warning()
        if shared is not None:
            warnings.append(shared)
        return found

    return read_again(attempt, restart=sink.rewind if sink is not None else lambda: True)


def _join_input(
    s3: JobS3,
    job: Job,
    outcomes: dict[str, FileOutcomes],
    inputs: InputFiles,
    sink: RetrySink | None,
    written: WrittenFrom,
) -> Join:
    """Every input line, in input order, joined to its output file: from the ids read
    beside the outputs, or (with a sink) read now, the failed and missing lines written to
    the sink as they are."""
    assert inputs.files is not None
    retried_missing = "missing" if not inputs.answered else None
    where = input_location(job)
    join = Join(outcomes)
    prefix = where.key if not where.key.endswith(".jsonl") else where.key.rsplit("/", 1)[0] + "/"
    for index, location in enumerate(inputs.files):
        name = output_file_name(location.key, prefix, outcomes)
        join.files.append(name)
        if inputs.keys is not None:
            for number, key in inputs.keys[index]:
                join.line(name, f"{location.uri}:{number}", key)
            continue
        for number, line in numbered_lines(s3.input_lines(location)):
            if not line or line.isspace():
                continue
            key = input_key(line, orjson.loads)
            verdict = join.line(name, f"{location.uri}:{number}", key)
            if sink is not None and (verdict == "failed" or verdict == retried_missing):
                sink.write(line + b"\n")
                written.note(key, location.uri)
    return join


class WrittenFrom:
    """The files each recordId of a retry file comes from: records of different input files
    that share a recordId are each written, never merged, and said so."""

    def __init__(self) -> None:
        self.files: dict[str, list[str]] = {}

    def note(self, record_id: object, uri: str) -> None:
        if isinstance(record_id, str):
            files = self.files.setdefault(record_id, [])
            if uri not in files:
                files.append(uri)

    def shared_warning(self) -> str | None:
        shared = [(rid, files) for rid, files in self.files.items() if len(files) > 1]
        if not shared:
            return None
        named = "; ".join(
            f"{rid!r} in {' and '.join(files)}" for rid, files in shared[:PLACES_NAMED]
        )
        more = len(shared) - PLACES_NAMED
        return (
            f"{counted(len(shared), 'recordId')} {plural(len(shared), 'is')} shared by records "
            f"of different input files, each written: {named}"
            + (f" and {more:,} more" if more > 0 else "")
            + "; in one job their answers cannot be told apart (retry keeps a file for each)"
        )


def _retry_from_outputs(
    s3: JobS3,
    outcomes: dict[str, FileOutcomes],
    named_files: Sequence[tuple[S3Object, str]],
    join: Join | None,
    sink: RetrySink | None,
    written: WrittenFrom,
) -> int:
    """Failed records the input does not have (or all of them, without an input), written
    from their output line's modelInput; how many cannot be (no modelInput there either)."""
    unretryable = 0
    for item, name in named_files:
        found = outcomes[name]
        left = join.failed_left(name) if join is not None else +found.failed
        unretryable += found.unretryable(left)
        if sink is None or not (left or found.failed_without_id):
            continue
        without_id = found.failed_without_id
        for raw in s3.lines(item.location, s3.output_owner):
            if b'"error"' not in raw:
                continue
            document = _loads_or_none(raw)
            if not isinstance(document, dict) or document.get("error") is None:
                continue
            record_id = document.get("recordId")
            if isinstance(record_id, str):
                if left[record_id] <= 0:
                    continue
            elif without_id <= 0:
                continue
            line = retry_line_from_output(raw)
            if line is None:
                continue
            sink.write(line + b"\n")
            written.note(record_id, item.location.uri)
            if isinstance(record_id, str):
                left[record_id] -= 1
            else:
                without_id -= 1
    return unretryable


def _loads_or_none(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except (ValueError, RecursionError):
        return None


def _join_findings(
    job: Job,
    outcomes: dict[str, FileOutcomes],
    join: Join | None,
    inputs: InputFiles,
    unretryable: int,
    warnings: list[str],
) -> Reconciliation:
    """What the join found, and a warning for each way the input and outputs disagree."""
    without_id = sum(found.failed_without_id for found in outcomes.values())
    from_outputs = sum(sum(found.failed.values()) for found in outcomes.values()) + without_id
    if join is None:
        if inputs.answered:
            warnings.append(
                f"the input cannot be read ({inputs.unread}): the failed records are "
                "submitted again from their output lines' modelInput"
            )
            return Reconciliation(0, unretryable=unretryable)
        warnings.append(
            f"the input cannot be read ({inputs.unread}): which records are missing is "
            "unknown; the counts come from the outputs alone"
        )
        if from_outputs:
            warnings.append(
                "failed records are submitted again from their output lines' modelInput; "
                "records that were never processed cannot be included without the input"
            )
        return Reconciliation(None, unretryable=unretryable)
    from_outputs -= join.failed_matched
    uri = input_location(job).uri
    summary = InputSummary(
        uri, len(join.files), join.records, join.unreadable, join.without_record_id, join.repeated
    )
    no_output, no_input = join.unpaired()
    if no_output:
        warnings.append(
            f"no output file for {counted(len(no_output), 'input file')} ({', '.join(no_output)}): "
            "their records are missing"
        )
    if no_input:
        warnings.append(
            f"{counted(len(no_input), 'output file')} {plural(len(no_input), 'matches')} no "
            f"input file ({', '.join(no_input)})"
        )
    if join.unreadable:
        places = ", ".join(join.unreadable_places[:PLACES_NAMED])
        more = len(join.unreadable_places) - PLACES_NAMED
        warnings.append(
            f"{counted(join.unreadable, 'input line')} {plural(join.unreadable, 'is')} not a "
            "JSON object and cannot be "
            f"matched: {places}" + (f" and {more:,} more" if more > 0 else "")
        )
    if join.repeated:
        warnings.append(
            f"{counted(join.repeated, 'input line')} {plural(join.repeated, 'repeats')} a "
            "recordId of the same file, each "
            f"matched to its own output line: {', '.join(join.repeated_places)}"
        )
    if job.total_records is not None and join.records != job.total_records:
        warnings.append(
            f"the input holds {counted(join.records, 'record')} and the job had "
            f"{job.total_records:,}: it has changed since the job ran"
        )
    missing: int | None = len(join.missing_ids)
    if inputs.answered:
        if join.missing_ids:
            warnings.append(
                f"{counted(len(join.missing_ids), 'input record')} "
                f"{plural(len(join.missing_ids), 'has')} no output line, but "
                f"the job answered all {job.total_records:,} of its records: the input has "
                "changed since it ran, and they are not submitted again"
            )
        missing = 0
        join.missing_ids.clear()
    elif join.without_record_id:
        missing = None
        warnings.append(
            f"{counted(join.without_record_id, 'input record')} without a recordId (Bedrock "
            "made one up): which records are missing cannot be told"
        )
    elif join.succeeded_left() or from_outputs - without_id:
        strays = join.succeeded_left() + from_outputs - without_id
        warnings.append(
            f"{counted(strays, 'output record')} {plural(strays, 'names')} a recordId the "
            "input does not have: "
            "the input has changed since the job ran"
        )
    if from_outputs - unretryable:
        warnings.append(
            f"{counted(from_outputs - unretryable, 'failed record')} the input lacks: "
            "submitted again from the output lines' modelInput"
        )
    if unretryable:
        warnings.append(
            f"{counted(unretryable, 'failed record')} cannot be submitted again: neither "
            "the input nor the output line carries its modelInput"
        )
    ids = tuple(join.missing_ids) if missing is not None else ()
    return Reconciliation(missing, ids, unretryable, summary)
