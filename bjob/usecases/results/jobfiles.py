"""A job's files on S3 as every reader of them sees them (results, answers, runs): its
S3 side (client, bucket owners, KMS key), reading again what broke off, which output files
hold records, the manifest, the input's lines numbered and the ids the join needs."""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from typing import Any

import orjson

from bjob.aws.s3 import S3Object, iter_lines, list_objects, read_again, read_chunks
from bjob.aws.s3 import read_object as read_whole_object
from bjob.aws.session import AwsClients
from bjob.model.job import Job
from bjob.model.join import InputKey, received_record_keys, record_keys
from bjob.model.lines import BOM
from bjob.model.locations import S3Location
from bjob.support.concurrent import Cancel
from bjob.support.workers import Workers

__all__ = ["read_again"]  # (S3's: what broke off is read again, for every reader of a job)

MANIFEST = "manifest.json.out"
MANIFEST_LIMIT = 1 << 20
WORKER_BYTES = 8 << 20  # smaller input files are parsed here sooner than a worker starts


class JobS3:
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

    def chunks(
        self, location: S3Location, owner: str | None, cancel: Cancel | None = None
    ) -> Iterator[bytes]:
        """An object's bytes, as read (verified once the last chunk is read; no request is
        made before the first is asked for)."""
        return read_chunks(self.client, location, owner, self.kms_key, cancel)

    def input_lines(self, location: S3Location, cancel: Cancel | None = None) -> Iterator[bytes]:
        """An input file's lines, as Bedrock reads them (a \r\n line end is a line end)."""
        return iter_lines(
            self.client, location, self.input_owner, self.kms_key, cancel=cancel, crlf=True
        )


def is_record_file(name: str) -> bool:
    """Every .out file but the manifests (the job's own at the top, and any copy below)."""
    return name.endswith(".out") and name.rsplit("/", 1)[-1] != MANIFEST


def read_manifest(
    s3: JobS3, objects: Sequence[S3Object], folder: S3Location, warnings: list[str]
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


def input_record_keys(
    s3: JobS3,
    location: S3Location,
    cancel: Cancel,
    workers: Workers | None = None,
    size: int = 0,
) -> list[tuple[int, InputKey]]:
    """What the join needs of every non-blank line of one input file; parsed by one of
    `workers` (another core) when the file is big enough to pay for it."""

    def attempt() -> list[tuple[int, InputKey]]:
        if workers is not None and size >= WORKER_BYTES:
            sent = workers.run(
                "bjob.model.join:sent_record_keys", s3.chunks(location, s3.input_owner, cancel)
            )
            if sent is not None:
                return received_record_keys(sent)
        return record_keys(s3.chunks(location, s3.input_owner, cancel))

    return read_again(attempt)


def numbered_lines(lines: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """An input file's lines, numbered from 1, a UTF-8 byte-order mark taken off the first
    (as `bjob check` reads it: a warning there, not an unreadable record)."""
    for number, line in enumerate(lines, start=1):
        yield number, line.removeprefix(BOM) if number == 1 else line


def output_file_name(key: str, prefix: str, outcomes: Container[str]) -> str:
    """The output file an input file's records went to: its path under the input prefix,
    or its bare name (how Bedrock names nested inputs is not documented)."""
    relative = key[len(prefix) :] if key.startswith(prefix) else key
    if relative in outcomes:
        return relative
    return key.rsplit("/", 1)[-1]
