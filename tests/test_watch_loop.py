"""The watch loop as pure logic: scripted states and faults, a fake clock, no real waiting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bjob.model.job import Job, normalize_job
from bjob.model.track import JobTrack
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.watch import Watcher
from tests.conftest import FakeClock
from tests.fakebedrock import make_job, progression


@dataclass
class RecordingDisplay:
    updates: list[list[str]] = field(default_factory=list)
    retries: list[tuple[str, float]] = field(default_factory=list)
    finished: list[tuple[ExitCode, bool]] = field(default_factory=list)

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None:
        self.updates.append([f"{t.job.job_id}:{t.job.status}" for t in changed])

    def waiting(self, next_poll_at: float) -> None:
        pass

    def retrying(self, error: BjobError, delay: float) -> None:
        self.retries.append((error.message, delay))

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None:
        self.finished.append((code, interrupted))


class ScriptedFetch:
    """Each call returns the next scripted outcome: job states, or an exception to raise."""

    def __init__(self, outcomes: list[list[Job] | BaseException]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    def __call__(self, jobs: Sequence[Job]) -> list[Job]:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def states(job_id: str, *ending: str) -> list[Job]:
    return [normalize_job(state) for state in progression(job_id, *ending)]


def watcher(
    fetch: ScriptedFetch, clock: FakeClock, display: RecordingDisplay, **kw: Any
) -> Watcher:
    return Watcher(
        fetch=fetch,
        display=display,
        clock=clock.monotonic,
        now=clock.now,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
        **kw,
    )


def test_follows_a_job_through_every_status_to_completed() -> None:
    sequence = states("abc123def456", "Completed")
    clock, display = FakeClock(), RecordingDisplay()
    fetch = ScriptedFetch([[job] for job in sequence[1:]])
    code = watcher(fetch, clock, display, interval=30).run([sequence[0]])
    assert code is ExitCode.OK
    assert [u for u in display.updates if u] == [
        [f"abc123def456:{s}"]
        for s in ("Submitted", "Validating", "Scheduled", "InProgress", "InProgress", "Completed")
    ]
    assert fetch.calls == 5
    assert clock.sleeps == [30.0] * 5  # jitter 0.5 -> exactly the interval
    assert display.finished == [(ExitCode.OK, False)]


@pytest.mark.parametrize(
    ("ending", "code"),
    [
        (("Failed",), 10),
        (("PartiallyCompleted",), 11),
        (("Stopping", "Stopped"), 12),
        (("Expired",), 13),
    ],
)
def test_exit_code_says_how_it_ended(ending: tuple[str, ...], code: int) -> None:
    sequence = states("abc123def456", *ending)
    fetch = ScriptedFetch([[job] for job in sequence[1:]])
    assert watcher(fetch, FakeClock(), RecordingDisplay()).run([sequence[0]]) == code


def test_stopping_is_followed_until_stopped() -> None:
    sequence = states("abc123def456", "Stopping", "Stopping", "Stopped")
    fetch = ScriptedFetch([[job] for job in sequence[1:]])
    assert watcher(fetch, FakeClock(), RecordingDisplay()).run([sequence[0]]) == 12
    assert fetch.calls == len(sequence) - 1


def test_several_jobs_exit_with_the_highest_code() -> None:
    a, b = states("aaaaaaaaaaa1", "Completed"), states("bbbbbbbbbbb2", "Failed")
    fetch = ScriptedFetch([[x, y] for x, y in zip(a[1:], b[1:], strict=True)])
    assert watcher(fetch, FakeClock(), RecordingDisplay()).run([a[0], b[0]]) == 10


def test_unknown_status_ends_once_it_has_an_end_time() -> None:
    odd = normalize_job(make_job("abc123def456", "Archived"))
    ended = normalize_job(make_job("abc123def456", "Archived", endTime="2026-11-27T10:00:00Z"))
    fetch = ScriptedFetch([[odd], [odd], [ended]])
    assert watcher(fetch, FakeClock(), RecordingDisplay()).run([odd]) == 9
    assert fetch.calls == 3


def test_timeout_exits_8_with_jobs_still_running() -> None:
    running = normalize_job(make_job("abc123def456", "InProgress"))
    clock, display = FakeClock(), RecordingDisplay()
    fetch = ScriptedFetch([[running]])
    code = watcher(fetch, clock, display, interval=30, timeout=100).run([running])
    assert code is ExitCode.JOB_NOT_FINISHED
    assert sum(clock.sleeps) == pytest.approx(100)
    assert clock.sleeps[-1] == pytest.approx(10)  # the last wait is cut to the deadline
    assert display.finished == [(ExitCode.JOB_NOT_FINISHED, False)]


def test_outage_is_ridden_out_with_growing_backoff_then_resumes() -> None:
    sequence = states("abc123def456", "Completed")
    outage = BjobError("the service did not answer: ThrottlingException", ExitCode.TEMPORARY)
    clock, display = FakeClock(), RecordingDisplay()
    fetch = ScriptedFetch([outage, outage, outage, outage, *[[job] for job in sequence[1:]]])
    code = watcher(fetch, clock, display, interval=30).run([sequence[0]])
    assert code is ExitCode.OK
    delays = [delay for _, delay in display.retries]
    assert delays == [1.5, 3.0, 6.0, 12.0]  # 2, 4, 8, 16 s with jitter 0.5 -> x0.75
    assert clock.sleeps[1:5] == delays


def test_sustained_outage_gives_up_with_exit_5() -> None:
    running = normalize_job(make_job("abc123def456", "InProgress"))
    outage = BjobError("could not reach Bedrock", ExitCode.TEMPORARY)
    clock = FakeClock()
    fetch = ScriptedFetch([outage])
    with pytest.raises(BjobError) as caught:
        watcher(fetch, clock, RecordingDisplay(), give_up_after=600).run([running])
    assert caught.value.code is ExitCode.TEMPORARY
    assert "gave up" in caught.value.message
    assert max(clock.sleeps[1:]) <= 60  # back-off is capped
    assert 600 <= sum(clock.sleeps[1:]) < 700


@pytest.mark.parametrize("code", [ExitCode.NOT_AUTHORIZED, ExitCode.NOT_FOUND])
def test_expired_credentials_or_vanished_job_end_the_watch(code: ExitCode) -> None:
    running = normalize_job(make_job("abc123def456", "InProgress"))
    fetch = ScriptedFetch([[running], BjobError("no", code)])
    with pytest.raises(BjobError) as caught:
        watcher(fetch, FakeClock(), RecordingDisplay()).run([running])
    assert caught.value.code is code


def test_ctrl_c_reports_the_last_state_and_propagates() -> None:
    running = normalize_job(make_job("abc123def456", "InProgress"))
    display = RecordingDisplay()
    fetch = ScriptedFetch([[running], KeyboardInterrupt()])
    with pytest.raises(KeyboardInterrupt):
        watcher(fetch, FakeClock(), display).run([running])
    assert display.finished == [(ExitCode.INTERRUPTED, True)]


def test_nothing_changed_means_nothing_reported() -> None:
    running = normalize_job(make_job("abc123def456", "InProgress"))
    done = normalize_job(make_job("abc123def456", "Completed"))
    display = RecordingDisplay()
    fetch = ScriptedFetch([[running], [running], [done]])
    watcher(fetch, FakeClock(), display).run([running])
    assert display.updates == [["abc123def456:InProgress"], [], [], ["abc123def456:Completed"]]


def test_throughput_and_eta_from_a_sliding_window() -> None:
    track = JobTrack(normalize_job(make_job("abc123def456", total=10_000, processed=0, failed=0)))
    seen = datetime(2026, 11, 27, tzinfo=UTC)
    for minute, processed in enumerate([0, 100, 200, 300]):
        job = normalize_job(make_job("abc123def456", total=10_000, processed=processed, failed=0))
        track.observe(job, minute * 60.0, seen)
    assert track.records_per_minute() == pytest.approx(100)
    assert track.eta_seconds() == pytest.approx(97 * 60)
    # Old samples leave the ten-minute window: the rate follows the recent pace.
    for minute in range(4, 20):
        processed = 300 + (minute - 3) * 10
        job = normalize_job(make_job("abc123def456", total=10_000, processed=processed, failed=0))
        track.observe(job, minute * 60.0, seen)
    assert track.records_per_minute() == pytest.approx(10)
