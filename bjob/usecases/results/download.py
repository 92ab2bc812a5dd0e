"""--download: a job's output folder copied to DIR/<jobId>/, several files at once, each
whole or not at all; what is already there with the same content is kept."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from bjob.aws.s3 import S3Object, read_chunks
from bjob.aws.session import AwsClients
from bjob.model.job import Job
from bjob.model.locations import output_folder
from bjob.model.results import Downloaded
from bjob.support.concurrent import Cancel, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import atomic_file, file_kind, lstat_or_none, unusable_path
from bjob.usecases.results.jobfiles import JobS3, read_again

READERS = 8  # objects read at once


def download_outputs(
    job: Job,
    clients: AwsClients,
    directory: Path,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
) -> Downloaded:
    """Every object of the output folder to DIR/<jobId>/, several at once, each file whole
    or not at all (localfiles.atomic_file). A file already there with the same size and the
    same content as far as S3 can tell (its MD5 against a plain ETag, else its modified
    time) is kept; a key that cannot be placed under the folder is skipped with a warning.
    `on_start` is given the bytes to copy, `on_bytes` each chunk copied."""
    s3 = JobS3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    if not objects:
        raise BjobError(
            f"no outputs in {folder.uri}",
            ExitCode.NOT_FOUND if job.is_terminal else ExitCode.JOB_NOT_FINISHED,
        )
    target = directory / (job.job_id or "job")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable_path(target, error) from None
    warnings: list[str] = []
    plan: list[tuple[S3Object, Path]] = []
    same = 0
    for item in objects:
        relative = item.location.key[len(folder.key) :]
        why = _unplaceable(relative, target)
        if why is None:
            path = target.joinpath(*relative.split("/"))
            why = _cannot_replace(path)
        if why is not None:
            warnings.append(f"skipped {item.location.uri}: {why}")
        elif _same_content(path, item):
            same += 1
        else:
            plan.append((item, path))
    on_start(sum(item.size for item, _ in plan))

    def copy(step: tuple[S3Object, Path], cancel: Cancel) -> None:
        _download(s3, step[0], step[1], on_bytes, cancel)

    run_all(copy, plan, workers=READERS)
    return Downloaded(
        target,
        len(plan),
        same,
        len(objects) - len(plan) - same,
        sum(item.size for item, _ in plan),
        tuple(warnings),
    )


def _unplaceable(relative: str, target: Path) -> str | None:
    """Why an S3 key cannot be a file under the folder (S3 keys are not paths)."""
    if relative.endswith("/"):
        return "a folder marker, not a file"
    parts = relative.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\0" in relative:
        return f"its key does not name a file under {target}"
    limit = _name_max(target)
    if any(len(os.fsencode(part)) > limit for part in parts):
        return f"a name longer than the file system allows ({limit} bytes)"
    return None


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _cannot_replace(path: Path) -> str | None:
    """A folder, FIFO or device where the file goes is never replaced."""
    try:
        found = lstat_or_none(path)
    except BjobError as error:
        return error.message
    if found is None or stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode):
        return None
    return f"{path} is {file_kind(found.st_mode)}, not replaced"


def _same_content(path: Path, item: S3Object) -> bool:
    """The same size and, as far as S3 can tell, the same bytes: the MD5 of a single-part
    object's ETag, else the modified time bjob gave the file when it copied it."""
    try:
        found = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(found.st_mode) or found.st_size != item.size:
        return False
    if item.content_md5 is not None:
        import hashlib

        md5 = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as file:
            while chunk := file.read(1 << 20):
                md5.update(chunk)
        return md5.hexdigest() == item.content_md5
    modified = _s3_time(item.last_modified)
    return modified is not None and abs(found.st_mtime - modified) < 1


def _s3_time(text: str | None) -> float | None:
    from bjob.model.timestamps import parse_moment

    try:
        return parse_moment(text).timestamp() if text else None
    except ValueError:
        return None


def _download(
    s3: JobS3, item: S3Object, path: Path, on_bytes: Callable[[int], None], cancel: Cancel
) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise unusable_path(path.parent, error) from None
    with atomic_file(path, replace=True, expected_length=item.size) as file:

        def attempt() -> None:
            for chunk in read_chunks(s3.client, item.location, s3.output_owner, s3.kms_key, cancel):
                file.write(chunk)
                on_bytes(len(chunk))

        def restart() -> bool:
            on_bytes(-file.length)
            file.rewind()
            return True

        read_again(attempt, restart)
        modified = _s3_time(item.last_modified)
        if modified is not None:
            os.utime(file.temporary, (modified, modified))
