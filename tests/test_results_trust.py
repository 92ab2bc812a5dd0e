"""bjob results you can trust: the summary, --json and --retry-file give one answer; files
are never destroyed; nothing is dropped in silence; numbers never mislead."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest

from tests.conftest import BJOB, invoke, run_bjob
from tests.fakebedrock import RunningFake, make_job
from tests.s3proxy import Fault, moto_s3_behind_a_proxy
from tests.test_results import (
    ARN,
    FOLDER,
    IN,
    JOB,
    OUT,
    RESULTS_SCHEMA,
    add_job,
    answer,
    failure,
    jsonl,
    manifest,
    record,
    results,
)


def put(client: Any, bucket: str, key: str, lines: list[Any]) -> bytes:
    body = jsonl(lines)
    client.put_object(Bucket=bucket, Key=key, Body=body)
    return body


def as_json(result: Any) -> dict[str, Any]:
    assert result.code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    jsonschema.validate(document, RESULTS_SCHEMA)
    return document


def retry_lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def two_files_reusing_ids(s3: Any) -> tuple[list[bytes], list[bytes]]:
    """a.jsonl and b.jsonl both hold rec-00000..2: a's rec-00002 failed; b has only rec-00000."""
    a_lines = jsonl([record(0), record(1), record(2)]).splitlines()
    b_lines = jsonl([record(0), record(1), record(2)]).splitlines()
    s3.put_object(Bucket=IN, Key="in/a.jsonl", Body=b"\n".join(a_lines) + b"\n")
    s3.put_object(Bucket=IN, Key="in/b.jsonl", Body=b"\n".join(b_lines) + b"\n")
    put(s3, OUT, FOLDER + "a.jsonl.out", [answer(0), answer(1), failure(2)])
    put(s3, OUT, FOLDER + "b.jsonl.out", [answer(0)])
    manifest(s3)
    return a_lines, b_lines


def test_records_are_joined_per_input_file(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    add_job(server, "Stopped", total=6, processed=4, failed=1, input_uri=f"s3://{IN}/in/")
    a_lines, b_lines = two_files_reusing_ids(s3)
    document = as_json(results(server, "--json"))
    assert document["records"] == {
        "succeeded": 3,
        "failed": 1,
        "unreadable": 0,
        "missing": 2,
        "to_submit_again": 3,
    }
    assert document["missing_record_ids"] == ["rec-00001", "rec-00002"]  # b's, not a's
    assert document["input"]["files"] == 2 and document["input"]["records"] == 6
    summary = results(server)
    assert "(3 records to submit again)" in summary.stdout
    retry = tmp_path / "retry.jsonl"
    written = results(server, "--retry-file", str(retry))
    assert written.code == 0, written.stderr
    # a's failed record, then b's two missing ones, each exactly as the input wrote it.
    assert retry_lines(retry) == [a_lines[2], b_lines[1], b_lines[2]]
    assert "wrote 3 records" in written.stderr and "(1 failed, 2 missing)" in written.stderr


def test_an_unreadable_output_line_vouches_for_no_record(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, "PartiallyCompleted", total=3, processed=3)
    inputs = put(s3, IN, "in/records.jsonl", [record(0), record(1), record(2)]).splitlines()
    put(
        s3,
        OUT,
        FOLDER + "records.jsonl.out",
        [answer(0), b'{"recordId": "rec-00001", "mo', answer(2)],
    )
    manifest(s3)
    document = as_json(results(server, "--json"))
    assert document["records"]["unreadable"] == 1 and document["records"]["missing"] == 1
    assert document["missing_record_ids"] == ["rec-00001"]
    retry = tmp_path / "retry.jsonl"
    assert results(server, "--retry-file", str(retry)).code == 0
    assert retry_lines(retry) == [inputs[1]]


def test_a_running_job_has_no_missing_and_no_retry_file(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, "InProgress", total=10, processed=3, failed=1)
    put(s3, IN, "in/records.jsonl", [record(index) for index in range(10)])
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), answer(1), failure(2)])
    result = results(server, "--json")
    document = as_json(result)
    assert document["records"]["missing"] is None and document["records"]["failed"] == 1
    assert "has not ended (InProgress)" in result.stderr
    retry = tmp_path / "retry.jsonl"
    refused = results(server, "--retry-file", str(retry))
    assert refused.code == 8 and "pending, not missing" in refused.stderr
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file


