"""retry run:NAME and stop run:NAME: the run's records with no answer submitted as its next
retry (one input file per part's input file, named after it), and its unfinished jobs
stopped; the run's jobs as `bjob submit` makes them (tests/test_answers.py)."""

from __future__ import annotations

import json
from typing import Any

from bjob.model.runs import is_member
from tests.conftest import invoke
from tests.fakebedrock import RunningFake
from tests.test_answers import IN, claude, put_input, question, run_job, two_parts
from tests.test_submit import model_listed


def bjob(server: RunningFake, *args: str) -> Any:
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url}
    return invoke(*args, "--endpoint-url", server.url, "--region", "us-east-1", env=env)


def objects(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed
    }


def test_retry_a_run_submits_what_no_attempt_answered(server: RunningFake, s3: Any) -> None:
    model_listed(server, min_records=1)
    two_parts(server, s3)
    result = bjob(server, "retry", "run:tickets", "--yes", "--json")
    assert result.code == 0, result.stderr
    [request] = server.fake.created
    assert request["jobName"] == "tickets-retry-1"
    assert {"key": "bjob:run", "value": "tickets"} in request["tags"]
    assert is_member(request["clientRequestToken"], "tickets")
    [job] = json.loads(result.stdout)["jobs"]
    # One object per part's input file, named after it: their outputs stay apart.
    names = [item["uri"].rsplit("/", 1)[1] for item in job["objects"]]
    assert names == ["tickets-1.jsonl", "tickets-2.jsonl"]
    assert [item["records"] for item in job["objects"]] == [3, 2]  # t2 t4 x; t7 x
    # The run now holds the retry, which has not ended: nothing more to submit yet.
    again = bjob(server, "retry", "run:tickets", "--yes")
    assert again.code == 8 and "run:tickets has not ended (tickets-retry-1)" in again.stderr
    assert len(server.fake.created) == 1


def test_retry_a_run_with_nothing_left(server: RunningFake, s3: Any) -> None:
    model_listed(server, min_records=1)
    uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1"), question("d2")])
    run_job(server, s3, "ccccccccccc1", "done", uri, {"done.jsonl": [claude("d1", "1"),
            claude("d2", "2")]}, run="done")  # fmt: skip
    result = bjob(server, "retry", "run:done", "--yes")
    assert result.code == 0 and "nothing to submit again" in result.stderr
    assert server.fake.created == []


def test_stop_a_run_stops_its_unfinished_jobs(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)  # both ended
    running = run_job(server, s3, "ddddddddddd1", "tickets-retry-1", f"s3://{IN}/x/",
                      None, status="InProgress", minutes=90)  # fmt: skip
    result = bjob(server, "stop", "run:tickets", "--yes", "--json")
    assert result.code == 0, result.stderr
    assert server.fake.stops == [running]
    entries = json.loads(result.stdout)
    assert [entry["action"] for entry in entries] == ["stopped"]
    nothing = bjob(server, "stop", "run:nosuch", "--yes")
    assert nothing.code == 3
