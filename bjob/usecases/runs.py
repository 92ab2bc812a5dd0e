"""Finding a run: every job of one submission, with one ListModelInvocationJobs(nameContains=
NAME), its members told from jobs whose names merely contain NAME by their token
(model/runs.py). `find_run` is what every command taking `run:NAME` calls (show, watch,
results, answers; retry and stop too)."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TextIO

from bjob.aws.bedrock import iter_job_summaries
from bjob.aws.errors import translated_errors
from bjob.aws.session import AwsClients
from bjob.model.answers import Answer
from bjob.model.identifiers import parse_job_ref
from bjob.model.job import Job, normalize_job
from bjob.model.locations import S3Location, input_location, output_folder
from bjob.model.results import (
    Cost,
    InputSummary,
    OutputFile,
    Prices,
    Results,
    RetryWritten,
    RunRef,
    Tokens,
    manifest_tokens,
)
from bjob.model.runjobs import attempt_order, place_in_run
from bjob.model.runs import RUN_REF_PREFIX, is_member, run_name_of_ref
from bjob.model.words import counted, plural
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import atomic_file, lstat_or_none
from bjob.usecases.answers import AnswerMode, Walk, input_lines, walk_records
from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs
from bjob.usecases.results.gather import ResultsRequest, results_cost
from bjob.usecases.results.jobfiles import read_manifest
from bjob.usecases.results.reconcile import WrittenFrom


@dataclass(frozen=True)
class Run:
    """A submission's jobs, in the order they were made: its parts, then its retries."""

    name: str
    jobs: tuple[Job, ...]
    warnings: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[Job, ...]:
        """The jobs that hold the submission's records first (NAME, or NAME-1, NAME-2...)."""
        found = tuple(job for job in self.jobs if place_in_run(self.name, job.name).kind == "part")
        return found or self.jobs[:1]

    @property
    def retries(self) -> tuple[Job, ...]:
        """Every later attempt at some of those records, oldest first."""
        parts = {job.arn for job in self.parts}
        return tuple(job for job in self.jobs if job.arn not in parts)

    @property
    def unfinished(self) -> tuple[Job, ...]:
        return tuple(job for job in self.jobs if not job.is_terminal)

    @property
    def arns(self) -> list[str]:
        return [job.arn or job.job_id or "" for job in self.jobs]


def find_run(name: str, clients: AwsClients, region: str | None) -> Run:
    """The run named NAME in the region (exit 3 when no job of it is there). Of two members
    with one name (the same submission made again after its input changed), the later one
    counts, and a warning says so."""
    if not name:
        raise BjobError("run: needs a name (run:NAME)", ExitCode.USAGE)
    with translated_errors(f"{RUN_REF_PREFIX}{name}", clients.options.profile):
        summaries = [
            summary
            for summary in iter_job_summaries(clients.bedrock(region), nameContains=name)
            if is_member(summary.get("clientRequestToken"), name)
        ]
    if not summaries:
        raise BjobError(
            f"no run named {name!r}: no job bjob submitted under that name",
            ExitCode.NOT_FOUND,
            hint="bjob list --name NAME shows the jobs whose names contain it",
        )
    jobs = sorted((normalize_job(summary) for summary in summaries), key=_newest_last)
    by_name: dict[str, Job] = {}
    warnings = []
    for job in jobs:
        key = job.name or job.arn or ""
        if key in by_name:
            warnings.append(
                f"run:{name} has two jobs named {key!r}: the later one ({job.arn}) counts, "
                f"not {by_name[key].arn}"
            )
        by_name[key] = job
    ordered = sorted(by_name.values(), key=lambda job: attempt_order(name, job))
    return Run(name, tuple(ordered), tuple(warnings))


def _newest_last(job: Job) -> str:
    return job.submit_time.isoformat() if job.submit_time else ""


# --- a run's results, and the records it has no answer for ------------------------------


def gather_run_results(run: Run, clients: AwsClients, prices: Prices | None = None) -> Results:
    """Every input record of the run counted once, by its latest attempt (a record that
    failed in a part and succeeded in a retry is a success): the shape `bjob results` gives
    a job."""
    return _run_results(run, clients, prices, None)[0]