def test_the_input_is_gone(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    add_job(server, "PartiallyCompleted", total=4, processed=3, failed=2)
    failed_lines = [failure(1), failure(3)]
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), *failed_lines, answer(2)])
    manifest(s3)
    result = results(server, "--json")
    document = as_json(result)
    assert document["records"]["missing"] is None and document["input"] is None
    assert document["records"]["to_submit_again"] == 2
    assert f"the input cannot be read (no such object: s3://{IN}/in/records.jsonl)" in result.stderr
    summary = results(server)
    assert summary.code == 0 and "missing unknown" in summary.stdout
    retry = tmp_path / "retry.jsonl"
    written = results(server, "--retry-file", str(retry))
    assert written.code == 0, written.stderr
    assert "never processed cannot be included" in written.stderr
    expected = [
        {"recordId": line["recordId"], "modelInput": line["modelInput"]} for line in failed_lines
    ]
    assert [json.loads(line) for line in retry_lines(retry)] == expected


def test_failed_records_the_input_lacks_come_from_their_output_lines(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, "PartiallyCompleted", total=2, processed=2, failed=1)
    put(s3, IN, "in/records.jsonl", [record(0), record(5)])
    # Exactly as an output line could be written: a number past 64 bits, an escape, key order.
    odd_input = (
        b'{"max_tokens":200,"temperature":1.00,"seed":123456789012345678901234567890,'
        b'"anthropic_version":"bedrock-2023-05-31","messages":[{"role":"user",'
        b'"content":"caf\\u00e9"}]}'
    )
    stray = (
        b'{"recordId":"rec-00009","modelInput":'
        + odd_input
        + b',"error":{"errorCode":400,"errorMessage":"bad"}}'
    )
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), stray])
    manifest(s3)
    retry = tmp_path / "retry.jsonl"
    written = results(server, "--retry-file", str(retry))
    assert written.code == 0, written.stderr
    assert "1 failed record the input lacks: submitted again from the output" in written.stderr
    assert "names a recordId the input does not have" in written.stderr
    lines = retry_lines(retry)
    # rec-00005 never got an output line; rec-00009 comes from its output, byte for byte.
    assert lines[0] == jsonl([record(5)]).rstrip(b"\n")
    assert lines[1] == b'{"recordId":"rec-00009","modelInput":' + odd_input + b"}"
    document = as_json(results(server, "--json"))
    assert document["records"]["failed"] + document["records"]["missing"] == len(lines)
    assert document["records"]["to_submit_again"] == len(lines)


def test_a_completed_job_whose_counts_add_up_has_nothing_missing(
    server: RunningFake, s3: Any, tmp_path: Path, aws_calls: list[str]
) -> None:
    """Every record the job had is answered (Bedrock's count = the readable output lines):
    nothing is missing without reading the input, and the retry file agrees, even when the
    input has gained a record since."""
    add_job(server, "Completed", total=2, processed=2, failed=1)
    inputs = put(s3, IN, "in/records.jsonl", [record(0), record(1), record(2)]).splitlines()
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), failure(1)])
    manifest(s3)
    document = as_json(results(server, "--json"))
    assert document["records"]["missing"] == 0 and document["input"] is None
    assert document["records"]["to_submit_again"] == 1
    assert not any(call.endswith("ListObjectsV2") for call in aws_calls[2:])  # one listing
    retry = tmp_path / "retry.jsonl"
    written = results(server, "--retry-file", str(retry))
    assert retry_lines(retry) == [inputs[1]]  # rec-00002 was never the job's
    assert "1 input record has no output line, but the job answered all 2" in written.stderr


def test_retry_lines_are_the_input_bytes(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    add_job(server, "Completed", total=3, processed=3, failed=1)
    odd = (
        b'{"modelInput":{"messages":[{"content":"\\ud83d\\ude00 \\"q\\"","role":"user"}],'
        b'"max_tokens":18446744073709551616,"anthropic_version":"bedrock-2023-05-31"},'
        b'"recordId":"rec-00001"}'
    )
    body = jsonl([record(0)]) + odd + b"\r\n" + jsonl([record(2)])
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=body)
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), failure(1), answer(2)])
    manifest(s3)
    retry = tmp_path / "retry.jsonl"
    assert results(server, "--retry-file", str(retry)).code == 0
    assert retry.read_bytes() == odd + b"\n"


