"""Submitting an input as jobs, the workflow `bjob submit` and `bjob retry` share.

1. `plan_submission` reads and decides, and writes nothing: the input checked as `bjob check`
   checks it (the same code: the gate), the model resolved to the id the jobs will carry, the
   records dealt into as few jobs as the limits allow (each input file an object of its
   own), the jobs an earlier run made found by their tokens (one listing), a name another
   submission holds refused, the buckets' regions, every object an upload would write
   looked at (nothing bjob did not write is ever replaced), the free slots counted. A dry
   run is this and nothing more, so it ends with the real run's exit codes.
2. `carry_out` uploads what is missing (verified: the bytes sent are the bytes checked) and
   creates the jobs that fit the free slots, reporting each one as it is made.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import os
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from bjob.model.check import BOM, CheckReport, Limit, Problem
from bjob.model.exits import BjobError, ExitCode
from bjob.model.lines import CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.models import base_model_id, looks_like_an_id
from bjob.model.runs import RUN_TAG, is_member, run_token
from bjob.model.submit import (
    Dealer,
    ExistingJob,
    InputFacts,
    InputObject,
    JobSettings,
    LocalFile,
    PlannedJob,
    PlannedObject,
    SubmissionPlan,
    SubmittedJob,
    check_settings,
    content_digest,
    create_request,
    is_part_name,
    job_count,
    job_digest,
    object_names,
    part_names,
    shard_limits,
    whole_files,
)
from bjob.usecases.check import (
    ModelLookup,
    Source,
    Sources,
    check_input,
    find_sources,
    lookup_model,
)
from bjob.usecases.cost import CostCounter

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients

# Problems the split resolves: they are not the gate's business.
LIMIT_KINDS = frozenset(
    {"too-many-records", "job-too-large", "file-too-many-records", "file-too-large"}
)
UPLOAD_FOLDER = "bjob-inputs/"  # beside the job folders under --output, unless --upload-to


@dataclass(frozen=True)
class SubmitRequest:
    """What a user asked for: the inputs, the jobs' settings (the model as typed), the name."""

    inputs: Sequence[str]
    settings: JobSettings
    name: str
    upload_to: str | None = None
    strict: bool = False
    run: str | None = None  # the run the jobs join: the name, unless they are a retry
    retry_of: str | None = None  # name the jobs <retry_of>-1, -2...: the first one free
    labels: Mapping[str, str] = field(default_factory=dict)  # an input path: how to name it


