"""bjob retry: the failed and never-processed records (exactly what --retry-file writes)
submitted as a new job like the original, named <name>-retry-1 (then -2), safe to run
twice; too few records, or a job still running, create nothing."""

from __future__ import annotations

import json
import re
from typing import Any

from bjob.model.runs import is_member
from tests.conftest import Result, invoke
from tests.fakebedrock import RunningFake, foundation_model, job_arn, make_job
from tests.test_results import answer, failure, jsonl, record

JOB = "abcdefabcdef"
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"
SETTINGS = {
    "modelId": HAIKU,
    "roleArn": ROLE,
    "timeoutDurationInHours": 72,
    "modelInvocationType": "InvokeModel",
    "inputDataConfig": {
        "s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": "s3://batch-in/in/records.jsonl"}
    },
    "outputDataConfig": {
        "s3OutputDataConfig": {
            "s3Uri": "s3://batch-out/jobs/",
            "s3EncryptionKeyId": "arn:aws:kms:us-east-1:123456789012:key/k1",
        }
    },
    "vpcConfig": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
}


def a_job(
    server: RunningFake, s3: Any, status: str = "PartiallyCompleted", failed: int = 60
) -> None:
    """300 records: 200 answered, `failed` failed, the rest never processed."""
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    server.fake.add_job(
        make_job(
            JOB,
            status,
            name="nightly",
            total=300,
            processed=200 + failed,
            failed=failed,
            **SETTINGS,
        )
    )
    server.fake.tags[job_arn(JOB)] = [{"key": "team", "value": "ml"}]
    s3.put_object(
        Bucket="batch-in", Key="in/records.jsonl", Body=jsonl([record(i) for i in range(300)])
    )
    outputs = [answer(i) for i in range(200)] + [failure(i) for i in range(200, 200 + failed)]
    s3.put_object(Bucket="batch-out", Key=f"jobs/{JOB}/records.jsonl.out", Body=jsonl(outputs))
    s3.put_object(Bucket="batch-out", Key=f"jobs/{JOB}/manifest.json.out", Body=b"{}")


def retry(server: RunningFake, *args: str, **kw: Any) -> Result:
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, **kw.pop("env", {})}
    return invoke(
        "retry", JOB, *args, "--endpoint-url", server.url, "--region", "us-east-1", env=env, **kw
    )


def test_the_records_to_submit_again_as_a_job_like_the_original(
    server: RunningFake, s3: Any
) -> None:
    a_job(server, s3)
    result = retry(server, "--yes")
    assert result.code == 0, result.stderr
    [request] = server.fake.created
    assert request["jobName"] == "nightly-retry-1"
    assert request["modelId"] == HAIKU and request["roleArn"] == ROLE
    assert request["timeoutDurationInHours"] == 72
    assert request["outputDataConfig"]["s3OutputDataConfig"] == {
        "s3Uri": "s3://batch-out/jobs/",
        "s3EncryptionKeyId": "arn:aws:kms:us-east-1:123456789012:key/k1",
    }
    assert request["vpcConfig"] == {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]}
    # The original's tags, and its run's: a retry is a part of the original's run.
    assert request["tags"] == [
        {"key": "team", "value": "ml"},
        {"key": "bjob:run", "value": "nightly"},
    ]
    assert is_member(request["clientRequestToken"], "nightly")
    folder = request["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]
    assert re.fullmatch(r"s3://batch-out/jobs/bjob-inputs/nightly-retry-1/[0-9a-f]{12}/", folder)
    key = folder.removeprefix("s3://batch-out/") + "records.jsonl"  # named as the input was
    stored = s3.get_object(Bucket="batch-out", Key=key)
    # Uploaded encrypted with the original's key, as its outputs are.
    assert stored["ServerSideEncryption"] == "aws:kms"
    assert stored["SSEKMSKeyId"].endswith("key/k1")
    body = stored["Body"].read()
    # The failed (200-259) and never-processed (260-299) records, as the input has them.
    assert body == jsonl([record(i) for i in range(200, 300)])
    # Exactly what --retry-file writes.
    written = invoke(
        "results", JOB, "--retry-file", "-", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert written.stdout.encode() == body


def test_safe_to_run_twice_and_the_next_retry_is_two(server: RunningFake, s3: Any) -> None:
    a_job(server, s3)
    assert retry(server, "--yes").code == 0
    again = retry(server, "--yes", "--json")
    assert again.code == 0, again.stderr
    assert len(server.fake.created) == 1  # the same retry: found, not made again
    [job] = json.loads(again.stdout)["jobs"]
    assert job["name"] == "nightly-retry-1" and job["created"] is False
    # Other records to submit again (here the outputs are replaced): a new job, -2.
    outputs = [answer(i) for i in range(150)] + [failure(i) for i in range(150, 250)]
    s3.put_object(Bucket="batch-out", Key=f"jobs/{JOB}/records.jsonl.out", Body=jsonl(outputs))
    third = retry(server, "--yes")
    assert third.code == 0, third.stderr
    assert [created["jobName"] for created in server.fake.created] == [
        "nightly-retry-1",
        "nightly-retry-2",
    ]


def test_fewer_records_than_a_job_needs(server: RunningFake, s3: Any) -> None:
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    server.fake.add_job(
        make_job(JOB, "Completed", name="nightly", total=300, processed=300, failed=5, **SETTINGS)
    )
    s3.put_object(
        Bucket="batch-in", Key="in/records.jsonl", Body=jsonl([record(i) for i in range(300)])
    )
    outputs = [answer(i) for i in range(295)] + [failure(i) for i in range(295, 300)]
    s3.put_object(Bucket="batch-out", Key=f"jobs/{JOB}/records.jsonl.out", Body=jsonl(outputs))
    result = retry(server, "--yes")
    assert result.code == 7 and "5 records" in result.stderr and "at least 100" in result.stderr
    assert server.fake.created == []


def test_a_job_still_running(server: RunningFake, s3: Any) -> None:
    a_job(server, s3, status="InProgress")
    result = retry(server, "--yes")
    assert result.code == 8 and server.fake.created == []


def test_a_dry_run_and_a_chosen_name(server: RunningFake, s3: Any) -> None:
    a_job(server, s3)
    dry = retry(server, "--dry-run", "--json", "--name", "second-try")
    assert dry.code == 0, dry.stderr
    [job] = json.loads(dry.stdout)["jobs"]
    assert job["name"] == "second-try" and job["records"] == 100 and job["arn"] is None
    assert server.fake.created == []
    assert s3.list_objects_v2(Bucket="batch-out", Prefix="jobs/bjob-inputs/").get("KeyCount") == 0


def test_a_retry_under_a_name_of_its_own_is_found_again(server: RunningFake, s3: Any) -> None:
    """--name X, X not containing the run's name: a rerun still finds its job (X's own
    listing), and creates nothing."""
    a_job(server, s3)
    assert retry(server, "--yes", "--name", "second-try").code == 0
    again = retry(server, "--yes", "--json", "--name", "second-try")
    assert again.code == 0, again.stderr
    assert len(server.fake.created) == 1
    assert [job["state"] for job in json.loads(again.stdout)["jobs"]] == ["exists"]
