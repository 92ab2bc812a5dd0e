"""bjob.Client: each method's `.to_json()` is what its command's `--json` prints for the same
state (the fake Bedrock, moto's S3 and CloudWatch, the same fake clock), the CLI run
in-process beside it; failures raise BjobError with the command's exit code; nothing is
printed; `import bjob` stays cheap."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bjob
from bjob.library.values import JobChange, JobList, ShownJob
from tests.conftest import EXAMPLES, FakeClock, Result, invoke
from tests.fakebedrock import RunningFake, make_job, progression
from tests.test_answers import (
    OUT,
    claude,
    failure,
    put_input,
    put_job,
    question,
    run_job,
    two_parts,
)
from tests.test_check import VALID, records, write_jsonl
from tests.test_quotas import HAIKU, put_queue
from tests.test_quotas import setup as quotas_setup
from tests.test_submit import ROLE, model_listed

OUTPUT = "s3://batch-out/results/"


@pytest.fixture(autouse=True)
def service_quotas(server: RunningFake, monkeypatch: pytest.MonkeyPatch) -> None:
    """Service Quotas is the fake's, for the library as for the command (one environment)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS", server.url)


def client(server: RunningFake, clock: FakeClock | None = None) -> bjob.Client:
    return bjob.Client(region="us-east-1", endpoint_url=server.url, now=(clock or FakeClock()).now)


def command(server: RunningFake, *args: str, clock: FakeClock | None = None) -> Result:
    return invoke(*args, "--endpoint-url", server.url, "--region", "us-east-1", clock=clock)


def printed(result: Result, code: int = 0) -> Any:
    assert result.code == code, result.stderr
    return json.loads(result.stdout)


def forget(s3: Any, bucket: str, prefix: str) -> None:
    """Remove what a submission uploaded, so that a second one starts from the same state."""
    for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])


# --- reading --------------------------------------------------------------------------


def test_show_a_job_a_run_and_a_saved_response(server: RunningFake, s3: Any) -> None:
    server.fake.add_job(make_job("abc123def456", "InProgress", name="nightly"))
    shown = client(server).show("abc123def456")
    assert isinstance(shown, ShownJob) and shown.status == "InProgress"
    assert shown.to_json() == printed(command(server, "show", "abc123def456", "--json"))
    assert shown.raw is not None and shown.raw["jobArn"] == shown.arn  # as show --raw
    by_name = client(server).show("nightly")
    assert by_name == shown

    two_parts(server, s3)
    run = client(server).show("run:tickets")
    assert isinstance(run, JobList) and run.run == "tickets"
    assert [job.name for job in run] == ["tickets-1", "tickets-2"]
    assert run.to_json() == printed(command(server, "show", "run:tickets", "--json"))

    saved = str(EXAMPLES / "failed.json")
    from_file = client(server).show(saved)
    assert isinstance(from_file, ShownJob) and from_file.saved_response
    assert from_file.to_json() == printed(command(server, "show", saved, "--json"))


def test_list_with_the_commands_filters(server: RunningFake) -> None:
    for index, status in enumerate(["Completed", "Failed", "InProgress", "Failed"]):
        server.fake.add_job(make_job(f"job{index:09d}", status, name=f"batch-{index}"))
    found = client(server).list(status=["failed", "InProgress"], name="batch", sort="oldest")
    assert [job.status for job in found] == ["Failed", "InProgress", "Failed"]
    expected = command(
        server, "list", "--status", "failed", "--status", "InProgress", "--name", "batch",
        "--sort", "oldest", "--json",
    )  # fmt: skip
    assert found.to_json() == printed(expected)
    every = client(server).list(limit=None)
    assert every.to_json() == printed(command(server, "list", "--all", "--json"))
    assert len(every) == 4 and len(client(server).list(limit=2)) == 2


def test_watch_hands_each_change_to_the_callback(server: RunningFake) -> None:
    def add() -> None:
        server.fake.reset()
        server.fake.add_job(*progression("abc123def456", "Completed", total=1000))

    add()
    lines = command(server, "watch", "abc123def456", "--json", clock=FakeClock())
    assert lines.code == 0, lines.stderr
    expected = [json.loads(line) for line in lines.stdout.splitlines()]

    add()
    seen: list[JobChange] = []
    clock = FakeClock()
    outcome = client(server, clock).watch(
        "abc123def456",
        on_change=seen.append,
        clock=clock.monotonic,
        sleep=clock.sleep,
        jitter=lambda: 0.5,  # the command's test environment's
    )
    assert outcome.ok and outcome.code is bjob.ExitCode.OK
    assert [change.to_json() for change in seen] == expected == outcome.to_json()
    assert len(expected) > 2 and expected[-1]["status"] == "Completed"
    assert outcome.jobs[0].status == "Completed"