def _run_results(
    run: Run, clients: AwsClients, prices: Prices | None, lines: RetryLines | None
) -> tuple[Results, Walk]:
    """The run's results, and the walk they come from; with `lines`, the records with no
    answer noted to be written."""
    on_answer = lines.note if lines is not None else _ignore
    walk = walk_records(run.parts, run.retries, clients, AnswerMode(text=False), on_answer)
    warnings = [*run.warnings, *walk.warnings]
    ended = not run.unfinished
    if not ended:
        pending = walk.statuses["pending"]
        warnings.append(
            f"{counted(len(run.unfinished), 'job')} of run:{run.name} "
            f"{plural(len(run.unfinished), 'has')} not ended: "
            f"{counted(pending, 'record')} {plural(pending, 'is')} pending, and which are "
            "missing is not known yet"
        )
    failed, missing = walk.statuses["failed"], walk.statuses["missing"]
    tokens = _run_tokens(walk, warnings) if ended else None
    results = Results(
        arn=None,
        status=None,
        output_uri=_common_uri([output_folder(job).uri for job in run.parts]),
        files=tuple(
            OutputFile(
                item.location.uri,
                item.size,
                None,
            )
            for _, item in walk.files
        ),
        succeeded=walk.statuses["ok"],
        failed=failed,
        unreadable=walk.unreadable_outputs.unreadable,
        missing=missing if ended else None,
        missing_record_ids=tuple(walk.missing_ids) if ended else (),
        to_submit_again=failed + missing if ended else None,
        errors=walk.latest.error_groups(),
        stop_reasons=dict(walk.latest.stop_reasons.most_common()),
        manifest=None,
        tokens=tokens,
        cost=_run_cost(run, clients, tokens, prices, warnings),
        first_unreadable=walk.unreadable_outputs.first_unreadable,
        input=InputSummary(
            _common_uri([input_location(job).uri for job in run.parts]),
            walk.input_files,
            walk.records,
            walk.input_unreadable,
            walk.without_record_id,
            walk.repeated,
        ),
        warnings=tuple(warnings),
        run=RunRef(run.name, tuple(run.arns)),
    )
    return results, walk


def _run_cost(
    run: Run, clients: AwsClients, tokens: Tokens | None, prices: Prices | None, warnings: list[str]
) -> Cost | None:
    """The run's tokens at --prices, or at its model's batch prices from the Price List:
    every job of a run carries the same model, so this is the sum of its jobs' costs."""
    if not run.jobs:
        return None
    return results_cost(run.jobs[0], clients, tokens, ResultsRequest(prices=prices), warnings)


def _ignore(location: S3Location, number: int, answer: Answer) -> None:
    pass


def _common_uri(uris: Sequence[str]) -> str:
    """The folder every URI is under (the URI itself for one)."""
    if len(set(uris)) <= 1:
        return uris[0] if uris else ""

    common = os.path.commonprefix(list(uris))
    return common[: common.rfind("/") + 1] if "/" in common[5:] else common


def _run_tokens(walk: Walk, warnings: list[str]) -> Tokens | None:
    """Every job's tokens (each attempt was billed), from each job's manifest; a count is
    unknown when a job's is."""
    totals: list[int | None] = [0, 0]
    for files in walk.jobs:
        folder = output_folder(files.job)
        found: list[str] = []
        manifest = read_manifest(files.s3, files.objects, folder, found) if files.objects else None
        tokens = manifest_tokens(manifest, found) if manifest is not None else None
        if tokens is None:
            warnings.append(
                f"{files.job.name or files.job.arn} has no manifest: the run's tokens are unknown"
            )
            return None
        for index, count in enumerate((tokens.input, tokens.output)):
            before = totals[index]
            totals[index] = before + count if before is not None and count is not None else None
    return Tokens(totals[0], totals[1])


class RetryLines:
    """Which input lines hold a record with no answer (failed, or missing, with a recordId),
    by input file: noted during the walk, copied from the input afterwards."""

    def __init__(self) -> None:
        self.by_file: dict[S3Location, list[int]] = {}
        self.written = WrittenFrom()

    def note(self, location: S3Location, number: int, answer: Answer) -> None:
        if answer.status in ("failed", "missing") and answer.record_id is not None:
            self.by_file.setdefault(location, []).append(number)
            self.written.note(answer.record_id, location.uri)


def _copy_retry_lines(walk: Walk, lines: RetryLines, write: Callable[[bytes], object]) -> int:
    """Each noted line, as the input has it (read again from S3, in input order), given to
    `write`; how many."""
    copied = 0
    for location, numbers in lines.by_file.items():
        wanted = set(numbers)
        for number, line in input_lines(walk, location):
            if number in wanted:
                write(line + b"\n")
                copied += 1
    return copied