def test_input_lines_that_cannot_be_read_are_counted_and_named(
    server: RunningFake, s3: Any
) -> None:
    add_job(server, "PartiallyCompleted", total=5, processed=2)
    deep = b'{"recordId": "rec-00004", "modelInput": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    body = jsonl([record(0), b"{not json", record(2), record(0)]) + deep + b"\n"
    s3.put_object(Bucket=IN, Key="in/records.jsonl", Body=body)
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), answer(2)])
    manifest(s3)
    result = results(server, "--json")
    document = as_json(result)
    assert document["input"]["unreadable"] == 2 and document["input"]["records"] == 5
    assert "2 input lines are not a JSON object and cannot be matched" in result.stderr
    assert f"s3://{IN}/in/records.jsonl:2" in result.stderr
    assert f"s3://{IN}/in/records.jsonl:5" in result.stderr
    # rec-00000 twice: the repeat has no output line of its own, so it is missing.
    assert "repeats a recordId" in result.stderr and "records.jsonl:4 (first at" in result.stderr
    assert document["records"]["missing"] == 1
    summary = results(server)
    assert "2 input lines unreadable" in summary.stdout


def test_an_input_that_no_longer_matches_the_job(server: RunningFake, s3: Any) -> None:
    add_job(server, "PartiallyCompleted", total=5, processed=2)
    put(s3, IN, "in/records.jsonl", [record(0), record(1), record(2)])
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), answer(7)])
    manifest(s3)
    result = results(server, "--json")
    document = as_json(result)
    assert "the input holds 3 records and the job had 5" in result.stderr
    assert "1 output record names a recordId the input does not have" in result.stderr
    assert document["records"]["missing"] == 2


def test_input_records_without_a_record_id(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    add_job(server, "PartiallyCompleted", total=3, processed=2, failed=1)
    unnamed = {"modelInput": record(1)["modelInput"]}
    put(s3, IN, "in/records.jsonl", [record(0), unnamed, record(2)])
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), failure(2)])
    manifest(s3)
    result = results(server, "--json")
    document = as_json(result)
    assert document["records"]["missing"] is None
    assert "1 input record without a recordId" in result.stderr
    retry = tmp_path / "retry.jsonl"
    written = results(server, "--retry-file", str(retry))
    assert "(1 failed, missing unknown)" in written.stderr
    assert len(retry_lines(retry)) == 1 == document["records"]["to_submit_again"]


def test_failed_lines_come_in_file_and_line_order(server: RunningFake, s3: Any) -> None:
    add_job(server, "Completed", total=40, processed=40, failed=20)
    expected = []
    for name in ("a", "b", "c", "d"):
        lines = [failure(i) if i % 2 else answer(i) for i in range(10)]
        put(s3, OUT, f"{FOLDER}{name}.jsonl.out", lines)
        expected += [json.dumps(line) for line in lines if "error" in line]
    manifest(s3)
    first = results(server, "--failed")
    assert first.stdout.splitlines() == expected
    assert results(server, "--failed").stdout == first.stdout


def test_retry_file_to_standard_output(server: RunningFake, s3: Any) -> None:
    add_job(server, total=3, processed=3, failed=1)
    inputs = put(s3, IN, "in/records.jsonl", [record(0), record(1), record(2)]).splitlines()
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), failure(1), answer(2)])
    manifest(s3)
    result = results(server, "--retry-file", "-")
    assert result.code == 0, result.stderr
    assert result.stdout.encode().splitlines() == [inputs[1]]
    assert "wrote 1 record to standard output" in result.stderr


def test_force_with_nothing_to_submit_empties_the_old_file(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, total=1, processed=1)
    put(s3, IN, "in/records.jsonl", [record(0)])
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0)])
    manifest(s3)
    retry = tmp_path / "retry.jsonl"
    retry.write_text("stale records\n")
    result = results(server, "--retry-file", str(retry), "--force")
    assert result.code == 0 and f"{retry} is now empty" in result.stderr
    assert retry.read_bytes() == b""


@pytest.mark.parametrize("kind", ["symlink", "dangling symlink"])
def test_a_symlink_is_an_existing_path(
    server: RunningFake, s3: Any, tmp_path: Path, kind: str
) -> None:
    add_job(server, total=2, processed=2, failed=1)
    put(s3, IN, "in/records.jsonl", [record(0), record(1)])
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0), failure(1)])
    manifest(s3)
    victim = tmp_path / "precious.txt"
    if kind == "symlink":
        victim.write_text("mine\n")
    link = tmp_path / "retry.jsonl"
    link.symlink_to(victim)
    refused = results(server, "--retry-file", str(link))
    assert refused.code == 2 and "exists (a symlink)" in refused.stderr
    assert server.fake.requests == []
    forced = results(server, "--retry-file", str(link), "--force")
    assert forced.code == 0, forced.stderr
    assert not link.is_symlink() and len(retry_lines(link)) == 1  # the link itself replaced
    if kind == "symlink":
        assert victim.read_text() == "mine\n"  # never written through
    else:
        assert not victim.exists()


