"""--query on every command that prints JSON: JMESPath as in show and list, implying --json;
a bad expression is a usage error in one line, before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import Result, invoke, run_bjob
from tests.fakebedrock import RunningFake, foundation_model, make_job
from tests.s3proxy import moto_s3_behind_a_proxy
from tests.test_check import VALID, records, write_jsonl
from tests.test_results import FOLDER, OUT, add_job, answer, failure, jsonl, manifest

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"


@pytest.mark.parametrize(
    "command",
    [
        ["results", "abcdefabcdef"],
        ["check", "x.jsonl"],
        ["quotas"],
        ["stop", "abcdefabcdef"],
        ["retry", "abcdefabcdef"],
        ["submit", "x.jsonl", "--model", "m", "--role", "r", "--output", "s3://b/"],
    ],
)
def test_a_bad_expression_is_a_usage_error_before_any_request(
    server: RunningFake, command: list[str]
) -> None:
    result = invoke(
        *command, "--query", "jobs[", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 2 and "--query: not a JMESPath expression" in result.stderr
    [line, syntax, help_hint] = result.stderr.strip().splitlines()  # one line, two hints
    assert "'jobs['" in line and syntax == "hint: JMESPath's syntax: jmespath.org"
    assert help_hint == f"hint: see 'bjob {command[0]} --help'"
    assert server.fake.requests == []


def test_check_through_the_installed_bjob(tmp_path: Path) -> None:
    lines: list[Any] = records(VALID["anthropic-messages"][1], 100)
    lines[4] = {"recordId": "x", "modelInput": {}}
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    result = run_bjob("check", str(path), "--query", "problems[?severity=='error'].where[0].line")
    assert result.code == 7
    assert json.loads(result.stdout) == [5, 5, 5]  # three required keys missing, on line 5


def test_stop_and_submit_through_the_installed_bjob(server: RunningFake, tmp_path: Path) -> None:
    server.fake.add_job(make_job("abcdefabcd01", "InProgress"))
    aws = ["--endpoint-url", server.url, "--region", "us-east-1"]
    stopped = run_bjob("stop", "abcdefabcd01", "--yes", "--query", "[].action", *aws)
    assert stopped.code == 0, stopped.stderr
    assert json.loads(stopped.stdout) == ["stopped"]
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 100))
    with moto_s3_behind_a_proxy() as (moto_url, _):  # a dry run looks at the buckets too
        boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url).create_bucket(
            Bucket="out"
        )
        planned = _dry_run(path, aws, server, moto_url)
    assert planned.code == 0, planned.stderr
    assert json.loads(planned.stdout) == ["in"]


def _dry_run(path: Path, aws: list[str], server: RunningFake, moto_url: str) -> Result:
    return run_bjob(
        "submit",
        str(path),
        "--model",
        HAIKU,
        "--role",
        "arn:aws:iam::123456789012:role/R",
        "--output",
        "s3://out/x/",
        "--dry-run",
        "--query",
        "jobs[].request.jobName",
        *aws,
        env={"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, "AWS_ENDPOINT_URL_S3": moto_url},
    )


def test_results_and_quotas(server: RunningFake, s3: Any) -> None:
    add_job(server, total=2, processed=2, failed=1)
    s3.put_object(
        Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([answer(0), failure(1, "bad")])
    )
    manifest(s3)
    aws = ["--endpoint-url", server.url, "--region", "us-east-1"]
    found = invoke("results", "abcdefabcdef", "--query", "errors[0].message", *aws)
    assert found.code == 0, found.stderr
    assert json.loads(found.stdout) == "bad"
    clash = invoke("results", "abcdefabcdef", "--query", "records", "--failed", *aws)
    assert clash.code == 2 and "cannot be used together" in clash.stderr