class GateClosed(BjobError):
    """The input has errors (or, with --strict, warnings): nothing is uploaded or created."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(
            "the input has errors: nothing was uploaded or created", ExitCode.INPUT_ERRORS
        )
        self.report = report


@dataclass(frozen=True)
class Plan:
    """Everything decided before anything is written: what is shown and asked (`about`),
    and what carrying it out needs."""

    about: SubmissionPlan
    lookup: ModelLookup
    report: CheckReport
    read: Callable[[], Iterator[tuple[int, bytes]]] = field(repr=False)  # (object, line)


def plan_submission(
    request: SubmitRequest,
    clients: AwsClients,
    region: str,
    now: datetime,
    stdin: Callable[[], IO[bytes]] | None = None,
) -> Plan:
    """Check, plan and look: everything short of uploading or creating (a dry run is this)."""
    settings = request.settings
    if request.run is None and request.retry_of is None:
        check_settings(settings, [request.name])
    sources = find_sources(request.inputs, lambda: clients, stdin or _no_stdin)
    if not all(source.rereadable for source in sources.items):
        raise BjobError(
            "submit reads its input twice (to check it, then to upload it): give a file, a "
            "folder or an S3 URI, not a stream",
            ExitCode.USAGE,
        )
    facts = [_Facts() for _ in sources.items]
    watched = Sources(
        [_facts_kept(source, item) for source, item in zip(sources.items, facts, strict=True)],
        sources.skipped,
    )
    known = (
        None
        if looks_like_an_id(settings.model_id)
        else lookup_model(settings.model_id, lambda: clients)
    )
    model_id = known.model.for_jobs if known is not None else settings.model_id
    counter = CostCounter(watched, model_id, settings.invocation_type, lambda: clients)
    try:
        report, lookup = check_input(
            watched,
            model_id,
            settings.invocation_type,
            lambda: clients,
            observe=counter.observe,
            known=known,
        )
    except BaseException:
        counter.close()
        raise
    assert lookup is not None  # a model was given
    cost = counter.finish(lookup)
    gate = [
        problem
        for problem in report.problems
        if problem.kind not in LIMIT_KINDS and (problem.severity == "error" or request.strict)
    ]
    if gate:
        raise GateClosed(replace(report, problems=tuple(gate)))
    settings = replace(settings, model_id=lookup.model.for_jobs)
    warnings = [*lookup.warnings, *cost.warnings]
    warnings += [_warning_text(p) for p in report.problems if p.severity == "warning"]
    items = sources.items
    for source, item in zip(items, facts, strict=True):
        if item.bom:
            warnings.append(f"{source.uri}: its byte-order mark is left out of the upload")
    run = request.run or request.name
    settings = _with_run_tag(settings, run)
    in_place = _used_in_place(request.inputs, report, lookup)
    folder = _upload_folder(request.upload_to, settings.output_uri)
    names = object_names([source.uri for source in items])
    objects, read = _deal(items, facts, report, lookup, names)
    summaries = _run_summaries(run, clients, region)
    name = request.name
    if request.retry_of is not None:
        name = _free_retry_name(request.retry_of, run, objects, settings, folder, summaries)
    check_settings(settings, [name])
    jobs = _plan_jobs(objects, name, run, settings, folder, request.inputs[0] if in_place else None)
    check_settings(settings, [job.name for job in jobs])
    existing = _existing(jobs, name, run, summaries)
    _check_buckets(jobs, settings, clients, region)
    missing = [job for job in jobs if job.token not in existing]
    reused = _look_at_objects(missing, clients, region)
    quota, in_use = _slots_in_use(lookup, clients, region, now)
    label = lookup.model.name
    about = SubmissionPlan(
        f"{label} ({settings.model_id})" if label else settings.model_id,
        cost,
        settings,
        region,
        jobs,
        existing,
        quota,
        in_use,
        reused,
        tuple(warnings),
        in_place,
    )
    return Plan(about, lookup, report, read)


def _no_stdin() -> IO[bytes]:
    raise BjobError("submit reads files, folders and S3 URIs", ExitCode.USAGE)


def _warning_text(problem: Problem) -> str:
    where = problem.where[0] if problem.where else None
    place = ""
    if where is not None and where.line is not None:
        place = f"{where.input}:{where.line}: "
    elif where is not None:
        place = f"{where.input}: "
    count = f" ({problem.count:,} records)" if problem.count > 1 else ""
    return f"{place}{problem.message}{count}"


def _with_run_tag(settings: JobSettings, run: str) -> JobSettings:
    tags = [(key, value) for key, value in settings.tags if key != RUN_TAG]
    return replace(settings, tags=(*tags, (RUN_TAG, run)))


@dataclass
class _Facts:
    """What reading a local file for the check learnt of its bytes as they are."""

    digest: Any = field(default_factory=hashlib.sha256)
    crc32: int = 0
    signature: tuple[int, int, int] = (0, 0, 0)  # size, mtime_ns, inode before reading
    size: int = 0
    newlines: int = 0
    last: bytes = b""
    carriage_return: bool = False
    bom: bool = False
    complete: bool = False


def _facts_kept(source: Source, facts: _Facts) -> Source:
    """The source, read for the check through a tap that hashes its bytes as they pass (a
    local file only: its bytes can then be sent as they are, without a second reading)."""
    if source.uri.startswith("s3://") or not os.path.isfile(source.uri):
        return source

    def lines() -> Iterator[bytes]:
        def chunks() -> Iterator[bytes]:
            with open(source.uri, "rb") as file:
                facts.signature = _signature(os.fstat(file.fileno()))
                first = True
                while chunk := file.read(CHUNK_BYTES):
                    if first:
                        facts.bom, first = chunk.startswith(BOM), False
                    facts.digest.update(chunk)
                    facts.crc32 = zlib.crc32(chunk, facts.crc32)
                    facts.size += len(chunk)
                    facts.newlines += chunk.count(b"\n")
                    facts.carriage_return = facts.carriage_return or b"\r" in chunk
                    facts.last = chunk[-1:]
                    yield chunk
            facts.complete = True

        try:
            from bjob.model.check import MAX_BODY_BYTES

            yield from split_lines(chunks(), MAX_BODY_BYTES, crlf=True)
        except OSError as error:
            raise BjobError(f"{source.uri}: cannot be read: {error}", ExitCode.USAGE) from None

    return replace(source, lines=lines)


def _deal(
    items: Sequence[Source],
    facts: Sequence[_Facts],
    report: CheckReport,
    lookup: ModelLookup,
    names: Sequence[str],
) -> tuple[list[InputObject], Callable[[], Iterator[tuple[int, bytes]]]]:
    """The input objects (which records of which file go where), and a way to read them
    again, in the same order, for the upload."""
    limits = shard_limits(lookup.limits)
    counted = {item.uri: item for item in report.inputs}
    known = [
        InputFacts(
            counted[source.uri].records,
            counted[source.uri].bytes,
            _as_is(item, counted[source.uri].records),
        )
        for source, item in zip(items, facts, strict=True)
    ]
    packed = whole_files(known, limits)
    if packed is not None and all(known[i].as_is for job in packed for i in job):
        objects = []
        for job, members in enumerate(packed):
            for index in members:
                whole = InputObject(job, index, names[index], known[index].records)
                whole.bytes, whole.digest = known[index].bytes, facts[index].digest
                crc = base64.b64encode(facts[index].crc32.to_bytes(4, "big")).decode()
                whole.local_file = LocalFile(items[index].uri, crc, facts[index].signature)
                objects.append(whole)
        return objects, lambda: iter(())
    records = sum(item.records for item in known)
    dealer = Dealer(records, job_count(records, sum(i.bytes for i in known), limits), limits, names)
    for source, line in _records(items):
        dealer.add(source, line)
    objects = dealer.done()
    counts = [item.records for item in objects]

    def read() -> Iterator[tuple[int, bytes]]:
        lines = _records(items)
        for index, count in enumerate(counts):
            for source, line in itertools.islice(lines, count):
                if source != objects[index].source:
                    raise _changed()
                yield index, line

    return objects, read


def _signature(found: os.stat_result) -> tuple[int, int, int]:
    return found.st_size, found.st_mtime_ns, found.st_ino


def _as_is(facts: _Facts, records: int) -> bool:
    """Every line a record, each ending with \\n, no \\r, no byte-order mark."""
    return (
        facts.complete
        and not facts.bom
        and not facts.carriage_return
        and facts.last == b"\n"
        and facts.newlines == records
    )


def _records(items: Sequence[Source]) -> Iterator[tuple[int, bytes]]:
    """(file, record) in input order: blank lines skipped, a byte-order mark left out."""
    for index, source in enumerate(items):
        for number, line in enumerate(source.lines()):
            if number == 0 and line.startswith(BOM):
                line = line[len(BOM) :]
            if line and not line.isspace():
                yield index, line


def _changed() -> BjobError:
    return BjobError(
        "the input changed after it was checked: nothing more was uploaded and no job was created",
        ExitCode.INPUT_ERRORS,
        hint="run the same command again: the input is checked anew",
    )


def _plan_jobs(
    objects: Sequence[InputObject],
    name: str,
    run: str,
    settings: JobSettings,
    folder: S3Location,
    in_place: str | None,
) -> tuple[PlannedJob, ...]:
    """A job for each group of objects: its name, input folder, token and request."""
    count = max(item.job for item in objects) + 1
    jobs = []
    for index, job_name in enumerate(part_names(name, count)):
        mine = [item for item in objects if item.job == index]
        digest = content_digest(mine)
        planned: tuple[PlannedObject, ...] = ()
        if in_place is not None:
            uri = in_place
        else:
            uri = folder.child(f"{job_name}/{digest[:12]}/").uri
            planned = tuple(
                PlannedObject(
                    uri + item.name, item.records, item.bytes, item.sha256, item.local_file
                )
                for item in mine
            )
        token = run_token(run, job_digest(job_name, settings, uri, digest))
        jobs.append(
            PlannedJob(
                job_name,
                uri,
                sum(item.records for item in mine),
                sum(item.bytes for item in mine),
                digest,
                token,
                create_request(job_name, settings, uri, token),
                planned,
            )
        )
    return tuple(jobs)


def _used_in_place(inputs: Sequence[str], report: CheckReport, lookup: ModelLookup) -> bool:
    """One S3 input that fits one job as it is: used where it is, never copied."""
    if len(inputs) != 1 or not inputs[0].startswith("s3://"):
        return False
    limits = lookup.limits
    records = sum(item.records for item in report.inputs)
    size = sum(item.bytes for item in report.inputs)
    if records > limits.records_per_job.value or size > limits.job_bytes.value:
        return False
    if any(item.bytes > limits.input_file_bytes.value for item in report.inputs):
        return False
    return all(item.records <= limits.records_per_input_file.value for item in report.inputs)


def _upload_folder(upload_to: str | None, output_uri: str) -> S3Location:
    if upload_to is not None:
        where = parse_s3_uri(upload_to)
    else:
        output = parse_s3_uri(output_uri)
        prefix = output.key if not output.key or output.key.endswith("/") else output.key + "/"
        where = S3Location(output.bucket, prefix + UPLOAD_FOLDER)
    return where if not where.key or where.key.endswith("/") else where.child("/")


def _run_summaries(run: str, clients: AwsClients, region: str) -> list[dict[str, Any]]:
    """Every job whose name contains the run's name: its parts and retries among them."""
    from bjob.aws.bedrock import iter_job_summaries
    from bjob.aws.errors import translated_errors

    with translated_errors(profile=clients.options.profile):
        return list(iter_job_summaries(clients.bedrock(region), nameContains=run))