def test_watch_ends_with_the_commands_code(server: RunningFake) -> None:
    server.fake.add_job(*progression("abc123def456", "Failed", total=10))
    clock = FakeClock()
    outcome = client(server, clock).watch(
        ["abc123def456"], clock=clock.monotonic, sleep=clock.sleep
    )
    assert outcome.code is bjob.ExitCode.JOB_FAILED and not outcome.ok
    server.fake.reset()
    server.fake.add_job(make_job("abc123def456", "InProgress"))
    clock = FakeClock()
    late = client(server, clock).watch(
        "abc123def456", timeout="90s", clock=clock.monotonic, sleep=clock.sleep
    )
    assert late.code == 8 and sum(clock.sleeps) == pytest.approx(90)


def test_watch_a_run_judged_on_its_records(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)  # both parts ended, records left without an answer
    cli = command(server, "watch", "run:tickets", "--json", clock=FakeClock())
    clock = FakeClock()
    outcome = client(server, clock).watch("run:tickets", clock=clock.monotonic, sleep=clock.sleep)
    assert outcome.code == cli.code == bjob.ExitCode.JOB_PARTIALLY_COMPLETED
    assert outcome.to_json() == [] and cli.stdout == ""  # nothing left to follow
    [run] = outcome.runs
    assert (run.run.name, run.answered, run.records) == ("tickets", 5, 10)
    assert f"{run.answered} of {run.records}" in cli.stderr


def test_results_of_a_job_and_of_a_run(server: RunningFake, s3: Any) -> None:
    inputs = {"a.jsonl": [question("r1"), question("r2"), question("r3")]}
    outputs = {"a.jsonl": [claude("r1", "one"), failure("r2")]}
    arn = put_job(
        server, s3, "abcdefabcde1", "single", inputs, outputs, status="PartiallyCompleted"
    )
    report = client(server).results(arn, prices="0.25,1.25")
    assert (report.results.succeeded, report.results.failed, report.results.missing) == (1, 1, 1)
    cli = command(server, "results", arn, "--prices", "0.25,1.25", "--json")
    assert report.to_json() == printed(cli)
    assert client(server).results(arn).to_json() == printed(
        command(server, "results", arn, "--json")
    )

    server.fake.reset()
    two_parts(server, s3)
    run = client(server).results("run:tickets")
    assert run.to_json() == printed(command(server, "results", "run:tickets", "--json"))


def test_answers_line_by_line_as_the_command_writes_them(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)
    result = command(server, "answers", "run:tickets")
    assert result.code == 0, result.stderr
    expected = [json.loads(line) for line in result.stdout.splitlines()]
    with client(server).answers("run:tickets") as answers:
        got = list(answers)
    assert [answer.to_json() for answer in got] == expected
    assert [(a.record_id, a.status) for a in got][:4] == [
        ("t1", "ok"), ("t2", "failed"), ("t3", "ok"), ("t4", "missing"),
    ]  # fmt: skip
    assert got[0].text == "one"
    assert sum(answers.statuses.values()) == len(expected)

    raw = command(server, "answers", "run:tickets", "--raw")
    assert [a.to_json() for a in client(server).answers("run:tickets", raw=True)] == [
        json.loads(line) for line in raw.stdout.splitlines()
    ]


def test_answers_stop_when_the_reader_does(server: RunningFake, s3: Any) -> None:
    many = [question(f"r{index}") for index in range(20_000)]
    answered = [claude(f"r{index}", f"answer {index}") for index in range(20_000)]
    uri = put_input(s3, "bjob-inputs/many.jsonl", many)
    arn = run_job(server, s3, "manymany0001", "many", uri, {"many.jsonl": answered}, run="many")
    answers = client(server).answers(arn)
    first = [next(answers) for _ in range(3)]
    answers.close()  # the walk, a few thousand answers ahead at most, ends here
    assert [answer.text for answer in first] == ["answer 0", "answer 1", "answer 2"]
    assert list(answers) == []


