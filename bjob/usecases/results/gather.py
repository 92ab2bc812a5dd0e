"""What a job produced, gathered: its output folder read from S3 as streams, several
files at once, tallied into `Results`, with its manifest's tokens and their cost; its input
listed (and read beside the outputs) when the missing records must be known, then joined to
the outputs by reconcile.py.

One computation serves the summary, --json and --retry-file: the count the summary gives
"to submit again" is the number of lines a retry file gets."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import IO, Any

import orjson

from bjob.aws.s3 import S3Object, jsonl_objects
from bjob.aws.session import AwsClients
from bjob.model.job import Job
from bjob.model.locations import input_location, output_folder
from bjob.model.prices import user_prices
from bjob.model.results import (
    Cost,
    FileOutcomes,
    OutputFile,
    Prices,
    Results,
    Tally,
    Tokens,
    cost_at,
    manifest_tokens,
    tally_lines,
)
from bjob.model.words import counted, plural
from bjob.support.concurrent import Cancel, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.results.jobfiles import (
    JobS3,
    input_record_keys,
    is_record_file,
    read_again,
    read_manifest,
)
from bjob.usecases.results.reconcile import InputFiles, RetrySink, reconcile

SPOOL_BYTES = 4 << 20  # failed lines held in memory per file before they go to a temp file
OnLine = Callable[[bytes], None]


@dataclass(frozen=True)
class ResultsRequest:
    """What `bjob results` was asked for, beyond the summary."""

    prices: Prices | None = None
    price_list: bool = True  # without --prices: the AWS Price List's batch prices
    failed_lines: OnLine | None = None  # --failed: each failed line, in file and line order
    retry_to: RetrySink | None = None  # --retry-file: the lines to submit again


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
    s3 = JobS3(job, clients)
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
    record_files = [item for item in objects if is_record_file(names[item.location.key])]
    spool = request.failed_lines is not None
    # A job that ended short has missing records: its input is read beside the outputs.
    ended_short = _missing_matters(job, request) and job.status != "Completed"
    inputs = _listed_inputs(s3, job, answered=False) if ended_short else InputFiles(False)
    tasks: list[Callable[[Cancel], Any]] = [
        partial(_read_file, s3, item, spool) for item in record_files
    ]
    if inputs.files and request.retry_to is None:  # read beside the outputs, ids only
        tasks += [partial(input_record_keys, s3, location) for location in inputs.files]
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
            inputs = InputFiles(True, answered=True)
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
    manifest = read_manifest(s3, objects, folder, warnings)
    tokens = manifest_tokens(manifest, warnings)
    if manifest is None and job.is_terminal:
        tokens = total.usage_tokens(warnings)
    named_files = [(item, names[item.location.key].removesuffix(".out")) for item in record_files]
    reconciled = reconcile(s3, job, outcomes, named_files, inputs, request.retry_to, warnings)
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
        cost=results_cost(job, clients, tokens, request, warnings),
        first_unreadable=total.first_unreadable,
        input=reconciled.input,
        warnings=tuple(warnings),
    )


def results_cost(
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


def _read_file(s3: JobS3, item: S3Object, spool: bool, cancel: Cancel) -> _FileRead:
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


def _missing_matters(job: Job, request: ResultsRequest) -> bool:
    """A job that ended, and a question about it beyond --failed: running jobs have nothing
    missing yet, and --failed needs no input."""
    return job.is_terminal and (request.failed_lines is None or request.retry_to is not None)


def _listed_inputs(s3: JobS3, job: Job, answered: bool) -> InputFiles:
    where = input_location(job)
    try:
        found = jsonl_objects(s3.client, where, s3.input_owner, s3.kms_key)
        files = [item.location for item in found]
    except BjobError as error:
        if error.code not in (ExitCode.NOT_FOUND, ExitCode.NOT_AUTHORIZED, ExitCode.CONFIGURATION):
            raise
        return InputFiles(True, answered, None, error.message)
    if not files:
        return InputFiles(True, answered, None, f"no .jsonl object under {where.uri}")
    return InputFiles(True, answered, files)


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
