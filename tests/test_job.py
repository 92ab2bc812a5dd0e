"""The job model: normalization, derived values and the state exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bjob.model.job import ACTIVE_STATUSES, TERMINAL_STATUSES, MalformedJobError, normalize_job
from bjob.support.exits import ExitCode
from tests.conftest import NOW
from tests.fakebedrock import make_job


def test_wire_response_normalizes_every_member() -> None:
    response = make_job(
        "abc123def456",
        "InProgress",
        region="eu-west-1",
        name="nightly",
        total=50_000,
        processed=12_345,
        failed=45,
        clientRequestToken="tok-1",
        vpcConfig={"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1", "sg-2"]},
        outputDataConfig={
            "s3OutputDataConfig": {
                "s3Uri": "s3://out/",
                "s3EncryptionKeyId": "kms-1",
                "s3BucketOwner": "210987654321",
            }
        },
    )
    job = normalize_job(response)
    assert job.arn == "arn:aws:bedrock:eu-west-1:123456789012:model-invocation-job/abc123def456"
    assert (job.job_id, job.region, job.account) == ("abc123def456", "eu-west-1", "123456789012")
    assert job.name == "nightly" and job.status == "InProgress"
    assert job.submit_time == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert job.expiration_time == datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert (job.total_records, job.processed_records) == (50_000, 12_345)
    assert (job.succeeded_records, job.failed_records, job.pending_records) == (12_300, 45, 37_655)
    assert job.fraction_done == pytest.approx(0.2469)
    assert job.success_rate == pytest.approx(12_300 / 12_345)
    assert job.input.s3_uri == "s3://in/abc123def456.jsonl" and job.input.format == "JSONL"
    assert (job.output.kms_key_id, job.output.bucket_owner) == ("kms-1", "210987654321")
    assert job.vpc.subnet_ids == ("subnet-1",) and job.vpc.security_group_ids == ("sg-1", "sg-2")
    assert job.client_request_token == "tok-1"
    assert job.elapsed_seconds(NOW) == 7200
    assert job.time_left_seconds(NOW) == 22 * 3600
    assert job.state_exit_code() is ExitCode.JOB_NOT_FINISHED


def test_botocore_datetimes_and_naive_times_are_utc() -> None:
    aware = normalize_job(
        {"status": "Completed", "submitTime": datetime(2026, 1, 1, 12, tzinfo=UTC)}
    )
    naive = normalize_job({"status": "Completed", "submitTime": datetime(2026, 1, 1, 12)})
    epoch = normalize_job({"status": "Completed", "submitTime": 1767268800})
    offset = normalize_job({"status": "Completed", "submitTime": "2026-01-01T13:00:00+01:00"})
    assert aware.submit_time == naive.submit_time == epoch.submit_time == offset.submit_time
    assert offset.submit_time is not None and offset.submit_time.utcoffset() == timedelta(0)


def test_ended_job_elapsed_is_submit_to_end_whenever_asked() -> None:
    job = normalize_job(make_job("abc123def456", "Completed"))
    assert job.elapsed_seconds(NOW) == 3600
    assert job.elapsed_seconds(datetime(2030, 1, 1, tzinfo=UTC)) == 3600
    assert job.time_left_seconds(NOW) is None


def test_validating_job_has_no_fraction_yet() -> None:
    job = normalize_job(make_job("abc123def456", "Validating", total=0, processed=0, failed=0))
    assert job.fraction_done is None and job.success_rate is None and job.pending_records == 0


def test_counts_that_overshoot_stay_within_bounds() -> None:
    job = normalize_job(
        {
            "status": "InProgress",
            "totalRecordCount": 10,
            "processedRecordCount": 12,
            "successRecordCount": 13,
        }
    )
    assert job.fraction_done == 1.0 and job.success_rate == 1.0 and job.pending_records == 0


@pytest.mark.parametrize(
    ("status", "code"),
    [("Completed", 0), ("Failed", 10), ("PartiallyCompleted", 11), ("Stopped", 12), ("Expired", 13)]
    + [(status, 8) for status in ACTIVE_STATUSES],
)
def test_state_exit_codes(status: str, code: int) -> None:
    job = normalize_job({"status": status})
    assert job.state_exit_code() == code
    assert job.is_terminal is (status in TERMINAL_STATUSES)


def test_unknown_status_is_kept_and_ends_with_an_end_time() -> None:
    running = normalize_job({"status": "Paused"})
    ended = normalize_job({"status": "Paused", "endTime": "2026-11-27T09:00:00Z"})
    assert running.status == "Paused" and running.status_info is None
    assert (running.is_terminal, running.state_exit_code()) == (False, ExitCode.JOB_NOT_FINISHED)
    assert (ended.is_terminal, ended.state_exit_code()) == (True, ExitCode.JOB_UNKNOWN_END)


def test_job_id_comes_from_the_arn() -> None:
    job = normalize_job(
        {"jobArn": "arn:aws-cn:bedrock:cn-north-1:123456789012:model-invocation-job/zz11yy22xx33"}
    )
    assert (job.job_id, job.region, job.status) == ("zz11yy22xx33", "cn-north-1", None)


@pytest.mark.parametrize(
    ("response", "words"),
    [
        ({}, "neither jobArn nor status"),
        ({"jobName": "x"}, "neither jobArn nor status"),
        ({"status": 3}, "status is not a string"),
        ({"status": "Completed", "totalRecordCount": True}, "totalRecordCount is not an integer"),
        ({"status": "Completed", "submitTime": "yesterday"}, "submitTime is not an ISO-8601"),
        ({"status": "Completed", "vpcConfig": []}, "vpcConfig is not an object"),
        (
            {"status": "Completed", "vpcConfig": {"subnetIds": "subnet-1"}},
            "subnetIds is not a list",
        ),
    ],
)
def test_malformed_responses_are_refused_with_the_reason(
    response: dict[str, Any], words: str
) -> None:
    with pytest.raises(MalformedJobError, match=words):
        normalize_job(response)
