"""bjob results: the job from the fake Bedrock server, its files from S3 (moto's mock_aws
in-process; moto's server for the installed bjob), read, tallied, retried and downloaded."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest

from tests.conftest import REPO, ClientHook, Result, invoke, run_bjob
from tests.fakebedrock import RunningFake, make_job

RESULTS_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "results.schema.json").read_text())
JOB = "abcdefabcdef"
OUT, IN = "batch-out", "batch-in"
FOLDER = f"jobs/{JOB}/"
ARN = f"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/{JOB}"


def record(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "recordId": f"rec-{index:05d}",
        "modelInput": {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 200,
            "messages": [{"role": "user", "content": f"question {index}"}],
        },
        **extra,
    }


def answer(index: int, stop: str = "end_turn") -> dict[str, Any]:
    output = {
        "content": [{"type": "text", "text": "ok"}],
        "stop_reason": stop,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    return record(index, modelOutput=output)


def failure(index: int, message: str = "Malformed input request", code: int = 400) -> Any:
    return record(index, error={"errorCode": code, "errorMessage": message})


def jsonl(lines: list[Any]) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )


def add_job(
    server: RunningFake,
    status: str = "Completed",
    *,
    total: int = 10,
    processed: int = 10,
    failed: int = 0,
    input_uri: str = f"s3://{IN}/in/records.jsonl",
    **extra: Any,
) -> None:
    server.fake.add_job(
        make_job(
            JOB,
            status,
            total=total,
            processed=processed,
            failed=failed,
            inputDataConfig={"s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": input_uri}},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{OUT}/jobs/"}},
            **extra,
        )
    )


def manifest(s3: Any, **counts: object) -> None:
    body = {
        "totalRecordCount": 10,
        "processedRecordCount": 10,
        "successRecordCount": 8,
        "errorRecordCount": 2,
        "inputTokenCount": 1_200_000,
        "outputTokenCount": 300_000,
        **counts,
    }
    s3.put_object(Bucket=OUT, Key=FOLDER + "manifest.json.out", Body=json.dumps(body).encode())


def results(server: RunningFake, *args: str, **kw: Any) -> Result:
    return invoke(
        "results", JOB, *args, "--endpoint-url", server.url, "--region", "us-east-1", **kw
    )


def mixed(s3: Any) -> list[Any]:
    """Ten records: 6 answered (one cut at max_tokens), 4 failed in two ways."""
    lines = [
        answer(0),
        failure(1, "Malformed input request: #: required key [anthropic_version] not found"),
        answer(2),
        answer(3, "max_tokens"),
        failure(4, "Malformed input request: #: required key [anthropic_version] not found"),
        answer(5),
        failure(6, "Too many tokens", 400),
        answer(7),
        failure(8, "Malformed input request: #: required key [anthropic_version] not found"),
        answer(9),
    ]
    s3.put_object(Bucket=OUT, Key=FOLDER + "records.jsonl.out", Body=jsonl(lines))
    manifest(s3, successRecordCount=6, errorRecordCount=4)
    return lines


def test_completed_with_mixed_failures(server: RunningFake, s3: Any, aws_calls: list[str]) -> None:
    add_job(server, total=10, processed=10, failed=4)
    mixed(s3)
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=jsonl([record(i) for i in range(10)]))
    result = results(server, "--json", "--prices", "0.125,0.625")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, RESULTS_SCHEMA)
    # Every record the job had (10) has a readable output line: nothing is missing.
    assert document["records"] == {
        "succeeded": 6,
        "failed": 4,
        "unreadable": 0,
        "missing": 0,
        "to_submit_again": 4,
    }
    assert document["input"] is None  # the job's counts add up: the input is not needed
    assert document["tokens"] == {"input": 1_200_000, "output": 300_000}
    assert document["cost"] == {
        "input": 0.15,
        "output": 0.1875,
        "total": 0.3375,
        "prices": {
            "input_per_million": 0.125,
            "output_per_million": 0.625,
            "source": {"kind": "--prices", "input": None, "output": None},
            "as_of": None,
        },
    }
    assert document["errors"] == [
        {
            "code": 400,
            "count": 3,
            "record_ids": ["rec-00001", "rec-00004", "rec-00008"],
            "message": "Malformed input request: #: required key [anthropic_version] not found",
        },
        {"code": 400, "count": 1, "record_ids": ["rec-00006"], "message": "Too many tokens"},
    ]
    assert document["stop_reasons"] == {"end_turn": 5, "max_tokens": 1}
    assert document["truncated"] == 1
    assert document["output_uri"] == f"s3://{OUT}/{FOLDER}"
    assert [(file["uri"].rsplit("/", 1)[1], file["records"]) for file in document["files"]] == [
        ("manifest.json.out", None),
        ("records.jsonl.out", 10),
    ]
    # One listing, one GetObject a file.
    s3_calls = [call for call in aws_calls if call.startswith("s3.")]
    assert s3_calls == ["s3.ListObjectsV2", "s3.GetObject", "s3.GetObject"]


def test_the_summary_for_people(server: RunningFake, s3: Any) -> None:
    add_job(server, total=10, processed=10, failed=4)
    mixed(s3)
    result = results(server)
    assert result.code == 0, result.stderr
    text = result.stdout
    assert f"Outputs        s3://{OUT}/{FOLDER}" in text
    assert "records.jsonl.out  " in text and "10 records" in text
    assert "6 succeeded  ·  4 failed (40.0%)  ·  0 unreadable" in text
    assert "Tokens         1,200,000 in · 300,000 out" in text
    assert "max_tokens 1 (cut off at the token limit)" in text
    assert "Failures (2 kinds)" in text
    assert "3  400  Malformed input request" in text and "e.g. rec-00001, rec-00004" in text
    assert f"Next: bjob results {ARN} --failed" in text
    assert "--retry-file retry.jsonl  (4 records to submit again)" in text
    assert "\x1b" not in text


def test_failed_prints_the_failed_lines_exactly(server: RunningFake, s3: Any) -> None:
    add_job(server, total=10, processed=10, failed=4)
    lines = mixed(s3)
    result = results(server, "--failed")
    assert result.code == 0, result.stderr
    expected = [json.dumps(line) for line in lines if "error" in line]
    assert result.stdout.splitlines() == expected


def test_partially_completed_reports_missing_and_writes_a_retry_file(
    server: RunningFake, s3: Any, aws_calls: list[str], tmp_path: Path
) -> None:
    add_job(server, "PartiallyCompleted", total=8, processed=5, failed=1)
    inputs = [record(index) for index in range(8)]
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=jsonl(inputs))
    outputs = [answer(4), answer(0), failure(2), answer(3), answer(1)]  # not in input order
    s3.put_object(Bucket=OUT, Key=FOLDER + "records.jsonl.out", Body=jsonl(outputs))
    manifest(s3)
    document = json.loads(results(server, "--json").stdout)
    assert document["records"]["missing"] == 3
    assert document["missing_record_ids"] == ["rec-00005", "rec-00006", "rec-00007"]
    assert aws_calls.count("s3.GetObject") == 3  # outputs, manifest, and the input
    retry = tmp_path / "retry.jsonl"
    result = results(server, "--retry-file", str(retry))
    assert result.code == 0, result.stderr
    assert "wrote 4 records" in result.stderr and "(1 failed, 3 missing)" in result.stderr
    written = [json.loads(line) for line in retry.read_text().splitlines()]
    by_id = {line["recordId"]: line for line in inputs}
    assert [line["recordId"] for line in written] == [
        "rec-00002",
        "rec-00005",
        "rec-00006",
        "rec-00007",
    ]
    for line in written:  # exactly the input's record, ready for CreateModelInvocationJob
        assert line == {
            "recordId": line["recordId"],
            "modelInput": by_id[line["recordId"]]["modelInput"],
        }
    assert not list(tmp_path.glob(".retry.jsonl.*"))  # no temporary file left


def test_an_existing_retry_file_is_refused_unless_forced(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, total=10, processed=10, failed=4)
    mixed(s3)
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=jsonl([record(i) for i in range(10)]))
    retry = tmp_path / "retry.jsonl"
    retry.write_text("mine\n")
    refused = results(server, "--retry-file", str(retry))
    assert refused.code == 2 and "exists" in refused.stderr and "--force" in refused.stderr
    assert retry.read_text() == "mine\n"
    assert server.fake.requests == []  # refused before anything was asked
    forced = results(server, "--retry-file", str(retry), "--force")
    assert forced.code == 0, forced.stderr
    assert len(retry.read_text().splitlines()) == 4


def test_nothing_to_retry_writes_nothing(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    add_job(server, total=2, processed=2)
    s3.put_object(Bucket=OUT, Key=FOLDER + "records.jsonl.out", Body=jsonl([answer(0), answer(1)]))
    manifest(s3)
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=jsonl([record(0), record(1)]))
    retry = tmp_path / "retry.jsonl"
    result = results(server, "--retry-file", str(retry))
    assert result.code == 0 and "nothing to submit again" in result.stderr
    assert not retry.exists()
    assert "Nothing to submit again." in results(server).stdout


def test_several_input_files_under_a_prefix(server: RunningFake, s3: Any) -> None:
    add_job(server, "Stopped", total=6, processed=2, input_uri=f"s3://{IN}/in/")
    s3.put_object(Bucket=IN, Key="in/a.jsonl", Body=jsonl([record(0), record(1), record(2)]))
    s3.put_object(Bucket=IN, Key="in/b.jsonl", Body=jsonl([record(3), record(4), record(5)]))
    s3.put_object(Bucket=IN, Key="in/notes.txt", Body=b"not an input file")
    s3.put_object(Bucket=OUT, Key=FOLDER + "a.jsonl.out", Body=jsonl([answer(1)]))
    s3.put_object(Bucket=OUT, Key=FOLDER + "b.jsonl.out", Body=jsonl([answer(4)]))
    manifest(s3)
    document = json.loads(results(server, "--json").stdout)
    assert document["missing_record_ids"] == ["rec-00000", "rec-00002", "rec-00003", "rec-00005"]
    assert [file["records"] for file in document["files"]] == [1, 1, None]


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        ("InProgress", 8, "results appear when the job ends"),
        ("Failed", 3, "left no outputs in s3://batch-out/jobs/abcdefabcdef/ (Failed: no access)"),
    ],
)
def test_an_empty_output_folder(
    server: RunningFake, s3: Any, status: str, code: int, words: str
) -> None:
    add_job(server, status, message="no access" if status == "Failed" else None)
    result = results(server)
    assert result.code == code
    assert words in result.stderr and result.stdout == ""


def test_a_missing_manifest_is_a_warning(server: RunningFake, s3: Any) -> None:
    add_job(server, total=2, processed=2)
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([answer(0), failure(1)]))
    result = results(server, "--json")
    assert result.code == 0
    document = json.loads(result.stdout)
    # Without a manifest, the tokens are what the answers say they used.
    assert document["tokens"] == {"input": 10, "output": 5} and document["manifest"] is None
    assert document["records"]["succeeded"] == 1 and document["records"]["failed"] == 1
    assert "warning: no manifest.json.out" in result.stderr
    s3.put_object(Bucket=OUT, Key=FOLDER + "manifest.json.out", Body=b"[not json")
    broken = results(server, "--json")
    assert broken.code == 0 and "manifest.json.out is not a JSON object" in broken.stderr


def test_unreadable_lines_are_counted_and_the_first_is_named(server: RunningFake, s3: Any) -> None:
    add_job(server, total=3, processed=3)
    body = jsonl([answer(0), b"{truncated", answer(1), b'["a list"]', b"", answer(2)])
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=body)
    manifest(s3)
    result = results(server, "--json")
    assert result.code == 0
    document = json.loads(result.stdout)
    # Two lines that cannot vouch for a record: the input is read, and it is gone.
    assert document["records"] == {
        "succeeded": 3,
        "failed": 0,
        "unreadable": 2,
        "missing": None,
        "to_submit_again": 0,
    }
    assert "2 output lines are not records; the first at r.jsonl.out:2" in result.stderr
    assert "the input cannot be read (no such object: s3://batch-in/in/records.jsonl)" in (
        result.stderr
    )


def test_a_hostile_error_message_is_shown_not_obeyed(server: RunningFake, s3: Any) -> None:
    hostile = "\x1b[2J\x1b]8;;http://evil.example/\x07click[bold]me[/] \u202eevil"
    add_job(server, total=1, processed=1, failed=1)
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([failure(0, hostile)]))
    manifest(s3)
    people = results(server, tty=True)
    assert people.code == 0
    for control in ("\x1b[2J", "\x1b]8", "\x07", "\u202e"):
        assert control not in people.stdout
    assert "\\x1b[2J" in people.stdout and "[bold]me[/]" in people.stdout
    assert json.loads(results(server, "--json").stdout)["errors"][0]["message"] == hostile
    failed_lines = results(server, "--failed", tty=True).stdout
    assert "\u202e" not in failed_lines and "\\u202e" in failed_lines


@pytest.fixture
def broken_bodies(client_hooks: list[ClientHook]) -> dict[str, int]:
    """S3 bodies that end half-way, as a dropped connection leaves them: the next N reads of
    each key given (key -> N) deliver half the bytes that Content-Length promised."""
    from botocore.response import StreamingBody

    breaks: dict[str, int] = {}

    def note_key(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["test_key"] = params.get("Key")

    def cut(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        key = context.get("test_key") or ""
        if breaks.get(key, 0) > 0 and "Body" in parsed:
            breaks[key] -= 1
            data = parsed["Body"].read()
            parsed["Body"] = StreamingBody(io.BytesIO(data[: len(data) // 2]), len(data))

    def breaking(service: str, client: Any) -> None:
        client.meta.events.register("provide-client-params.s3.GetObject", note_key)
        client.meta.events.register("after-call.s3.GetObject", cut)

    client_hooks.append(breaking)
    return breaks


def test_download_copies_whole_files_and_a_rerun_is_cheap(
    server: RunningFake, s3: Any, tmp_path: Path, broken_bodies: dict[str, int]
) -> None:
    add_job(server, total=10, processed=10, failed=4)
    mixed(s3)
    s3.put_object(Bucket=OUT, Key=FOLDER + "more.jsonl.out", Body=jsonl([answer(11)]))
    target = tmp_path / JOB
    # The connection drops on every attempt for one file: bjob reads it again, then gives up.
    broken_bodies[FOLDER + "records.jsonl.out"] = 3
    first = results(server, "--download", str(tmp_path))
    assert first.code == 5 and "broke off" in first.stderr
    assert not (target / "records.jsonl.out").exists()  # nothing half-written under its name
    assert not [path for path in tmp_path.rglob("*") if "partial" in path.name]
    # Dropped twice, whole the third time: copied, and right.
    broken_bodies[FOLDER + "records.jsonl.out"] = 2
    second = results(server, "--download", str(tmp_path))
    assert second.code == 0, second.stderr
    original = s3.get_object(Bucket=OUT, Key=FOLDER + "records.jsonl.out")["Body"].read()
    assert (target / "records.jsonl.out").read_bytes() == original
    assert sorted(path.name for path in target.iterdir()) == [
        "manifest.json.out",
        "more.jsonl.out",
        "records.jsonl.out",
    ]
    third = results(server, "--download", str(tmp_path))
    assert "0 files" in third.stderr and "3 already there" in third.stderr
    # A damaged file of the right size is not "already there".
    damaged = bytearray(original)
    damaged[10] ^= 0x20
    (target / "records.jsonl.out").write_bytes(bytes(damaged))
    fourth = results(server, "--download", str(tmp_path))
    assert "1 file " in fourth.stderr and "2 already there" in fourth.stderr
    assert (target / "records.jsonl.out").read_bytes() == original


def test_keys_that_cannot_be_files_are_skipped_and_counted(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server)
    s3.put_object(Bucket=OUT, Key=FOLDER + "../../escape.txt", Body=b"x")
    s3.put_object(Bucket=OUT, Key=FOLDER + "archive/", Body=b"")
    s3.put_object(Bucket=OUT, Key=FOLDER + "n" * 300 + ".out", Body=b"x")
    s3.put_object(Bucket=OUT, Key=FOLDER + "archive/r.jsonl.out", Body=jsonl([answer(0)]))
    result = results(server, "--download", str(tmp_path / "dl"))
    assert result.code == 0, result.stderr
    assert not list(tmp_path.rglob("escape.txt"))
    assert "escape.txt: its key does not name a file under" in result.stderr
    assert "archive/: a folder marker, not a file" in result.stderr
    assert "a name longer than the file system allows" in result.stderr
    assert "1 file (" in result.stderr and "3 skipped" in result.stderr
    assert (tmp_path / "dl" / JOB / "archive" / "r.jsonl.out").read_bytes() == jsonl([answer(0)])


def test_no_such_bucket_is_not_found(server: RunningFake, s3: Any) -> None:
    server.fake.add_job(
        make_job(
            JOB,
            "Completed",
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://no-such-bucket/jobs/"}},
        )
    )
    result = results(server)
    assert result.code == 3 and "no such bucket: no-such-bucket" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--json", "--failed"], "--json and --failed cannot be used together"),
        (["--force"], "--force goes with --retry-file"),
        (["--prices", "cheap"], "--prices: expected IN,OUT"),
        (["--prices", "1,2,3"], "--prices: expected IN,OUT"),
    ],
)
def test_usage_errors(server: RunningFake, args: list[str], words: str) -> None:
    result = results(server, *args)
    assert result.code == 2 and words in result.stderr
    assert server.fake.requests == []


def test_access_denied_names_the_bucket_and_the_permissions() -> None:
    from botocore.exceptions import ClientError

    from bjob.aws.s3 import s3_errors
    from bjob.model.locations import S3Location
    from bjob.support.exits import BjobError

    denied = ClientError(
        {
            "Error": {"Code": "AccessDenied", "Message": "Access Denied"},
            "ResponseMetadata": {"HTTPStatusCode": 403},
        },
        "GetObject",
    )
    with pytest.raises(BjobError) as caught:
        with s3_errors(S3Location(OUT, FOLDER + "r.jsonl.out"), kms_key="arn:aws:kms:key/1"):
            raise denied
    error = caught.value
    assert error.code == 4 and OUT in error.message
    assert error.hint is not None
    for permission in ("s3:ListBucket", "s3:GetObject", "kms:Decrypt", "arn:aws:kms:key/1"):
        assert permission in error.hint


def test_show_names_the_jobs_folder_and_points_to_its_failures(server: RunningFake) -> None:
    add_job(server, "PartiallyCompleted", total=10, processed=8, failed=3)
    result = invoke("show", JOB, "--endpoint-url", server.url, "--region", "us-east-1")
    assert f"Output         s3://{OUT}/{FOLDER}" in result.stdout
    arn = f"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/{JOB}"
    assert (
        result.stdout.splitlines()[-1] == f"3 records failed; see why: bjob results {arn} --failed"
    )


def test_the_installed_bjob_reads_s3_through_a_moto_server(
    server: RunningFake, tmp_path: Path
) -> None:
    from tests.s3proxy import moto_s3_behind_a_proxy

    with moto_s3_behind_a_proxy() as (endpoint, _):
        client = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        client.create_bucket(Bucket=OUT)
        mixed(client)
        add_job(server, total=10, processed=10, failed=4)
        result = run_bjob(
            "results",
            JOB,
            "--json",
            "--endpoint-url",
            server.url,
            "--region",
            "us-east-1",
            env={"AWS_ENDPOINT_URL_S3": endpoint},
        )
        assert result.code == 0, result.stderr
        assert json.loads(result.stdout)["records"]["failed"] == 4
        queried = run_bjob(
            "results",
            JOB,
            "--query",
            "errors[0].count",
            "--endpoint-url",
            server.url,
            "--region",
            "us-east-1",
            env={"AWS_ENDPOINT_URL_S3": endpoint},
        )
        assert queried.code == 0, queried.stderr
        assert json.loads(queried.stdout) == 3


def test_a_running_job_has_nothing_missing_yet(server: RunningFake, s3: Any) -> None:
    add_job(server, "InProgress", total=10, processed=3)
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([answer(0), answer(1)]))
    document = json.loads(results(server, "--json").stdout)
    assert document["records"]["missing"] is None and document["records"]["succeeded"] == 2


def test_a_retry_file_in_a_folder_that_does_not_exist(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    result = results(server, "--retry-file", str(tmp_path / "no" / "such" / "retry.jsonl"))
    assert result.code == 2
    assert f"--retry-file: the folder {tmp_path / 'no' / 'such'} does not exist" in result.stderr
    assert server.fake.requests == []


def test_a_download_folder_that_cannot_be_written(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server)
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([answer(0)]))
    blocker = tmp_path / "a-file"
    blocker.write_text("mine")
    result = results(server, "--download", str(blocker / "sub"))
    assert result.code == 2 and f"{blocker}" in result.stderr and "Not a directory" in result.stderr
    assert blocker.read_text() == "mine"


def test_a_saved_response_names_the_job_by_its_arn_in_the_next_steps(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    mixed(s3)
    saved = tmp_path / "job.json"
    saved.write_text(
        json.dumps(
            make_job(
                JOB,
                "Completed",
                total=10,
                processed=10,
                failed=4,
                outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{OUT}/jobs/"}},
            )
        )
    )
    result = invoke("results", str(saved), "--region", "us-east-1")
    assert result.code == 0, result.stderr
    arn = f"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/{JOB}"
    assert f"Next: bjob results {arn} --failed" in result.stdout
    # The job came from the file: nothing asked of Bedrock (the Price List was, for the cost).
    assert [r.path for r in server.fake.requests if "PriceList" not in r.path] == []
