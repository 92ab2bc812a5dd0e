"""What a submission uploads: each local file's facts as the check reads it (hashed as
it passes), the records dealt into input objects, and the upload of those objects — the
bytes sent verified to be the bytes checked."""

from __future__ import annotations

import hashlib
import io
import itertools
import os
import threading
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from bjob.aws.s3 import remove_object, upload
from bjob.model.check import MAX_BODY_BYTES, CheckReport
from bjob.model.lines import BOM, CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.submit import (
    Dealer,
    InputFacts,
    InputObject,
    LocalFile,
    PlannedObject,
    SubmissionPlan,
    job_count,
    s3_crc32,
    shard_limits,
    whole_files,
)
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.check import Source
from bjob.usecases.modellookup import ModelLookup

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients


@dataclass
class FileFacts:
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
    path: str = ""

    def take(self, chunk: bytes) -> None:
        """The next chunk of the file, as read."""
        if not self.size:
            self.bom = chunk.startswith(BOM)
        self.digest.update(chunk)
        self.crc32 = zlib.crc32(chunk, self.crc32)
        self.size += len(chunk)
        self.newlines += chunk.count(b"\n")
        self.carriage_return = self.carriage_return or b"\r" in chunk
        self.last = chunk[-1:]

    @property
    def crc32_text(self) -> str:
        return s3_crc32(self.crc32)


def read_facts(path: str, stop: threading.Event | None = None) -> FileFacts | None:
    """A local file's facts, read once on its own (for an upload begun before the check);
    None once `stop` is set (nobody wants them any more)."""
    facts = FileFacts(path=path)
    with open(path, "rb") as file:
        facts.signature = _signature(os.fstat(file.fileno()))
        while chunk := file.read(CHUNK_BYTES):
            if stop is not None and stop.is_set():
                return None
            facts.take(chunk)
    facts.complete = True
    return facts


def facts_kept(source: Source, facts: FileFacts) -> Source:
    """The source, read for the check through a tap that hashes its bytes as they pass (a
    local file only: its bytes can then be sent as they are, without a second reading)."""
    if source.uri.startswith("s3://") or not os.path.isfile(source.uri):
        return source

    def lines() -> Iterator[bytes]:
        def chunks() -> Iterator[bytes]:
            with open(source.uri, "rb") as file:
                facts.signature = _signature(os.fstat(file.fileno()))
                while chunk := file.read(CHUNK_BYTES):
                    facts.take(chunk)
                    yield chunk
            facts.complete = True

        try:
            yield from split_lines(chunks(), MAX_BODY_BYTES, crlf=True)
        except OSError as error:
            raise BjobError(f"{source.uri}: cannot be read: {error}", ExitCode.USAGE) from None

    return replace(source, lines=lines)


def deal(
    items: Sequence[Source],
    facts: Sequence[FileFacts],
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
            as_is(item, counted[source.uri].records),
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
                whole.local_file = LocalFile(
                    items[index].uri, facts[index].crc32_text, facts[index].signature
                )
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
                    raise changed()
                yield index, line

    return objects, read


def _signature(found: os.stat_result) -> tuple[int, int, int]:
    return found.st_size, found.st_mtime_ns, found.st_ino


def as_is(facts: FileFacts, records: int) -> bool:
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


def changed() -> BjobError:
    return BjobError(
        "the input changed after it was checked: nothing more was uploaded and no job was created",
        ExitCode.INPUT_ERRORS,
        hint="run the same command again: the input is checked anew",
    )


def upload_objects(
    about: SubmissionPlan,
    read: Callable[[], Iterator[tuple[int, bytes]]],
    clients: AwsClients,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> None:
    """Each missing object: from disk when it is a whole file, else its records streamed;
    the bytes read are hashed as they go and must be the bytes checked, or the object is
    removed again and nothing is created."""
    wanted = about.uploads
    on_start(sum(item.bytes for item in wanted))
    if not wanted:
        return
    client = clients.client("s3", about.region)
    kms_key = about.settings.kms_key
    order = [item for job in about.jobs for item in job.objects]
    wanted_uris = {item.uri for item in wanted}
    lines = read()  # (nothing for whole files: they are read from disk)
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
        # With the dealt bytes' CRC-32: S3 refuses other bytes, so no object is left
        # vouching (by its SHA-256 metadata) for bytes that were not the ones checked.
        upload(client, location, reader, item.sha256, on_bytes, kms_key=kms_key, crc32=item.crc32)
        if reader.size != item.bytes or reader.digest.hexdigest() != item.sha256:
            remove_object(client, location)
            raise changed()


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
    try:
        before = _signature(os.stat(local.path))
    except OSError:
        raise changed() from None
    if before != local.signature:
        raise changed()
    upload(client, location, local.path, item.sha256, on_bytes, kms_key=kms_key, crc32=local.crc32)
    try:
        after = _signature(os.stat(local.path))
    except OSError:
        after = None
    if after != local.signature:
        remove_object(client, location)
        raise changed()


def _object_lines(lines: Iterator[tuple[int, bytes]], index: int, records: int) -> Iterator[bytes]:
    for number, (found, line) in enumerate(lines):
        if found != index:
            raise changed()
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
