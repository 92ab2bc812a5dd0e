"""Following jobs until they end: the poll loop, pure logic with the clock and sleep passed in.

The loop only fetches and keeps track; what people or scripts see is a `WatchDisplay`
(live view, log lines or NDJSON, chosen by the command), so tests drive the loop without
a network, a terminal or real time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bjob.aws.session import AwsClients
from bjob.model.environment import Environment
from bjob.model.identifiers import JobRef, parse_job_ref
from bjob.model.job import Job
from bjob.model.track import JobTrack
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.load import LoadedJob, load_jobs
from bjob.usecases.polling import JobPoller, discover_active_jobs
from bjob.usecases.runs import RunOutcome, find_run, jobs_outcome, run_outcome
from bjob.usecases.saved import read_saved_response, source_name

BACKOFF_FIRST_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 60.0


class WatchDisplay(Protocol):
    """How a watch is shown; every method is called from the loop's thread."""

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None: ...

    def waiting(self, next_poll_at: float) -> None: ...

    def retrying(self, error: BjobError, delay: float) -> None: ...

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None: ...


Fetch = Callable[[Sequence[Job]], list[Job]]
# The code the command will exit with, given the watch's own (how the jobs ended): what the
# closing line states. `stop --wait` exits 0 once its jobs have ended, Stopped or not.
Closing = Callable[[ExitCode], ExitCode]


@dataclass(frozen=True)
class WatchResult:
    """How a watch ended: the jobs as last seen, how they ended (`watch_code`: 0, 10 Failed,
    12 Stopped, 8 timed out...), and the code the caller exits with (`code`, which the
    closing line stated)."""

    jobs: tuple[Job, ...]
    watch_code: ExitCode
    code: ExitCode


@dataclass
class Outage:
    """Rides out a service that does not answer: exponential back-off with jitter, capped,
    until it has been failing for `give_up_after` seconds. Other errors are not its business."""

    clock: Callable[[], float]
    jitter: Callable[[], float]
    give_up_after: float
    since: float | None = None
    failures: int = 0

    def failed(self, error: BjobError) -> float:
        """The seconds to wait before asking again; re-raises what waiting cannot cure."""
        if error.code is not ExitCode.TEMPORARY:
            raise error
        if self.since is None:
            self.since = self.clock()
        failing_for = self.clock() - self.since
        if failing_for >= self.give_up_after:
            raise BjobError(
                f"gave up after {failing_for:.0f} s without an answer: {error.message}",
                ExitCode.TEMPORARY,
                hint="--give-up-after sets how long a watch rides out an outage",
            ) from error
        self.failures += 1
        wait = min(BACKOFF_CAP_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (self.failures - 1))
        return float(wait * (0.5 + 0.5 * self.jitter()))

    def answered(self) -> None:
        self.since, self.failures = None, 0


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
    closing: Closing | None = None  # the caller's exit code for the watch's (the same: None)

    def run(self, jobs: Sequence[Job]) -> ExitCode:
        return self.follow(jobs).watch_code

    def follow(self, jobs: Sequence[Job]) -> WatchResult:
        started = self.clock()
        deadline = started + self.timeout if self.timeout is not None else None
        tracks = [JobTrack(job) for job in jobs]
        for track in tracks:
            track.observe(track.job, started, self.now())
        code = ExitCode.JOB_NOT_FINISHED
        outage = Outage(self.clock, self.jitter, self.give_up_after)
        try:
            self.display.update(tracks, tracks)
            wait = self._interval_wait()
            while running := [track for track in tracks if not track.job.is_terminal]:
                if deadline is not None:
                    wait = min(wait, max(deadline - self.clock(), 0.0))
                self.display.waiting(self.clock() + wait)
                self.sleep(wait)
                if deadline is not None and self.clock() >= deadline:
                    break
                try:
                    # A job that has ended is not asked about again: its figures stay as
                    # they were when it ended.
                    latest = self.fetch([track.job for track in running])
                except BjobError as error:
                    wait = outage.failed(error)
                    self.display.retrying(error, wait)
                    continue
                outage.answered()
                at, seen = self.clock(), self.now()
                changed = [
                    track
                    for track, job in zip(running, latest, strict=True)
                    if track.observe(job, at, seen)
                ]
                self.display.update(tracks, changed)
                wait = self._interval_wait()
            if all(track.job.is_terminal for track in tracks):
                code = max((track.job.state_exit_code() for track in tracks), default=ExitCode.OK)
        except KeyboardInterrupt:
            self.display.finish(tracks, ExitCode.INTERRUPTED, interrupted=True)
            raise
        stated = self.closing(code) if self.closing is not None else code
        self.display.finish(tracks, stated, interrupted=False)
        return WatchResult(tuple(track.job for track in tracks), code, stated)

    def _interval_wait(self) -> float:
        # A little jitter so that many watchers do not poll in lock-step.
        return self.interval * (0.9 + 0.2 * self.jitter())


@dataclass(frozen=True, kw_only=True)
class WatchSettings:
    interval: float = 30.0
    timeout: float | None = None
    give_up_after: float = 600.0


Retrying = Callable[[BjobError, float], None]


