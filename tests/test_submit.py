"""bjob submit: the gate, the split to the quotas (50,000 and 50,001 records), uploads done
once, slots, idempotent tokens (a run interrupted between two creations, then run again),
the confirmation, the report, and errors named for what they are. Bedrock is the fake
server (CreateModelInvocationJob with its patterns, tokens and quota); S3 is moto's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bjob.model.runs import is_member
from tests.conftest import REPO, FakeClock, Result, invoke
from tests.fakebedrock import Fault, RunningFake, batch_quota, foundation_model, make_job
from tests.test_check import VALID, records, write_jsonl

SUBMIT_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "submit.schema.json").read_text())
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"
OUTPUT = "s3://batch-out/results/"
BODY = VALID["anthropic-messages"][1]


def small_records(count: int, start: int = 0) -> list[bytes]:
    """Records of about 200 bytes: 50,001 of them in a few megabytes."""
    return [
        json.dumps(
            {
                "recordId": f"r{index:06d}",
                "modelInput": {
                    "anthropic_version": "bedrock-2023-05-31",
                    "max_tokens": 100,
                    "messages": [{"role": "user", "content": f"q{index}"}],
                },
            }
        ).encode()
        for index in range(start, start + count)
    ]


def model_listed(server: RunningFake, **quotas: float) -> None:
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    names = {
        "records_per_job": "Records per batch inference job for Claude 3 Haiku",
        "min_records": "Minimum number of records per batch inference job for Claude 3 Haiku",
        "records_per_file": "Records per input file per batch inference job for Claude 3 Haiku",
        "concurrent": "Sum of in-progress and submitted batch inference jobs using a base "
        "model for Claude 3 Haiku",
    }
    for key, value in quotas.items():
        server.fake.applied_quotas.append(batch_quota(names[key], value))


def submit(server: RunningFake, path: str, *args: str, **kw: Any) -> Result:
    """bjob submit PATH with a model, role and output (ARGS given after them win)."""
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, **kw.pop("env", {})}
    aws = ("--endpoint-url", server.url, "--region", "us-east-1")
    base = ("--model", HAIKU, "--role", ROLE, "--output", OUTPUT)
    return invoke("submit", path, *base, *args, *aws, env=env, **kw)


def key_of(uri: str) -> str:
    return uri.split("/", 3)[3]


def uploaded(s3: Any) -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket="batch-out").get("Contents", [])
    return {
        item["Key"]: s3.get_object(Bucket="batch-out", Key=item["Key"])["Body"].read()
        for item in listed
    }


def test_a_valid_input_is_one_job(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "tickets.jsonl", records(BODY, 120))
    result = submit(server, str(path), "--yes")
    assert result.code == 0, result.stderr
    [request] = server.fake.created
    assert request["jobName"] == "tickets" and request["modelId"] == HAIKU
    assert request["roleArn"] == ROLE
    folder = request["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]
    assert re.fullmatch(r"s3://batch-out/results/bjob-inputs/tickets/[0-9a-f]{12}/", folder)
    assert request["outputDataConfig"]["s3OutputDataConfig"]["s3Uri"] == OUTPUT
    key = folder.removeprefix("s3://batch-out/") + "tickets.jsonl"
    assert uploaded(s3) == {key: path.read_bytes()}  # the file, as it is, under its name
    assert request["tags"] == [{"key": "bjob:run", "value": "tickets"}]
    # Its earlier jobs and the slots in use, each listed once (the upload that began while
    # the file was checked looked at them, and the plan used what it saw).
    assert len(server.fake.requests_to("/model-invocation-jobs")) == 2
    assert is_member(request["clientRequestToken"], "tickets")
    arn = server.fake.tokens[request["clientRequestToken"]]
    assert result.stdout.splitlines() == [arn]  # piped: one ARN a line
    assert "bjob: 1 job: 120 records, 36.8 KB; will create 1" in result.stderr
    assert f"  model    Claude 3 Haiku ({HAIKU})" in result.stderr
    assert "  region   us-east-1" in result.stderr


def test_the_gate_refuses_what_would_fail(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    lines: list[Any] = records(BODY, 120)
    lines[7] = {"recordId": "bad", "modelInput": {**BODY, "modelId": HAIKU}}
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    result = submit(server, str(path), "--yes")
    assert result.code == 7
    assert "modelInput.modelId" in result.stderr and "in.jsonl:8" in result.stderr
    assert "nothing was uploaded or created" in result.stderr
    assert uploaded(s3) == {} and server.fake.created == []


@pytest.mark.parametrize(("count", "jobs"), [(50_000, [50_000]), (50_001, [25_001, 25_000])])
def test_a_shard_boundary(
    server: RunningFake, s3: Any, tmp_path: Path, count: int, jobs: list[int]
) -> None:
    model_listed(server)  # no quotas listed: the documented 50,000 records a job
    lines = small_records(count)
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = submit(server, str(path), "--yes", "--json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, SUBMIT_SCHEMA)
    assert [job["records"] for job in document["jobs"]] == jobs
    names = ["big"] if len(jobs) == 1 else ["big-1", "big-2"]
    assert [job["name"] for job in document["jobs"]] == names
    objects = uploaded(s3)
    shards = [objects[key_of(job["input_uri"]) + "big.jsonl"] for job in document["jobs"]]
    assert b"".join(shards) == path.read_bytes()  # every record once, in order, byte for byte
    assert [len(shard.splitlines()) for shard in shards] == jobs


def test_a_split_to_the_accounts_quotas(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server, records_per_job=100, min_records=40, records_per_file=100)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    document = json.loads(submit(server, str(path), "--yes", "--json").stdout)
    assert [job["records"] for job in document["jobs"]] == [84, 83, 83]
    too_few = write_jsonl(tmp_path / "few.jsonl", records(BODY, 30))
    refused = submit(server, str(too_few), "--yes")
    assert refused.code == 7 and "30 records: a job needs at least 40" in refused.stderr


def test_running_twice_creates_each_job_once(
    server: RunningFake, s3: Any, tmp_path: Path, aws_calls: list[str]
) -> None:
    model_listed(server, records_per_job=100, min_records=40)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    # The service fails the second creation (each of botocore's 3 tries): one job made, then
    # an error.
    server.fake.fail_next(
        Fault("error", 500, path_prefix="/model-invocation-job", method="POST"), times=3, after=1
    )
    first = submit(server, str(path), "--yes")
    assert first.code == 5 and len(server.fake.created) == 1
    aws_calls.clear()
    second = submit(server, str(path), "--yes", "--json")
    assert second.code == 0, second.stderr
    document = json.loads(second.stdout)
    assert len(server.fake.created) == 3  # the two missing ones, no duplicate
    assert [job["created"] for job in document["jobs"]] == [False, True, True]
    assert "1 job from an earlier run" in second.stderr
    assert "s3.PutObject" not in aws_calls and "s3.CreateMultipartUpload" not in aws_calls
    third = submit(server, str(path), "--yes")
    assert third.code == 0 and len(server.fake.created) == 3
    assert len(third.stdout.splitlines()) == 3


def test_no_free_slot(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server, records_per_job=100, min_records=40, concurrent=3)
    server.fake.add_job(make_job("busy00000001", "InProgress", modelId=HAIKU))
    server.fake.add_job(make_job("busy00000002", "Scheduled", modelId=f"us.{HAIKU}"))
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    result = submit(server, str(path), "--yes")
    assert result.code == 15
    assert len(server.fake.created) == 1  # the one free slot
    assert "2 jobs not created" in result.stderr
    assert "quota of 3 submitted and in-progress jobs (Service Quotas, applied)" in result.stderr
    assert "has 2 in use" in result.stderr
    # The jobs end; the same command submits the rest.
    for job_id in ("busy00000001", "busy00000002"):
        server.fake.add_job(make_job(job_id, "Completed", modelId=HAIKU))
    again = submit(server, str(path), "--yes")
    assert again.code == 0, again.stderr
    assert len(server.fake.created) == 3 and len(again.stdout.splitlines()) == 3


def test_the_services_quota_answer_is_reported_the_same(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server, records_per_job=100, min_records=40)
    server.fake.concurrent_limit = 1  # stricter than the quota bjob read
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    result = submit(server, str(path), "--yes")
    assert result.code == 15 and len(server.fake.created) == 1
    assert "2 jobs not created" in result.stderr and "quota" in result.stderr


def test_a_script_needs_yes_and_a_dry_run_touches_nothing(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    refused = submit(server, str(path))
    assert refused.code == 2 and "pass --yes" in refused.stderr
    assert uploaded(s3) == {} and server.fake.created == []
    dry = submit(server, str(path), "--dry-run", "--json", "--tag", "team=ml")
    assert dry.code == 0, dry.stderr
    document = json.loads(dry.stdout)
    jsonschema.validate(document, SUBMIT_SCHEMA)
    [job] = document["jobs"]
    assert document["dry_run"] is True and job["arn"] is None and job["created"] is False
    assert job["request"]["tags"] == [
        {"key": "team", "value": "ml"},
        {"key": "bjob:run", "value": "in"},
    ]
    assert job["request"]["clientRequestToken"] == job["client_request_token"]
    assert uploaded(s3) == {} and server.fake.created == []
    asked = submit(server, str(path), tty=True, stdin="n\n")
    assert "Upload and create 1 job? [y/N]" in asked.stderr and server.fake.created == []


def test_an_s3_input_that_fits_is_used_where_it_is(
    server: RunningFake, s3: Any, aws_calls: list[str]
) -> None:
    model_listed(server)
    body = b"".join(json.dumps(line).encode() + b"\n" for line in records(BODY, 120))
    s3.put_object(Bucket="batch-in", Key="prepared/in.jsonl", Body=body)
    result = submit(server, "s3://batch-in/prepared/in.jsonl", "--yes")
    assert result.code == 0, result.stderr
    [request] = server.fake.created
    uri = request["inputDataConfig"]["s3InputDataConfig"]["s3Uri"]
    assert uri == "s3://batch-in/prepared/in.jsonl"
    assert "s3.PutObject" not in aws_calls and uploaded(s3) == {}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--role", "not-a-role"], "--role: not an IAM role ARN"),
        (["--name", "-bad name"], "--name: '-bad name' is not a job name"),
        (["--timeout-hours", "12"], "--timeout-hours: 12 is not between 24 and 168"),
        (["--subnet", "subnet-1"], "--subnet and --security-group go together"),
        (["--tag", "novalue"], "--tag: expected KEY=VALUE"),
    ],
)
def test_malformed_settings_are_refused_before_any_request(
    server: RunningFake, tmp_path: Path, args: list[str], words: str
) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    result = submit(server, str(path), *args)
    assert result.code == 2 and words in result.stderr
    assert server.fake.requests == []


def test_a_role_that_cannot_be_passed(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    server.fake.fail_next(
        Fault(
            "error",
            403,
            "AccessDeniedException",
            f"User is not authorized to perform: iam:PassRole on resource: {ROLE}",
            path_prefix="/model-invocation-job",
            method="POST",  # the creation
        ),
    )
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    result = submit(server, str(path), "--yes")
    assert result.code == 4 and "the role cannot be passed to Bedrock" in result.stderr
    assert "iam:PassRole" in result.stderr and "bedrock.amazonaws.com" in result.stderr


def test_buckets_in_another_region_or_missing(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    s3.create_bucket(
        Bucket="eu-outputs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    elsewhere = submit(server, str(path), "--output", "s3://eu-outputs/x/", "--yes")
    assert elsewhere.code == 6 and "eu-outputs is in eu-west-1" in elsewhere.stderr
    missing = submit(server, str(path), "--output", "s3://no-bucket/x/", "--yes")
    assert missing.code == 3 and "no such bucket: no-bucket" in missing.stderr
    assert server.fake.created == []


def test_an_unknown_model(server: RunningFake, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    result = submit(server, str(path), "--model", "gpt-9", "--yes")
    assert result.code == 2 and "no foundation model in the region is called that" in result.stderr


def test_crlf_and_blank_lines_are_dealt_line_by_line(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server)
    lines = small_records(120)
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\r\n".join(lines[:60]) + b"\r\n\r\n" + b"\r\n".join(lines[60:]))
    result = submit(server, str(path), "--yes")
    assert result.code == 0, result.stderr
    [body] = uploaded(s3).values()
    assert body == b"\n".join(lines) + b"\n"  # each record as it was, one a line


def test_watch_follows_the_new_jobs(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    result = submit(server, str(path), "--yes", "--watch", clock=FakeClock())
    assert result.code == 0, result.stderr  # the job Completed
    assert len(server.fake.created) == 1
    arn = server.fake.tokens[server.fake.created[0]["clientRequestToken"]]
    gets = [r for r in server.fake.requests if r.path.endswith(arn.rsplit("/", 1)[1])]
    assert len(gets) >= 2  # followed until it ended
