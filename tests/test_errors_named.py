"""Errors named for what failed: a denial's hint names the operation's IAM permission (not
always GetModelInvocationJob), an S3 upload refused (whole or in parts) is a write denied,
exit 4, never an internal error or a read; a model name that cannot be looked up because
Bedrock does not answer is exit 5 with the cause; a damaged lookup cache is rebuilt."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import invoke, run_bjob
from tests.fakebedrock import RunningFake, foundation_model, job_arn, make_job
from tests.s3proxy import S3Proxy, moto_s3_behind_a_proxy
from tests.test_check import VALID, records, write_jsonl

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
ROLE = "arn:aws:iam::123456789012:role/BatchRole"
JOB = "abcdefabcd01"


def denied(operation: str, message: str = "Access Denied", code: str = "AccessDenied") -> Any:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 403}},
        operation,
    )


@pytest.mark.parametrize(
    ("operation", "permission"),
    [
        ("StopModelInvocationJob", "bedrock:StopModelInvocationJob"),
        ("CreateModelInvocationJob", "bedrock:CreateModelInvocationJob"),
        ("ListTagsForResource", "bedrock:ListTagsForResource"),
        ("GetModelInvocationJob", "bedrock:GetModelInvocationJob"),
        ("ListModelInvocationJobs", "bedrock:ListModelInvocationJobs"),
    ],
)
def test_a_bedrock_denial_names_its_operation(operation: str, permission: str) -> None:
    from bjob.aws.errors import translate_error

    error = translate_error(denied(operation, code="AccessDeniedException"), job_arn(JOB))
    assert error is not None and error.code == 4
    assert error.hint == (
        f"the credentials need {permission} on {job_arn(JOB)}: allow it in their IAM policy"
    )
    assert operation in error.message
    others = {"GetModelInvocationJob", "ListModelInvocationJobs"} - {operation}
    assert not any(other in (error.hint or "") for other in others)


def test_the_permission_the_service_names_wins() -> None:
    """A CreateModelInvocationJob refused for the role: the message names iam:PassRole."""
    from bjob.aws.errors import translate_error

    message = f"User: x is not authorized to perform: iam:PassRole on resource: {ROLE}"
    error = translate_error(denied("CreateModelInvocationJob", message, "AccessDeniedException"))
    assert error is not None and error.code == 4 and "iam:PassRole" in (error.hint or "")


def test_refused_credentials_are_not_called_a_permission() -> None:
    from bjob.aws.errors import translate_error

    error = translate_error(denied("GetModelInvocationJob", "expired", "ExpiredTokenException"))
    assert error is not None and error.code == 4
    assert "credentials were refused" in error.message and "IAM policy" not in (error.hint or "")


@pytest.mark.parametrize(
    "operation", ["PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"]
)
def test_an_upload_refused_in_any_part_is_a_write(operation: str) -> None:
    from bjob.aws.s3 import s3_errors
    from bjob.model.locations import S3Location
    from bjob.support.exits import BjobError

    where = S3Location("batch-in", "prompts/batch1.jsonl")
    with pytest.raises(BjobError) as caught, s3_errors(where):
        raise denied(operation)
    error = caught.value
    assert error.code == 4 and "not authorized to write s3://batch-in/prompts/batch1.jsonl" in (
        error.message
    )
    assert error.hint is not None and "s3:PutObject on s3://batch-in/prompts/batch1.jsonl" in (
        error.hint
    )
    assert "read" not in error.message + error.hint and "GetObject" not in error.hint


def test_s3_upload_failed_error_is_translated_without_its_file() -> None:
    """boto3's upload_file wraps the ClientError in S3UploadFailedError, naming the local
    file (for retry, a temporary one that is gone by the time the error is read)."""
    from boto3.exceptions import S3UploadFailedError

    from bjob.aws.s3 import s3_errors
    from bjob.model.locations import S3Location
    from bjob.support.exits import BjobError

    where = S3Location("batch-in", "in.jsonl")
    with pytest.raises(BjobError) as caught, s3_errors(where):
        try:
            raise denied("UploadPart")
        except ClientError as error:
            raise S3UploadFailedError(f"Failed to upload /tmp/gone/in.jsonl: {error}") from None
    assert caught.value.code == 4 and "/tmp/gone" not in str(caught.value.message)
    assert "s3:PutObject" in str(caught.value.hint)
    # The same without a chained error: the text is all there is.
    with pytest.raises(BjobError) as unchained, s3_errors(where):
        raise S3UploadFailedError(
            "Failed to upload /tmp/gone/in.jsonl to batch-in/in.jsonl: An error occurred "
            "(AccessDenied) when calling the CreateMultipartUpload operation: Access Denied"
        )
    assert unchained.value.code == 4 and "s3:PutObject" in str(unchained.value.hint)
    assert "/tmp/gone" not in unchained.value.message


@pytest.fixture(scope="module")
def denying_s3() -> Iterator[tuple[str, S3Proxy]]:
    """moto's S3 server behind a proxy that refuses every write under batch-out/."""
    import boto3

    with moto_s3_behind_a_proxy() as (endpoint, proxy):
        client = boto3.client(  # (module-scoped: before the tests' fake credentials)
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="AKIDTESTING",
            aws_secret_access_key="testing-secret",
        )
        client.create_bucket(Bucket="batch-out")
        proxy.deny_writes("batch-out/")
        yield endpoint, proxy