def jobs_to_watch(
    refs: Sequence[JobRef],
    clients: AwsClients,
    env: Environment,
    settings: WatchSettings,
    on_retry: Retrying,
) -> tuple[list[Job], list[BjobError]]:
    """The jobs named (each once; a saved response names its job by its ARN), or with no
    refs every active job in the region; and the errors of those that could not be loaded.

    A service that does not answer is ridden out here as in the watch itself: a watch that
    starts during an outage waits for the service, up to --give-up-after.
    """
    outage = Outage(env.clock, env.random, settings.give_up_after)
    if not refs:
        while True:
            try:
                return discover_active_jobs(clients, clients.options.region, env.now()), []
            except BjobError as error:
                _wait_out(outage, error, env, on_retry)
    refs = [_live_ref(ref, env) for ref in refs]
    loaded: dict[int, Job] = {}
    while True:
        asking = [index for index in range(len(refs)) if index not in loaded]
        results = load_jobs([refs[index] for index in asking], clients, env.stdin)
        errors = [result for result in results if isinstance(result, BjobError)]
        for index, result in zip(asking, results, strict=True):
            if isinstance(result, LoadedJob):
                loaded[index] = result.job
        if not errors or any(error.code is not ExitCode.TEMPORARY for error in errors):
            break
        _wait_out(outage, errors[0], env, on_retry)
    unique = {job.arn: job for _, job in sorted(loaded.items())}
    return list(unique.values()), errors


def _wait_out(outage: Outage, error: BjobError, env: Environment, on_retry: Retrying) -> None:
    delay = outage.failed(error)
    on_retry(error, delay)
    env.sleep(delay)


def _live_ref(ref: JobRef, env: Environment) -> JobRef:
    """A saved response is watched live: the job its ARN names."""
    if ref.kind != "file":
        return ref
    arn = read_saved_response(ref.text, env.stdin).get("jobArn")
    where = source_name(ref.text)
    if not isinstance(arn, str):
        raise BjobError(f"{where}: no jobArn to watch", ExitCode.USAGE)
    try:
        return parse_job_ref(arn)
    except BjobError as error:
        raise BjobError(f"{where}: {error.message}", ExitCode.USAGE) from None


def follow_jobs(
    jobs: Sequence[Job],
    clients: AwsClients,
    display: WatchDisplay,
    env: Environment,
    settings: WatchSettings,
    closing: Closing | None = None,
) -> WatchResult:
    """Poll the jobs until they end (or the timeout, or an outage); how they ended, and
    the code `closing` makes of it (what the display's closing line states)."""
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
        closing=closing,
    )
    return watcher.follow(jobs)


@dataclass(frozen=True)
class WatchTargets:
    """What a watch follows: every job named or of a run that has not ended, each once
    (`jobs`); those named as jobs (`plain`); the errors of jobs that could not be loaded
    (then nothing is followed)."""

    jobs: tuple[Job, ...]
    plain: tuple[Job, ...]
    errors: tuple[BjobError, ...] = ()


def watch_targets(
    refs: Sequence[JobRef],
    runs: Sequence[str],
    clients: AwsClients,
    env: Environment,
    settings: WatchSettings,
    on_retry: Retrying,
) -> WatchTargets:
    """The jobs named (with neither jobs nor runs: every active job in the region), then
    the unfinished jobs of each run."""
    jobs: list[Job] = []
    if refs or not runs:
        jobs, errors = jobs_to_watch(refs, clients, env, settings, on_retry)
        if errors:
            return WatchTargets((), (), tuple(errors))
    plain = tuple(jobs)
    for name in runs:
        jobs += find_run(name, clients, clients.options.region).unfinished
    return WatchTargets(tuple({job.arn: job for job in jobs}.values()), plain)


def judged_on_records(
    runs: Sequence[str],
    plain: Sequence[Job],
    clients: AwsClients,
    on_outcome: Callable[[RunOutcome], None],
    then: Closing | None,
) -> Closing:
    """The closing code of a watch that follows runs: their jobs' own ends do not decide,
    their records do (a retry may have answered what a part did not). `on_outcome` hears
    how each run ended."""

    def judged(watch_code: ExitCode) -> ExitCode:
        code = watch_code
        if watch_code not in (ExitCode.JOB_NOT_FINISHED, ExitCode.INTERRUPTED):
            codes = [jobs_outcome(list(plain), clients)] if plain else []
            for name in runs:
                outcome = run_outcome(name, clients, clients.options.region)
                on_outcome(outcome)
                codes.append(outcome.code)
            code = max(codes)
        return then(code) if then is not None else code

    return judged


@dataclass(frozen=True)
class Watched:
    """A whole watch's end: how it ended (`result`), or, when some job could not be loaded,
    those errors (then nothing was followed and `result` is None)."""

    result: WatchResult | None
    errors: tuple[BjobError, ...] = ()


def watch(
    refs: Sequence[JobRef],
    runs: Sequence[str],
    clients: AwsClients,
    env: Environment,
    settings: WatchSettings,
    display: Callable[[], AbstractContextManager[WatchDisplay]],
    *,
    on_retry: Retrying,
    on_run_outcome: Callable[[RunOutcome], None],
    on_following: Callable[[Sequence[Job]], None] = lambda jobs: None,
    closing: Closing | None = None,
) -> Watched:
    """`bjob watch`: the jobs named (none: every active job; `run:NAME`s: each run's
    unfinished jobs) followed until they end, shown by `display()`. A run's outcome is
    judged on its records (`on_run_outcome` hears each); `on_following` hears of the jobs
    before they are followed. Nothing to follow (no active job, or every job of the runs
    has ended) is an end at once."""
    targets = watch_targets(refs, runs, clients, env, settings, on_retry)
    if targets.errors:
        return Watched(None, targets.errors)
    if runs:
        closing = judged_on_records(runs, targets.plain, clients, on_run_outcome, closing)
    if not targets.jobs:
        code = closing(ExitCode.OK) if closing else ExitCode.OK
        return Watched(WatchResult((), ExitCode.OK, code))
    on_following(targets.jobs)
    with display() as shown:
        return Watched(follow_jobs(targets.jobs, clients, shown, env, settings, closing))
