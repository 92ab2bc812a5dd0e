"""bjob stop: what will be stopped is said, asked in a terminal, needs --yes in a script;
jobs already ended or stopping are left alone (not an error); --wait follows them."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from tests.conftest import REPO, FakeClock, Result, invoke, run_bjob
from tests.fakebedrock import RunningFake, job_arn, make_job

RUNNING, WAITING, DONE = "abcdefabcd01", "abcdefabcd02", "abcdefabcd03"
STOP_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "stop.schema.json").read_text())


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
    jsonschema.validate(json.loads(result.stdout), STOP_SCHEMA)
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
    assert _closing_code(result.stdout) == 0  # the process's code, not Stopped's (12)


def test_the_installed_bjob_stops(server: RunningFake) -> None:
    jobs(server)
    result = run_bjob(
        "stop", RUNNING, "--yes", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 0, result.stderr
    assert f"stopping {job_arn(RUNNING)}" in result.stderr and server.fake.stops == [
        job_arn(RUNNING)
    ]


def _closing_code(stderr: str) -> int:
    """The exit code the watch's closing line states ("finished: ... · exit N")."""
    [line] = [line for line in stderr.splitlines() if "finished: " in line]
    return int(line.rsplit("exit ", 1)[1])


def test_one_refused_stop_hides_neither_the_others_nor_itself(server: RunningFake) -> None:
    """AccessDenied on one of three: the two others are stopped and said to be, the JSON
    has all three, the exit is the denial's (4) and the hint names the permission."""
    jobs(server)
    server.fake.add_job(make_job(DONE, "InProgress", name="third"))
    server.fake.deny("StopModelInvocationJob", job_arn(WAITING))
    result = stop(server, RUNNING, WAITING, DONE, "--yes", "--json")
    assert result.code == 4, result.stderr
    assert sorted(server.fake.stops) == [job_arn(RUNNING), job_arn(DONE)]
    document = json.loads(result.stdout)
    jsonschema.validate(document, STOP_SCHEMA)
    assert [(item["name"], item["action"]) for item in document] == [
        ("nightly", "stopped"),
        ("waiting", "failed"),
        ("third", "stopped"),
    ]
    refused = document[1]
    assert refused["status"] == "Scheduled" and refused["error"]["exit_code"] == 4
    assert refused["error"]["service_code"] == "AccessDeniedException"
    assert (
        "not authorized to perform: bedrock:StopModelInvocationJob"
        in (refused["error"]["service_message"])
    )
    assert document[0]["error"] is None
    assert f"stopping {job_arn(RUNNING)}" in result.stderr
    assert f"stopping {job_arn(DONE)}" in result.stderr
    assert "could not stop waiting: not authorized to call StopModelInvocationJob" in result.stderr
    assert (
        f"hint: the credentials need bedrock:StopModelInvocationJob on {job_arn(WAITING)}"
        in result.stderr
    )
    assert "GetModelInvocationJob" not in result.stderr
    assert "1 job of 3 could not be stopped; 2 were stopped" in result.stderr


def test_a_run_s_jobs_can_be_passed_loaded(server: RunningFake) -> None:
    """The use case takes jobs already loaded (a run's) as well as refs: no Get for them."""
    from bjob.aws.session import AwsClients, AwsOptions
    from bjob.model.job import normalize_job
    from bjob.usecases.stop import stop as stop_use_case

    jobs(server)
    loaded = [normalize_job(server.fake.current(job_arn(RUNNING), advance=False))]
    asked: list[int] = []
    heard: list[str] = []
    clients = AwsClients(AwsOptions(region="us-east-1", endpoint_url=server.url))
    done = stop_use_case(
        [*loaded, loaded[0]],  # the same job twice is stopped once
        clients,
        dry_run=False,
        confirm=lambda plans: asked.append(len(plans)) is None,
        on_outcome=lambda outcome: heard.append(outcome.action),
    )
    assert asked == [1] and heard == ["stopped"] and done.code == 0
    assert server.fake.stops == [job_arn(RUNNING)]
    assert [request.method for request in server.fake.requests] == ["POST"]  # the stop only


def test_wait_json_is_one_document_and_the_closing_line_states_the_exit(
    server: RunningFake,
) -> None:
    """--wait --json: stdout is one JSON document with the statuses the jobs ended with;
    the watch's lines are on stderr, and its closing line says exit 0 (not 12, Stopped)."""
    jobs(server)
    result = stop(server, RUNNING, WAITING, "--yes", "--wait", "--json", clock=FakeClock())
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [(item["action"], item["status"]) for item in document] == [
        ("stopped", "Stopped"),
        ("stopped", "Stopped"),
    ]
    assert _closing_code(result.stderr) == 0


def test_the_installed_bjob_reports_a_refused_stop_and_waits_for_the_others(
    server: RunningFake,
) -> None:
    """Through the installed bjob: one of three stops refused, --wait --json. Stdout is
    one document with three entries; the closing line states the process's exit, 4."""
    jobs(server)
    server.fake.add_job(make_job(DONE, "InProgress", name="third"))
    server.fake.deny("StopModelInvocationJob", job_arn(WAITING))
    result = run_bjob(
        *("stop", RUNNING, WAITING, DONE, "--yes", "--wait", "--json", "--interval", "1"),
        *("--endpoint-url", server.url, "--region", "us-east-1"),
    )
    assert result.code == 4, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, STOP_SCHEMA)
    assert [(item["name"], item["action"], item["status"]) for item in document] == [
        ("nightly", "stopped", "Stopped"),
        ("waiting", "failed", "Scheduled"),
        ("third", "stopped", "Stopped"),
    ]
    assert _closing_code(result.stderr) == 4
    assert "bedrock:StopModelInvocationJob" in result.stderr
    assert sorted(server.fake.stops) == [job_arn(RUNNING), job_arn(DONE)]


def test_wait_after_every_stop_failed_follows_nothing(server: RunningFake) -> None:
    """Nothing was stopped: --wait has nothing to follow (never every active job), the JSON
    still says why, and the exit is the denial's."""
    jobs(server)
    server.fake.deny("StopModelInvocationJob")
    result = stop(server, RUNNING, "--yes", "--wait", "--json", clock=FakeClock())
    assert result.code == 4, result.stderr
    [item] = json.loads(result.stdout)
    assert item["action"] == "failed" and item["error"]["exit_code"] == 4
    assert "finished:" not in result.stderr and server.fake.stops == []
    assert not server.fake.requests_to("/model-invocation-jobs")  # no listing of active jobs
