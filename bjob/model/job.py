"""The job model: one frozen dataclass for a batch inference job, built by `normalize_job`.

Everything bjob shows, prints as JSON or exits with is read from a `Job`, never from
the raw response, so the three can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bjob.support.exits import BjobError, ExitCode


@dataclass(frozen=True)
class StatusInfo:
    terminal: bool
    colour: str
    explanation: str
    exit_code: ExitCode


STATUSES: dict[str, StatusInfo] = {
    "Submitted": StatusInfo(False, "cyan", "Queued for validation.", ExitCode.JOB_NOT_FINISHED),
    "Validating": StatusInfo(
        False,
        "cyan",
        "Checking IAM and S3 access, the JSONL format and quotas.",
        ExitCode.JOB_NOT_FINISHED,
    ),
    "Scheduled": StatusInfo(
        False, "cyan", "Validated; waiting for its turn to run.", ExitCode.JOB_NOT_FINISHED
    ),
    "InProgress": StatusInfo(
        False,
        "blue",
        "Running; results are being written to the output location.",
        ExitCode.JOB_NOT_FINISHED,
    ),
    "Stopping": StatusInfo(
        False,
        "yellow",
        "A stop was requested; the job is winding down.",
        ExitCode.JOB_NOT_FINISHED,
    ),
    "Completed": StatusInfo(True, "green", "All records were processed.", ExitCode.OK),
    "PartiallyCompleted": StatusInfo(
        True,
        "yellow",
        "Not all records could be processed before the timeout.",
        ExitCode.JOB_PARTIALLY_COMPLETED,
    ),
    "Failed": StatusInfo(True, "red", "The job failed; see the message.", ExitCode.JOB_FAILED),
    "Stopped": StatusInfo(
        True,
        "magenta",
        "Stopped by a user; only processed tokens are charged.",
        ExitCode.JOB_STOPPED,
    ),
    "Expired": StatusInfo(
        True,
        "red",
        "Scheduled, but did not start before its timeout.",
        ExitCode.JOB_EXPIRED,
    ),
}
TERMINAL_STATUSES = tuple(name for name, info in STATUSES.items() if info.terminal)
ACTIVE_STATUSES = tuple(name for name, info in STATUSES.items() if not info.terminal)
WAITING_STATUSES = ("Submitted", "Validating", "Scheduled")

_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z0-9-]+)?):bedrock:(?P<region>[a-z0-9-]{1,20}):"
    r"(?P<account>[0-9]{12}):model-invocation-job/(?P<id>[a-z0-9]{12})$"
)


@dataclass(frozen=True)
class InputLocation:
    s3_uri: str | None = None
    format: str | None = None
    bucket_owner: str | None = None


@dataclass(frozen=True)
class OutputLocation:
    s3_uri: str | None = None
    kms_key_id: str | None = None
    bucket_owner: str | None = None


@dataclass(frozen=True)
class Vpc:
    subnet_ids: tuple[str, ...] | None = None
    security_group_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Job:
    arn: str | None
    job_id: str | None
    name: str | None
    region: str | None
    account: str | None
    status: str | None
    message: str | None
    model_id: str | None
    invocation_type: str | None
    client_request_token: str | None
    role_arn: str | None
    submit_time: datetime | None
    last_modified_time: datetime | None
    end_time: datetime | None
    expiration_time: datetime | None
    timeout_hours: int | None
    total_records: int | None
    processed_records: int | None
    succeeded_records: int | None
    failed_records: int | None
    input: InputLocation
    output: OutputLocation
    vpc: Vpc

    @property
    def status_info(self) -> StatusInfo | None:
        return STATUSES.get(self.status or "")

    @property
    def is_terminal(self) -> bool:
        """Known terminal statuses end a job; an unknown one does once AWS gives an end time."""
        info = self.status_info
        if info is not None:
            return info.terminal
        return self.end_time is not None

    @property
    def is_waiting(self) -> bool:
        """Not started yet: queued, validating or scheduled."""
        return self.status in WAITING_STATUSES

    @property
    def pending_records(self) -> int | None:
        """Records still to be processed, while the job runs (an ended job has none)."""
        return None if self.is_terminal else self._unprocessed()

    @property
    def not_processed_records(self) -> int | None:
        """Records an ended job never processed (PartiallyCompleted, Stopped, Expired...)."""
        return self._unprocessed() if self.is_terminal else None

    def _unprocessed(self) -> int | None:
        if self.total_records is None or self.processed_records is None:
            return None
        return max(self.total_records - self.processed_records, 0)

    @property
    def fraction_done(self) -> float | None:
        # The service reports a total of 0 while validating: no fraction yet.
        if not self.total_records or self.processed_records is None:
            return None
        return min(self.processed_records / self.total_records, 1.0)

    @property
    def success_rate(self) -> float | None:
        if not self.processed_records or self.succeeded_records is None:
            return None
        return min(self.succeeded_records / self.processed_records, 1.0)

    def snapshot_moment(self) -> datetime | None:
        """The moment a saved response shows the job at: when it ended, or was last
        modified (its figures are measured as of then, not today)."""
        if self.is_terminal and self.end_time is not None:
            return self.end_time
        return self.last_modified_time or self.submit_time

    def elapsed_seconds(self, now: datetime) -> float | None:
        """How long the job ran (ended) or has been running (not ended), from submission."""
        if self.submit_time is None:
            return None
        until = self.end_time
        if until is None:
            until = self.last_modified_time if self.is_terminal else now
        if until is None:
            return None
        return max((until - self.submit_time).total_seconds(), 0.0)

    def time_left_seconds(self, now: datetime) -> float | None:
        """Seconds until the job's timeout, while it has not ended."""
        if self.expiration_time is None or self.is_terminal:
            return None
        return (self.expiration_time - now).total_seconds()

    def state_exit_code(self) -> ExitCode:
        """The exit code for `--exit-status` and watch: how (or whether) the job ended."""
        info = self.status_info
        if info is not None:
            return info.exit_code
        return ExitCode.JOB_UNKNOWN_END if self.is_terminal else ExitCode.JOB_NOT_FINISHED