def refuse_unfinished(run: Run) -> None:
    """A retry file while jobs of the run still run would miss their pending records."""
    if run.unfinished:
        names = ", ".join(job.name or job.arn or "?" for job in run.unfinished)
        raise BjobError(
            f"run:{run.name} has not ended ({names}): its unprocessed records are pending, "
            "not missing",
            ExitCode.JOB_NOT_FINISHED,
            hint=f"wait for it to end (bjob watch run:{run.name}), then ask again",
        )


def write_run_retry_file(
    run: Run, clients: AwsClients, target: Path | IO[bytes], prices: Prices | None = None
) -> tuple[Results, RetryWritten]:
    """`bjob results run:NAME --retry-file`: the records with no answer yet, in one file (or
    stream), written as `write_retry_file` writes a job's; records of different input files
    that share a recordId are written, each, with a warning naming them."""
    refuse_unfinished(run)
    lines = RetryLines()
    results, walk = _run_results(run, clients, prices, lines)
    shared = lines.written.shared_warning()
    if shared is not None:
        results = replace(results, warnings=(*results.warnings, shared))
    if not isinstance(target, Path):
        count = _copy_retry_lines(walk, lines, target.write)
        target.flush()
        return results, RetryWritten(None, count, False)
    existed = lstat_or_none(target) is not None
    with atomic_file(target, replace=existed) as file:
        count = _copy_retry_lines(walk, lines, file.write)
        if not count and not existed:
            file.discard()
    return results, RetryWritten(target, count, existed)


@dataclass(frozen=True)
class RetryFile:
    """One file of a run's retry: the records of one of its parts' input files with no
    answer, named after that file (so that the retry's outputs stay apart, and a later
    `answers` knows whose they are)."""

    name: str  # the part's input file's name: what the retry's input file should be called
    path: Path
    records: int


def write_run_retry_files(run: Run, clients: AwsClients, folder: Path) -> list[RetryFile]:
    """`bjob retry run:NAME`: the records with no answer, one file in `folder` per input file
    they come from, named after it; none when every record has an answer (exit 8 while a
    job of the run has not ended)."""
    refuse_unfinished(run)
    lines = RetryLines()
    _, walk = _run_results(run, clients, None, lines)
    written: list[RetryFile] = []
    for location, numbers in lines.by_file.items():
        name = walk.sources[location][1]
        path = folder / name.replace("/", "_")
        with atomic_file(path, replace=False) as file:
            one = RetryLines()
            one.by_file[location] = numbers
            count = _copy_retry_lines(walk, one, file.write)
        written.append(RetryFile(name, path, count))
    return written


def load_job_or_run(text: str, clients: AwsClients, stdin: TextIO) -> Job | Run:
    """A JOB argument (an ARN, id, name or saved response) as its job, or `run:NAME` as its
    run; the error that kept it from loading, raised."""
    name = run_name_of_ref(text)
    if name is not None:
        return find_run(name, clients, clients.options.region)
    [loaded] = load_jobs(parse_job_refs([text]), clients, stdin)
    if not isinstance(loaded, LoadedJob):
        raise loaded
    return loaded.job


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended, judged on its records: exit 0 when every input record has an
    answer after the run's retries; otherwise the worst job's code (11 when every job
    Completed and records still have none; 8 while a job runs)."""

    run: Run
    code: ExitCode
    answered: int | None  # input records with an answer; None when they cannot be known
    records: int | None


def run_outcome(name: str, clients: AwsClients, region: str | None) -> RunOutcome:
    run = find_run(name, clients, region)
    if run.unfinished:
        return RunOutcome(run, ExitCode.JOB_NOT_FINISHED, None, None)
    worst = max(job.state_exit_code() for job in run.jobs)
    results = gather_run_results(run, clients)
    records = results.input.records if results.input is not None else 0
    if not records:  # nothing to judge the records by: the jobs' own outcome
        return RunOutcome(run, worst, None, None)
    if results.succeeded == records:
        return RunOutcome(run, ExitCode.OK, records, records)
    code = worst if worst is not ExitCode.OK else ExitCode.JOB_PARTIALLY_COMPLETED
    return RunOutcome(run, code, results.succeeded, records)


def jobs_outcome(jobs: Sequence[Job], clients: AwsClients) -> ExitCode:
    """The jobs' exit code as a watch gives it, from their state now."""
    loaded = load_jobs([parse_job_ref(job.arn or "") for job in jobs], clients, io.StringIO())
    codes = [
        item.job.state_exit_code() if isinstance(item, LoadedJob) else item.code for item in loaded
    ]
    return max(codes, default=ExitCode.OK)
