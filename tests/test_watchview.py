"""The watch views rendered in-process: the live view's footer and notes, the log lines."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

from rich.console import Console

from bjob.model.environment import Environment
from bjob.model.job import normalize_job
from bjob.model.track import JobTrack
from bjob.render.watchview import LiveDisplay, LogDisplay
from bjob.support.exits import BjobError, ExitCode
from tests.conftest import NOW, environment
from tests.fakebedrock import make_job


def track(*states: dict[str, object]) -> JobTrack:
    first = normalize_job(states[0])
    followed = JobTrack(first)
    for minute, state in enumerate(states):
        followed.observe(
            normalize_job(state), minute * 60.0, NOW - timedelta(minutes=len(states) - minute)
        )
    return followed


def live_environment(monotonic: float) -> Environment:
    terminal = environment(tty=True, env={"COLUMNS": "140"})
    return replace(terminal, now=lambda: NOW, clock=lambda: monotonic)


def live_text(display: LiveDisplay) -> str:
    written = io.StringIO()
    Console(file=written, width=140, color_system=None).print(display.render())
    return written.getvalue()


def test_live_view_counts_down_and_says_when_it_retries() -> None:
    display = LiveDisplay(live_environment(100.0))
    followed = track(
        make_job("abc123def456", "Scheduled", processed=0, failed=0),
        make_job("abc123def456", "InProgress", processed=100, failed=0),
        make_job("abc123def456", "InProgress", processed=300, failed=0),
    )
    display.update([followed], [followed])
    display.waiting(112.0)
    text = live_text(display)
    assert "next in 12 s" in text and "Ctrl-C to stop" in text
    assert "150 rec/min" in text  # 300 records over the two minutes watched
    assert "Seen: Scheduled 3 m ago → InProgress 2 m ago" in text
    display.retrying(BjobError("the service did not answer: Throttling", ExitCode.TEMPORARY), 4)
    display.waiting(104.0)
    assert "retrying in 4 s: the service did not answer: Throttling" in live_text(display)


def test_live_view_ends_with_the_summary_and_the_failure_message() -> None:
    display = LiveDisplay(live_environment(0.0))
    message = "Role cannot read s3://in/"
    failed = track(
        make_job("abc123def456", "InProgress"), make_job("abc123def456", "Failed", message=message)
    )
    display.finish([failed], ExitCode.JOB_FAILED, interrupted=False)
    text = live_text(display)
    assert "job-abc123def456: Role cannot read s3://in/" in text
    assert "finished: job-abc123def456 Failed · exit 10" in text
    assert "next in" not in text


def test_log_lines_are_timestamped_and_complete() -> None:
    out, err = io.StringIO(), io.StringIO()
    display = LogDisplay(out, err, lambda: NOW)
    followed = track(
        make_job("abc123def456", "InProgress", processed=200, failed=2),
        make_job("abc123def456", "InProgress", processed=500, failed=5),
    )
    display.update([followed], [followed])
    display.retrying(BjobError("could not reach Bedrock", ExitCode.TEMPORARY), 8.0)
    assert out.getvalue() == (
        "2026-11-27T10:00:00Z  job-abc123def456  InProgress  500/1,000 (50.0%)  "
        "ok 495 failed 5  300 rec/min  ETA 1 m 40 s\n"
    )
    assert err.getvalue() == "2026-11-27T10:00:00Z  retrying in 8 s: could not reach Bedrock\n"


def test_more_jobs_than_rows_keeps_the_total_and_the_countdown_on_screen() -> None:
    terminal = environment(tty=True, env={"COLUMNS": "80", "LINES": "24"})
    display = LiveDisplay(replace(terminal, now=lambda: NOW, clock=lambda: 100.0))
    tracks = [track(make_job(f"{index:012d}", "InProgress")) for index in range(40)]
    display.update(tracks, tracks)
    display.waiting(112.0)
    written = io.StringIO()
    Console(file=written, width=80, height=24, color_system=None).print(display.render())
    lines = written.getvalue().splitlines()
    assert len(lines) <= 23
    assert lines[-3].startswith("… 23 more")
    assert lines[-2].startswith("Total (40)") and "0/40 ended" in lines[-2]
    assert "next in 12 s" in lines[-1]
