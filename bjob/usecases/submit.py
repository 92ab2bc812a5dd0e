"""Submitting an input as jobs: checked as `bjob check` checks it (the same code), split to
the model's quotas, uploaded (only what is not there already), and created with tokens that
make a second run find the first run's jobs; never more jobs than the model has room for."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bjob.model.check import CheckReport, Limit
from bjob.model.exits import BjobError, ExitCode
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.submit import (
    JobSettings,
    PlannedJob,
    Shard,
    Sharder,
    SubmittedJob,
    check_settings,
    client_token,
    create_request,
    shard_count,
    shard_limits,
    shard_names,
)
from bjob.usecases.check import ModelLookup, Source, Sources, check_input

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.job import Job

ClientsFactory = Callable[[], "AwsClients"]
# Problems the split resolves: they are not the gate's business.
LIMIT_KINDS = frozenset(
    {"too-many-records", "job-too-large", "file-too-many-records", "file-too-large"}
)
UPLOAD_FOLDER = "bjob-inputs/"  # beside the job folders under --output, unless --upload-to


@dataclass(frozen=True)
class Submission:
    """Everything decided before anything is uploaded or created."""

    lookup: ModelLookup
    report: CheckReport
    jobs: tuple[PlannedJob, ...]
    sources: tuple[Source, ...]
    shard_of_record: Callable[[], Iterator[tuple[int, bytes]]]  # (shard, line), input order
    warnings: tuple[str, ...]
    shards: tuple[Shard, ...] = ()
    in_place: str | None = None  # an S3 input used where it is
    folder: S3Location | None = None  # where shards are uploaded

    def named(self, name: str, settings: JobSettings) -> Submission:
        """The same shards as jobs of another name (their tokens and requests follow)."""
        assert self.folder is not None
        jobs = plan_jobs(self.shards, name, settings, self.in_place, self.folder)
        return replace(self, jobs=jobs)


class GateClosed(BjobError):
    """The input has record-level errors: nothing is uploaded or created (exit 7)."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(
            "the input has errors: nothing was uploaded or created", ExitCode.INPUT_ERRORS
        )
        self.report = report


def prepare(
    sources: Sources,
    inputs: Sequence[str],
    settings: JobSettings,
    name: str,
    upload_to: str | None,
    clients: ClientsFactory,
) -> Submission:
    """Check every record against the model (the gate), plan the shards, and the request
    for each job: everything short of touching S3 or Bedrock."""
    if not all(source.rereadable for source in sources.items):
        raise BjobError(
            "submit reads its input twice (to check it, then to upload it): give a file, a "
            "folder or an S3 URI, not a stream",
            ExitCode.USAGE,
        )
    check_settings(settings, [name])
    report, lookup = check_input(sources, settings.model_id, settings.invocation_type, clients)
    errors = [p for p in report.problems if p.severity == "error" and p.kind not in LIMIT_KINDS]
    if errors:
        raise GateClosed(replace(report, problems=tuple(errors)))
    assert lookup is not None  # a model was given
    limits = shard_limits(lookup.limits)
    records = report.records
    size = sum(item.bytes for item in report.inputs)
    count = shard_count(records, size, limits)
    sharder = Sharder(records, count, limits)
    items = sources.items
    whole = _whole_file(items[0], records) if count == 1 and len(items) == 1 else None
    if whole is not None:  # one file, as Bedrock will read it: uploaded as it is
        shards: tuple[Shard, ...] = (whole,)
    else:

        def dealt() -> Iterator[tuple[int, bytes]]:
            for source in items:
                for line in source.lines():
                    if line and not line.isspace():
                        yield sharder.add(line), line

        for _ in dealt():  # the plan: each shard's records, bytes and SHA-256
            pass
        shards = tuple(sharder.done())
    in_place = _used_in_place(inputs, report, lookup, len(shards))
    folder = _upload_folder(upload_to, settings.output_uri)
    jobs = plan_jobs(shards, name, settings, in_place, folder)
    # Dealt again when uploading: the same records to the same shards, in the same order.
    replay = _replayer(items, [shard.records for shard in shards])
    return Submission(
        lookup, report, jobs, tuple(items), replay, lookup.warnings, shards, in_place, folder
    )


def plan_jobs(
    shards: Sequence[Shard],
    name: str,
    settings: JobSettings,
    in_place: str | None,
    folder: S3Location,
) -> tuple[PlannedJob, ...]:
    """A job for each shard: its name, input location, token and request."""
    names = shard_names(name, len(shards))
    check_settings(settings, names)
    jobs = []
    for shard, job_name in zip(shards, names, strict=True):
        uri = in_place or folder.child(f"{job_name}.jsonl").uri
        token = client_token(job_name, settings, uri, shard.sha256)
        request = create_request(job_name, settings, uri, token)
        upload = not in_place
        jobs.append(
            PlannedJob(
                job_name,
                uri,
                shard.records,
                shard.bytes,
                shard.sha256,
                token,
                request,
                upload,
                shard.local_file,
            )
        )
    return tuple(jobs)


