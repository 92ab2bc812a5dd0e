"""What a job produced: its output folder read from S3 as streams, several files at once,
tallied into `Results`; the input joined to it file by file (model/join.py) for what is
missing and the lines to submit again; the folder downloaded.

One computation serves the summary, --json and --retry-file: the count the summary gives
"to submit again" is the number of lines a retry file gets.
"""

# Start-up: usecases.cost (Price List, CountTokens, prices: about 30 ms to import) is imported
# only where a Price List price is asked for: `show` reaches this module through usecases.runs.

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from bjob.aws.s3 import (
    S3Object,
    iter_lines,
    jsonl_objects,
    list_objects,
    read_again,
    read_chunks,
)
from bjob.aws.s3 import read_object as read_whole_object
from bjob.aws.session import AwsClients
from bjob.model.check import BOM
from bjob.model.job import Job
from bjob.model.join import PLACES_NAMED, InputKey, Join, input_key, retry_line_from_output
from bjob.model.locations import S3Location, input_location, output_folder
from bjob.model.prices import user_prices
from bjob.model.results import (
    Cost,
    Downloaded,
    FileOutcomes,
    InputSummary,
    OutputFile,
    Prices,
    Results,
    RetryWritten,
    Tally,
    Tokens,
    cost_at,
    manifest_tokens,
    tally_lines,
)
from bjob.model.timestamps import parse_moment
from bjob.model.words import counted, plural
from bjob.support.concurrent import Cancel, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import atomic_file, file_kind, lstat_or_none, unusable_path

MANIFEST = "manifest.json.out"
MANIFEST_LIMIT = 1 << 20
READERS = 8  # objects read at once
SPOOL_BYTES = 4 << 20  # failed lines held in memory per file before they go to a temp file

OnLine = Callable[[bytes], None]


class RetrySink(Protocol):
    """Where the lines to submit again go: a file being written, or standard output."""

    def write(self, data: bytes) -> None: ...

    def rewind(self) -> bool:
        """Start again from nothing; False when what was written cannot be taken back."""
        ...


@dataclass(frozen=True)
class ResultsRequest:
    """What `bjob results` was asked for, beyond the summary."""

    prices: Prices | None = None
    price_list: bool = True  # without --prices: the AWS Price List's batch prices
    failed_lines: OnLine | None = None  # --failed: each failed line, in file and line order
    retry_to: RetrySink | None = None  # --retry-file: the lines to submit again


class _S3:
    """The job's S3 side: a client in the job's region, its bucket owners and KMS key."""

    def __init__(self, job: Job, clients: AwsClients) -> None:
        self.client = clients.client("s3", job.region)
        self.output_owner = job.output.bucket_owner
        self.input_owner = job.input.bucket_owner
        self.kms_key = job.output.kms_key_id

    def objects(self, folder: S3Location, owner: str | None) -> list[S3Object]:
        return list_objects(self.client, folder, owner, self.kms_key)

    def lines(
        self, location: S3Location, owner: str | None, cancel: Cancel | None = None
    ) -> Iterator[bytes]:
        return iter_lines(self.client, location, owner, self.kms_key, cancel=cancel)

    def input_lines(self, location: S3Location, cancel: Cancel | None = None) -> Iterator[bytes]:
        """An input file's lines, as Bedrock reads them (a \r\n line end is a line end)."""
        return iter_lines(
            self.client, location, self.input_owner, self.kms_key, cancel=cancel, crlf=True
        )


@dataclass
class _FileRead:
    tally: Tally
    outcomes: FileOutcomes
    failed_lines: IO[bytes] | None


