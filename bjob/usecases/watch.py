"""Following jobs until they end: the poll loop, pure logic with the clock and sleep passed in.

The loop only fetches and keeps track; what people or scripts see is a `WatchDisplay`
(live view, log lines or NDJSON, chosen by the command), so tests drive the loop without
a network, a terminal or real time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bjob.aws.session import AwsClients
from bjob.model.environment import Environment
from bjob.model.exits import BjobError, ExitCode
from bjob.model.identifiers import JobRef
from bjob.model.job import Job
from bjob.model.track import JobTrack
from bjob.usecases.load import LoadedJob, load_jobs
from bjob.usecases.polling import JobPoller, discover_active_jobs

BACKOFF_FIRST_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 60.0


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


@dataclass(frozen=True, kw_only=True)
class WatchSettings:
    interval: float = 30.0
    timeout: float | None = None
    give_up_after: float = 600.0


def jobs_to_watch(
    refs: Sequence[JobRef], clients: AwsClients, env: Environment
) -> tuple[list[Job], list[BjobError]]:
    """The jobs named (each once), or with no refs every active job in the region; and the
    errors of those that could not be loaded."""
    if any(ref.kind == "file" for ref in refs):
        raise BjobError(
            "a saved response cannot be watched: give the job's ARN or id", ExitCode.USAGE
        )
    if not refs:
        return discover_active_jobs(clients, clients.options.region, env.now()), []
    results = load_jobs(refs, clients, env.stdin)
    errors = [result for result in results if isinstance(result, BjobError)]
    unique = {item.job.arn: item.job for item in results if isinstance(item, LoadedJob)}
    return list(unique.values()), errors


def follow_jobs(
    jobs: Sequence[Job],
    clients: AwsClients,
    display: WatchDisplay,
    env: Environment,
    settings: WatchSettings,
) -> ExitCode:
    """Poll the jobs until they end (or the timeout, or an outage); how they ended."""
    watcher = Watcher(
        fetch=JobPoller(clients),
        display=display,
        clock=env.clock,
        now=env.now,
        sleep=env.sleep,
        jitter=env.random,
        interval=settings.interval,
        timeout=settings.timeout,
        give_up_after=settings.give_up_after,
    )
    return watcher.run(jobs)