@pytest.mark.parametrize("source", ["file", "stream"])
def test_a_split_upload_refused_through_a_real_exchange(
    denying_s3: tuple[str, S3Proxy], tmp_path: Path, source: str
) -> None:
    """9 MB: a multipart upload (CreateMultipartUpload first), from a file (upload_file,
    S3UploadFailedError) and from a stream (upload_fileobj, the ClientError itself)."""
    import boto3

    from bjob.aws.s3 import upload
    from bjob.model.locations import S3Location
    from bjob.support.exits import BjobError

    endpoint, proxy = denying_s3
    client = boto3.client("s3", endpoint_url=proxy.url, region_name="us-east-1")
    data = b"x" * (9 * 1024 * 1024)
    path = tmp_path / "shard.jsonl"
    path.write_bytes(data)
    body: Any = str(path) if source == "file" else io.BytesIO(data)
    where = S3Location("batch-out", "in/shard.jsonl")
    with pytest.raises(BjobError) as caught:
        upload(client, where, body, "0" * 64, lambda count: None)
    error = caught.value
    assert error.code == 4, error.message
    assert "not authorized to write s3://batch-out/in/shard.jsonl" in error.message
    assert "s3:PutObject on s3://batch-out/in/shard.jsonl" in str(error.hint)
    assert str(tmp_path) not in error.message + str(error.hint)
    direct = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    assert "Contents" not in direct.list_objects_v2(Bucket="batch-out")