def gather_results(job: Job, clients: AwsClients, request: ResultsRequest) -> Results:
    """Read the job's output folder (every record file streamed, several at once, and the
    manifest) and, when the missing records must be known, its input.

    Raises exit 8 while a job that has not ended has no outputs, 3 when an ended one has
    none; refuses a retry file while the job runs (exit 8).
    """
    s3 = _S3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    if not objects:
        if not job.is_terminal:
            raise BjobError(
                f"no outputs yet in {folder.uri}: results appear when the job ends",
                ExitCode.JOB_NOT_FINISHED,
            )
        why = f" ({job.status}: {job.message})" if job.message else f" ({job.status})"
        raise BjobError(f"the job left no outputs in {folder.uri}{why}", ExitCode.NOT_FOUND)
    names = {item.location.key: item.location.key[len(folder.key) :] for item in objects}
    record_files = [item for item in objects if _is_record_file(names[item.location.key])]
    spool = request.failed_lines is not None
    # A job that ended short has missing records: its input is read beside the outputs.
    ended_short = _missing_matters(job, request) and job.status != "Completed"
    inputs = _listed_inputs(s3, job, answered=False) if ended_short else _Inputs(False)
    tasks: list[Callable[[Cancel], Any]] = [
        partial(_read_file, s3, item, spool) for item in record_files
    ]
    if inputs.files and request.retry_to is None:  # read beside the outputs, ids only
        tasks += [partial(_input_keys, s3, location) for location in inputs.files]
    done = run_all(lambda task, cancel: task(cancel), tasks)
    files_read: list[_FileRead] = done[: len(record_files)]  # type: ignore[assignment]
    if request.retry_to is None and inputs.files:
        inputs = replace(inputs, keys=done[len(record_files) :])  # type: ignore[arg-type]
    if request.failed_lines is not None:
        for read in files_read:
            _replay(read.failed_lines, request.failed_lines)
    total = Tally()
    for read in files_read:
        total.merge(read.tally)
    outcomes = {
        names[item.location.key].removesuffix(".out"): read.outcomes
        for item, read in zip(record_files, files_read, strict=True)
    }
    if _missing_matters(job, request) and not ended_short:  # Completed: do the counts add up?
        answered = _all_answered(job, total, outcomes)
        if answered and request.retry_to is None:
            inputs = _Inputs(True, answered=True)
        else:
            inputs = _listed_inputs(s3, job, answered)
    warnings: list[str] = []
    if not job.is_terminal:
        warnings.append(
            f"the job has not ended ({job.status}): these are the outputs so far, and which "
            "records are missing is not known yet"
        )
    if total.unreadable:
        warnings.append(
            f"{counted(total.unreadable, 'output line')} {plural(total.unreadable, 'is')} not "
            f"{'a record' if total.unreadable == 1 else 'records'}; the first at "
            f"{total.first_unreadable}"
        )
    manifest = _manifest(s3, objects, folder, warnings)
    tokens = manifest_tokens(manifest, warnings)
    if manifest is None and job.is_terminal:
        tokens = total.usage_tokens(warnings)
    named_files = [(item, names[item.location.key].removesuffix(".out")) for item in record_files]
    reconciled = _reconcile(s3, job, outcomes, named_files, inputs, request, warnings)
    counts = {
        item.location.key: read.tally.lines
        for item, read in zip(record_files, files_read, strict=True)
    }
    return Results(
        arn=job.arn,
        status=job.status,
        output_uri=folder.uri,
        files=tuple(
            OutputFile(item.location.uri, item.size, counts.get(item.location.key))
            for item in objects
        ),
        succeeded=total.succeeded,
        failed=total.failed,
        unreadable=total.unreadable,
        missing=reconciled.missing,
        missing_record_ids=reconciled.missing_ids,
        # While the job runs, a retry file is refused (exit 8): nothing is proposed.
        to_submit_again=(
            total.failed - reconciled.unretryable + (reconciled.missing or 0)
            if job.is_terminal
            else None
        ),
        errors=total.error_groups(),
        stop_reasons=dict(total.stop_reasons.most_common()),
        manifest=manifest,
        tokens=tokens,
        cost=_cost(job, clients, tokens, request, warnings),
        first_unreadable=total.first_unreadable,
        input=reconciled.input,
        warnings=tuple(warnings),
    )


def _cost(
    job: Job,
    clients: AwsClients,
    tokens: Tokens | None,
    request: ResultsRequest,
    warnings: list[str],
) -> Cost | None:
    """The tokens at --prices, or else at the model's batch prices from the AWS Price List
    (None, and a warning, where it lists none)."""
    if tokens is None:
        return None
    if request.prices is not None:
        return cost_at(tokens, user_prices(request.prices.input, request.prices.output))
    unknown = tokens.input is None and tokens.output is None
    if unknown or not request.price_list or job.model_id is None:
        return None
    from bjob.usecases.cost import job_batch_prices

    found = job_batch_prices(clients, job.model_id, job.region)
    warnings += found.warnings
    return cost_at(tokens, found.prices) if found.prices is not None else None


def _is_record_file(name: str) -> bool:
    """Every .out file but the manifests (the job's own at the top, and any copy below)."""
    return name.endswith(".out") and name.rsplit("/", 1)[-1] != MANIFEST


