"""Local files bjob writes, whole or not at all: the one way they are made.

A file is written under a unique temporary name in its target's folder (created
exclusively, never through a symlink planted at that name), verified (its length and a
checksum of what was given to it, read back from the disk), then renamed over the target. The
temporary file is removed on any failure; on Ctrl-C or SIGTERM the command layer removes
whatever is still in flight (`remove_partial_files`). What the user has is replaced only when
asked, and only if it is a regular file or a symlink (the link itself, never its target).
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bjob.support.exits import BjobError, ExitCode

PARTIAL_SUFFIX = ".bjob-partial"
_VERIFY_CHUNK = 1 << 20
# Errors that mean "this place cannot hold the file", not "bjob is broken".
_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}

_in_flight: set[str] = set()
_in_flight_lock = threading.Lock()
_umask: int | None = None


def remove_partial_files() -> None:
    """Remove every temporary file still being written (after Ctrl-C or SIGTERM, when the
    threads writing them may not get to it)."""
    with _in_flight_lock:
        names = list(_in_flight)
        _in_flight.clear()
    for name in names:
        try:
            os.unlink(name)
        except OSError:
            pass


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISLNK(mode):
        return "a symlink"
    return "a file"


def check_new_file(path: Path, *, force: bool, option: str) -> None:
    """Before anything is read or asked: may bjob put a file at `path`? A usage error (exit 2)
    naming the path, otherwise."""
    found = lstat_or_none(path)
    if found is not None:
        mode = found.st_mode
        if stat.S_ISDIR(mode):
            raise BjobError(f"{option}: {path} is a folder; name a file", ExitCode.USAGE)
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            raise BjobError(
                f"{option}: {path} is {file_kind(mode)}; bjob writes only regular files",
                ExitCode.USAGE,
                hint=f"{option} - writes to standard output: redirect that where you like",
            )
        if not force:
            what = "a symlink" if stat.S_ISLNK(mode) else "a file"
            raise BjobError(
                f"{option}: {path} exists ({what}); it is left as it is",
                ExitCode.USAGE,
                hint="pass --force to replace it",
            )
    check_folder(path.parent, option=option)


def lstat_or_none(path: Path) -> os.stat_result | None:
    """What is at `path` itself (a symlink is not followed); None when nothing is."""
    try:
        return path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise unusable_path(path, error) from None


def check_folder(folder: Path, *, option: str) -> None:
    """The folder exists, is a folder, and can be written in."""
    try:
        found = folder.stat()
    except FileNotFoundError:
        raise BjobError(f"{option}: the folder {folder} does not exist", ExitCode.USAGE) from None
    except OSError as error:
        raise unusable_path(folder, error) from None
    if not stat.S_ISDIR(found.st_mode):
        raise BjobError(f"{option}: {folder} is not a folder", ExitCode.USAGE)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BjobError(f"{option}: cannot write in {folder}: permission denied", ExitCode.USAGE)


def unusable_path(path: Path, error: OSError) -> BjobError:
    """A local path bjob may not use (permission denied, a loop of links...): the user's to
    fix, or a disk that cannot take more: exit 14."""
    reason = error.strerror or str(error)
    if error.errno in _CANNOT_WRITE:
        return BjobError(f"cannot write {path}: {reason}", ExitCode.CANNOT_WRITE)
    return BjobError(f"cannot use {path}: {reason}", ExitCode.USAGE)


class AtomicFile:
    """The file being written: its bytes counted and checksummed as they go."""

    def __init__(self, descriptor: int, temporary: str, target: Path | None = None) -> None:
        self._file = os.fdopen(descriptor, "wb", buffering=1 << 20)
        self.temporary = temporary
        self.target = target  # what errors name: the temporary file is gone when they are read
        self.length = 0
        self.crc = 0
        self.discarded = False

    def discard(self) -> None:
        """Nothing is to be put in place after all: the temporary file is just removed."""
        self.discarded = True

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.length += len(data)
        self.crc = zlib.crc32(data, self.crc)

    def rewind(self) -> bool:
        """Start again from nothing (a read that broke off is being retried)."""
        self._file.seek(0)
        self._file.truncate()
        self.length, self.crc = 0, 0
        return True

    def _finish(self) -> None:
        """Flushed to the disk and read back: the length and checksum it was given."""
        self._file.flush()
        os.fsync(self._file.fileno())
        size = os.fstat(self._file.fileno()).st_size
        self._file.close()
        crc = 0
        with open(self.temporary, "rb") as written:
            while chunk := written.read(_VERIFY_CHUNK):
                crc = zlib.crc32(chunk, crc)
        if size != self.length or crc != self.crc:
            raise BjobError(
                f"{self.target or 'a file'}: the file on disk is not what was written "
                f"({size:,} of {self.length:,} bytes, or a different checksum)",
                ExitCode.CANNOT_WRITE,
            )

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


@contextmanager
def atomic_file(
    path: Path, *, replace: bool, expected_length: int | None = None, private: bool = False
) -> Iterator[AtomicFile]:
    """A file at `path`, whole or not at all. Without `replace`, a path that exists by the
    time the file is complete is left alone (exit 2); with it, only a regular file or a
    symlink is replaced. `expected_length`: what the source said it holds. `private`: readable
    by the user only (a cache)."""
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name[:64]}.", suffix=PARTIAL_SUFFIX
        )
    except OSError as error:
        raise unusable_path(path, error) from None
    with _in_flight_lock:
        _in_flight.add(temporary)
    file = AtomicFile(descriptor, temporary, path)
    try:
        try:
            yield file
            if file.discarded:
                return
            file._finish()
        except OSError as error:
            raise unusable_path(path, error) from None
        if expected_length is not None and file.length != expected_length:
            raise BjobError(
                f"{path}: {file.length:,} bytes arrived of the {expected_length:,} expected",
                ExitCode.TEMPORARY,
            )
        if not private:  # mkstemp made it 0600
            os.chmod(temporary, 0o644 & ~_current_umask())
        _put_in_place(temporary, path, replace)
    finally:
        file.close()
        with _in_flight_lock:
            _in_flight.discard(temporary)
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _put_in_place(temporary: str, path: Path, replace: bool) -> None:
    if not replace:
        try:
            os.link(temporary, path)  # fails if anything is at path by now: never overwrites
            return
        except FileExistsError:
            raise BjobError(
                f"{path} appeared while bjob was writing it; it is left as it is",
                ExitCode.USAGE,
            ) from None
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise unusable_path(path, error) from None
            # A file system without hard links: the check below is the best there is.
    found = lstat_or_none(path)
    if found is not None:
        if not replace:
            raise BjobError(f"{path} exists; it is left as it is", ExitCode.USAGE)
        if not (stat.S_ISREG(found.st_mode) or stat.S_ISLNK(found.st_mode)):
            raise BjobError(
                f"{path} is {file_kind(found.st_mode)}; it is not replaced", ExitCode.USAGE
            )
    try:
        os.replace(temporary, path)
    except OSError as error:
        raise unusable_path(path, error) from None


def _current_umask() -> int:
    """Read once: os.umask can only be read by setting it, which other threads would see."""
    global _umask
    with _in_flight_lock:
        if _umask is None:
            _umask = os.umask(0o022)
            os.umask(_umask)
        return _umask