def test_the_installed_submit_names_a_refused_put(
    server: RunningFake, denying_s3: tuple[str, S3Proxy], tmp_path: Path
) -> None:
    """`bjob submit` of a small valid input with s3:PutObject refused: exit 4 naming the
    permission and the key, nothing created, never "internal error". (examples/tickets.jsonl
    is check's example of a broken input: submit's gate stops it, exit 7.)"""
    _, proxy = denying_s3
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    path = write_jsonl(tmp_path / "tickets.jsonl", records(VALID["anthropic-messages"][1], 120))
    result = run_bjob(
        *("submit", str(path), "--model", HAIKU, "--role", ROLE),
        *("--output", "s3://batch-out/results/", "--yes"),
        *("--endpoint-url", server.url, "--region", "us-east-1"),
        env={"AWS_ENDPOINT_URL_S3": proxy.url, "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url},
    )
    assert result.code == 4, result.stderr
    assert "hint: the credentials need s3:PutObject on s3://batch-out/results/" in result.stderr
    assert "not authorized to write s3://batch-out/results/" in result.stderr
    assert "internal error" not in result.stderr and "read" not in result.stderr.split("hint")[-1]
    assert server.fake.created == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_model_name_with_bedrock_unreachable_is_exit_5(tmp_path: Path) -> None:
    """Through the installed bjob: the name cannot be looked up because nothing answers;
    the cause is said (exit 5), not "see --help" (exit 2)."""
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 120))
    endpoint = f"http://127.0.0.1:{_closed_port()}"
    result = run_bjob(
        *("check", str(path), "--model", "haiku", "--endpoint-url", endpoint),
        *("--region", "us-east-1"),
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.code == 5, result.stderr
    assert "could not reach Bedrock" in result.stderr and "ListFoundationModels" in result.stderr
    assert "--help" not in result.stderr


def test_a_model_name_with_the_model_list_denied_is_exit_4(
    server: RunningFake, tmp_path: Path
) -> None:
    from tests.fakebedrock import Fault

    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 120))
    server.fake.fail_next(
        Fault("error", 403, "AccessDeniedException", "denied", path_prefix="/foundation-models")
    )
    result = invoke(
        *("check", str(path), "--model", "haiku", "--endpoint-url", server.url),
        *("--region", "us-east-1"),
        env={"XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert result.code == 4, result.stderr
    assert "bedrock:ListFoundationModels" in result.stderr


DAMAGED = [
    b"\x00\xffgarbage",
    b"[]",
    b'{"version": 1, "at": "yesterday", "names": {}, "quotas": []}',
    b'{"version": 1, "at": 1e300, "names": {}, "quotas": []}',
    b'{"version": 1, "at": NOW, "names": ["x"], "quotas": []}',
    b'{"version": 1, "at": NOW, "names": {"a": 1}, "quotas": []}',
    b'{"version": 1, "at": NOW, "names": {}, "quotas": [1, 2]}',
    b'{"version": 1, "at": NOW, "names": {}, "quotas": [["a", "b"]]}',
    b'{"version": 1, "at": NOW, "names": {}}',
]


def test_a_damaged_lookup_cache_is_rebuilt(server: RunningFake, tmp_path: Path) -> None:
    """Garbage, or JSON of the wrong shape, in the lookup cache: ignored, read again from
    AWS and written anew; never an internal error."""
    import time

    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 120))
    cache = tmp_path / "cache"
    arguments = ("check", str(path), "--model", "haiku", "--json")
    aws = ("--endpoint-url", server.url, "--region", "us-east-1")
    env = {"XDG_CACHE_HOME": str(cache), "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url}
    first = invoke(*arguments, *aws, env=env)
    assert first.code == 0, first.stderr
    [written] = (cache / "bjob" / "lookups").glob("*.json")
    good = json.loads(written.read_bytes())
    for damage in DAMAGED:
        written.write_bytes(damage.replace(b"NOW", str(time.time()).encode()))
        again = invoke(*arguments, *aws, env=env)
        assert again.code == 0, (damage, again.stderr)
        assert json.loads(again.stdout)["model_name"] == "Claude 3 Haiku"
        rebuilt = json.loads(written.read_bytes())
        assert rebuilt["names"] == good["names"] and rebuilt["quotas"] == good["quotas"]
    written.write_bytes(b'{"version": 1, "at": 0, "names": 7, "quotas": {}}')
    installed = run_bjob(*arguments, *aws, env=env)
    assert installed.code == 0, installed.stderr
    assert json.loads(written.read_bytes())["names"] == good["names"]


def test_a_listing_of_tags_refused_names_its_permission(server: RunningFake) -> None:
    """The fake's denials reach the same translation: ListTagsForResource refused."""
    from bjob.aws.bedrock import job_tags
    from bjob.aws.session import AwsClients, AwsOptions
    from bjob.support.exits import BjobError

    arn = server.fake.add_job(make_job(JOB))
    server.fake.deny("ListTagsForResource", arn)
    clients = AwsClients(AwsOptions(region="us-east-1", endpoint_url=server.url))
    with pytest.raises(BjobError) as caught:
        job_tags(arn, "us-east-1", clients)
    assert caught.value.code == 4
    assert f"bedrock:ListTagsForResource on {arn}" in str(caught.value.hint)


def test_a_file_that_did_not_reach_the_disk_whole_is_named_by_its_target(tmp_path: Path) -> None:
    """The temporary file is removed before the error is read: the error names the file
    the user asked for, never the temporary one."""
    from bjob.support.exits import BjobError
    from bjob.support.localfiles import atomic_file

    target = tmp_path / "retry.jsonl"
    with pytest.raises(BjobError) as caught, atomic_file(target, replace=False) as file:
        file.write(b"{}\n")
        file.crc ^= 1  # as if the disk gave back other bytes
        temporary = file.temporary
    assert caught.value.code == 14 and str(target) in caught.value.message
    assert temporary not in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_quotas_for_a_model_name_without_the_model_list(server: RunningFake) -> None:
    """quotas --model NAME: the name cannot be resolved; the denial is the answer (exit 4,
    naming bedrock:ListFoundationModels), not a usage error."""
    from tests.fakebedrock import Fault

    server.fake.fail_next(
        Fault("error", 403, "AccessDeniedException", "denied", path_prefix="/foundation-models")
    )
    result = invoke(
        "quotas", "--model", "haiku", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 4, result.stderr
    assert "bedrock:ListFoundationModels" in result.stderr and "--help" not in result.stderr


def test_an_upload_refused_by_its_kms_key_names_the_key() -> None:
    from bjob.aws.s3 import s3_errors
    from bjob.model.locations import S3Location
    from bjob.support.exits import BjobError

    key = "arn:aws:kms:us-east-1:123456789012:key/1234"
    message = f"User: x is not authorized to perform: kms:GenerateDataKey on resource: {key}"
    with pytest.raises(BjobError) as caught, s3_errors(S3Location("b", "k.jsonl"), kms_key=key):
        raise denied("PutObject", message)
    assert caught.value.code == 4
    assert caught.value.hint == (
        f"the credentials need kms:GenerateDataKey on {key}: allow it in their IAM policy"
    )
