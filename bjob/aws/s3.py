"""Reading a job's files from S3: listing a folder, and streaming an object a chunk at a time,
every byte verified; S3's failures translated with the bucket, key and permission they
concern. Writing local files is bjob.support.localfiles' business.

A body is complete only when botocore's stream has checked its length against
Content-Length and, where S3 returns one, its checksum (GetObject with ChecksumMode); an
object without such a checksum is checked against its ETag when that is the MD5 of its bytes
(a single-part upload without KMS). A body that ends early or does not match is a
`BrokenRead`, which the use cases retry.

S3's endpoint and credentials come from the standard AWS configuration (AWS_ENDPOINT_URL_S3,
AWS_ENDPOINT_URL, the profile's services section), as botocore resolves them.
"""

# Start-up: boto3 and botocore are imported inside the functions that need them, so that
# help, completion and a saved response's view never load them.

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, TypeVar

from bjob.aws.errors import (
    S3_WRITES,
    denial_hint,
    error_code,
    iam_action,
    operation_name,
    service_message,
    translated_errors,
)
from bjob.model.lines import CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location
from bjob.support.concurrent import Cancel
from bjob.support.exits import BjobError, ExitCode

_NOT_FOUND_CODES = {"NoSuchKey", "NotFound", "404"}
_DENIED_CODES = {"AccessDenied", "Forbidden", "403", "AllAccessDisabled", "KMS.AccessDenied"}


_PLAIN_MD5 = re.compile(r'^"?([0-9a-f]{32})"?$')
# Attempts at reading one object whose body breaks off or does not match (s3transfer makes 5).
READ_ATTEMPTS = 3

Value = TypeVar("Value")


@dataclass(frozen=True)
class S3Object:
    location: S3Location
    size: int
    etag: str | None = None  # as S3 gives it, quotes and all
    last_modified: str | None = None  # ISO-8601, as S3 gives it

    @property
    def content_md5(self) -> str | None:
        """The MD5 of the bytes, when the ETag is one (not multipart; KMS is only known
        when the object is read)."""
        match = _PLAIN_MD5.match(self.etag or "")
        return match.group(1) if match else None


class BrokenRead(BjobError):
    """A body that ended early or does not match its checksum: worth reading again."""

    def __init__(self, message: str) -> None:
        super().__init__(message, ExitCode.TEMPORARY, hint="this is usually temporary; try again")


def read_again(attempt: Callable[[], Value], restart: Callable[[], bool] = lambda: True) -> Value:
    """attempt(), read again from the start when a body broke off or arrived damaged (as
    the AWS CLI does), while `restart` says what was done with it can be taken back."""
    for remaining in range(READ_ATTEMPTS - 1, -1, -1):
        try:
            return attempt()
        except BrokenRead:
            if not remaining or not restart():
                raise
    raise AssertionError("unreachable")


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
    if code in _DENIED_CODES and operation_name(error) in S3_WRITES:
        # An upload, whole or in parts: the write was refused, not a read. The permission
        # is the one S3's message names (kms:GenerateDataKey for a key), else s3:PutObject.
        action = iam_action(operation_name(error), service_message(error)) or "s3:PutObject"
        needs = denial_hint(action, location.uri if action.startswith("s3:") else kms_key)
        if kms_key and not action.startswith("kms:"):
            needs += f"; and kms:GenerateDataKey on the KMS key {kms_key}"
        return BjobError(
            f"not authorized to write {location.uri} ({operation_name(error)}): "
            f"{service_message(error) or code}",
            ExitCode.NOT_AUTHORIZED,
            hint=needs,
        )
    if code in _DENIED_CODES:
        # A read (GetObject, HeadObject, ListObjectsV2, HeadBucket): S3 answers 403 rather
        # than 404 for a missing key without s3:ListBucket, so both are named.
        needs = f"s3:ListBucket and s3:GetObject on the bucket {location.bucket}"
        if kms_key:
            needs += f", and kms:Decrypt on the job's KMS key {kms_key}"
        operation = operation_name(error)
        return BjobError(
            f"not authorized to read {location.uri}" + (f" ({operation})" if operation else ""),
            ExitCode.NOT_AUTHORIZED,
            hint=f"the credentials need {needs}",
        )
    if code == "InvalidObjectState":
        return BjobError(
            f"{location.uri} is archived (Glacier or Deep Archive): it must be restored "
            "before it can be read",
            ExitCode.CONFIGURATION,
            hint=f"aws s3api restore-object --bucket {location.bucket} --key {location.key} ...",
        )
    if isinstance(error, bx.FlexibleChecksumError):
        return BrokenRead(f"{location.uri} arrived damaged: {error}")
    streaming = (bx.ResponseStreamingError, bx.ReadTimeoutError, bx.IncompleteReadError)
    if isinstance(error, streaming) or type(error).__name__ in ("ProtocolError", "IncompleteRead"):
        return BrokenRead(f"reading {location.uri} broke off: {error}")
    return None


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
                modified = item.get("LastModified")
                found.append(
                    S3Object(
                        S3Location(folder.bucket, item["Key"]),
                        int(item["Size"]),
                        item.get("ETag"),
                        modified if isinstance(modified, str) else None,
                    )
                )
    return found


