"""What a job produced: its output folder read from S3 as streams, several files at once,
tallied into `Results`; the records to submit again; the folder downloaded."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bjob.aws.s3 import S3Object, download, iter_lines, list_objects, read_object
from bjob.aws.session import AwsClients
from bjob.model.exits import BjobError, ExitCode
from bjob.model.job import Job
from bjob.model.locations import S3Location, input_location, output_folder
from bjob.model.results import (
    OutputFile,
    Prices,
    Results,
    Tally,
    classify_line,
    manifest_tokens,
    missing_in_order,
)

MANIFEST = "manifest.json.out"
MANIFEST_LIMIT = 1 << 20
READERS = 8  # objects read at once
ENDS_SHORT = ("PartiallyCompleted", "Stopped", "Expired")

OnLine = Callable[[bytes], None]


class _S3:
    """The job's S3 side: a client in the job's region, its bucket owners and KMS key."""

    def __init__(self, job: Job, clients: AwsClients) -> None:
        self.client = clients.client("s3", job.region)
        self.output_owner = job.output.bucket_owner
        self.input_owner = job.input.bucket_owner
        self.kms_key = job.output.kms_key_id

    def objects(self, folder: S3Location, owner: str | None) -> list[S3Object]:
        return list_objects(self.client, folder, owner, self.kms_key)

    def lines(self, location: S3Location, owner: str | None) -> Iterator[bytes]:
        return iter_lines(self.client, location, owner, self.kms_key)


def gather_results(
    job: Job,
    clients: AwsClients,
    *,
    prices: Prices | None = None,
    on_failed_line: OnLine | None = None,
    read_input: bool | None = None,
) -> Results:
    """Read the job's output folder: every record file streamed (several at once), the
    manifest, and, when records can be missing (or `read_input`), the input.

    `on_failed_line` is given each failed record's line as it is read, from one thread at a
    time. Raises exit 8 while a job that has not ended has no outputs, 3 when an ended one
    has none.
    """
    s3 = _S3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    if not objects:
        if not job.is_terminal:
            raise BjobError(
                f"no outputs yet in {folder.uri}: results appear when the job ends",
                ExitCode.JOB_NOT_FINISHED,
            )
        why = f" ({job.status}: {job.message})" if job.message else f" ({job.status})"
        raise BjobError(f"the job left no outputs in {folder.uri}{why}", ExitCode.NOT_FOUND)
    record_files = [item for item in objects if _is_record_file(item)]
    lock = threading.Lock()

    def tally(item: S3Object) -> Tally:
        return _tally_file(s3, item, on_failed_line, lock)

    with ThreadPoolExecutor(max_workers=READERS) as pool:
        tallies = list(pool.map(tally, record_files))
    total = Tally()
    for part in tallies:
        total.merge(part)
    warnings: list[str] = []
    manifest = _manifest(s3, objects, warnings)
    if total.unreadable == 1:
        warnings.append(f"1 line is not a record: {total.first_unreadable}")
    elif total.unreadable:
        warnings.append(
            f"{total.unreadable:,} lines are not records; the first at {total.first_unreadable}"
        )
    missing: list[str] | None = None
    if read_input if read_input is not None else _can_be_missing(job, total):
        missing = missing_in_order(_input_record_ids(s3, job, warnings), total.record_ids)
    tokens = manifest_tokens(manifest)
    counted = {
        item.location.key: part.records for item, part in zip(record_files, tallies, strict=True)
    }
    files = tuple(
        OutputFile(item.location.uri, item.size, counted.get(item.location.key)) for item in objects
    )
    return Results(
        arn=job.arn,
        status=job.status,
        output_uri=folder.uri,
        files=files,
        succeeded=total.succeeded,
        failed=total.failed,
        unreadable=total.unreadable,
        missing=len(missing) if missing is not None else None,
        missing_record_ids=tuple(missing or ()),
        failed_record_ids=tuple(total.failed_ids),
        errors=total.error_groups(),
        stop_reasons=dict(total.stop_reasons.most_common()),
        manifest=manifest,
        tokens=tokens,
        cost=prices.cost(tokens) if prices is not None else None,
        first_unreadable=total.first_unreadable,
        warnings=tuple(warnings),
    )


def _is_record_file(item: S3Object) -> bool:
    name = item.location.key.rsplit("/", 1)[-1]
    return name.endswith(".out") and name != MANIFEST


def _tally_file(s3: _S3, item: S3Object, on_failed_line: OnLine | None, lock: Any) -> Tally:
    tally = Tally()
    name = item.location.key.rsplit("/", 1)[-1]
    for number, line in enumerate(s3.lines(item.location, s3.output_owner), start=1):
        if not line or line.isspace():
            continue
        try:
            record = classify_line(line, orjson.loads)
        except ValueError:  # orjson's JSONDecodeError is a ValueError too
            tally.add_unreadable(f"{name}:{number}")
            continue
        tally.add(record)
        if record.failed and on_failed_line is not None:
            with lock:
                on_failed_line(line)
    return tally


def _manifest(s3: _S3, objects: Sequence[S3Object], warnings: list[str]) -> dict[str, Any] | None:
    found = [item for item in objects if item.location.key.endswith("/" + MANIFEST)]
    if not found:
        warnings.append(f"no {MANIFEST}: token counts are unknown; counts come from the records")
        return None
    data = read_object(s3.client, found[0].location, s3.output_owner, MANIFEST_LIMIT, s3.kms_key)
    try:
        manifest = orjson.loads(data)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict):
        warnings.append(f"{MANIFEST} is not a JSON object: token counts are unknown")
        return None
    return manifest


def _can_be_missing(job: Job, total: Tally) -> bool:
    """The counts say some input records of an ended job have no output line (while a job
    runs, records without one are still to come)."""
    if not job.is_terminal:
        return False
    if job.status in ENDS_SHORT:
        return True
    return job.total_records is not None and total.lines < job.total_records


def _input_files(s3: _S3, job: Job) -> list[S3Location]:
    """The input: one .jsonl object, or every .jsonl object under a prefix."""
    where = input_location(job)
    if where.key.endswith(".jsonl"):
        return [where]
    prefix = where if not where.key or where.key.endswith("/") else where.child("/")
    return [
        item.location
        for item in s3.objects(prefix, s3.input_owner)
        if item.location.key.endswith(".jsonl")
    ]


def _input_records(s3: _S3, job: Job) -> Iterator[tuple[str | None, Any]]:
    """(recordId, the parsed line) of every input line, in input order."""
    for location in _input_files(s3, job):
        for line in s3.lines(location, s3.input_owner):
            if not line or line.isspace():
                continue
            try:
                document = orjson.loads(line)
            except ValueError:
                continue
            if isinstance(document, dict):
                record_id = document.get("recordId")
                yield (record_id if isinstance(record_id, str) else None), document


def _input_record_ids(s3: _S3, job: Job, warnings: list[str]) -> Iterator[str]:
    unnamed = 0
    for record_id, _ in _input_records(s3, job):
        if record_id is None:
            unnamed += 1
        else:
            yield record_id
    if unnamed:
        warnings.append(
            f"{unnamed:,} input records have no recordId (Bedrock made one up): "
            "whether they are missing cannot be told"
        )


@dataclass(frozen=True)
class RetryFile:
    path: Path
    failed: int
    missing: int

    @property
    def records(self) -> int:
        return self.failed + self.missing


def refuse_existing(path: Path, force: bool) -> None:
    """Checked before anything is read: what the user has is never overwritten unasked."""
    if path.exists() and not force:
        raise BjobError(
            f"{path} exists; it is left as it is", ExitCode.USAGE, hint="pass --force to replace it"
        )
    if path.is_dir():
        raise BjobError(f"{path} is a directory", ExitCode.USAGE)
    if not path.parent.is_dir():
        raise BjobError(f"{path.parent} is not a directory", ExitCode.USAGE)


def write_retry_file(
    job: Job, clients: AwsClients, results: Results, path: Path, force: bool
) -> RetryFile | None:
    """Every failed and every missing record, as input lines ({"recordId", "modelInput"})
    taken from the input, each once, in input order; written under a temporary name, then
    renamed. None when there is nothing to submit again (nothing is written)."""
    failed, missing = set(results.failed_record_ids), set(results.missing_record_ids)
    if not failed and not missing:
        return None
    refuse_existing(path, force)
    s3 = _S3(job, clients)
    with local_writes(path):
        return _write_retry_lines(s3, job, path, failed, missing)


def _write_retry_lines(
    s3: _S3, job: Job, path: Path, failed: set[str], missing: set[str]
) -> RetryFile:
    written: set[str] = set()
    counts = {"failed": 0, "missing": 0}
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            for record_id, document in _input_records(s3, job):
                if record_id is None or record_id in written:
                    continue
                if record_id in failed:
                    kind = "failed"
                elif record_id in missing:
                    kind = "missing"
                else:
                    continue
                line = {"recordId": record_id, "modelInput": document.get("modelInput")}
                file.write(orjson.dumps(line) + b"\n")
                written.add(record_id)
                counts[kind] += 1
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return RetryFile(path, counts["failed"], counts["missing"])


@contextmanager
def local_writes(where: Path) -> Iterator[None]:
    """A local file that cannot be written (a folder that is a file, a full disk) is the
    user's to fix, said in one line."""
    try:
        yield
    except OSError as error:
        raise BjobError(f"cannot write under {where}: {error}", ExitCode.USAGE) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@dataclass(frozen=True)