def test_a_fifo_or_a_folder_is_never_replaced(server: RunningFake, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = invoke("results", JOB, "--retry-file", str(fifo), "--force", "--region", "us-east-1")
    assert result.code == 2 and f"{fifo} is a FIFO; bjob writes only regular files" in result.stderr
    assert "--retry-file - writes to standard output" in result.stderr
    folder = invoke("results", JOB, "--retry-file", str(tmp_path), "--region", "us-east-1")
    assert folder.code == 2 and f"{tmp_path} is a folder" in folder.stderr
    assert server.fake.requests == []


def test_a_path_bjob_may_not_use_is_a_usage_error(
    server: RunningFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As root every path can be read, so the refusal is played by the file system call.
    target = tmp_path / "locked" / "retry.jsonl"
    real_lstat = Path.lstat

    def lstat(self: Path) -> os.stat_result:
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_lstat(self)

    monkeypatch.setattr(Path, "lstat", lstat)
    result = invoke("results", JOB, "--retry-file", str(target), "--region", "us-east-1")
    assert result.code == 2 and f"cannot use {target}: Permission denied" in result.stderr


def test_the_manifest_is_the_one_at_the_top(server: RunningFake, s3: Any) -> None:
    add_job(server, total=1, processed=1)
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0)])
    s3.put_object(
        Bucket=OUT,
        Key=FOLDER + "archive/manifest.json.out",
        Body=json.dumps({"inputTokenCount": 5, "outputTokenCount": 5}).encode(),
    )
    result = results(server, "--json")
    document = as_json(result)
    # Not the archived manifest's 5 and 5: the answer's own usage.
    assert document["tokens"] == {"input": 10, "output": 5}
    assert "no manifest.json.out" in result.stderr
    s3.put_object(Bucket=OUT, Key=FOLDER + "manifest.json.out", Body=b" " * (2 << 20))
    large = results(server, "--json")
    assert large.code == 0 and "manifest.json.out is larger than" in large.stderr


def test_token_counts_that_are_not_counts_are_unknown(server: RunningFake, s3: Any) -> None:
    add_job(server, total=1, processed=1)
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0)])
    manifest(s3, inputTokenCount=-5, outputTokenCount="12")
    result = results(server, "--json", "--prices", "1,2")
    document = as_json(result)
    assert document["tokens"] == {"input": None, "output": None}
    assert document["cost"] == {
        "input": None,
        "output": None,
        "total": None,
        "prices": {
            "input_per_million": 1.0,
            "output_per_million": 2.0,
            "source": {"kind": "--prices", "input": None, "output": None},
            "as_of": None,
        },
    }
    assert "inputTokenCount is not a count (-5)" in result.stderr
    assert "outputTokenCount is not a count ('12')" in result.stderr


@pytest.mark.parametrize("prices", ["nan,1", "1,inf", "-1,2", "1e999,1"])
def test_prices_are_finite_and_not_negative(server: RunningFake, prices: str) -> None:
    result = results(server, "--prices", prices)
    assert result.code == 2 and "--prices" in result.stderr
    assert server.fake.requests == []


def test_minus_zero_prices_print_as_zero(server: RunningFake, s3: Any) -> None:
    add_job(server, total=1, processed=1)
    put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0)])
    manifest(s3)
    result = results(server, "--json", "--prices", "-0,-0.0")
    assert result.code == 0, result.stderr
    assert '"total": 0.0' in result.stdout and "-0" not in result.stdout