def test_quotas(server: RunningFake, cloudwatch: Any) -> None:
    now = quotas_setup(server)
    put_queue(cloudwatch, HAIKU, now, pending=500, input_tokens=[900, 1200, 800])
    clock = FakeClock(start=now)
    found = client(server, clock).quotas("haiku")
    expected = command(server, "quotas", "--model", "haiku", "--json", clock=FakeClock(start=now))
    assert found.to_json() == printed(expected)
    assert [model["model_id"] for model in found.to_json()["models"]] == [HAIKU]


@pytest.fixture
def cloudwatch() -> Any:
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def test_check_a_file_with_and_without_its_cost(server: RunningFake, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 120))
    checked = client(server).check(str(path), model=HAIKU)
    assert checked.ok and checked.code == 0
    cli = command(server, "check", str(path), "--model", HAIKU, "--json")
    assert checked.to_json() == printed(cli)
    costed = client(server).check([str(path)], model=HAIKU, cost=True)
    cli = command(server, "check", str(path), "--model", HAIKU, "--cost", "--json")
    assert costed.to_json() == printed(cli) and costed.estimate is not None

    broken = write_jsonl(tmp_path / "broken.jsonl", [b"{not json", *records({}, 2)])
    report = client(server).check(str(broken), strict=True)
    assert not report.ok and report.code == 7
    assert report.to_json() == printed(
        command(server, "check", str(broken), "--strict", "--json"), 7
    )


# --- acting ---------------------------------------------------------------------------


def test_submit_a_dry_run_then_for_real(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "tickets.jsonl", records(VALID["anthropic-messages"][1], 120))
    base = ("--model", HAIKU, "--role", ROLE, "--output", OUTPUT)

    def submitted(dry_run: bool) -> Any:
        return client(server).submit(
            str(path), model=HAIKU, role=ROLE, output=OUTPUT, dry_run=dry_run
        )

    plan = submitted(True)
    assert plan.jobs is None and plan.arns == () and server.fake.created == []
    cli = command(server, "submit", str(path), *base, "--dry-run", "--json")
    assert plan.to_json() == printed(cli)

    done = submitted(False)  # no question: the caller asked
    assert len(server.fake.created) == 1 and done.code == 0
    [arn] = done.arns
    assert arn.endswith("/new000000001") and done.jobs is not None and done.jobs[0].created
    again = submitted(False)  # safe to call twice: the job the first call made is found
    assert again.arns == done.arns and len(server.fake.created) == 1

    server.fake.reset()
    model_listed(server)
    forget(s3, "batch-out", "results/")
    cli = command(server, "submit", str(path), *base, "--yes", "--json")
    assert done.to_json() == printed(cli)


def test_an_input_with_errors_is_refused_with_7(server: RunningFake, tmp_path: Path) -> None:
    model_listed(server)
    broken = write_jsonl(tmp_path / "broken.jsonl", [b"{not json", *records({}, 2)])
    with pytest.raises(bjob.BjobError) as raised:
        client(server).submit(str(broken), model=HAIKU, role=ROLE, output=OUTPUT)
    assert raised.value.code is bjob.ExitCode.INPUT_ERRORS and server.fake.created == []
    cli = command(server, "submit", str(broken), "--model", HAIKU, "--role", ROLE,
                  "--output", OUTPUT, "--yes")  # fmt: skip
    assert cli.code == 7


def test_stop_a_dry_run_then_for_real(server: RunningFake) -> None:
    def add() -> None:
        server.fake.reset()
        server.fake.add_job(make_job("abc123def456", "InProgress", name="a"))
        server.fake.add_job(make_job("abc123def457", "Completed", name="b"))

    add()
    would = client(server).stop(["abc123def456", "abc123def457"], dry_run=True)
    assert server.fake.stops == []
    cli = command(server, "stop", "abc123def456", "abc123def457", "--dry-run", "--json")
    assert would.to_json() == printed(cli)
    assert [entry["action"] for entry in would.to_json()] == ["would-stop", "would-already-ended"]

    stopped = client(server).stop(["abc123def456", "abc123def457"])
    assert len(server.fake.stops) == 1 and stopped.code == 0
    add()
    cli = command(server, "stop", "abc123def456", "abc123def457", "--yes", "--json")
    assert stopped.to_json() == printed(cli)