def _read_file(s3: _S3, item: S3Object, spool: bool, cancel: Cancel) -> _FileRead:
    """One output file tallied; its failed lines kept in order when asked (in memory, then
    in a temporary file past a few megabytes); read again from the start if it breaks off."""
    held = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) if spool else None
    name = item.location.key.rsplit("/", 1)[-1]

    def attempt() -> _FileRead:
        if held is not None:
            held.seek(0)
            held.truncate()
        on_failed = _hold_in(held) if held is not None else None
        lines = s3.lines(item.location, s3.output_owner, cancel)
        tally, outcomes = tally_lines(lines, name, orjson.loads, on_failed)
        return _FileRead(tally, outcomes, held)

    return read_again(attempt)


def _hold_in(held: IO[bytes]) -> OnLine:
    def hold(line: bytes) -> None:
        held.write(line + b"\n")

    return hold


def _replay(held: IO[bytes] | None, sink: OnLine) -> None:
    if held is None:
        return
    held.seek(0)
    for line in held:
        sink(line.rstrip(b"\n"))
    held.close()


def _manifest(
    s3: _S3, objects: Sequence[S3Object], folder: S3Location, warnings: list[str]
) -> dict[str, Any] | None:
    """The job's own manifest, at the top of its folder; a problem with it is a warning."""
    found = [item for item in objects if item.location.key == folder.key + MANIFEST]
    if not found:
        warnings.append(f"no {MANIFEST}: token counts are unknown; counts come from the records")
        return None
    data = read_again(
        lambda: read_whole_object(
            s3.client, found[0].location, s3.output_owner, MANIFEST_LIMIT, s3.kms_key
        )
    )
    if data is None:
        warnings.append(f"{MANIFEST} is larger than {MANIFEST_LIMIT:,} bytes: not read")
        return None
    try:
        manifest = orjson.loads(data)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        warnings.append(f"{MANIFEST} is not a JSON object: token counts are unknown")
        return None
    return manifest


@dataclass(frozen=True)
class _Reconciled:
    missing: int | None
    missing_ids: tuple[str, ...] = ()
    unretryable: int = 0
    input: InputSummary | None = None


def _reconcile(
    s3: _S3,
    job: Job,
    outcomes: dict[str, FileOutcomes],
    named_files: Sequence[tuple[S3Object, str]],
    inputs: _Inputs,
    request: ResultsRequest,
    warnings: list[str],
) -> _Reconciled:
    """Which input records are missing, and (with a retry sink) every line to submit again:
    from the input where it has them, else from the failed output lines."""
    sink = request.retry_to
    if not inputs.read:
        if sink is not None:  # the CLI refuses earlier; this guards the use case itself
            raise BjobError("the job has not ended", ExitCode.JOB_NOT_FINISHED)
        return _Reconciled(None)

    if inputs.answered and sink is None:
        return _Reconciled(0)  # every record the job had has a readable output line

    def attempt() -> _Reconciled:
        written = WrittenFrom()
        join = _join_input(s3, job, outcomes, inputs, sink, written) if inputs.files else None
        unretryable = _retry_from_outputs(s3, outcomes, named_files, join, sink, written)
        found = _reconciled(job, outcomes, join, inputs, unretryable, warnings)
        shared = written.shared_warning()
        if shared is not None:
            warnings.append(shared)
        return found

    return read_again(attempt, restart=sink.rewind if sink is not None else lambda: True)


@dataclass(frozen=True)
class _Inputs:
    """The job's input files, when they are to be read; the record ids read from them."""

    read: bool  # the missing records are to be known (a job that ended, not --failed)
    # The job's own counts say every record it had has a readable output line: none is
    # missing, whatever the input holds now (it is read only for the failed records' lines).
    answered: bool = False
    files: list[S3Location] | None = None  # None: the input cannot be read
    unread: str | None = None  # why not
    keys: list[list[tuple[int, InputKey]]] | None = None  # per file: (line, key)


def _missing_matters(job: Job, request: ResultsRequest) -> bool:
    """A job that ended, and a question about it beyond --failed: running jobs have nothing
    missing yet, and --failed needs no input."""
    return job.is_terminal and (request.failed_lines is None or request.retry_to is not None)


def _listed_inputs(s3: _S3, job: Job, answered: bool) -> _Inputs:
    where = input_location(job)
    try:
        found = jsonl_objects(s3.client, where, s3.input_owner, s3.kms_key)
        files = [item.location for item in found]
    except BjobError as error:
        if error.code not in (ExitCode.NOT_FOUND, ExitCode.NOT_AUTHORIZED, ExitCode.CONFIGURATION):
            raise
        return _Inputs(True, answered, None, error.message)
    if not files:
        return _Inputs(True, answered, None, f"no .jsonl object under {where.uri}")
    return _Inputs(True, answered, files)