def test_failures_group_by_message_with_numbers_normalized(server: RunningFake, s3: Any) -> None:
    add_job(server, total=4, processed=4, failed=4)
    lines = [
        failure(0, "Input is too long: 2048 tokens > 1000 maximum"),
        failure(1, "Input is too long: 3100 tokens > 1000 maximum"),
        failure(2, "Input is too long: 5,120 tokens > 1000 maximum"),
        failure(3, "Malformed input request"),
    ]
    put(s3, OUT, FOLDER + "records.jsonl.out", lines)
    manifest(s3)
    document = as_json(results(server, "--json"))
    assert document["errors"] == [
        {
            "code": 400,
            "message": "Input is too long: 2048 tokens > 1000 maximum",
            "count": 3,
            "record_ids": ["rec-00000", "rec-00001", "rec-00002"],
        },
        {
            "code": 400,
            "message": "Malformed input request",
            "count": 1,
            "record_ids": ["rec-00003"],
        },
    ]
    assert "Failures (2 kinds)" in results(server).stdout


def test_every_cut_off_stop_reason_counts(server: RunningFake, s3: Any) -> None:
    add_job(server, total=4, processed=4)
    lines = [
        answer(0, "max_tokens"),
        answer(1, "model_context_window_exceeded"),
        record(2, modelOutput={"choices": [{"finish_reason": "length"}]}),
        record(3, modelOutput={"results": [{"completionReason": "FINISH"}]}),
    ]
    put(s3, OUT, FOLDER + "records.jsonl.out", lines)
    manifest(s3)
    document = as_json(results(server, "--json"))
    assert document["truncated"] == 3