def read_chunks(
    client: Any,
    location: S3Location,
    owner: str | None,
    kms_key: str | None = None,
    cancel: Cancel | None = None,
) -> Iterator[bytes]:
    """The object's bytes as a stream: one GetObject, a megabyte at a time, never the whole
    object in memory; verified when the last chunk has been read (BrokenRead otherwise).
    Stops at the next chunk once `cancel` is set."""
    with s3_errors(location, kms_key=kms_key):
        response = client.get_object(
            Bucket=location.bucket, Key=location.key, ChecksumMode="ENABLED", **_owner(owner)
        )
        body = response["Body"]
        expected_md5 = _md5_to_check(response)
        md5 = hashlib.md5(usedforsecurity=False) if expected_md5 else None
        try:
            while chunk := body.read(CHUNK_BYTES):
                if cancel is not None:
                    cancel.check()
                if md5 is not None:
                    md5.update(chunk)
                yield chunk
        finally:
            body.close()
        if md5 is not None and md5.hexdigest() != expected_md5:
            raise BrokenRead(f"{location.uri} arrived damaged: its MD5 is not its ETag")


def _md5_to_check(response: dict[str, Any]) -> str | None:
    """The MD5 the bytes must have, when botocore validates no checksum and the ETag is the
    MD5 of the bytes (not multipart, not KMS- or customer-key-encrypted)."""
    if type(response["Body"]).__name__ == "StreamingChecksumBody":
        return None  # botocore checks S3's CRC/SHA checksum itself
    if str(response.get("ServerSideEncryption", "")).startswith("aws:kms"):
        return None
    match = _PLAIN_MD5.match(response.get("ETag") or "")
    return match.group(1) if match and not response.get("SSECustomerAlgorithm") else None


def iter_lines(
    client: Any,
    location: S3Location,
    owner: str | None,
    kms_key: str | None = None,
    max_line: int | None = None,
    cancel: Cancel | None = None,
    crlf: bool = False,
) -> Iterator[bytes]:
    """The object's lines (without their line ends; with `crlf`, a \r before a \n goes
    too), read as a stream (read_chunks). A line longer than `max_line` is given as its
    first max_line + 1 bytes, and the rest of it skipped."""
    chunks = read_chunks(client, location, owner, kms_key, cancel)
    yield from split_lines(chunks, max_line, crlf)


def jsonl_objects(
    client: Any, where: S3Location, owner: str | None, kms_key: str | None = None
) -> list[S3Object]:
    """What an input URI names, as Bedrock reads it: one .jsonl object (exit 3 when it is
    not there), or every .jsonl object under a prefix, in key order."""
    if where.key.endswith(".jsonl"):
        found = [
            item
            for item in list_objects(client, where, owner, kms_key)
            if item.location.key == where.key
        ]
        if not found:
            raise BjobError(f"no such object: {where.uri}", ExitCode.NOT_FOUND)
        return found
    prefix = where if not where.key or where.key.endswith("/") else where.child("/")
    return [
        item
        for item in list_objects(client, prefix, owner, kms_key)
        if item.location.key.endswith(".jsonl")
    ]


def read_object(
    client: Any, location: S3Location, owner: str | None, limit: int, kms_key: str | None = None
) -> bytes | None:
    """A small object whole (a manifest); None when it is larger than `limit` bytes."""
    data = bytearray()
    for chunk in read_chunks(client, location, owner, kms_key):
        data += chunk
        if len(data) > limit:
            return None
    return bytes(data)


SHA256_METADATA = "bjob-sha256"  # the uploaded bytes' SHA-256, kept with the object


