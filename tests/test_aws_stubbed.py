"""The AWS side against botocore's Stubber, which checks requests and responses against the
real service model: which calls are made, with which parameters, and how errors map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from bjob.aws.bedrock import fetch_job
from bjob.aws.session import AwsClients
from bjob.model.identifiers import parse_job_ref
from bjob.support.exits import BjobError, ExitCode

ARN = "arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456"


def summary(job_id: str, name: str, status: str = "Completed") -> dict[str, object]:
    return {
        "jobArn": f"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/{job_id}",
        "jobName": name,
        "modelId": "amazon.nova-lite-v1:0",
        "roleArn": "arn:aws:iam::123456789012:role/R",
        "status": status,
        "submitTime": datetime(2026, 11, 27, tzinfo=UTC),
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://in/x.jsonl"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://out/"}},
    }


def test_id_is_one_get_call(clients: AwsClients, stubber: Stubber) -> None:
    stubber.add_response(
        "get_model_invocation_job", summary("abc123def456", "x"), {"jobIdentifier": "abc123def456"}
    )
    response = fetch_job(parse_job_ref("abc123def456"), clients)
    assert response["jobName"] == "x" and "ResponseMetadata" not in response


def test_name_pages_through_the_listing_for_the_exact_name(
    clients: AwsClients, stubber: Stubber
) -> None:
    stubber.add_response(
        "list_model_invocation_jobs",
        {"invocationJobSummaries": [summary("aaaaaaaaaaa1", "eval-2")], "nextToken": "page2"},
        {"nameContains": "eval", "maxResults": 1000},
    )
    stubber.add_response(
        "list_model_invocation_jobs",
        {"invocationJobSummaries": [summary("bbbbbbbbbbb2", "eval")]},
        {"nameContains": "eval", "maxResults": 1000, "nextToken": "page2"},
    )
    assert fetch_job(parse_job_ref("eval"), clients)["jobArn"].endswith("bbbbbbbbbbb2")


def test_id_shaped_name_falls_back_to_the_listing(clients: AwsClients, stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_model_invocation_job",
        "ResourceNotFoundException",
        "no such job",
        404,
        expected_params={"jobIdentifier": "weeklyreport"},
    )
    stubber.add_response(
        "list_model_invocation_jobs",
        {"invocationJobSummaries": [summary("abc123def456", "weeklyreport")]},
        {"nameContains": "weeklyreport", "maxResults": 1000},
    )
    assert fetch_job(parse_job_ref("weeklyreport"), clients)["jobArn"] == ARN


def test_ambiguous_name(clients: AwsClients, stubber: Stubber) -> None:
    stubber.add_response(
        "list_model_invocation_jobs",
        {
            "invocationJobSummaries": [
                summary("aaaaaaaaaaa1", "dup"),
                summary("bbbbbbbbbbb2", "dup"),
            ]
        },
        {"nameContains": "dup", "maxResults": 1000},
    )
    with pytest.raises(BjobError) as caught:
        fetch_job(parse_job_ref("dup"), clients)
    assert caught.value.code is ExitCode.USAGE
    assert "aaaaaaaaaaa1" in caught.value.message and "bbbbbbbbbbb2" in caught.value.message


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("ResourceNotFoundException", 404, ExitCode.NOT_FOUND),
        ("AccessDeniedException", 403, ExitCode.NOT_AUTHORIZED),
        ("ValidationException", 400, ExitCode.CONFIGURATION),
        ("ThrottlingException", 429, ExitCode.TEMPORARY),
        ("InternalServerException", 500, ExitCode.TEMPORARY),
    ],
)
def test_client_errors_map_to_exit_codes(
    clients: AwsClients, stubber: Stubber, code: str, status: int, expected: ExitCode
) -> None:
    stubber.add_client_error("get_model_invocation_job", code, "nope", status)
    with pytest.raises(BjobError) as caught:
        fetch_job(parse_job_ref(ARN), clients)
    assert caught.value.code is expected
    assert "nope" in caught.value.message