def _existing(
    jobs: Sequence[PlannedJob], name: str, run: str, summaries: Sequence[dict[str, Any]]
) -> dict[str, ExistingJob]:
    """The planned jobs an earlier run made (by token); a name that a job of another
    submission holds is refused before anything is written."""
    tokens = {job.name: job.token for job in jobs}
    ours = set(tokens.values())
    found: dict[str, ExistingJob] = {}
    for summary in summaries:
        job_name, token = str(summary.get("jobName")), summary.get("clientRequestToken")
        if token in ours and summary.get("jobArn"):
            found.setdefault(str(token), ExistingJob(str(summary["jobArn"]), summary.get("status")))
            continue
        other_part = is_part_name(job_name, name) and is_member(token, run)
        if job_name in tokens or other_part:
            raise BjobError(
                f"the name {name!r} is taken: the job {job_name} "
                f"({summary.get('jobArn')}, {summary.get('status')}) belongs to another "
                "submission",
                ExitCode.USAGE,
                hint="give another --name (a job name is how bjob stop, show and retry find "
                "it again)",
            )
    return found


def _free_retry_name(
    base: str,
    run: str,
    objects: Sequence[InputObject],
    settings: JobSettings,
    folder: S3Location,
    summaries: Sequence[dict[str, Any]],
) -> str:
    """<base>-1, or -2...: the first name no job holds, or whose jobs are this retry's own
    (an earlier run of the same retry)."""
    for number in itertools.count(1):
        candidate = f"{base}-{number}"
        planned = _plan_jobs(objects, candidate, run, settings, folder, None)
        tokens = {job.token for job in planned}
        holders = [s for s in summaries if is_part_name(str(s.get("jobName")), candidate)]
        if all(s.get("clientRequestToken") in tokens for s in holders):
            return candidate
    raise AssertionError("unreachable")


