"""What `bjob submit` sends, worked out before anything is sent: the job's settings checked
against the API's documented patterns, the input split into shards that each fit every
limit, and the CreateModelInvocationJob request for each shard, with a clientRequestToken
derived from what defines the job (so a second run finds the jobs the first one made).
Pure state and functions."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bjob.model.check import Limits
from bjob.model.exits import BjobError, ExitCode

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


def shard_names(name: str, count: int) -> list[str]:
    return [name] if count == 1 else [f"{name}-{index}" for index in range(1, count + 1)]


@dataclass(frozen=True)
class ShardLimits:
    """What one shard (one job, one input file) may hold."""

    max_records: int
    max_bytes: int
    min_records: int


def shard_limits(limits: Limits) -> ShardLimits:
    return ShardLimits(
        int(min(limits.records_per_job.value, limits.records_per_input_file.value)),
        int(min(limits.job_bytes.value, limits.input_file_bytes.value)),
        int(limits.min_records_per_job.value),
    )


def shard_count(records: int, size: int, limits: ShardLimits) -> int:
    """How many shards the records need: as few as every limit allows."""
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


@dataclass
class Shard:
    """One job's input: a run of consecutive records, its bytes and their SHA-256."""

    index: int
    records: int = 0
    bytes: int = 0
    digest: Any = field(default_factory=hashlib.sha256, repr=False)
    local_file: str | None = None  # the shard is exactly this file, byte for byte

    @property
    def sha256(self) -> str:
        return str(self.digest.hexdigest())


class Sharder:
    """Records, in order, dealt into `count` shards of even size: each shard takes its share
    of the records (the first ones one more when they do not divide evenly), and starts a
    new shard early if the next record would pass the byte limit (uneven record sizes can
    then make one shard more). done() refuses a shard left too small, so the plan is never
    silently broken."""

    def __init__(self, records: int, count: int, limits: ShardLimits) -> None:
        self.limits = limits
        base, extra = divmod(records, count)
        self.base = base
        self.targets = [base + (1 if index < extra else 0) for index in range(count)]
        self.shards = [Shard(0)]

    def add(self, line: bytes) -> int:
        """The shard this record (a line without its line end) goes to."""
        shard = self.shards[-1]
        size = len(line) + 1
        index = len(self.shards) - 1
        target = self.targets[index] if index < len(self.targets) else self.base
        if shard.records and (
            shard.records >= target or shard.bytes + size > self.limits.max_bytes
        ):
            shard = Shard(len(self.shards))
            self.shards.append(shard)
        shard.records += 1
        shard.bytes += size
        shard.digest.update(line + b"\n")
        return shard.index

    def done(self) -> list[Shard]:
        for shard in self.shards:
            if shard.bytes > self.limits.max_bytes:
                raise BjobError(
                    f"a record of job {shard.index + 1} is larger than a job may hold "
                    f"({self.limits.max_bytes:,} bytes)",
                    ExitCode.INPUT_ERRORS,
                )
            if shard.records < self.limits.min_records:
                raise BjobError(
                    f"job {shard.index + 1} would hold {shard.records:,} records: fewer than "
                    f"the {self.limits.min_records:,} a job needs",
                    ExitCode.INPUT_ERRORS,
                )
        return self.shards


def client_token(name: str, settings: JobSettings, input_uri: str, content_sha256: str) -> str:
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
        ",".join(f"{key}={value}" for key, value in settings.tags),
    ]
    return "bjob" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:60]


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
class PlannedJob:
    name: str
    input_uri: str
    records: int
    bytes: int
    sha256: str
    token: str
    request: Mapping[str, Any]
    upload: bool  # the input is to be uploaded (False: an S3 input used where it is)
    local_file: str | None = None  # uploaded as it is: the shard is this whole file


@dataclass(frozen=True)
class SubmittedJob:
    planned: PlannedJob
    arn: str | None  # None: not created (a dry run, or no free slot)
    created: bool  # made by this run (False: found from an earlier run, or not made)
