"""bjob show end to end: the command layer (in-process, and the installed `bjob` where only a
process shows it) with boto3 talking HTTP to the fake Bedrock server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from bjob import __version__
from bjob.model.job import STATUSES
from tests.conftest import EXAMPLES, SCHEMA, FakeClock, Result, invoke, run_bjob
from tests.fakebedrock import Fault, RunningFake, job_arn, make_job

JOB_ID = "abc123def456"
STATE_CODES = {
    "Submitted": 8,
    "Validating": 8,
    "Scheduled": 8,
    "InProgress": 8,
    "Stopping": 8,
    "Completed": 0,
    "Failed": 10,
    "PartiallyCompleted": 11,
    "Stopped": 12,
    "Expired": 13,
}


def show(
    server: RunningFake,
    *args: str,
    region: str = "us-east-1",
    env: dict[str, str] | None = None,
    clock: FakeClock | None = None,
) -> Result:
    return invoke(
        "show", *args, "--endpoint-url", server.url, "--region", region, env=env, clock=clock
    )


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_every_status_shows_and_exits_with_its_state_code(server: RunningFake, status: str) -> None:
    server.fake.add_job(make_job(JOB_ID, status, total=2000, processed=1500, failed=15))
    people = show(server, JOB_ID)
    assert people.code == 0, people.stderr
    assert f"● {status}" in people.stdout
    assert "1,500 / 2,000" in people.stdout
    assert "1,485 succeeded" in people.stdout and "15 failed" in people.stdout
    assert "\x1b[" not in people.stdout  # not a terminal: no escape codes

    gated = show(server, JOB_ID, "--exit-status", "--json")
    assert gated.code == STATE_CODES[status]
    document = json.loads(gated.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == status
    assert document["is_terminal"] is STATUSES[status].terminal
    ended = STATUSES[status].terminal
    assert document["records"] == {
        "total": 2000,
        "processed": 1500,
        "succeeded": 1485,
        "failed": 15,
        "pending": None if ended else 500,
        "not_processed": 500 if ended else None,
        "fraction_done": 0.75,
        "success_rate": 0.99,
    }
    assert ("500 not processed" if ended else "500 pending") in people.stdout
    assert document["exit_status"] == STATE_CODES[status]


def test_request_is_a_signed_get_for_the_job_with_bjobs_user_agent(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, region="eu-west-3"))
    assert show(server, JOB_ID, region="eu-west-3").code == 0
    [request] = server.fake.requests
    assert (request.method, request.path) == ("GET", f"/model-invocation-job/{JOB_ID}")
    assert request.signed_region == "eu-west-3"
    assert f"bjob/{__version__}" in request.headers["user-agent"]
    assert (
        "retry-mode#standard" in request.headers["user-agent"]
        or "mode#standard" in (request.headers["user-agent"])
    )


def test_region_comes_from_the_arn_not_the_flags(server: RunningFake) -> None:
    arn = server.fake.add_job(make_job(JOB_ID, region="ap-southeast-2"))
    result = invoke("show", arn, "--endpoint-url", server.url, env={"AWS_REGION": "us-east-1"})
    assert result.code == 0, result.stderr
    assert server.fake.requests[0].signed_region == "ap-southeast-2"
    assert server.fake.requests[0].path == f"/model-invocation-job/{arn}"


@pytest.mark.parametrize(
    ("env", "flags", "expected"),
    [
        ({"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "us-west-1"}, [], "eu-north-1"),
        ({"AWS_DEFAULT_REGION": "us-west-1"}, [], "us-west-1"),
        ({"AWS_REGION": "eu-north-1"}, ["--region", "sa-east-1"], "sa-east-1"),
    ],
)
def test_region_precedence_for_an_id(
    server: RunningFake, env: dict[str, str], flags: list[str], expected: str
) -> None:
    server.fake.add_job(make_job(JOB_ID, region=expected))
    result = invoke("show", JOB_ID, "--endpoint-url", server.url, *flags, env=env)
    assert result.code == 0, result.stderr
    assert server.fake.requests[0].signed_region == expected


def test_region_from_the_profile(server: RunningFake, tmp_path: Path) -> None:
    config = tmp_path / "config"
    # An explicit profile takes its credentials from the profile, as in the AWS CLI.
    config.write_text(
        "[profile work]\nregion = ca-central-1\n"
        "aws_access_key_id = AKIDWORK\naws_secret_access_key = work-secret\n"
    )
    server.fake.add_job(make_job(JOB_ID, region="ca-central-1"))
    result = invoke(
        "show",
        JOB_ID,
        "--endpoint-url",
        server.url,
        "--profile",
        "work",
        env={"AWS_CONFIG_FILE": str(config)},
    )
    assert result.code == 0, result.stderr
    assert server.fake.requests[0].signed_region == "ca-central-1"


def test_endpoint_from_the_sdk_environment(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID))
    result = invoke(
        "show", JOB_ID, "--region", "us-east-1", env={"AWS_ENDPOINT_URL_BEDROCK": server.url}
    )
    assert result.code == 0, result.stderr
    assert len(server.fake.requests) == 1


def test_no_region_is_a_configuration_error_with_a_hint(server: RunningFake) -> None:
    result = invoke("show", JOB_ID, "--endpoint-url", server.url)
    assert result.code == 6
    assert "no AWS region" in result.stderr and "--region" in result.stderr
    assert server.fake.requests == []
    assert "Traceback" not in result.stderr


def test_unknown_profile_is_a_configuration_error(server: RunningFake) -> None:
    result = show(server, JOB_ID, "--profile", "nosuchprofile")
    assert result.code == 6
    assert "nosuchprofile" in result.stderr
    assert "Traceback" not in result.stderr


def test_name_is_resolved_through_the_listing(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, name="nightly-eval", processed=700))
    server.fake.add_job(make_job("zzz999yyy888", name="nightly-eval-2"))
    result = show(server, "nightly-eval", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["id"] == JOB_ID
    [request] = server.fake.requests
    assert request.path == "/model-invocation-jobs"
    assert request.query["nameContains"] == ["nightly-eval"]
    assert request.query["maxResults"] == ["1000"]


def test_id_shaped_name_is_tried_as_an_id_then_as_a_name(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, name="weeklyreport"))
    result = show(server, "weeklyreport", "--json")
    assert result.code == 0, result.stderr
    assert json.loads(result.stdout)["name"] == "weeklyreport"
    assert [r.path for r in server.fake.requests] == [
        "/model-invocation-job/weeklyreport",
        "/model-invocation-jobs",
    ]


def test_ambiguous_name_is_a_usage_error_listing_the_matches(server: RunningFake) -> None:
    first = server.fake.add_job(make_job(JOB_ID, name="dup"))
    second = server.fake.add_job(make_job("qqq111www222", name="dup"))
    result = show(server, "dup")
    assert result.code == 2
    assert first in result.stderr and second in result.stderr
    assert result.stdout == ""


def test_unknown_name_and_unknown_id_are_not_found(server: RunningFake) -> None:
    assert show(server, "no-such-job").code == 3
    result = show(server, "zzzzzzzzzzzz")
    assert result.code == 3
    assert "zzzzzzzzzzzz" in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/TOOLONGID12345",
        "arn:aws:s3:::bucket",
        "has spaces in it",
        "-" * 3,
        "x" * 64,
    ],
)
def test_malformed_identifier_is_rejected_before_any_request(server: RunningFake, bad: str) -> None:
    result = show(server, "--", bad)
    assert result.code == 2
    assert "not a" in result.stderr
    assert server.fake.requests == []


def test_several_jobs_are_fetched_and_printed_in_argument_order(server: RunningFake) -> None:
    ids = ["aaaaaaaaaaa1", "bbbbbbbbbbb2", "ccccccccccc3"]
    for job_id, status in zip(ids, ["Completed", "Failed", "InProgress"], strict=True):
        server.fake.add_job(make_job(job_id, status))
    result = show(server, ids[2], ids[0], ids[1], "--json", "--exit-status")
    assert result.code == 10  # the highest state code: Failed
    assert [job["id"] for job in json.loads(result.stdout)] == [ids[2], ids[0], ids[1]]
    people = show(server, *ids)
    positions = [people.stdout.index(job_id) for job_id in ids]
    assert positions == sorted(positions)


def test_one_missing_job_among_several_is_reported_and_sets_the_code(
    server: RunningFake,
) -> None:
    server.fake.add_job(make_job(JOB_ID, "Completed"))
    result = show(server, JOB_ID, "mmmmmmmmmmmm", "--json")
    assert result.code == 3
    assert [job["id"] for job in json.loads(result.stdout)] == [JOB_ID]
    assert "mmmmmmmmmmmm" in result.stderr


def test_missing_fields_render_with_dashes(server: RunningFake) -> None:
    server.fake.add_job({"jobArn": job_arn(JOB_ID), "status": "Submitted"})
    people = show(server, JOB_ID)
    assert people.code == 0, people.stderr
    assert "Model          —" in people.stdout
    document = json.loads(show(server, JOB_ID, "--json").stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["name"] is None and document["records"]["total"] is None
    assert document["times"]["submitted"] is None and document["vpc"]["subnet_ids"] is None


def test_unknown_status_is_kept_and_exits_9_once_ended(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, "Hibernating"))
    running = show(server, JOB_ID, "--exit-status", "--json")
    assert running.code == 8
    assert json.loads(running.stdout)["status"] == "Hibernating"
    server.fake.add_job(make_job(JOB_ID, "Hibernating", endTime="2026-11-27T10:00:00Z"))
    ended = show(server, JOB_ID, "--exit-status")
    assert ended.code == 9
    assert "Hibernating" in ended.stdout and "does not know" in ended.stdout


@pytest.mark.parametrize(
    ("status", "code", "exit_code", "words"),
    [
        (403, "AccessDeniedException", 4, "not authorized"),
        (403, "UnrecognizedClientException", 4, "not authorized"),
        (403, "ExpiredTokenException", 4, "not authorized"),
        (404, "ResourceNotFoundException", 3, "not found"),
        (400, "ValidationException", 6, "invalid request"),
        (429, "ThrottlingException", 5, "did not answer"),
        (500, "InternalServerException", 5, "did not answer"),
        (503, "ServiceUnavailableException", 5, "did not answer"),
    ],
)
def test_each_error_type_maps_to_its_exit_code(
    server: RunningFake, status: int, code: str, exit_code: int, words: str
) -> None:
    server.fake.add_job(make_job(JOB_ID))
    server.fake.fail_next(Fault("error", status, code, "the service says no"), times=5)
    result = show(server, JOB_ID)
    assert result.code == exit_code
    assert words in result.stderr and "the service says no" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr


def test_throttling_then_success_is_retried(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, "Completed"))
    server.fake.throttle_next(2)
    result = show(server, JOB_ID, "--exit-status")
    assert result.code == 0, result.stderr
    assert len(server.fake.requests) == 3


def test_persistent_500_gives_up_after_standard_retries(server: RunningFake) -> None:
    server.fake.fail_next(Fault("error", 500), times=10)
    result = show(server, JOB_ID)
    assert result.code == 5
    assert len(server.fake.requests) == 3  # standard mode: 3 attempts, not legacy's 5


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("<html>Bad gateway</html>", "the answer is not JSON: '<html>Bad gateway</html>'"),
        ("{}", "the response has neither jobArn nor status"),
        ("[]", "the answer is a JSON list, not an object"),
        ('{"status": 7}', "status is not a string"),
    ],
)
def test_malformed_body_is_temporary_trouble_naming_each_job(
    server: RunningFake, body: str, words: str
) -> None:
    other = "zzz999yyy888"
    server.fake.fail_next(Fault("malformed", body=body), times=2)
    result = show(server, JOB_ID, other)
    assert result.code == 5, result.stderr
    lines = result.stderr.splitlines()
    assert sorted(lines) == sorted(
        f"bjob: malformed response from Bedrock ({job}): {words}" for job in (JOB_ID, other)
    )


def test_slow_endpoint_is_cut_off_by_read_timeout(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID))
    server.fake.fail_next(Fault("slow", seconds=2), times=3)
    result = show(server, JOB_ID, "--read-timeout", "0.2")
    assert result.code == 5
    assert "timed out" in result.stderr and "--read-timeout" in result.stderr
    assert len(server.fake.requests) == 3  # each attempt cut off, then retried


def test_dropped_connection_is_retried(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, "Completed"))
    server.fake.fail_next(Fault("drop"))
    result = show(server, JOB_ID, "--exit-status")
    assert result.code == 0, result.stderr


def test_closed_port_is_temporary_trouble() -> None:
    with RunningFake() as gone:
        url = gone.url
    result = invoke(
        "show",
        JOB_ID,
        "--endpoint-url",
        url,
        "--region",
        "us-east-1",
        "--connect-timeout",
        "1",
    )
    assert result.code == 5
    assert "could not reach" in result.stderr


def test_no_credentials_is_not_authorized(server: RunningFake) -> None:
    result = invoke(
        "show",
        JOB_ID,
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.code == 4
    assert "credentials" in result.stderr
    assert server.fake.requests == []


def test_expired_sso_session_hints_at_sso_login(server: RunningFake, tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile corp]\nsso_session = corp\nsso_account_id = 123456789012\n"
        "sso_role_name = Dev\nregion = us-east-1\n"
        "[sso-session corp]\nsso_start_url = https://example.invalid/start\n"
        "sso_region = us-east-1\n"
    )
    result = invoke(
        "show",
        JOB_ID,
        "--endpoint-url",
        server.url,
        "--profile",
        "corp",
        env={"AWS_CONFIG_FILE": str(config), "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.code == 4
    assert "aws sso login --profile corp" in result.stderr
    assert server.fake.requests == []


def test_hostile_strings_are_shown_not_obeyed(server: RunningFake) -> None:
    hostile = (
        "\x1b[2J\x1b[H\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"
        "[bold red]markup[/] \x9b31m \u202eevil"
    )
    server.fake.add_job(make_job(JOB_ID, "Failed", name="x", message=hostile))
    people = show(server, JOB_ID)
    assert people.code == 0
    for control in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert control not in people.stdout
    assert "\\x1b[2J" in people.stdout  # shown as a visible escape
    assert "[bold red]markup[/]" in people.stdout  # shown literally, not as markup
    document = json.loads(show(server, JOB_ID, "--json").stdout)
    assert document["message"] == hostile  # JSON keeps the string intact


def test_raw_prints_the_response_as_aws_sent_it(server: RunningFake) -> None:
    sent = make_job(JOB_ID, "Completed")
    server.fake.add_job(sent)
    result = show(server, JOB_ID, "--raw")
    assert result.code == 0
    assert json.loads(result.stdout) == sent


def test_json_and_raw_together_are_a_usage_error(server: RunningFake) -> None:
    result = show(server, JOB_ID, "--json", "--raw")
    assert result.code == 2
    assert server.fake.requests == []


@pytest.mark.parametrize("name", ["in-progress", "completed", "failed", "partially-completed"])
def test_examples_show_without_credentials_or_network(name: str) -> None:
    example = EXAMPLES / f"{name}.json"
    sent = json.loads(example.read_text())
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = invoke("show", str(example), env=env)
    assert result.code == 0, result.stderr
    assert sent["jobName"] in result.stdout and f"● {sent['status']}" in result.stdout
    document = json.loads(invoke("show", str(example), "--json", env=env).stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["records"]["total"] == sent["totalRecordCount"]


def test_the_readme_quick_start_runs_the_installed_bjob() -> None:
    env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    result = run_bjob("show", str(EXAMPLES / "in-progress.json"), env=env)
    assert result.code == 0, result.stderr
    assert "support-tickets-summary-2026-11" in result.stdout and "● InProgress" in result.stdout


def test_saved_response_from_stdin() -> None:
    text = (EXAMPLES / "failed.json").read_text()
    result = invoke("show", "-", "--exit-status", stdin=text)
    assert result.code == 10
    assert "does not have permission" in result.stdout


def test_saved_response_as_the_aws_cli_prints_it_round_trips(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID, "PartiallyCompleted"))
    saved = show(server, JOB_ID, "--raw").stdout
    from_file = invoke("show", "-", "--json", stdin=saved)
    from_network = show(server, JOB_ID, "--json")
    first, second = json.loads(from_file.stdout), json.loads(from_network.stdout)
    # The saved response is measured as of its own moment (it ended at 09:00), and says so.
    assert (first["times"].pop("as_of"), first["times"].pop("saved_response")) == (
        "2026-11-27T09:00:00Z",
        True,
    )
    assert second["times"].pop("saved_response") is False
    second["times"].pop("as_of")
    # elapsed_seconds of an ended job does not depend on when it is asked
    assert first == second


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"foo": 1}', "neither jobArn nor status"),
        ('{"status": "Completed", "totalRecordCount": "many"}', "totalRecordCount"),
    ],
)
def test_invalid_saved_file_is_a_usage_error(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "saved.json"
    path.write_text(content)
    result = invoke("show", str(path))
    assert result.code == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert path.read_text() == content  # nothing the user had is touched


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke("show", str(tmp_path / "nope.json"))
    assert result.code == 2
    assert "no such file" in result.stderr


def test_python_dash_m_works() -> None:
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "bjob", "show", str(EXAMPLES / "completed.json"), "--exit-status"],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0
    assert "product-descriptions-fr" in completed.stdout


def test_version_and_help() -> None:
    version = run_bjob("--version")
    assert version.code == 0 and version.stdout.strip() == f"bjob {__version__}"
    help_text = run_bjob("show", "--help")
    assert help_text.code == 0
    for option in (
        "--json",
        "--raw",
        "--exit-status",
        "--region",
        "--profile",
        "--endpoint-url",
        "--connect-timeout",
        "--read-timeout",
        "--debug",
    ):
        assert option in help_text.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = invoke("show", "--bogus", JOB_ID)
    assert result.code == 2
    assert "--bogus" in result.stderr


def test_debug_turns_on_botocore_logging(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB_ID))
    result = show(server, JOB_ID, "--debug")
    assert result.code == 0
    assert "botocore" in result.stderr


@pytest.mark.parametrize(
    ("profile_lines", "env", "attempts"),
    [
        ("max_attempts = 1\n", {}, 1),
        ("max_attempts = 1\n", {"AWS_MAX_ATTEMPTS": "4"}, 4),  # the environment wins
        ("retry_mode = legacy\n", {}, 5),  # legacy mode's own default
        ("", {}, 3),  # bjob's default: standard mode
    ],
)
def test_retries_follow_the_profile_and_the_environment(
    server: RunningFake, tmp_path: Path, profile_lines: str, env: dict[str, str], attempts: int
) -> None:
    config = tmp_path / "config"
    config.write_text(f"[default]\nregion = us-east-1\n{profile_lines}")
    server.fake.fail_next(Fault("error", 500), times=10)
    result = invoke(
        "show", JOB_ID, "--endpoint-url", server.url, env={"AWS_CONFIG_FILE": str(config), **env}
    )
    assert result.code == 5
    assert len(server.fake.requests) == attempts


def test_a_saved_response_is_shown_as_of_its_own_time() -> None:
    """A snapshot of a running job, shown days later: its age, elapsed time and time left
    are as of the snapshot, which the view names; today's clock only says how old it is."""
    later = FakeClock(start=datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    result = invoke("show", str(EXAMPLES / "in-progress.json"), clock=later)
    assert result.code == 0, result.stderr
    text = result.stdout
    assert "saved response, as of 2026-11-27 09:41:37 UTC (4 d ago)" in text
    assert "Running for    1 h 43 m" in text
    assert "Submitted      2026-11-27 07:58:12 UTC  (1 h ago)" in text
    assert "Expires        2026-11-28 07:58:12 UTC  (in 22 h 16 m)" in text  # not "3 d ago"
    document = json.loads(
        invoke("show", str(EXAMPLES / "in-progress.json"), "--json", clock=later).stdout
    )
    assert document["times"]["as_of"] == "2026-11-27T09:41:37.102000Z"  # its lastModifiedTime
    assert document["times"]["saved_response"] is True
    assert document["times"]["elapsed_seconds"] == 6204.621  # 07:58:12.481 to 09:41:37.102
