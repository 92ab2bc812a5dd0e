"""Several AWS calls and S3 reads at once, with one way to stop them all.

Threads, since boto3 clients are thread-safe and the work waits on the network. Every worker
is given a `Cancel`; long work (a stream read a chunk at a time) calls `cancel.check()`
between chunks. The first failure, or Ctrl-C in the waiting thread, sets it: queued items
never start, items in flight stop at their next chunk (and clean up after themselves), and
the failure is raised once they have. The worker threads are daemons, so that a read stuck
in the network can never keep the process from exiting.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Generic, TypeVar

from bjob.support.exits import BjobError

Item = TypeVar("Item")
Result = TypeVar("Result")

# How long the waiting thread gives work in flight to notice a cancel and clean up after
# itself (remove its temporary files) before the error is raised anyway.
CANCEL_GRACE_SECONDS = 1.0


class Cancelled(Exception):
    """Raised inside work that was told to stop; never reaches the user."""


class Cancel:
    """Set once, by the first failure or an interruption; checked by the work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled


class _Outcome(Generic[Result]):
    __slots__ = ("error", "value")

    def __init__(self) -> None:
        self.value: Result | None = None
        self.error: BaseException | None = None


def run_all(
    work: Callable[[Item, Cancel], Result],
    items: Sequence[Item],
    *,
    workers: int = 8,
    keep_going: bool = False,
    cancel: Cancel | None = None,
) -> list[Result | BjobError]:
    """work(item, cancel) for every item, at most `workers` at once; the results in the
    items' order. `cancel`: one the caller may set too (the work's own otherwise).

    Without `keep_going`, the first exception cancels the rest and is raised once the work in
    flight has stopped. With it, a BjobError is that item's result and the others go on (any
    other exception still cancels). Ctrl-C cancels everything and is raised as it came.
    """
    cancel = cancel or Cancel()
    outcomes = [_Outcome[Result]() for _ in items]
    queue = list(enumerate(items))
    queue.reverse()
    lock = threading.Lock()
    finished = threading.Semaphore(0)

    def worker() -> None:
        while True:
            with lock:
                if not queue or cancel.is_set():
                    break
                index, item = queue.pop()
            outcome = outcomes[index]
            try:
                outcome.value = work(item, cancel)
            except BjobError as error:
                outcome.error = error
                if not keep_going:
                    cancel.set()
            except BaseException as error:  # carried to the waiting thread
                outcome.error = error
                cancel.set()
        finished.release()

    count = min(len(items), workers)
    if count <= 1:  # no thread for one item: a traceback stays simple
        return _one_by_one(work, items, cancel, keep_going)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        for _ in threads:
            finished.acquire()
    except BaseException:  # Ctrl-C (or SIGTERM turned into an exception) while waiting
        cancel.set()
        _wait_a_little(threads)
        raise
    return _results(outcomes, keep_going)


def _one_by_one(
    work: Callable[[Item, Cancel], Result],
    items: Sequence[Item],
    cancel: Cancel,
    keep_going: bool,
) -> list[Result | BjobError]:
    done: list[Result | BjobError] = []
    for item in items:
        cancel.check()
        try:
            done.append(work(item, cancel))
        except BjobError as error:
            if not keep_going:
                raise
            done.append(error)
    return done


def _wait_a_little(threads: Sequence[threading.Thread]) -> None:
    deadline = time.monotonic() + CANCEL_GRACE_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def _results(outcomes: Sequence[_Outcome[Result]], keep_going: bool) -> list[Result | BjobError]:
    # The error that set things off, not the Cancelled it caused elsewhere; with keep_going,
    # a BjobError is an answer, anything else still the failure.
    for outcome in outcomes:
        error = outcome.error
        if error is None or isinstance(error, Cancelled):
            continue
        if not (keep_going and isinstance(error, BjobError)):
            raise error
    if any(isinstance(outcome.error, Cancelled) for outcome in outcomes):
        raise Cancelled
    return [
        outcome.error if isinstance(outcome.error, BjobError) else outcome.value  # type: ignore[misc]
        for outcome in outcomes
    ]


def map_concurrently(
    work: Callable[[Item], Result], items: Sequence[Item], max_workers: int = 8
) -> list[Result | BjobError]:
    """work(item) for every item, at most max_workers at once; each result, or the BjobError
    it raised, in the items' order."""
    return run_all(lambda item, _: work(item), items, workers=max_workers, keep_going=True)


def map_all(
    work: Callable[[Item], Result], items: Sequence[Item], max_workers: int = 8
) -> list[Result]:
    """work(item) for every item, concurrently, in the items' order; the first failure stops
    the rest and is raised: a whole answer or none."""
    done = run_all(lambda item, _: work(item), items, workers=max_workers)
    return [result for result in done if not isinstance(result, BjobError)]


def in_background(work: Callable[[], Result]) -> Callable[[], Result]:
    """Start work() on a thread of its own (a lookup that can overlap reading files); the
    function returned waits for it and gives its result, or raises what it raised."""
    outcome = _Outcome[Result]()

    def run() -> None:
        try:
            outcome.value = work()
        except BaseException as error:  # carried to the waiting thread
            outcome.error = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> Result:
        thread.join()
        if outcome.error is not None:
            raise outcome.error
        return outcome.value  # type: ignore[return-value]

    return result


# While one thread parses (a check) and others move bytes (an upload), each network thread
# needs the interpreter back after every block it sends; at Python's 5 ms switch interval it
# waits behind the parser that long each time, and the upload crawls.
BRISK_SWITCH_SECONDS = 0.0005


_brisk = threading.Lock()
_brisk_users: list[float] = []  # the interval before the first user, once per user


@contextmanager
def brisk_switching() -> Iterator[None]:
    """Hand the interpreter between threads every half millisecond, for as long as a
    CPU-bound thread shares it with threads moving bytes. Several at once (a library
    caller's threads) share it: the process's own interval comes back after the last."""
    with _brisk:
        before = _brisk_users[0] if _brisk_users else sys.getswitchinterval()
        _brisk_users.append(before)
        sys.setswitchinterval(min(before, BRISK_SWITCH_SECONDS))
    try:
        yield
    finally:
        with _brisk:
            _brisk_users.pop()
            if not _brisk_users:
                sys.setswitchinterval(before)
