from __future__ import annotations

import pytest

from bjob.model.identifiers import parse_job_ref
from bjob.support.exits import BjobError, ExitCode

ARN = "arn:aws:bedrock:us-west-2:123456789012:model-invocation-job/abc123def456"


@pytest.mark.parametrize(
    ("text", "kind", "region"),
    [
        (ARN, "arn", "us-west-2"),
        (
            "arn:aws-us-gov:bedrock:us-gov-west-1:123456789012:model-invocation-job/abc123def456",
            "arn",
            "us-gov-west-1",
        ),
        ("abc123def456", "id", None),
        ("my-batch-job", "name", None),
        ("Job.v2+final", "name", None),
        ("-", "file", None),
        ("saved/job.json", "file", None),
        ("JOB.JSON", "file", None),
    ],
)
def test_kinds(text: str, kind: str, region: str | None) -> None:
    ref = parse_job_ref(text)
    assert (ref.kind, ref.region) == (kind, region)


def test_an_id_is_also_tried_as_a_name() -> None:
    assert parse_job_ref("weeklyreport").maybe_name
    assert not parse_job_ref("my-batch-job").maybe_name


@pytest.mark.parametrize(
    "text",
    [
        "arn:aws:bedrock:us-west-2:123456789012:model-invocation-job/ABC123DEF456",
        "arn:aws:bedrock:us-west-2:12345:model-invocation-job/abc123def456",
        "arn:aws:bedrock:us-west-2:123456789012:custom-model/abc",
        "",
        "with space",
        "-leading-dash",
        "a" * 64,
        "path/to/something",
    ],
)
def test_malformed_identifiers_are_usage_errors(text: str) -> None:
    with pytest.raises(BjobError) as caught:
        parse_job_ref(text)
    assert caught.value.code is ExitCode.USAGE
