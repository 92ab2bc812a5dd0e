"""S3 locations as the job names them: where its input is, and where its outputs go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.model.job import Job


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str  # an object's key, or a prefix ("" or ending in "/")

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def child(self, name: str) -> S3Location:
        return S3Location(self.bucket, self.key + name)


def parse_s3_uri(uri: str) -> S3Location:
    if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise BjobError(f"not an S3 URI: {uri!r}", ExitCode.USAGE)
    bucket, _, key = uri[5:].partition("/")
    return S3Location(bucket, key)


def folder_uri(text: str, option: str) -> str:
    """An S3 URI given as where things go (--output, --upload-to), as a folder: with a
    trailing slash unless it names the bucket alone; a usage error if not an S3 URI."""
    try:
        where = parse_s3_uri(text)
    except BjobError:
        raise BjobError(f"{option}: not an S3 URI: {text!r}", ExitCode.USAGE) from None
    return where.uri if not where.key or where.key.endswith("/") else where.uri + "/"


def output_folder(job: Job) -> S3Location:
    """Where Bedrock writes a job's outputs: a folder named after the job id under the job's
    output URI."""
    if not job.output.s3_uri or not job.job_id:
        raise BjobError(
            "the job names no output location", ExitCode.NOT_FOUND, hint="see bjob show"
        )
    base = parse_s3_uri(job.output.s3_uri)
    prefix = base.key if not base.key or base.key.endswith("/") else base.key + "/"
    return S3Location(base.bucket, f"{prefix}{job.job_id}/")


def input_location(job: Job) -> S3Location:
    if not job.input.s3_uri:
        raise BjobError("the job names no input location", ExitCode.NOT_FOUND)
    return parse_s3_uri(job.input.s3_uri)
