"""bjob stop: what will be stopped is said, asked in a terminal, needs --yes in a script;
jobs already ended or stopping are left alone (not an error); --wait follows them."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import FakeClock, Result, invoke, run_bjob
from tests.fakebedrock import RunningFake, job_arn, make_job

RUNNING, WAITING, DONE = "abcdefabcd01", "abcdefabcd02", "abcdefabcd03"


def jobs(server: RunningFake) -> None:
    server.fake.add_job(make_job(RUNNING, "InProgress", name="nightly", total=1000, processed=420))
    server.fake.add_job(make_job(WAITING, "Scheduled", name="waiting"))
    server.fake.add_job(make_job(DONE, "Completed", name="finished", total=10, processed=10))


def stop(server: RunningFake, *args: str, **kw: Any) -> Result:
    return invoke("stop", *args, "--endpoint-url", server.url, "--region", "us-east-1", **kw)


def test_a_script_needs_yes(server: RunningFake) -> None:
    jobs(server)
    result = stop(server, RUNNING)
    assert result.code == 2 and "pass --yes" in result.stderr
    assert "nightly  InProgress  42.0% (420 of 1,000 records)  will be stopped" in result.stderr
    assert server.fake.stops == []


def test_stop_with_yes_and_what_is_left_alone(server: RunningFake) -> None:
    jobs(server)
    result = stop(server, RUNNING, WAITING, DONE, "--yes", "--json")
    assert result.code == 0, result.stderr
    assert sorted(server.fake.stops) == [job_arn(RUNNING), job_arn(WAITING)]  # (at once)
    document = json.loads(result.stdout)
    assert [(item["name"], item["action"], item["status"]) for item in document] == [
        ("nightly", "stopped", "Stopping"),
        ("waiting", "stopped", "Stopping"),
        ("finished", "already-ended", "Completed"),
    ]
    assert "finished  Completed" in result.stderr and "already Completed" in result.stderr
    again = stop(server, RUNNING, "--yes", "--json")  # safe to run twice
    assert again.code == 0
    assert json.loads(again.stdout)[0]["action"] == "already-stopping"
    assert sorted(server.fake.stops) == [job_arn(RUNNING), job_arn(WAITING)]


def test_a_terminal_is_asked(server: RunningFake) -> None:
    jobs(server)
    declined = stop(server, RUNNING, tty=True, stdin="n\n")
    assert declined.code == 0 and "Stop 1 job? [y/N]" in declined.stderr
    assert "nothing was stopped" in declined.stderr and server.fake.stops == []
    accepted = stop(server, RUNNING, tty=True, stdin="y\n")
    assert accepted.code == 0 and server.fake.stops == [job_arn(RUNNING)]


def test_dry_run_stops_nothing(server: RunningFake) -> None:
    jobs(server)
    result = stop(server, RUNNING, DONE, "--dry-run", "--json")
    assert result.code == 0 and server.fake.stops == []
    assert [item["action"] for item in json.loads(result.stdout)] == [
        "would-stop",
        "would-already-ended",
    ]


def test_a_job_that_ended_meanwhile(server: RunningFake) -> None:
    """Read as running, ended before the stop arrived: the service refuses; reported."""
    server.fake.add_job(
        make_job(RUNNING, "InProgress", name="nightly"),
        make_job(RUNNING, "Completed", name="nightly"),
    )
    server.fake.steps[job_arn(RUNNING)] = 0
    result = stop(server, RUNNING, "--yes", "--json")
    assert result.code == 0, result.stderr
    [item] = json.loads(result.stdout)
    assert (item["action"], item["status"]) == ("already-ended", "Completed")


def test_a_job_that_does_not_exist_stops_nothing(server: RunningFake) -> None:
    jobs(server)
    result = stop(server, RUNNING, "zzzzzzzzzzzz", "--yes")
    assert result.code == 3 and server.fake.stops == []


def test_wait_follows_until_stopped(server: RunningFake) -> None:
    jobs(server)
    result = stop(server, RUNNING, "--yes", "--wait", "--interval", "5", clock=FakeClock())
    assert result.code == 0, result.stderr
    assert "Stopped" in result.stdout + result.stderr


def test_the_installed_bjob_stops(server: RunningFake) -> None:
    jobs(server)
    result = run_bjob(
        "stop", RUNNING, "--yes", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 0, result.stderr
    assert f"stopping {job_arn(RUNNING)}" in result.stderr and server.fake.stops == [
        job_arn(RUNNING)
    ]
