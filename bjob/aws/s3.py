"""Reading a job's files from S3: listing a folder, streaming an object line by line, and
downloading one; S3's failures translated with the bucket, key and permission they concern.

S3's endpoint and credentials come from the standard AWS configuration (AWS_ENDPOINT_URL_S3,
AWS_ENDPOINT_URL, the profile's services section), as botocore resolves them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bjob.aws.errors import error_code, translated_errors
from bjob.model.exits import BjobError, ExitCode
from bjob.model.lines import CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location

_NOT_FOUND_CODES = {"NoSuchKey", "NotFound", "404"}
_DENIED_CODES = {"AccessDenied", "Forbidden", "403", "AllAccessDisabled", "KMS.AccessDenied"}


@dataclass(frozen=True)
class S3Object:
    location: S3Location
    size: int


def s3_errors(location: S3Location, *, kms_key: str | None = None) -> AbstractContextManager[None]:
    """S3 failures as BjobError naming the bucket or key, and the permission a denial needs."""
    return translated_errors(
        location.uri, service="S3", translate=lambda error: _s3_error(error, location, kms_key)
    )


def _s3_error(error: Exception, location: S3Location, kms_key: str | None) -> BjobError | None:
    from botocore import exceptions as bx

    code = error_code(error)
    if code == "NoSuchBucket":
        return BjobError(f"no such bucket: {location.bucket}", ExitCode.NOT_FOUND)
    if code in _NOT_FOUND_CODES:
        return BjobError(f"no such object: {location.uri}", ExitCode.NOT_FOUND)
    if code in _DENIED_CODES:
        needs = f"s3:ListBucket and s3:GetObject on the bucket {location.bucket}"
        if kms_key:
            needs += f", and kms:Decrypt on the job's KMS key {kms_key}"
        return BjobError(
            f"not authorized to read {location.uri}",
            ExitCode.NOT_AUTHORIZED,
            hint=f"reading a job's files needs {needs}",
        )
    streaming = (bx.ResponseStreamingError, bx.ReadTimeoutError, bx.IncompleteReadError)
    if isinstance(error, streaming) or type(error).__name__ in ("ProtocolError", "IncompleteRead"):
        return BjobError(
            f"reading {location.uri} broke off: {error}",
            ExitCode.TEMPORARY,
            hint="this is usually temporary; try again shortly",
        )
    return None


def _get_object(client: Any, location: S3Location, owner: str | None) -> Any:
    """GetObject's body, naming the expected bucket owner when the job does."""
    return client.get_object(Bucket=location.bucket, Key=location.key, **_owner(owner))["Body"]


def _owner(owner: str | None) -> dict[str, str]:
    return {"ExpectedBucketOwner": owner} if owner else {}


def list_objects(
    client: Any, folder: S3Location, owner: str | None, kms_key: str | None = None
) -> list[S3Object]:
    """Every object under the folder (ListObjectsV2, 1,000 a page), in key order."""
    found = []
    with s3_errors(folder, kms_key=kms_key):
        pages = client.get_paginator("list_objects_v2").paginate(
            Bucket=folder.bucket, Prefix=folder.key, **_owner(owner)
        )
        for page in pages:
            for item in page.get("Contents", []):
                found.append(S3Object(S3Location(folder.bucket, item["Key"]), int(item["Size"])))
    return found


def iter_lines(
    client: Any,
    location: S3Location,
    owner: str | None,
    kms_key: str | None = None,
    max_line: int | None = None,
) -> Iterator[bytes]:
    """The object's lines (without their line ends), read as a stream: one GetObject, a
    megabyte at a time, never the whole object in memory. A line longer than `max_line` is
    given as its first max_line + 1 bytes, and the rest of it skipped."""
    with s3_errors(location, kms_key=kms_key):
        body = _get_object(client, location, owner)
        try:
            yield from split_lines(iter(lambda: body.read(CHUNK_BYTES), b""), max_line)
        finally:
            body.close()


def read_object(
    client: Any, location: S3Location, owner: str | None, limit: int, kms_key: str | None = None
) -> bytes:
    """A small object whole (a manifest), at most `limit` bytes."""
    with s3_errors(location, kms_key=kms_key):
        with _get_object(client, location, owner) as body:
            data: bytes = body.read(limit + 1)
    if len(data) > limit:
        raise BjobError(f"{location.uri} is larger than {limit:,} bytes", ExitCode.TEMPORARY)
    return data


def download(
    client: Any,
    item: S3Object,
    path: Path,
    owner: str | None,
    on_bytes: Callable[[int], None],
    kms_key: str | None = None,
) -> None:
    """The object to `path`, whole or not at all: written under a temporary name beside it,
    then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.bjob-partial")
    location = item.location
    try:
        with s3_errors(location, kms_key=kms_key):
            with _get_object(client, location, owner) as body, open(partial, "wb") as file:
                while chunk := body.read(CHUNK_BYTES):
                    file.write(chunk)
                    on_bytes(len(chunk))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