def _check_buckets(
    jobs: Sequence[PlannedJob], settings: JobSettings, clients: AwsClients, region: str
) -> None:
    """Every bucket the jobs use exists and is in the jobs' region (Bedrock reads and writes
    only there): said before anything is uploaded or created."""
    from bjob.aws.s3 import bucket_region

    client = clients.client("s3", region)
    buckets = {parse_s3_uri(settings.output_uri).bucket}
    buckets |= {parse_s3_uri(job.input_uri).bucket for job in jobs}
    for bucket in sorted(buckets):
        found = bucket_region(client, bucket)
        if found is not None and found != region:
            raise BjobError(
                f"the bucket {bucket} is in {found}, and the jobs would run in {region}: "
                "Bedrock reads and writes buckets of its own region only",
                ExitCode.CONFIGURATION,
                hint=f"pass --region {found}, or use a bucket in {region}",
            )


def _look_at_objects(
    jobs: Sequence[PlannedJob], clients: AwsClients, region: str
) -> frozenset[str]:
    """The objects already holding what is planned (bjob's own uploads of the same bytes);
    anything else in a job's input folder is refused: bjob never replaces an object it did
    not write, and Bedrock would read a stray one as part of the job."""
    from bjob.aws.s3 import list_objects, uploaded_sha256

    client = clients.client("s3", region)
    reused: set[str] = set()
    for job in jobs:
        if not job.objects:
            continue
        planned = {item.uri: item for item in job.objects}
        for found in list_objects(client, parse_s3_uri(job.input_uri), None):
            uri = found.location.uri
            item = planned.get(uri)
            if item is not None and uploaded_sha256(client, found.location, item.bytes) == (
                item.sha256
            ):
                reused.add(uri)
                continue
            what = "holds other bytes" if item is not None else "is in the job's input folder"
            raise BjobError(
                f"{uri} already exists and {what}: bjob does not replace an object it did not "
                "write for this submission; nothing was uploaded or created",
                ExitCode.CONFIGURATION,
                hint="give another --upload-to or --name",
            )
    return frozenset(reused)


