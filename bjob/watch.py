"""Following jobs until they end: the poll loop, pure logic with the clock and sleep passed in.

The loop only fetches and keeps track; what people or scripts see is a `WatchDisplay`
(live view, log lines or NDJSON, chosen by the command), so tests drive the loop without
a network, a terminal or real time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from bjob.exits import BjobError, ExitCode
from bjob.job import Job

THROUGHPUT_WINDOW_SECONDS = 600.0  # records per minute over the last ten minutes seen
BACKOFF_FIRST_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 60.0


@dataclass
class JobTrack:
    """What watch has seen of one job: its latest state, status changes and progress samples."""

    job: Job
    transitions: list[tuple[str, datetime]] = field(default_factory=list)
    # (monotonic seconds, processed records) samples, for throughput over a sliding window.
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    @property
    def key(self) -> str:
        return self.job.arn or self.job.job_id or ""

    def observe(self, job: Job, at: float, seen: datetime) -> bool:
        """Take a new state; True when the status or any count changed."""
        changed = self._differs(job)
        if not self.transitions or job.status != self.job.status:
            self.transitions.append((job.status or "?", seen))
        self.job = job
        if job.processed_records is not None:
            self.samples.append((at, job.processed_records))
            while self.samples and at - self.samples[0][0] > THROUGHPUT_WINDOW_SECONDS:
                self.samples.popleft()
        return changed

    def _differs(self, job: Job) -> bool:
        old = self.job
        return (old.status, old.processed_records, old.succeeded_records, old.failed_records,
                old.total_records, old.end_time) != (
                job.status, job.processed_records, job.succeeded_records, job.failed_records,
                job.total_records, job.end_time)  # fmt: skip

    def records_per_minute(self) -> float | None:
        """Throughput measured from what watch itself observed, over the sliding window."""
        if len(self.samples) < 2:
            return None
        (first_at, first), (last_at, last) = self.samples[0], self.samples[-1]
        if last_at <= first_at:
            return None
        return max(last - first, 0) / (last_at - first_at) * 60.0

    def eta_seconds(self) -> float | None:
        rate = self.records_per_minute()
        pending = self.job.pending_records
        if self.job.is_terminal or not rate or pending is None:
            return None
        return pending / rate * 60.0


class WatchDisplay(Protocol):
    """How a watch is shown; every method is called from the loop's thread."""

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None: ...

    def waiting(self, next_poll_at: float) -> None: ...

    def retrying(self, error: BjobError, delay: float) -> None: ...

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None: ...


Fetch = Callable[[Sequence[Job]], list[Job]]


@dataclass
class Watcher:
    """Polls until every job ends, the timeout runs out, or the service stays unreachable."""

    fetch: Fetch  # the jobs' current states, given their last known ones
    display: WatchDisplay
    clock: Callable[[], float]  # monotonic seconds
    now: Callable[[], datetime]  # wall time, for what people read
    sleep: Callable[[float], None]
    jitter: Callable[[], float]  # a random number in [0, 1)
    interval: float = 30.0
    timeout: float | None = None
    give_up_after: float = 600.0

    def run(self, jobs: Sequence[Job]) -> ExitCode:
        started = self.clock()
        deadline = started + self.timeout if self.timeout is not None else None
        tracks = [JobTrack(job) for job in jobs]
        for track in tracks:
            track.observe(track.job, started, self.now())
        code = ExitCode.JOB_NOT_FINISHED
        try:
            self.display.update(tracks, tracks)
            failing_since: float | None = None
            failures = 0
            wait = self._interval_wait()
            while not all(track.job.is_terminal for track in tracks):
                if deadline is not None:
                    wait = min(wait, max(deadline - self.clock(), 0.0))
                self.display.waiting(self.clock() + wait)
                self.sleep(wait)
                if deadline is not None and self.clock() >= deadline:
                    break
                try:
                    latest = self.fetch([track.job for track in tracks])
                except BjobError as error:
                    if error.code is not ExitCode.TEMPORARY:
                        raise
                    if failing_since is None:
                        failing_since = self.clock()
                    if self.clock() - failing_since >= self.give_up_after:
                        raise BjobError(
                            f"gave up after {self.clock() - failing_since:.0f} s without an "
                            f"answer: {error.message}",
                            ExitCode.TEMPORARY,
                            hint="--give-up-after sets how long a watch rides out an outage",
                        ) from error
                    failures += 1
                    # Exponential back-off with jitter, capped: an outage is ridden out.
                    wait = min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (failures - 1))
                    wait *= 0.5 + 0.5 * self.jitter()
                    self.display.retrying(error, wait)
                    continue
                failing_since, failures = None, 0
                at, seen = self.clock(), self.now()
                changed = [
                    track for track, job in zip(tracks, latest, strict=True)
                    if track.observe(job, at, seen)
                ]  # fmt: skip
                self.display.update(tracks, changed)
                wait = self._interval_wait()
            if all(track.job.is_terminal for track in tracks):
                code = max((track.job.state_exit_code() for track in tracks), default=ExitCode.OK)
        except KeyboardInterrupt:
            self.display.finish(tracks, ExitCode.INTERRUPTED, interrupted=True)
            raise
        self.display.finish(tracks, code, interrupted=False)
        return code

    def _interval_wait(self) -> float:
        # A little jitter so that many watchers do not poll in lock-step.
        return self.interval * (0.9 + 0.2 * self.jitter())