def _whole_file(source: Source, records: int) -> Shard | None:
    """A local file that is its own shard byte for byte (every line a record, \n line ends,
    the last one too): hashed in large reads, then uploaded from disk as it is. None for
    anything else (it is dealt line by line)."""
    import hashlib
    import os

    if source.uri.startswith("s3://") or not source.rereadable or not os.path.isfile(source.uri):
        return None
    digest = hashlib.sha256()
    size = lines = 0
    last = b""
    with open(source.uri, "rb") as file:
        while chunk := file.read(1 << 20):
            if b"\r" in chunk:
                return None
            digest.update(chunk)
            size += len(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    # As many lines as records: no line is blank; and the last one ends as the others do.
    if last != b"\n" or lines != records:
        return None
    return Shard(0, records, size, digest, local_file=source.uri)


def _used_in_place(
    inputs: Sequence[str], report: CheckReport, lookup: ModelLookup, shards: int
) -> str | None:
    """One S3 input that fits one job is used where it is: never copied."""
    if shards != 1 or len(inputs) != 1 or not inputs[0].startswith("s3://"):
        return None
    limits = lookup.limits
    if any(item.bytes > limits.input_file_bytes.value for item in report.inputs):
        return None
    if any(item.records > limits.records_per_input_file.value for item in report.inputs):
        return None
    return inputs[0]


def _upload_folder(upload_to: str | None, output_uri: str) -> S3Location:
    if upload_to is not None:
        where = parse_s3_uri(upload_to)
    else:
        output = parse_s3_uri(output_uri)
        prefix = output.key if not output.key or output.key.endswith("/") else output.key + "/"
        where = S3Location(output.bucket, prefix + UPLOAD_FOLDER)
    return where if not where.key or where.key.endswith("/") else where.child("/")


def _replayer(
    items: Sequence[Source], counts: Sequence[int]
) -> Callable[[], Iterator[tuple[int, bytes]]]:
    def replay() -> Iterator[tuple[int, bytes]]:
        lines = (line for source in items for line in source.lines() if line and not line.isspace())
        for index, count in enumerate(counts):
            for line in itertools.islice(lines, count):
                yield index, line

    return replay


@dataclass(frozen=True)
class Slots:
    quota: Limit
    in_use: int

    @property
    def free(self) -> int:
        return max(0, int(self.quota.value) - self.in_use)


def check_regions(
    submission: Submission, settings: JobSettings, clients: AwsClients, region: str
) -> None:
    """Every bucket the jobs use is in the jobs' region (Bedrock reads and writes only
    there), and exists: said before anything is uploaded or created."""
    from bjob.aws.s3 import bucket_region

    client = clients.client("s3", region)
    buckets = {parse_s3_uri(settings.output_uri).bucket}
    buckets |= {parse_s3_uri(job.input_uri).bucket for job in submission.jobs}
    for bucket in sorted(buckets):
        found = bucket_region(client, bucket)
        if found is not None and found != region:
            raise BjobError(
                f"the bucket {bucket} is in {found}, and the jobs would run in {region}: "
                "Bedrock reads and writes buckets of its own region only",
                ExitCode.CONFIGURATION,
                hint=f"pass --region {found}, or use a bucket in {region}",
            )


def existing_jobs(
    submission: Submission, clients: AwsClients, region: str | None
) -> dict[str, str]:
    """The jobs an earlier run made (by their names and clientRequestTokens): token -> ARN."""
    from bjob.aws.bedrock import iter_job_summaries
    from bjob.aws.errors import translated_errors

    tokens = {job.token for job in submission.jobs}
    prefix = submission.jobs[0].name
    found: dict[str, str] = {}
    with translated_errors(profile=clients.options.profile):
        for summary in iter_job_summaries(clients.bedrock(region), nameContains=prefix):
            token = summary.get("clientRequestToken")
            if token in tokens and summary.get("jobArn"):
                found.setdefault(str(token), str(summary["jobArn"]))
    return found


def slots_in_use(
    submission: Submission, clients: AwsClients, region: str | None, now: datetime
) -> Slots:
    """Jobs submitted or in progress on the base model, against its concurrent-jobs quota."""
    from bjob.model.models import base_model_id
    from bjob.usecases.polling import discover_active_jobs

    base = submission.lookup.model.model_id
    active = [
        job
        for job in discover_active_jobs(clients, region, now)
        if job.model_id and base_model_id(job.model_id) == base
    ]
    return Slots(submission.lookup.concurrent_jobs, len(active))


def upload_inputs(
    submission: Submission,
    clients: AwsClients,
    region: str | None,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> int:
    """Each shard to its object (streamed, multipart), unless an object with the same bytes
    is already there; the bytes uploaded."""
    from bjob.aws.s3 import upload, uploaded_sha256

    client = clients.client("s3", region)
    needed = [
        job
        for job in submission.jobs
        if job.upload
        and uploaded_sha256(client, parse_s3_uri(job.input_uri), job.bytes) != job.sha256
    ]
    on_start(sum(job.bytes for job in needed))
    wanted = {job.name for job in needed}
    dealt = submission.shard_of_record()
    for index, job in enumerate(submission.jobs):
        if not job.upload:
            break
        lines = _shard_lines(dealt, index, job.records)
        if job.name not in wanted:
            for _ in lines:  # already there: read past it
                pass
            continue
        if job.local_file is not None:  # the one shard: the file itself, from disk
            upload(client, parse_s3_uri(job.input_uri), job.local_file, job.sha256, on_bytes)
            continue
        reader = _ShardReader(lines, job.bytes)
        upload(client, parse_s3_uri(job.input_uri), reader, job.sha256, on_bytes)
        if reader.sent != job.bytes:
            raise BjobError(
                f"{job.input_uri}: {reader.sent:,} bytes were read of the {job.bytes:,} planned: "
                "the input changed while it was being submitted",
                ExitCode.INPUT_ERRORS,
            )
    return sum(job.bytes for job in needed)


def _shard_lines(dealt: Iterator[tuple[int, bytes]], index: int, records: int) -> Iterator[bytes]:
    for shard, line in itertools.islice(dealt, records):
        if shard != index:
            raise BjobError("the input changed while it was being submitted", ExitCode.INPUT_ERRORS)
        yield line + b"\n"


class _ShardReader(io.RawIOBase):
    """A shard's lines as a file to read: what s3transfer uploads from, a part at a time."""

    def __init__(self, lines: Iterator[bytes], size: int) -> None:
        self.lines = lines
        self.buffer = bytearray()
        self.sent = 0
        self.size = size

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
        self.sent += count
        return count


def create_jobs(
    submission: Submission,
    clients: AwsClients,
    region: str | None,
    existing: dict[str, str],
    slots: Slots,
) -> tuple[list[SubmittedJob], str | None]:
    """Each job not made yet, while the quota has room: (every job, with its ARN where it
    has one; why some were not made, or None)."""
    from bjob.aws.bedrock import create_job

    done: list[SubmittedJob] = []
    free = slots.free
    stopped: str | None = None
    for job in submission.jobs:
        if job.token in existing:
            done.append(SubmittedJob(job, existing[job.token], False))
            continue
        if stopped is not None or free <= 0:
            stopped = stopped or (
                f"the model's quota of {slots.quota.value:,.0f} submitted and in-progress jobs "
                f"({slots.quota.source}) has {slots.in_use:,} in use"
            )
            done.append(SubmittedJob(job, None, False))
            continue
        try:
            arn = create_job(dict(job.request), region, clients)
        except BjobError as error:
            if error.code is not ExitCode.QUOTA_FULL:
                raise
            stopped = error.message
            done.append(SubmittedJob(job, None, False))
            continue
        free -= 1
        done.append(SubmittedJob(job, arn, True))
    return done, stopped


def settings_of(job: Job, clients: AwsClients) -> JobSettings:
    """A new job like this one: its model, role, output, invocation type, timeout, KMS key,
    VPC and tags."""
    from bjob.aws.bedrock import job_tags

    if not (job.model_id and job.role_arn and job.output.s3_uri and job.arn):
        raise BjobError(
            "the job does not say its model, role or output: it cannot be submitted again",
            ExitCode.NOT_FOUND,
        )
    output = job.output.s3_uri if job.output.s3_uri.endswith("/") else job.output.s3_uri + "/"
    return JobSettings(
        model_id=job.model_id,
        role_arn=job.role_arn,
        output_uri=output,
        invocation_type=job.invocation_type or "InvokeModel",
        timeout_hours=job.timeout_hours,
        kms_key=job.output.kms_key_id,
        subnets=tuple(job.vpc.subnet_ids or ()),
        security_groups=tuple(job.vpc.security_group_ids or ()),
        tags=tuple(job_tags(job.arn, job.region, clients)),
    )


def retry_named(
    submission: Submission, base: str, settings: JobSettings, clients: AwsClients, region: str
) -> Submission:
    """The submission named <base>-1, or -2... : the first name no job has, or whose jobs
    carry this submission's tokens (an earlier run of the same retry)."""
    from bjob.aws.bedrock import iter_job_summaries
    from bjob.aws.errors import translated_errors

    for number in itertools.count(1):
        candidate = submission.named(f"{base}-{number}", settings)
        names = {job.name: job.token for job in candidate.jobs}
        with translated_errors(profile=clients.options.profile):
            taken = [
                summary
                for summary in iter_job_summaries(
                    clients.bedrock(region), nameContains=f"{base}-{number}"
                )
                if summary.get("jobName") in names
            ]
        if all(names[str(item["jobName"])] == item.get("clientRequestToken") for item in taken):
            return candidate
    raise AssertionError("unreachable")