def _slots_in_use(
    lookup: ModelLookup, clients: AwsClients, region: str, now: datetime
) -> tuple[Limit, int]:
    """Jobs submitted or in progress on the base model, against its concurrent-jobs quota."""
    from bjob.usecases.polling import discover_active_jobs

    base = lookup.model.model_id
    active = [
        job
        for job in discover_active_jobs(clients, region, now)
        if job.model_id and base_model_id(job.model_id) == base
    ]
    return lookup.concurrent_jobs, len(active)


Progress = Callable[[], AbstractContextManager[tuple[Callable[[int], None], Callable[[int], None]]]]


@dataclass(frozen=True)
class Submitted:
    """What a submission came to: its plan, and what was done (None: a dry run, or the
    question was answered no)."""

    plan: Plan
    outcome: Outcome | None
    dry_run: bool = False

    def exit_code(self) -> ExitCode:
        if self.outcome is not None:
            return self.outcome.exit_code()
        if self.dry_run:  # what the real run would exit with
            return self.plan.about.exit_code()
        return ExitCode.OK  # the question was answered no: nothing was asked of AWS


def submit_jobs(
    request: SubmitRequest,
    clients: AwsClients,
    region: str,
    now: datetime,
    *,
    dry_run: bool,
    on_plan: Callable[[SubmissionPlan], None],
    confirm: Callable[[SubmissionPlan], bool],
    progress: Progress,
    on_job: Callable[[SubmittedJob], None],
) -> Submitted:
    """The whole submission: plan (`on_plan` hears of it), then, unless a dry run, ask
    (`confirm`, only when a job is to be created) and carry out (`progress` gives the upload's
    callbacks; `on_job` hears of each job with an ARN as soon as it has one)."""
    plan = plan_submission(request, clients, region, now)
    on_plan(plan.about)
    if dry_run:
        return Submitted(plan, None, dry_run=True)
    if plan.about.to_create and not confirm(plan.about):
        return Submitted(plan, None)
    with progress() as (on_start, on_bytes):
        outcome = carry_out(plan, clients, Outcome(plan), on_start, on_bytes, on_job)
    return Submitted(plan, outcome)


@dataclass
class Outcome:
    """Every planned job, with its ARN where it has one; filled as jobs are made, so that an
    interruption still knows what was created."""

    plan: Plan
    jobs: list[SubmittedJob] = field(default_factory=list)
    quota_stop: str | None = None  # why some jobs were not made

    @property
    def created(self) -> list[SubmittedJob]:
        return [job for job in self.jobs if job.created]

    def exit_code(self) -> ExitCode:
        if any(job.arn is None for job in self.jobs):
            return ExitCode.QUOTA_FULL
        return self.plan.about.exit_code()