def _all_answered(job: Job, total: Tally, outcomes: dict[str, FileOutcomes]) -> bool:
    """A Completed job with as many readable output lines as records, every failed one
    carrying its modelInput: nothing is missing, and every failed record can be retried."""
    return (
        job.status == "Completed"
        and job.total_records is not None
        and total.unreadable == 0
        and total.records == job.total_records
        and not any(found.failed_without_input for found in outcomes.values())
    )


def _input_keys(s3: _S3, location: S3Location, cancel: Cancel) -> list[tuple[int, InputKey]]:
    """What the join needs of every non-blank line of one input file."""

    def attempt() -> list[tuple[int, InputKey]]:
        return [
            (number, input_key(raw, orjson.loads))
            for number, raw in _numbered(s3.input_lines(location, cancel))
            if raw and not raw.isspace()
        ]

    return read_again(attempt)


def _numbered(lines: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """An input file's lines, numbered from 1, a UTF-8 byte-order mark taken off the first
    (as `bjob check` reads it: a warning there, not an unreadable record)."""
    for number, line in enumerate(lines, start=1):
        yield number, line.removeprefix(BOM) if number == 1 else line


def _join_input(
    s3: _S3,
    job: Job,
    outcomes: dict[str, FileOutcomes],
    inputs: _Inputs,
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
        name = _output_name(location.key, prefix, outcomes)
        join.files.append(name)
        if inputs.keys is not None:
            for number, key in inputs.keys[index]:
                join.line(name, f"{location.uri}:{number}", key)
            continue
        for number, line in _numbered(s3.input_lines(location)):
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


def _output_name(key: str, prefix: str, outcomes: Container[str]) -> str:
    """The output file an input file's records went to: its path under the input prefix,
    or its bare name (how Bedrock names nested inputs is not documented)."""
    relative = key[len(prefix) :] if key.startswith(prefix) else key
    if relative in outcomes:
        return relative
    return key.rsplit("/", 1)[-1]


def _retry_from_outputs(
    s3: _S3,
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


def _reconciled(
    job: Job,
    outcomes: dict[str, FileOutcomes],
    join: Join | None,
    inputs: _Inputs,
    unretryable: int,
    warnings: list[str],
) -> _Reconciled:
    """What the join found, and a warning for each way the input and outputs disagree."""
    without_id = sum(found.failed_without_id for found in outcomes.values())
    from_outputs = sum(sum(found.failed.values()) for found in outcomes.values()) + without_id
    if join is None:
        if inputs.answered:
            warnings.append(
                f"the input cannot be read ({inputs.unread}): the failed records are "
                "submitted again from their output lines' modelInput"
            )
            return _Reconciled(0, unretryable=unretryable)
        warnings.append(
            f"the input cannot be read ({inputs.unread}): which records are missing is "
            "unknown; the counts come from the outputs alone"
        )
        if from_outputs:
            warnings.append(
                "failed records are submitted again from their output lines' modelInput; "
                "records that were never processed cannot be included without the input"
            )
        return _Reconciled(None, unretryable=unretryable)
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
    return _Reconciled(missing, ids, unretryable, summary)


class _CountingSink:
    """Lines to a writer, counted; `rewind` says whether they can be taken back."""

    def __init__(self, write: Callable[[bytes], object], rewind: Callable[[], bool]) -> None:
        self._write, self._rewind = write, rewind
        self.lines = 0

    def write(self, data: bytes) -> None:
        self._write(data)
        self.lines += 1

    def rewind(self) -> bool:
        if not self._rewind():
            return False
        self.lines = 0
        return True


def write_retry_file(
    job: Job, clients: AwsClients, target: Path | IO[bytes], request: ResultsRequest
) -> tuple[Results, RetryWritten]:
    """The results, and every record to submit again written to `target` (a file's path,
    or a stream such as standard output) as the same computation finds them. A file is
    whole or not at all, replaced only when the caller checked it may (check_new_file);
    with nothing to submit, an existing file is emptied and a new one is not made."""
    if not job.is_terminal:
        raise BjobError(
            f"the job has not ended ({job.status}): its unprocessed records are pending, "
            "not missing",
            ExitCode.JOB_NOT_FINISHED,
            hint="wait for it to end (bjob watch), then ask again",
        )
    if not isinstance(target, Path):
        # What went to a stream cannot be taken back: read again only before the first line.
        stream_sink = _CountingSink(target.write, lambda: stream_sink.lines == 0)
        results = gather_results(job, clients, _with_sink(request, stream_sink))
        target.flush()
        return results, RetryWritten(None, stream_sink.lines, False)
    path = target
    existed = lstat_or_none(path) is not None
    with atomic_file(path, replace=existed) as file:
        sink = _CountingSink(file.write, file.rewind)
        results = gather_results(job, clients, _with_sink(request, sink))
        if not sink.lines and not existed:
            file.discard()
    return results, RetryWritten(path, sink.lines, existed)


def _with_sink(request: ResultsRequest, sink: RetrySink) -> ResultsRequest:
    return ResultsRequest(prices=request.prices, price_list=False, retry_to=sink)


def download_outputs(
    job: Job,
    clients: AwsClients,
    directory: Path,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> Downloaded:
    """Every object of the output folder to DIR/<jobId>/, several at once, each file whole
    or not at all (localfiles.atomic_file). A file already there with the same size and the
    same content as far as S3 can tell (its MD5 against a plain ETag, else its modified
    time) is kept; a key that cannot be placed under the folder is skipped with a warning.
    `on_start` is given the bytes to copy, `on_bytes` each chunk copied."""
    s3 = _S3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    if not objects:
        raise BjobError(
            f"no outputs in {folder.uri}",
            ExitCode.NOT_FOUND if job.is_terminal else ExitCode.JOB_NOT_FINISHED,
        )
    target = directory / (job.job_id or "job")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable_path(target, error) from None
    warnings: list[str] = []
    plan: list[tuple[S3Object, Path]] = []
    same = 0
    for item in objects:
        relative = item.location.key[len(folder.key) :]
        why = _unplaceable(relative, target)
        if why is None:
            path = target.joinpath(*relative.split("/"))
            why = _cannot_replace(path)
        if why is not None:
            warnings.append(f"skipped {item.location.uri}: {why}")
        elif _same_content(path, item):
            same += 1
        else:
            plan.append((item, path))
    on_start(sum(item.size for item, _ in plan))

    def copy(step: tuple[S3Object, Path], cancel: Cancel) -> None:
        _download(s3, step[0], step[1], on_bytes, cancel)

    run_all(copy, plan, workers=READERS)
    return Downloaded(
        target,
        len(plan),
        same,
        len(objects) - len(plan) - same,
        sum(item.size for item, _ in plan),
        tuple(warnings),
    )


def _unplaceable(relative: str, target: Path) -> str | None:
    """Why an S3 key cannot be a file under the folder (S3 keys are not paths)."""
    if relative.endswith("/"):
        return "a folder marker, not a file"
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\0" in relative:
        return f"its key does not name a file under {target}"
    limit = _name_max(target)
    if any(len(os.fsencode(part)) > limit for part in parts):
        return f"a name longer than the file system allows ({limit} bytes)"
    return None


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _cannot_replace(path: Path) -> str | None:
    """A folder, FIFO or device where the file goes is never replaced."""
    try:
        found = lstat_or_none(path)
    except BjobError as error:
        return error.message
    if found is None or stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode):
        return None
    return f"{path} is {file_kind(found.st_mode)}, not replaced"


def _same_content(path: Path, item: S3Object) -> bool:
    """The same size and, as far as S3 can tell, the same bytes: the MD5 of a single-part
    object's ETag, else the modified time bjob gave the file when it copied it."""
    try:
        found = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(found.st_mode) or found.st_size != item.size:
        return False
    if item.content_md5 is not None:
        md5 = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as file:
            while chunk := file.read(1 << 20):
                md5.update(chunk)
        return md5.hexdigest() == item.content_md5
    modified = _s3_time(item.last_modified)
    return modified is not None and abs(found.st_mtime - modified) < 1


def _s3_time(text: str | None) -> float | None:
    try:
        return parse_moment(text).timestamp() if text else None
    except ValueError:
        return None


def _download(
    s3: _S3, item: S3Object, path: Path, on_bytes: Callable[[int], None], cancel: Cancel
) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable_path(path.parent, error) from None
    with atomic_file(path, replace=True, expected_length=item.size) as file:

        def attempt() -> None:
            for chunk in read_chunks(s3.client, item.location, s3.output_owner, s3.kms_key, cancel):
                file.write(chunk)
                on_bytes(len(chunk))

        def restart() -> bool:
            on_bytes(-file.length)
            file.rewind()
            return True

        read_again(attempt, restart)
        modified = _s3_time(item.last_modified)
        if modified is not None:
            os.utime(file.temporary, (modified, modified))
