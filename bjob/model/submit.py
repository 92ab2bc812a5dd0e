"""What `bjob submit` sends, worked out before anything is sent: the job's settings checked
against the API's documented patterns, the input split into shards that each fit every
limit, and the CreateModelInvocationJob request for each shard, with a clientRequestToken
derived from what defines the job (so a second run finds the jobs the first one made).
Pure state and functions."""

from __future__ import annotations

import base64
import hashlib
import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bjob.model.check import Limit, Limits
from bjob.model.cost import CostEstimate
from bjob.model.locations import S3Location
from bjob.model.runs import run_token
from bjob.support.exits import BjobError, ExitCode

# The API's patterns (the botocore service model for bedrock).
JOB_NAME = re.compile(r"^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}$")
ROLE_ARN = re.compile(r"^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$")
TAG_KEY = re.compile(r"^[a-zA-Z0-9\s._:/=+@-]{1,128}$")
TAG_VALUE = re.compile(r"^[a-zA-Z0-9\s._:/=+@-]{0,256}$")
MIN_TIMEOUT_HOURS, MAX_TIMEOUT_HOURS = 24, 168
MAX_TAGS = 200


@dataclass(frozen=True)
class JobSettings:
    """What every job of a submission shares."""

    model_id: str  # as the job will name it (an id, or an inference profile)
    role_arn: str
    output_uri: str
    invocation_type: str = "InvokeModel"
    timeout_hours: int | None = None
    kms_key: str | None = None
    subnets: tuple[str, ...] = ()
    security_groups: tuple[str, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    input_owner: str | None = None


def check_settings(settings: JobSettings, names: Sequence[str]) -> None:
    """Everything the API would refuse by its patterns and ranges, said before any request."""
    if not ROLE_ARN.match(settings.role_arn):
        raise BjobError(
            f"--role: not an IAM role ARN: {settings.role_arn!r}",
            ExitCode.USAGE,
            hint="arn:aws:iam::123456789012:role/BedrockBatchRole",
        )
    for name in names:
        if not JOB_NAME.match(name):
            raise BjobError(
                f"--name: {name!r} is not a job name Bedrock takes: letters and digits, then "
                "letters, digits, + - . (at most 63 + 63 characters)",
                ExitCode.USAGE,
            )
    hours = settings.timeout_hours
    if hours is not None and not MIN_TIMEOUT_HOURS <= hours <= MAX_TIMEOUT_HOURS:
        raise BjobError(
            f"--timeout-hours: {hours} is not between {MIN_TIMEOUT_HOURS} and {MAX_TIMEOUT_HOURS}",
            ExitCode.USAGE,
        )
    if bool(settings.subnets) != bool(settings.security_groups):
        raise BjobError("--subnet and --security-group go together", ExitCode.USAGE)
    if len(settings.tags) > MAX_TAGS:
        raise BjobError(f"--tag: at most {MAX_TAGS} tags", ExitCode.USAGE)
    for key, value in settings.tags:
        if not TAG_KEY.match(key) or not TAG_VALUE.match(value):
            raise BjobError(f"--tag: {key}={value} is not a tag AWS takes", ExitCode.USAGE)


INVOCATION_TYPES = ("InvokeModel", "Converse")


def checked_invocation_type(text: str) -> str:
    """A job's model invocation type (--type) as given, checked: a usage error otherwise."""
    if text not in INVOCATION_TYPES:
        raise BjobError(f"--type: InvokeModel or Converse, not {text!r}", ExitCode.USAGE)
    return text


def parse_tags(texts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    tags = []
    for text in texts:
        key, sep, value = text.partition("=")
        if not sep or not key:
            raise BjobError(f"--tag: expected KEY=VALUE, not {text!r}", ExitCode.USAGE)
        tags.append((key, value))
    return tuple(tags)


def default_name(first_input: str) -> str:
    """A job name from the input's name: "tickets-2026.jsonl" -> "tickets-2026"."""
    stem = first_input.rstrip("/").rsplit("/", 1)[-1].removesuffix(".jsonl") or "batch"
    cleaned = re.sub(r"[^a-zA-Z0-9\-]+", "-", stem).strip("-")
    cleaned = re.sub(r"^[^a-zA-Z0-9]+", "", cleaned)[:60] or "batch"
    return cleaned


def part_names(name: str, count: int) -> list[str]:
    """A submission's job names: NAME alone, or NAME-1, NAME-2... when split."""
    return [name] if count == 1 else [f"{name}-{index}" for index in range(1, count + 1)]


def is_part_name(job_name: str, name: str) -> bool:
    """NAME or NAME-k: a name one of NAME's submissions gives its parts."""
    return job_name == name or bool(re.fullmatch(re.escape(name) + r"-[0-9]+", job_name))


@dataclass(frozen=True)
class ShardLimits:
    """What one job, and one input file of a job, may hold."""

    max_records: int  # a job's
    max_bytes: int
    min_records: int
    file_records: int  # one input file's
    file_bytes: int


def shard_limits(limits: Limits) -> ShardLimits:
    return ShardLimits(
        int(limits.records_per_job.value),
        int(limits.job_bytes.value),
        int(limits.min_records_per_job.value),
        int(limits.records_per_input_file.value),
        int(limits.input_file_bytes.value),
    )


def job_count(records: int, size: int, limits: ShardLimits) -> int:
    """How many jobs the records need: as few as every limit allows."""
    if records < limits.min_records:
        raise BjobError(
            f"{records:,} records: a job needs at least {limits.min_records:,}",
            ExitCode.INPUT_ERRORS,
        )
    count = max(1, math.ceil(records / limits.max_records), math.ceil(size / limits.max_bytes))
    if records // count < limits.min_records:
        raise BjobError(
            f"{records:,} records cannot be split into {count} jobs of at least "
            f"{limits.min_records:,} records each (and at most {limits.max_records:,} records "
            f"and {limits.max_bytes:,} bytes each)",
            ExitCode.INPUT_ERRORS,
        )
    return count


@dataclass(frozen=True)
class InputFacts:
    """What the check's reading learnt of one input file."""

    records: int
    bytes: int
    as_is: bool  # its bytes are its records exactly (one a line, \n ends, no BOM): sent as is


def whole_files(files: Sequence[InputFacts], limits: ShardLimits) -> list[list[int]] | None:
    """Whole files packed in order into as few jobs as the records need (each file its own
    input object, none cut); None when that takes more jobs, or leaves one too small, or a
    file alone passes a limit: then records are dealt (`Dealer`)."""
    count = job_count(sum(f.records for f in files), sum(f.bytes for f in files), limits)
    jobs: list[list[int]] = []
    records = size = 0
    for index, facts in enumerate(files):
        if facts.records > limits.file_records or facts.bytes > limits.file_bytes:
            return None
        if (
            not jobs
            or records + facts.records > limits.max_records
            or (size + facts.bytes > limits.max_bytes)
        ):
            jobs.append([])
            records = size = 0
        jobs[-1].append(index)
        records += facts.records
        size += facts.bytes
    counts = [sum(files[i].records for i in job) for job in jobs]
    if len(jobs) != count or min(counts) < limits.min_records:
        return None
    return jobs


@dataclass(frozen=True)
class LocalFile:
    """A file uploaded as it is: its path, the CRC-32 of its bytes when they were checked
    (S3 refuses an upload whose bytes do not have it), and its size, modification time and
    inode then (compared again after the upload)."""

    path: str
    crc32: str  # base64 of the big-endian CRC-32, as S3 takes it
    signature: tuple[int, int, int]


@dataclass
class InputObject:
    """One object under a job's input folder: consecutive records of one input file."""

    job: int
    source: int  # the input file's index
    name: str  # under the job's input folder
    records: int = 0
    bytes: int = 0
    digest: Any = field(default_factory=hashlib.sha256, repr=False)
    local_file: LocalFile | None = None  # the object is exactly this file, byte for byte
    crc32: int = 0  # of its bytes, as dealt (S3 refuses an upload of other bytes)

    @property
    def sha256(self) -> str:
        return str(self.digest.hexdigest())

    @property
    def crc32_text(self) -> str:
        return s3_crc32(self.crc32)


def s3_crc32(crc32: int) -> str:
    """A CRC-32 as S3 takes it (ChecksumCRC32): base64 of its 4 big-endian bytes."""
    return base64.b64encode(crc32.to_bytes(4, "big")).decode()


def object_names(uris: Sequence[str]) -> list[str]:
    """Each input file's object name: its own name, made unique (a/x.jsonl, b/x.jsonl ->
    x.jsonl, x-2.jsonl): the job's output for it is <name>.out."""
    names: list[str] = []
    taken: set[str] = set()
    for uri in uris:
        base = uri.rstrip("/").rsplit("/", 1)[-1] or "input.jsonl"
        stem = base.removesuffix(".jsonl")
        candidate, number = f"{stem}.jsonl", 1
        while candidate in taken:
            number += 1
            candidate = f"{stem}-{number}.jsonl"
        taken.add(candidate)
        names.append(candidate)
    return names


class Dealer:
    """Records, in input order, dealt into `count` jobs of even size: each job takes its
    share (the first ones one more when they do not divide evenly), and starts early if the
    next record would pass the job's byte limit. Within a job each input file's records are
    an object of their own, cut again only where a file passes the per-file limits. done()
    refuses a job left too small, so the plan is never silently broken."""

    def __init__(self, records: int, count: int, limits: ShardLimits, names: Sequence[str]):
        self.limits = limits
        self.names = names
        base, extra = divmod(records, count)
        self.base = base
        self.targets = [base + (1 if index < extra else 0) for index in range(count)]
        self.job_records = [0]
        self.job_bytes = [0]
        self.objects: list[InputObject] = []

    def add(self, source: int, line: bytes) -> int:
        """The object this record (a line without its line end) goes to."""
        size = len(line) + 1
        job = len(self.job_records) - 1
        target = self.targets[job] if job < len(self.targets) else self.base
        if self.job_records[job] and (
            self.job_records[job] >= target or self.job_bytes[job] + size > self.limits.max_bytes
        ):
            job += 1
            self.job_records.append(0)
            self.job_bytes.append(0)
        current = self.objects[-1] if self.objects else None
        if (
            current is None
            or current.job != job
            or current.source != source
            or current.records >= self.limits.file_records
            or current.bytes + size > self.limits.file_bytes
        ):
            current = InputObject(job, source, self._name(job, source))
            self.objects.append(current)
        current.records += 1
        current.bytes += size
        current.digest.update(line + b"\n")
        current.crc32 = zlib.crc32(b"\n", zlib.crc32(line, current.crc32))
        self.job_records[job] += 1
        self.job_bytes[job] += size
        return len(self.objects) - 1

    def _name(self, job: int, source: int) -> str:
        """The file's own name, or for a further piece of it in the same job `<stem>.partK`:
        never a name another object of the job has, or another input file is called."""
        pieces = sum(item.job == job and item.source == source for item in self.objects)
        name = self.names[source]
        if not pieces:
            return name
        taken = set(self.names) | {item.name for item in self.objects if item.job == job}
        number = pieces + 1
        while (candidate := f"{name.removesuffix('.jsonl')}.part{number}.jsonl") in taken:
            number += 1
        return candidate

    def done(self) -> list[InputObject]:
        for job, (records, size) in enumerate(zip(self.job_records, self.job_bytes, strict=True)):
            if size > self.limits.max_bytes:
                raise BjobError(
                    f"a record of job {job + 1} is larger than a job may hold "
                    f"({self.limits.max_bytes:,} bytes)",
                    ExitCode.INPUT_ERRORS,
                )
            if records < self.limits.min_records:
                raise BjobError(
                    f"job {job + 1} would hold {records:,} records: fewer than "
                    f"the {self.limits.min_records:,} a job needs",
                    ExitCode.INPUT_ERRORS,
                )
        return self.objects


def content_digest(objects: Sequence[InputObject]) -> str:
    """A job's input, as one hash: its objects' names and bytes."""
    digest = hashlib.sha256()
    for item in objects:
        digest.update(f"{item.name}\0{item.sha256}\0".encode())
    return digest.hexdigest()


def job_digest(name: str, settings: JobSettings, input_uri: str, content_sha256: str) -> str:
    """What defines a job, hashed: the same job asked for twice is one job."""
    parts = [
        name,
        settings.model_id,
        settings.role_arn,
        settings.output_uri,
        input_uri,
        content_sha256,
        settings.invocation_type,
        str(settings.timeout_hours),
        settings.kms_key or "",
        ",".join(settings.subnets),
        ",".join(settings.security_groups),
        ",".join(f"{key}={value}" for key, value in sorted(settings.tags)),  # (any order)
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def create_request(name: str, settings: JobSettings, input_uri: str, token: str) -> dict[str, Any]:
    """The CreateModelInvocationJob request, as bjob sends it (and --dry-run --json shows)."""
    request: dict[str, Any] = {
        "jobName": name,
        "roleArn": settings.role_arn,
        "modelId": settings.model_id,
        "clientRequestToken": token,
        "inputDataConfig": {
            "s3InputDataConfig": {
                "s3Uri": input_uri,
                "s3InputFormat": "JSONL",
                **({"s3BucketOwner": settings.input_owner} if settings.input_owner else {}),
            }
        },
        "outputDataConfig": {
            "s3OutputDataConfig": {
                "s3Uri": settings.output_uri,
                **({"s3EncryptionKeyId": settings.kms_key} if settings.kms_key else {}),
            }
        },
    }
    if settings.invocation_type != "InvokeModel":
        request["modelInvocationType"] = settings.invocation_type
    if settings.timeout_hours is not None:
        request["timeoutDurationInHours"] = settings.timeout_hours
    if settings.subnets:
        request["vpcConfig"] = {
            "subnetIds": list(settings.subnets),
            "securityGroupIds": list(settings.security_groups),
        }
    if settings.tags:
        request["tags"] = [{"key": key, "value": value} for key, value in settings.tags]
    return request


@dataclass(frozen=True)
class PlannedObject:
    """An object a job reads: where, and what it must hold."""

    uri: str
    records: int
    bytes: int
    sha256: str
    local_file: LocalFile | None = None  # uploaded from disk: the object is this whole file
    crc32: str | None = None  # a dealt object's (a whole file's is its LocalFile's)


@dataclass(frozen=True)
class PlannedJob:
    name: str
    input_uri: str  # the folder of its objects, or an S3 input used where it is
    records: int
    bytes: int
    sha256: str  # of its input: content_digest of its objects
    token: str
    request: Mapping[str, Any]
    objects: tuple[PlannedObject, ...]  # to upload (none for an S3 input used where it is)

    @property
    def upload(self) -> bool:
        return bool(self.objects)


@dataclass(frozen=True)
class ExistingJob:
    """A planned job an earlier run created (found by its token)."""

    arn: str
    status: str | None


@dataclass(frozen=True)
class SubmittedJob:
    planned: PlannedJob
    arn: str | None  # None: not created (a dry run, no free slot, or interrupted)
    created: bool  # made by this run (False: found from an earlier run, or not made)
    status: str | None = None  # an earlier run's job: its status when it was found


ENDED_CODES = {  # an earlier run's job that has ended otherwise than Completed
    "Failed": ExitCode.JOB_FAILED,
    "PartiallyCompleted": ExitCode.JOB_PARTIALLY_COMPLETED,
    "Stopped": ExitCode.JOB_STOPPED,
    "Stopping": ExitCode.JOB_STOPPED,
    "Expired": ExitCode.JOB_EXPIRED,
}


@dataclass(frozen=True)
class SubmissionPlan:
    """What a submission will do, as shown before anything costs money (and in a dry run):
    every planned job, which of them an earlier run made, which objects are there already,
    and how many jobs the model's quota has room for."""

    model: str  # as shown: its name and the id the jobs carry
    cost: CostEstimate  # what the input will cost: tokens counted, prices from the Price List
    settings: JobSettings
    region: str
    jobs: tuple[PlannedJob, ...]
    existing: Mapping[str, ExistingJob]  # token -> an earlier run's job
    quota: Limit  # the model's submitted and in-progress jobs
    in_use: int
    reused: frozenset[str]  # object URIs already holding the planned bytes (bjob's uploads)
    warnings: tuple[str, ...]
    in_place: bool = False  # an S3 input used where it is

    @property
    def free(self) -> int:
        return max(0, int(self.quota.value) - self.in_use)

    @property
    def missing(self) -> list[PlannedJob]:
        return [job for job in self.jobs if job.token not in self.existing]

    @property
    def to_create(self) -> list[PlannedJob]:
        """The missing jobs the model's quota has room for, in order."""
        return self.missing[: self.free]

    @property
    def no_room(self) -> str | None:
        if len(self.to_create) == len(self.missing):
            return None
        return (
            f"the model's quota of {self.quota.value:,.0f} submitted and in-progress jobs "
            f"({self.quota.source}) has {self.in_use:,} in use"
        )

    @property
    def uploads(self) -> list[PlannedObject]:
        return [
            item for job in self.to_create for item in job.objects if item.uri not in self.reused
        ]

    @property
    def ended(self) -> list[tuple[PlannedJob, ExistingJob]]:
        """An earlier run's jobs that ended otherwise than Completed."""
        return [
            (job, self.existing[job.token])
            for job in self.jobs
            if job.token in self.existing and self.existing[job.token].status in ENDED_CODES
        ]

    def exit_code(self) -> ExitCode:
        """What the submission exits with once it has done all it could."""
        if self.no_room is not None:
            return ExitCode.QUOTA_FULL
        return max((ENDED_CODES[str(found.status)] for _, found in self.ended), default=ExitCode.OK)


def plan_jobs(
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
                    uri + item.name,
                    item.records,
                    item.bytes,
                    item.sha256,
                    item.local_file,
                    None if item.local_file is not None else item.crc32_text,
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