def carry_out(
    plan: Plan,
    clients: AwsClients,
    outcome: Outcome,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
    on_job: Callable[[SubmittedJob], None] = lambda job: None,
) -> Outcome:
    """Upload what is missing, then create the jobs that fit, in order; `outcome` holds what
    was made as it is made, and `on_job` hears of each job that has an ARN (found or made)."""
    from bjob.aws.bedrock import create_job

    _upload(plan, clients, on_start, on_bytes)
    quota_stop: str | None = None
    allowed = {job.token for job in plan.about.to_create}
    for job in plan.about.jobs:
        found = plan.about.existing.get(job.token)
        if found is not None:
            outcome.jobs.append(SubmittedJob(job, found.arn, False, found.status))
            on_job(outcome.jobs[-1])
            continue
        if quota_stop is not None or job.token not in allowed:
            outcome.jobs.append(SubmittedJob(job, None, False))
            continue
        try:
            arn = create_job(dict(job.request), plan.about.region, clients)
        except BjobError as error:
            if error.code is not ExitCode.QUOTA_FULL:
                raise
            quota_stop = error.message
            outcome.jobs.append(SubmittedJob(job, None, False))
            continue
        outcome.jobs.append(SubmittedJob(job, arn, True, "Submitted"))
        on_job(outcome.jobs[-1])
    outcome.quota_stop = quota_stop or plan.about.no_room
    return outcome


def _upload(
    plan: Plan,
    clients: AwsClients,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> None:
    """Each missing object: from disk when it is a whole file, else its records streamed;
    the bytes read are hashed as they go and must be the bytes checked, or the object is
    removed again and nothing is created."""
    from bjob.aws.s3 import remove_object, upload

    wanted = plan.about.uploads
    on_start(sum(item.bytes for item in wanted))
    if not wanted:
        return
    client = clients.client("s3", plan.about.region)
    kms_key = plan.about.settings.kms_key
    order = [item for job in plan.about.jobs for item in job.objects]
    wanted_uris = {item.uri for item in wanted}
    lines = plan.read()  # (nothing for whole files: they are read from disk)
    for index, item in enumerate(order):
        streamed = _object_lines(lines, index, item.records)
        if item.uri not in wanted_uris:
            for _ in streamed:  # there already, or not to be made: read past it
                pass
            continue
        location = parse_s3_uri(item.uri)
        if item.local_file is not None:  # from disk, several parts at once
            _upload_file(client, location, item, item.local_file, on_bytes, kms_key)
            continue
        reader = _HashingReader(_LinesReader(streamed))
        upload(client, location, reader, item.sha256, on_bytes, kms_key=kms_key)
        if reader.size != item.bytes or reader.digest.hexdigest() != item.sha256:
            remove_object(client, location)
            raise _changed()


def _upload_file(
    client: Any,
    location: S3Location,
    item: PlannedObject,
    local: LocalFile,
    on_bytes: Callable[[int], None],
    kms_key: str | None,
) -> None:
    """A whole file, as it was checked: S3 refuses bytes without the CRC-32 they had then,
    and a file whose size, time or inode changed meanwhile is taken back."""
    from bjob.aws.s3 import remove_object, upload

    try:
        before = _signature(os.stat(local.path))
    except OSError:
        raise _changed() from None
    if before != local.signature:
        raise _changed()
    upload(client, location, local.path, item.sha256, on_bytes, kms_key=kms_key, crc32=local.crc32)
    try:
        after = _signature(os.stat(local.path))
    except OSError:
        after = None
    if after != local.signature:
        remove_object(client, location)
        raise _changed()


def _object_lines(lines: Iterator[tuple[int, bytes]], index: int, records: int) -> Iterator[bytes]:
    for number, (found, line) in enumerate(lines):
        if found != index:
            raise _changed()
        yield line + b"\n"
        if number + 1 == records:
            return


class _LinesReader(io.RawIOBase):
    """Lines as a file to read: what s3transfer uploads from, a part at a time."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines = lines
        self.buffer = bytearray()

    def readable(self) -> bool:
        return True

    def readinto(self, into: Any) -> int:
        while len(self.buffer) < len(into):
            line = next(self.lines, None)
            if line is None:
                break
            self.buffer += line
        count = min(len(into), len(self.buffer))
        into[:count] = self.buffer[:count]
        del self.buffer[:count]
        return count


class _HashingReader(io.RawIOBase):
    """A file read once, front to back, its bytes counted and hashed on the way to S3."""

    def __init__(self, inner: IO[bytes] | io.RawIOBase) -> None:
        self.inner = inner
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size) or b""
        self.digest.update(data)
        self.size += len(data)
        return data

    def readinto(self, into: Any) -> int:
        data = self.read(len(into))
        into[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.inner.close()
        super().close()