def uploaded_sha256(client: Any, location: S3Location, size: int) -> str | None:
    """The SHA-256 bjob recorded on an object already at `location` with this size; None
    when nothing (or something else) is there."""
    with s3_errors(location):
        try:
            head = client.head_object(Bucket=location.bucket, Key=location.key)
        except Exception as error:
            if error_code(error) in _NOT_FOUND_CODES:
                return None
            raise
    if int(head.get("ContentLength", -1)) != size:
        return None
    found = head.get("Metadata", {}).get(SHA256_METADATA)
    return str(found) if found else None


def upload(
    client: Any,
    location: S3Location,
    body: Any,
    sha256: str,
    on_bytes: Callable[[int], None],
    kms_key: str | None = None,
    crc32: str | None = None,
) -> None:
    """A stream (read as it goes) or a local file's path to an object: multipart past 8 MB,
    several parts at once (s3transfer, as `aws s3 cp`), each part's checksum checked by S3;
    the whole body's SHA-256 kept in the object's metadata, so an upload of the same bytes
    can be skipped. A stream's parts wait in memory: a few at a time."""
    from boto3.s3.transfer import TransferConfig

    extra = _upload_arguments(sha256, kms_key, crc32)
    arguments = {"ExtraArgs": extra, "Callback": on_bytes}
    with s3_errors(location, kms_key=kms_key):
        if isinstance(body, str):  # a file on disk: its parts read where they are
            config = TransferConfig(max_concurrency=8)
            client.upload_file(body, location.bucket, location.key, Config=config, **arguments)
        else:
            config = TransferConfig(max_concurrency=4)
            client.upload_fileobj(body, location.bucket, location.key, Config=config, **arguments)


def _upload_arguments(sha256: str, kms_key: str | None, crc32: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {"Metadata": {SHA256_METADATA: sha256}}
    if crc32 is not None:  # the whole object's: S3 refuses other bytes
        extra["ChecksumCRC32"] = crc32
    if kms_key:
        extra.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=kms_key)
    return extra


class Upload:
    """A local file's upload under way in the background: wait for it, or cancel it (a
    multipart upload cancelled is aborted: no parts are left behind)."""

    def __init__(self, manager: Any, future: Any, location: S3Location, kms_key: str | None):
        self.manager, self.future = manager, future
        self.location, self.kms_key = location, kms_key

    def wait(self) -> None:
        try:
            with s3_errors(self.location, kms_key=self.kms_key):
                self.future.result()
        finally:
            self.manager.shutdown()

    def cancel(self) -> bool:
        """Stop it; True when it had finished all the same (the object is there)."""
        self.manager.shutdown(cancel=True)
        try:
            self.future.result()
        except BaseException:
            return False
        return True


def start_upload(
    client: Any,
    location: S3Location,
    path: str,
    sha256: str,
    kms_key: str | None = None,
    crc32: str | None = None,
) -> Upload:
    """`upload` of a local file, begun in the background."""
    from boto3.s3.transfer import TransferConfig, create_transfer_manager

    manager = create_transfer_manager(client, TransferConfig(max_concurrency=8))
    extra = _upload_arguments(sha256, kms_key, crc32)
    future = manager.upload(path, location.bucket, location.key, extra_args=extra)
    return Upload(manager, future, location, kms_key)


def bucket_region(client: Any, bucket: str) -> str | None:
    """The region a bucket is in (HeadBucket's x-amz-bucket-region); None when S3 does not
    say. A bucket that does not exist is exit 3, naming it."""
    location = S3Location(bucket, "")
    with s3_errors(location):
        try:
            response = client.head_bucket(Bucket=bucket)
        except Exception as error:
            if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                raise BjobError(f"no such bucket: {bucket}", ExitCode.NOT_FOUND) from None
            headers = (
                getattr(error, "response", {}).get("ResponseMetadata", {}).get("HTTPHeaders", {})
            )
            if headers.get("x-amz-bucket-region"):  # 301/403 from another region still says
                return str(headers["x-amz-bucket-region"])
            raise
    region = response.get("BucketRegion") or response.get("ResponseMetadata", {}).get(
        "HTTPHeaders", {}
    ).get("x-amz-bucket-region")
    return str(region) if region else None


def remove_object(client: Any, location: S3Location) -> None:
    """Delete an object bjob has just written (an upload whose bytes turned out not to be
    the ones checked): never anyone else's."""
    with s3_errors(location):
        client.delete_object(Bucket=location.bucket, Key=location.key)
