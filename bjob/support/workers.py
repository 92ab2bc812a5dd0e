"""Child processes that turn a stream of bytes into one value with a named function: parsing
that would hold this interpreter's lock done on another core, while this process moves the
bytes (reading a socket, writing a pipe: the lock let go).

The child is a fresh interpreter (never a fork of a threaded process; -P: the working
folder's modules are not imported in place of bjob's own) that imports only the function's
module. Frames on its stdin are a 4-byte length and that many bytes: the function's name,
then the stream's chunks, and an empty frame to end it. The child answers on a descriptor of
its own (anything printed goes to stderr, nowhere): once, the path of this module as it
imported it (the parent's own, or the child is not used), then for each stream a frame
marked as its answer: the function's value, marshalled.
Whatever goes wrong with a child (it cannot start, dies, answers nonsense), `run` says None
and the caller does the work itself (and the pool starts no other): a worker only ever makes
a result faster, never other.
"""

from __future__ import annotations

import contextlib
import importlib
import marshal
import os
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

_LENGTH = struct.Struct(">I")
_ANSWER = b"bjob"  # the mark of each of the child's frames: stray bytes are never a length
_PIPE_BYTES = 1 << 20
_CHILD = "from bjob.support.workers import serve; serve()"
# A Python to start the children with (none in a frozen bjob, or an embedding one).
_INTERPRETER = sys.executable if not getattr(sys, "frozen", False) else ""


class _Worker:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [_INTERPRETER, "-P", "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C is for bjob, which ends it when it ends
        )
        self.greeted = False
        for pipe in (self.process.stdin, self.process.stdout):
            assert pipe is not None
            # A megabyte in flight (Linux): fewer turns between the two processes.
            with contextlib.suppress(OSError, AttributeError, ImportError):
                import fcntl

                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)

    def run(self, function: str, chunks: Iterable[bytes]) -> Any:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        name = function.encode()
        stdin.write(_LENGTH.pack(len(name)) + name)
        source = iter(chunks)
        while True:
            try:
                chunk = next(source, None)
            except BaseException as error:  # the caller's (a read that failed, a cancel)
                raise _SourceFailed(error) from error
            if chunk is None:
                break
            if chunk:
                stdin.write(_LENGTH.pack(len(chunk)))
                stdin.write(chunk)
        stdin.write(_LENGTH.pack(0))
        stdin.flush()
        if not self.greeted:
            if _read_answer(stdout).decode(errors="replace") != __file__:
                raise EOFError("the worker runs another bjob")
            self.greeted = True
        return marshal.loads(_read_answer(stdout))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


class Workers:
    """Up to `limit` children, started when first needed and ended with the pool (`with
    Workers() as workers`)."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self._idle: list[_Worker] = []
        self._started = 0
        self._lock = threading.Lock()
        self._closed = False
        self._broken = False  # a child failed: the rest is done here (no child per file)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def run(self, function: str, chunks: Iterable[bytes]) -> Any | None:
        """function(chunks) as a child computed it (`function`: "module:name", a function of
        an iterator of bytes whose value marshal can send); None when no child could (none
        free, or it failed): then nothing of `chunks` may be assumed read or unread."""
        worker = self._take()
        if worker is None:
            return None
        try:
            value = worker.run(function, chunks)
        except _SourceFailed as failed:
            self._discard(worker)  # mid-stream (cancelled, the read failed): it cannot go on
            raise failed.error from None
        except BaseException as error:
            # (a child that cannot import bjob, say, would fail every time)
            self._discard(worker, broken=True)
            if not isinstance(error, Exception):
                raise  # (Ctrl-C while waiting for the child)
            return None
        with self._lock:
            if self._closed:
                worker.close()
            else:
                self._idle.append(worker)
        return value

    def _take(self) -> _Worker | None:
        with self._lock:
            if self._closed or self._broken or not _INTERPRETER:
                return None
            if self._idle:
                return self._idle.pop()
            if self._started >= self.limit:
                return None
            self._started += 1
        try:
            return _Worker()
        except (OSError, ValueError):
            self._discard(None, broken=True)
            return None

    def _discard(self, worker: _Worker | None, *, broken: bool = False) -> None:
        """A child ended (or never started): its place free, and none other if `broken`."""
        if worker is not None:
            worker.close()
        with self._lock:
            self._started -= 1
            self._broken = self._broken or broken

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()


class _SourceFailed(Exception):
    """What the chunks given to `run` raised: the caller's failure, not the child's."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _read_frame(stream: IO[bytes]) -> bytes:
    head = stream.read(_LENGTH.size)
    if len(head) != _LENGTH.size:
        raise EOFError("the worker ended")
    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) != length:
        raise EOFError("the worker ended")
    return data


def _read_answer(stream: IO[bytes]) -> bytes:
    if stream.read(len(_ANSWER)) != _ANSWER:
        raise EOFError("the worker wrote something else")
    return _read_frame(stream)


def _answer(stream: IO[bytes], data: bytes) -> None:
    stream.write(_ANSWER + _LENGTH.pack(len(data)) + data)
    stream.flush()


def serve() -> None:
    """The child: each stream on stdin given to the function it names, its value sent back;
    done when the parent closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (its parent says when it ends)
    stdin = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # what anything else prints is not an answer
    _answer(answers, __file__.encode())

    def stream() -> Iterator[bytes]:
        while chunk := _read_frame(stdin):
            yield chunk

    while True:
        try:
            function = _read_frame(stdin).decode()
        except EOFError:
            return
        module, name = function.split(":")
        work: Callable[[Iterator[bytes]], Any] = getattr(importlib.import_module(module), name)
        chunks = stream()
        value = work(chunks)
        for _ in chunks:  # (what the function left unread of this stream)
            pass
        _answer(answers, marshal.dumps(value))