def test_next_steps_name_the_arn_and_the_profile(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile work]\nregion = us-east-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[work]\naws_access_key_id = AKIDWORK\naws_secret_access_key = x\n")
    add_job(server, total=1, processed=1, failed=1)
    put(s3, OUT, FOLDER + "records.jsonl.out", [failure(0)])
    manifest(s3)
    result = invoke(
        "results",
        JOB,
        "--profile",
        "work",
        "--endpoint-url",
        server.url,
        env={"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(credentials)},
    )
    assert result.code == 0, result.stderr
    assert f"Next: bjob results {ARN} --profile work --failed" in result.stdout
    assert "(1 record to submit again)" in result.stdout
    assert "Failures (1 kind)" in result.stdout and "1 record" in result.stdout


def test_output_that_cannot_be_written(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "Completed"))
    with open("/dev/full", "w") as full:
        completed = subprocess.run(
            [
                str(BJOB),
                "show",
                JOB,
                "--json",
                "--endpoint-url",
                server.url,
                "--region",
                "us-east-1",
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert completed.returncode == 14
    assert completed.stderr.strip().splitlines() == [
        "bjob: cannot write the output: No space left on device"
    ]


# --- through the installed bjob, S3 in moto's server behind a proxy that breaks bodies ---


def _moto_job(server: RunningFake, endpoint: str, files: int, size: int) -> Any:
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
    client.create_bucket(Bucket=OUT)
    line = json.dumps(answer(0)).encode() + b"\n"
    for index in range(files):
        body = line * (size // len(line) + 1)
        client.put_object(Bucket=OUT, Key=f"{FOLDER}part-{index}.jsonl.out", Body=body)
    add_job(server, total=10, processed=10)
    return client


def _bjob_s3(server: RunningFake, *args: str) -> list[str]:
    return [str(BJOB), "results", JOB, *args, "--endpoint-url", server.url, "--region", "us-east-1"]


@pytest.mark.parametrize("fault", ["drop", "corrupt"])
def test_a_broken_body_is_read_again(server: RunningFake, tmp_path: Path, fault: Fault) -> None:
    with moto_s3_behind_a_proxy() as (endpoint, proxy):
        client = _moto_job(server, endpoint, files=2, size=300_000)
        key = f"{OUT}/{FOLDER}part-0.jsonl.out"
        proxy.break_next(key, fault, times=1)
        env = {"AWS_ENDPOINT_URL_S3": proxy.url}
        copied = run_bjob(
            "results",
            JOB,
            "--download",
            str(tmp_path),
            "--endpoint-url",
            server.url,
            "--region",
            "us-east-1",
            env=env,
        )
        assert copied.code == 0, copied.stderr
        assert proxy.gets.count(key) == 2  # broken, then whole
        original = client.get_object(Bucket=OUT, Key=f"{FOLDER}part-0.jsonl.out")["Body"].read()
        assert (tmp_path / JOB / "part-0.jsonl.out").read_bytes() == original
        # Broken every time: a clear failure, exit 5, nothing under the final name. (The
        # same code in-process: the installed bjob has shown it reads again, above.)
        aws = ("--endpoint-url", server.url, "--region", "us-east-1")
        proxy.break_next(f"{OUT}/{FOLDER}part-1.jsonl.out", fault, times=3)
        (tmp_path / JOB / "part-1.jsonl.out").unlink()
        failed = invoke("results", JOB, "--download", str(tmp_path), *aws, env=env)
        assert failed.code == 5
        assert ("broke off" if fault == "drop" else "arrived damaged") in failed.stderr
        assert not (tmp_path / JOB / "part-1.jsonl.out").exists()
        assert [path.name for path in (tmp_path / JOB).iterdir()] == ["part-0.jsonl.out"]
        # The summary never counts a damaged body either.
        proxy.break_next(f"{OUT}/{FOLDER}part-1.jsonl.out", fault, times=3)
        summary = invoke("results", JOB, "--json", *aws, env=env)
        assert summary.code == 5 and summary.stdout == ""


def test_two_downloads_at_once_into_one_folder(server: RunningFake, tmp_path: Path) -> None:
    with moto_s3_behind_a_proxy() as (endpoint, _):
        client = _moto_job(server, endpoint, files=6, size=400_000)
        env = {**os.environ, "AWS_ENDPOINT_URL_S3": endpoint}
        command = _bjob_s3(server, "--download", str(tmp_path))
        runs = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
        for run in runs:
            assert run.wait(timeout=60) == 0, run.stderr.read() if run.stderr else ""
            if run.stderr:
                run.stderr.close()
        for index in range(6):
            key = f"{FOLDER}part-{index}.jsonl.out"
            original = client.get_object(Bucket=OUT, Key=key)["Body"].read()
            assert (tmp_path / JOB / f"part-{index}.jsonl.out").read_bytes() == original
        assert len(list((tmp_path / JOB).iterdir())) == 6  # no temporary file left


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_download_stops_at_once_and_leaves_nothing(
    server: RunningFake, tmp_path: Path, stop: signal.Signals
) -> None:
    with moto_s3_behind_a_proxy() as (endpoint, proxy):
        _moto_job(server, endpoint, files=3, size=3_000_000)
        for index in range(3):
            proxy.break_next(f"{OUT}/{FOLDER}part-{index}.jsonl.out", "stall")
        env = {**os.environ, "AWS_ENDPOINT_URL_S3": proxy.url}
        command = _bjob_s3(server, "--download", str(tmp_path))
        process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
        assert proxy.stalled.wait(30)
        deadline = time.monotonic() + 10
        while not list((tmp_path / JOB).glob(".*partial")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list((tmp_path / JOB).glob(".*partial"))  # in flight
        process.send_signal(stop)
        code = process.wait(timeout=20)  # the stalled reads would hold it a minute
        stderr = process.stderr.read() if process.stderr else ""
        assert code == (130 if stop == signal.SIGINT else 143), stderr
        assert "interrupted" in stderr
        assert list((tmp_path / JOB).iterdir()) == []


def test_a_link_planted_where_a_temporary_file_could_go_is_never_followed(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    add_job(server, total=1, processed=1)
    body = put(s3, OUT, FOLDER + "records.jsonl.out", [answer(0)])
    folder = tmp_path / JOB
    folder.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("mine\n")
    # The names a predictable writer would use (bjob's own, before, among them).
    for name in (".records.jsonl.out.bjob-partial", ".records.jsonl.out.partial"):
        (folder / name).symlink_to(victim)
    result = results(server, "--download", str(tmp_path))
    assert result.code == 0, result.stderr
    assert victim.read_text() == "mine\n"
    assert (folder / "records.jsonl.out").read_bytes() == body


def test_the_atomic_writer_removes_its_file_on_any_failure(tmp_path: Path) -> None:
    from bjob.support.localfiles import atomic_file

    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError), atomic_file(target, replace=False) as file:
        file.write(b"half a file")
        raise RuntimeError("the connection dropped")
    assert list(tmp_path.iterdir()) == []
    with atomic_file(target, replace=False) as file:
        file.write(b"whole\n")
    assert target.read_bytes() == b"whole\n" and (target.stat().st_mode & 0o777) == 0o644
    from bjob.support.exits import BjobError

    with pytest.raises(BjobError) as exists, atomic_file(target, replace=False) as file:
        file.write(b"other\n")
    assert exists.value.code == 2 and target.read_bytes() == b"whole\n"
    with (
        pytest.raises(BjobError) as short,
        atomic_file(target, replace=True, expected_length=9) as f,
    ):
        f.write(b"whole\n")
    assert short.value.code == 5 and target.read_bytes() == b"whole\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.jsonl"]
