"""bjob watch end to end against the fake server: scripted progressions, faults in the middle,
NDJSON and log lines through the command layer in-process on a fake clock (hours of polling
in no time); the live view in a real pty, Ctrl-C and the exit code of the installed `bjob`."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import (
    BJOB,
    SCHEMA,
    FakeClock,
    Result,
    invoke,
    read_pty,
    run_bjob,
    spawn_in_pty,
)
from tests.fakebedrock import Fault, RunningFake, make_job, progression

JOB = "abc123def456"
OTHER = "zzz999yyy888"


def watch(server: RunningFake, *args: str, clock: FakeClock | None = None, **kw: Any) -> Result:
    return invoke(
        "watch", *args, "--endpoint-url", server.url, "--region", "us-east-1", clock=clock, **kw
    )


@pytest.mark.parametrize(
    ("ending", "code", "final"),
    [
        (("Completed",), 0, "Completed"),
        (("Failed",), 10, "Failed"),
        (("Stopping", "Stopped"), 12, "Stopped"),
    ],
)
def test_watch_is_a_gate_with_one_line_per_change(
    server: RunningFake, ending: tuple[str, ...], code: int, final: str
) -> None:
    server.fake.add_job(*progression(JOB, *ending))
    result = watch(server, JOB)
    assert result.code == code, result.stderr
    lines = result.stdout.splitlines()
    statuses = [line.split("  ")[2] for line in lines[:-1]]
    expected = ["Submitted", "Validating", "Scheduled", "InProgress", "InProgress", *ending]
    assert statuses == expected
    assert "250/1,000 (25.0%)" in lines[3]
    assert lines[-1].endswith(f"finished: job-{JOB} {final} · exit {code}")
    assert "\x1b" not in result.stdout


def test_the_failure_message_is_in_the_last_line_of_the_job(server: RunningFake) -> None:
    *running, failed = progression(JOB, "Failed")
    failed["message"] = "Role cannot read s3://in/\x1b[2J"
    server.fake.add_job(*running, failed)
    result = watch(server, JOB)
    assert result.code == 10
    assert result.stdout.splitlines()[-2].endswith("message: Role cannot read s3://in/\\x1b[2J")


def test_faults_in_the_middle_are_ridden_out(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed"))
    # After two good polls: throttling, then a 500, then a dropped connection, each followed
    # by recovery. AWS_MAX_ATTEMPTS=1 turns botocore's own retries off, so that each fault
    # reaches watch's back-off (the part under test) without the test waiting on both.
    server.fake.fail_next(Fault("error", 429, "ThrottlingException", "Rate exceeded"), after=2)
    server.fake.fail_next(Fault("error", 500, "InternalServerException", "boom"), after=1)
    server.fake.fail_next(Fault("drop"), after=1)
    result = watch(server, JOB, "--json", env={"AWS_MAX_ATTEMPTS": "1"})
    assert result.code == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["status"] for line in lines] == [
        "Submitted",
        "Validating",
        "Scheduled",
        "InProgress",
        "InProgress",
        "Completed",
    ]
    assert result.stderr.count("retrying in") == 3
    assert "Rate exceeded" in result.stderr and "boom" in result.stderr
    assert "could not reach" in result.stderr


def test_ndjson_lines_follow_the_show_schema_plus_observed_at(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "PartiallyCompleted"))
    result = watch(server, JOB, "--json")
    assert result.code == 11
    for line in result.stdout.splitlines():
        document = json.loads(line)
        observed = document.pop("observed_at")
        assert observed.endswith("Z")
        jsonschema.validate(document, SCHEMA)
    assert json.loads(result.stdout.splitlines()[-1])["status"] == "PartiallyCompleted"


def test_several_jobs_in_one_region_cost_one_listing_a_poll(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed"))
    server.fake.add_job(*progression(OTHER, "Failed"))
    result = watch(server, JOB, OTHER, "--json", "--query", "[id, status]")
    assert result.code == 10
    polls = server.fake.requests[2:]  # after the two initial Gets
    assert polls and all(request.path == "/model-invocation-jobs" for request in polls)
    assert len(polls) == 5
    pairs = [tuple(json.loads(line)) for line in result.stdout.splitlines()]
    assert pairs[-1] in {(JOB, "Completed"), (OTHER, "Failed")}
    assert (OTHER, "Failed") in pairs and (JOB, "Completed") in pairs


def test_active_follows_every_unfinished_job(server: RunningFake) -> None:
    server.fake.add_job(make_job("done00000001", "Completed"))
    server.fake.add_job(*progression(JOB, "Completed")[3:])
    server.fake.add_job(*progression(OTHER, "Expired")[2:])
    result = watch(server, "--active", "--json")
    assert result.code == 13
    ids = {json.loads(line)["id"] for line in result.stdout.splitlines()}
    assert ids == {JOB, OTHER}


def test_timeout_exits_8(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    clock = FakeClock()
    result = watch(server, JOB, "--timeout", "2m", clock=clock)
    assert result.code == 8
    assert sum(clock.sleeps) == pytest.approx(120)  # it stopped at the deadline, not later
    assert "timed out, still running" in result.stdout


def test_sustained_outage_exits_5(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    server.fake.fail_next(
        Fault("error", 503, "ServiceUnavailableException", "down"), times=1000, after=1
    )
    clock = FakeClock()
    result = watch(server, JOB, "--give-up-after", "3m", clock=clock)
    assert result.code == 5
    assert 180 <= sum(clock.sleeps) <= 180 + 60  # gave up within one back-off of 3 minutes
    assert "gave up" in result.stderr and "Traceback" not in result.stderr


def test_job_vanishing_mid_watch_exits_3(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    server.fake.fail_next(Fault("error", 404, "ResourceNotFoundException", "gone"), after=1)
    assert watch(server, JOB).code == 3


def test_expired_credentials_mid_watch_exit_4(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    server.fake.fail_next(Fault("error", 403, "ExpiredTokenException", "token expired"), after=1)
    result = watch(server, JOB)
    assert result.code == 4 and "token expired" in result.stderr


def test_show_watch_is_the_same_gate_for_the_installed_bjob(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "Failed"))
    result = run_bjob("show", "-w", JOB, "--endpoint-url", server.url, "--region", "us-east-1")
    assert result.code == 10  # a watch's exit, where show alone exits 0
    assert result.stdout.splitlines()[-1].endswith(f"finished: job-{JOB} Failed · exit 10")
    assert len(server.fake.requests) == 1  # an ended job needs no further poll


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "--active"),
        ([JOB, "--active"], "--active"),
        ([JOB, "--interval", "0.5"], "--interval"),
        ([JOB, "--timeout", "soon"], "--timeout"),
        ([JOB, "--timeout", ""], "--timeout"),
    ],
)
def test_bad_arguments(server: RunningFake, args: list[str], words: str) -> None:
    result = invoke("watch", *args, "--endpoint-url", server.url, "--region", "us-east-1")
    assert result.code == 2
    assert words in result.stderr
    assert server.fake.requests == []


def _pty_watch(server: RunningFake, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    return spawn_in_pty("watch", *args, "--endpoint-url", server.url, "--region", "us-east-1")


def test_live_view_in_a_pty_ends_cleanly_with_the_right_code(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed")[4:])
    process, controller = _pty_watch(server, JOB, "--interval", "1", "--bell")
    screen = read_pty(controller, time.monotonic() + 60)
    assert process.wait(timeout=30) == 0
    assert "\x1b[" in screen  # styled, redrawn in place
    assert "Completed" in screen and "finished:" in screen
    assert re.search(r"Seen: \S*InProgress.*→.*Completed", screen)  # (styles in between)
    assert "\x07" in screen  # the bell
    assert "\x1b[?25h" in screen  # the cursor is shown again: the terminal is restored
    assert "Traceback" not in screen


def test_ctrl_c_exits_130_with_the_last_state_and_no_traceback(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    process, controller = _pty_watch(server, JOB, "--interval", "30")
    started, deadline = b"", time.monotonic() + 30
    while b"Ctrl-C to stop" not in started:  # the live view is up: watch is sleeping
        assert time.monotonic() < deadline, started
        if select.select([controller], [], [], 1)[0]:
            started += os.read(controller, 65536)
    os.killpg(process.pid, signal.SIGINT)
    screen = started.decode(errors="replace") + read_pty(controller, time.monotonic() + 20)
    code = process.wait(timeout=20)
    assert code == 130
    assert "Traceback" not in screen and "KeyboardInterrupt" not in screen
    assert "interrupted: job-abc123def456 InProgress" in screen
    assert "\x1b[?25h" in screen


def test_ctrl_c_in_log_mode(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    process = subprocess.Popen(
        [str(BJOB), "watch", JOB, "--endpoint-url", server.url, "--region", "us-east-1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the first state is out: watch is sleeping
    assert "InProgress" in first
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    out = first + out
    assert process.returncode == 130
    assert "Traceback" not in err
    assert "interrupted: job-abc123def456 InProgress" in out


def test_a_watch_that_starts_during_an_outage_rides_it_out(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed")[3:])
    server.fake.fail_next(Fault("error", 503, "ServiceUnavailableException", "down"), times=12)
    clock = FakeClock()
    result = watch(server, JOB, "--give-up-after", "5m", clock=clock)
    assert result.code == 0, result.stderr
    assert result.stderr.count("retrying in") == 4  # 12 failed attempts, 3 a poll
    assert result.stdout.splitlines()[-1].endswith("Completed · exit 0")


def test_an_outage_at_the_start_longer_than_give_up_after_exits_5(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB))
    server.fake.fail_next(Fault("error", 503, "ServiceUnavailableException", "down"), times=1000)
    clock = FakeClock()
    result = watch(server, JOB, "--give-up-after", "2m", clock=clock)
    assert result.code == 5 and "gave up" in result.stderr
    assert 120 <= sum(clock.sleeps) <= 180


def test_active_rides_out_an_outage_too(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed")[3:])
    server.fake.throttle_next(3)
    result = watch(server, "--active", "--json")
    assert result.code == 0, result.stderr
    assert "retrying in" in result.stderr


def test_ended_jobs_are_not_polled_again(server: RunningFake) -> None:
    server.fake.add_job(make_job(OTHER, "Completed"))
    server.fake.add_job(*progression(JOB, "Completed")[2:])
    result = watch(server, JOB, OTHER, "--json")
    assert result.code == 0, result.stderr
    polls = server.fake.requests[2:]  # after the two initial Gets
    assert polls and all(request.path.endswith(f"/{JOB}") for request in polls)
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()].count(OTHER) == 1


def test_timeout_names_only_the_jobs_still_running_and_counts_past_five(
    server: RunningFake,
) -> None:
    running = [f"run{index:09d}" for index in range(8)]
    for job_id in running:
        server.fake.add_job(make_job(job_id, "InProgress"))
    server.fake.add_job(make_job(OTHER, "Completed"))
    result = watch(server, *running, OTHER, "--timeout", "1m")
    assert result.code == 8
    summary = result.stdout.splitlines()[-1]
    assert "timed out, still running: job-run000000000 InProgress" in summary
    assert summary.endswith("and 3 more · exit 8")
    assert OTHER not in summary


def test_a_saved_response_is_watched_live_by_its_arn(server: RunningFake, tmp_path: Path) -> None:
    server.fake.add_job(*progression(JOB, "Failed")[4:])
    saved = tmp_path / "job.json"
    saved.write_text(json.dumps(make_job(JOB, "InProgress")))
    result = watch(server, str(saved))
    assert result.code == 10, result.stderr
    assert server.fake.requests[0].path.endswith(f"model-invocation-job/{JOB}")
    saved.write_text(json.dumps({"status": "InProgress"}))
    assert watch(server, str(saved)).code == 2


def test_show_watch_takes_the_watch_options(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "InProgress"))
    clock = FakeClock()
    result = invoke(
        "show",
        "-w",
        JOB,
        "--interval",
        "120",
        "--timeout",
        "10m",
        "--give-up-after",
        "1m",
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        clock=clock,
    )
    assert result.code == 8, result.stderr
    assert sum(clock.sleeps) == pytest.approx(600)
    assert len(clock.sleeps) == 5  # every two minutes (within the jitter)
    alone = invoke(
        "show", JOB, "--interval", "120", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert alone.code == 2 and "--interval only apply with --watch" in alone.stderr


def test_no_color_keeps_the_live_view_without_colour(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed")[4:])
    process, controller = spawn_in_pty(
        "watch",
        JOB,
        "--interval",
        "1",
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env={"NO_COLOR": "1"},
    )
    screen = read_pty(controller, time.monotonic() + 30)
    assert process.wait(timeout=30) == 0
    assert "Ctrl-C to stop" in screen and "finished:" in screen  # the live view, redrawn
    assert "\x1b[?25l" in screen  # the cursor hidden while it redraws
    assert not re.search(r"\x1b\[[0-9;]*3[0-9][;m]", screen)  # no colour


def test_a_reader_that_goes_away_ends_the_watch(server: RunningFake) -> None:
    server.fake.add_job(*progression(JOB, "Completed"))
    process = subprocess.Popen(
        [
            str(BJOB),
            "watch",
            JOB,
            "--json",
            "--interval",
            "1",
            "--endpoint-url",
            server.url,
            "--region",
            "us-east-1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert json.loads(process.stdout.readline())["status"] == "Submitted"
    process.stdout.close()  # as `| head -1` does
    assert process.wait(timeout=20) == 0
    assert process.stderr.read() == b""
    assert len(server.fake.requests) < 4  # it stopped at the next write, not at the end