class MalformedJobError(BjobError):
    """A response that cannot be a GetModelInvocationJob output: from the service, temporary
    trouble (exit 5) that names the job asked for; show re-raises it as a usage error (2)
    for a saved file."""

    def __init__(self, reason: str, subject: str | None = None) -> None:
        about = f" ({subject})" if subject else ""
        super().__init__(f"malformed response from Bedrock{about}: {reason}", ExitCode.TEMPORARY)
        self.reason = reason

    def about(self, subject: str) -> MalformedJobError:
        """The same error, naming what was asked for."""
        return MalformedJobError(self.reason, subject)


def parse_arn(arn: str) -> re.Match[str] | None:
    return _ARN_RE.match(arn)


def normalize_job(response: Mapping[str, Any]) -> Job:
    """Build a Job from a GetModelInvocationJob response or a ListModelInvocationJobs summary.

    Accepts botocore's parsed form (datetimes) and the AWS CLI's JSON (ISO-8601 strings).
    Every member is optional; a response with neither jobArn nor status is no job at all.
    """
    if not isinstance(response, dict):
        raise MalformedJobError("the response is not a JSON object")
    if response.get("jobArn") is None and response.get("status") is None:
        raise MalformedJobError("the response has neither jobArn nor status")
    arn = _string(response, "jobArn")
    arn_parts = parse_arn(arn) if arn else None
    input_config = _mapping(_mapping(response, "inputDataConfig"), "s3InputDataConfig")
    output_config = _mapping(_mapping(response, "outputDataConfig"), "s3OutputDataConfig")
    vpc_config = _mapping(response, "vpcConfig")
    return Job(
        arn=arn,
        job_id=arn_parts["id"] if arn_parts else (arn.rsplit("/", 1)[-1] if arn else None),
        name=_string(response, "jobName"),
        region=arn_parts["region"] if arn_parts else None,
        account=arn_parts["account"] if arn_parts else None,
        status=_string(response, "status"),
        message=_string(response, "message"),
        model_id=_string(response, "modelId"),
        invocation_type=_string(response, "modelInvocationType"),
        client_request_token=_string(response, "clientRequestToken"),
        role_arn=_string(response, "roleArn"),
        submit_time=_timestamp(response, "submitTime"),
        last_modified_time=_timestamp(response, "lastModifiedTime"),
        end_time=_timestamp(response, "endTime"),
        expiration_time=_timestamp(response, "jobExpirationTime"),
        timeout_hours=_integer(response, "timeoutDurationInHours"),
        total_records=_integer(response, "totalRecordCount"),
        processed_records=_integer(response, "processedRecordCount"),
        succeeded_records=_integer(response, "successRecordCount"),
        failed_records=_integer(response, "errorRecordCount"),
        input=InputLocation(
            s3_uri=_string(input_config, "s3Uri"),
            format=_string(input_config, "s3InputFormat"),
            bucket_owner=_string(input_config, "s3BucketOwner"),
        ),
        output=OutputLocation(
            s3_uri=_string(output_config, "s3Uri"),
            kms_key_id=_string(output_config, "s3EncryptionKeyId"),
            bucket_owner=_string(output_config, "s3BucketOwner"),
        ),
        vpc=Vpc(
            subnet_ids=_strings(vpc_config, "subnetIds"),
            security_group_ids=_strings(vpc_config, "securityGroupIds"),
        ),
    )


# The helpers below run for every job of a listing (thousands): plain type checks, no ABCs.


def _mapping(source: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = source.get(key)
    if value is None:
        return _EMPTY
    if not isinstance(value, dict):
        raise MalformedJobError(f"{key} is not an object")
    return value


_EMPTY: Mapping[str, Any] = {}


def _string(source: Mapping[str, Any], key: str) -> str | None:
    value = source.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MalformedJobError(f"{key} is not a string")


def _strings(source: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    value = source.get(key)
    if value is None:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise MalformedJobError(f"{key} is not a list of strings")


def _integer(source: Mapping[str, Any], key: str) -> int | None:
    value = source.get(key)
    # type() rather than isinstance: bool is an int subclass in Python, but never a count.
    if value is None or type(value) is int:
        return value
    raise MalformedJobError(f"{key} is not an integer")


def _timestamp(source: Mapping[str, Any], key: str) -> datetime | None:
    value = source.get(key)
    if value is None:
        return None
    if type(value) is str:
        try:
            parsed = datetime.fromisoformat(value)  # Python 3.11 reads "Z" and any fraction
        except ValueError:
            raise MalformedJobError(f"{key} is not an ISO-8601 timestamp: {value!r}") from None
    elif isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        # Epoch seconds: what botocore's wire format would give for a numeric timestamp.
        try:
            parsed = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise MalformedJobError(f"{key} is out of range: {value!r}") from None
    else:
        raise MalformedJobError(f"{key} is not a timestamp")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    if parsed.utcoffset():
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise MalformedJobError(f"{key} is out of range: {value!r}") from None
    return parsed


def canonical_status(text: str) -> str:
    """The documented spelling of a status typed in any case; a usage error for no status."""
    for name in STATUSES:
        if name.lower() == text.strip().lower():
            return name
    raise BjobError(
        f"not a job status: {text!r}",
        ExitCode.USAGE,
        hint="one of " + ", ".join(STATUSES),
    )