def test_retry_a_run_a_dry_run_then_for_real(server: RunningFake, s3: Any) -> None:
    def state() -> None:
        server.fake.reset()
        model_listed(server, min_records=1)
        forget(s3, OUT, "jobs/bjob-inputs/")
        two_parts(server, s3)

    state()
    plan = client(server).retry("run:tickets", dry_run=True)
    assert plan is not None and server.fake.created == []
    assert plan.to_json() == printed(command(server, "retry", "run:tickets", "--dry-run", "--json"))

    state()
    done = client(server).retry("run:tickets")
    assert done is not None and [request["jobName"] for request in server.fake.created] == [
        "tickets-retry-1"
    ]
    state()
    assert done.to_json() == printed(command(server, "retry", "run:tickets", "--yes", "--json"))


def test_retry_with_nothing_left_is_none(server: RunningFake, s3: Any) -> None:
    model_listed(server, min_records=1)
    uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1")])
    run_job(
        server, s3, "ccccccccccc1", "done", uri, {"done.jsonl": [claude("d1", "1")]}, run="done"
    )
    assert client(server).retry("run:done") is None and server.fake.created == []


# --- failures, and what the library never does ----------------------------------------


def test_a_missing_job_raises_the_commands_code(server: RunningFake) -> None:
    with pytest.raises(bjob.BjobError) as raised:
        client(server).show("nosuchjob123")
    assert raised.value.code is bjob.ExitCode.NOT_FOUND == 3
    assert command(server, "show", "nosuchjob123", "--json").code == 3
    for call in (
        lambda c: c.results("nosuchjob123"),
        lambda c: c.answers("nosuchjob123"),
        lambda c: c.stop("nosuchjob123"),
        lambda c: c.retry("nosuchjob123"),
        lambda c: c.show("run:nosuch"),
    ):
        with pytest.raises(bjob.BjobError) as raised:
            call(client(server))
        assert raised.value.code == 3


def test_a_usage_mistake_raises_2(server: RunningFake, tmp_path: Path) -> None:
    mistakes = [
        lambda c: c.list(sort="sideways"),
        lambda c: c.list(since="2026-11-02", until="2026-11-01"),
        lambda c: c.list(limit=0),
        lambda c: c.watch([]),
        lambda c: c.watch("abc123def456", interval=0.5),
        lambda c: c.watch("abc123def456", timeout="soon"),
        lambda c: c.results("abc123def456", prices="cheap"),
        lambda c: c.check(str(tmp_path), cost=True),
        lambda c: c.check("-"),
        lambda c: c.submit("x.jsonl", model=HAIKU, role=ROLE, output="batch-out/results/"),
        lambda c: c.show("-"),
        lambda c: c.show("run:"),
    ]
    for mistake in mistakes:
        with pytest.raises(bjob.BjobError) as raised:
            mistake(client(server))
        assert raised.value.code is bjob.ExitCode.USAGE, raised.value.message
    assert command(server, "list", "--sort", "sideways").code == 2
    with pytest.raises(bjob.BjobError) as raised:
        bjob.Client(read_timeout=float("nan"))
    assert raised.value.code == 2


def test_the_library_never_prints(
    server: RunningFake, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    two_parts(server, s3)
    model_listed(server, min_records=1)
    library = client(server)
    library.show("run:tickets")
    library.results("run:tickets")
    list(library.answers("run:tickets"))
    library.retry("run:tickets", dry_run=True)
    library.stop("run:tickets", dry_run=True)
    assert capsys.readouterr() == ("", "")


def test_import_bjob_is_cheap() -> None:
    """`import bjob` imports neither the library nor boto3 until bjob.Client is named."""
    code = (
        "import sys, bjob; assert bjob.__version__; "
        "print(sorted(m for m in sys.modules if m.startswith(('bjob.', 'boto')))); "
        "bjob.Client; print('bjob.library.client' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    before, after = completed.stdout.splitlines()
    assert before == "['bjob.version']" and after == "True"
    assert bjob.BjobError is __import__("bjob.support.exits").support.exits.BjobError


def test_every_method_is_documented_with_an_example() -> None:
    """docs/library.md's reference names every method and argument; each method's
    docstring carries an example."""
    import inspect

    from tests.conftest import REPO

    reference = (REPO / "docs" / "library.md").read_text()
    methods = [
        (name, member)
        for name, member in inspect.getmembers(bjob.Client, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert {name for name, _ in methods} == {
        "show", "list", "watch", "results", "answers", "quotas", "check", "submit", "stop",
        "retry",
    }  # fmt: skip
    for name, method in methods:
        parameters = [p for p in inspect.signature(method).parameters if p != "self"]
        row = f"| `{name}({', '.join(parameters)})` |"
        assert row in reference, row
        assert ">>> " in (method.__doc__ or ""), name