class Downloaded:
    folder: Path
    copied: int
    skipped: int
    bytes: int


def download_outputs(
    job: Job,
    clients: AwsClients,
    directory: Path,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> Downloaded:
    """Every object of the output folder to DIR/<jobId>/, several at once; a file already
    there with the same size is skipped, so that a second run is cheap. `on_start` is given
    the bytes to copy, `on_bytes` each chunk copied."""
    s3 = _S3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    if not objects:
        raise BjobError(
            f"no outputs in {folder.uri}",
            ExitCode.NOT_FOUND if job.is_terminal else ExitCode.JOB_NOT_FINISHED,
        )
    target = directory / (job.job_id or "job")
    plan = []
    for item in objects:
        relative = item.location.key[len(folder.key) :]
        if any(part in ("", ".", "..") for part in relative.split("/")):
            # A key such as "../../.bashrc" would write outside DIR: S3 data is not a path.
            raise BjobError(
                f"refusing to download {item.location.uri}: its key does not "
                f"name a file under {target}",
                ExitCode.USAGE,
            )
        path = target / relative
        if path.is_file() and path.stat().st_size == item.size:
            continue
        plan.append((item, path))
    on_start(sum(item.size for item, _ in plan))
    with local_writes(target), ThreadPoolExecutor(max_workers=READERS) as pool:
        done = pool.map(
            lambda step: download(
                s3.client, step[0], step[1], s3.output_owner, on_bytes, s3.kms_key
            ),
            plan,
        )
        list(done)
    return Downloaded(
        target, len(plan), len(objects) - len(plan), sum(item.size for item, _ in plan)
    )
