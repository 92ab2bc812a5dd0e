"""bjob answers, and runs (run:NAME) in show, watch, results and answers: jobs in the fake
Bedrock as `bjob submit` and `bjob retry` make them (tokens, tags, names), their files in
moto's S3."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bjob.model.answers import extract
from bjob.model.runs import RUN_TAG, run_token
from tests.conftest import REPO, FakeClock, Result, invoke
from tests.fakebedrock import RunningFake, job_arn, make_job

ANSWER_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "answer.schema.json").read_text())
RESULTS_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "results.schema.json").read_text())
OUT, IN = "batch-out", "batch-in"


def question(record_id: str, text: str = "hi") -> dict[str, Any]:
    return {
        "recordId": record_id,
        "modelInput": {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 100,
            "messages": [{"role": "user", "content": text}],
        },
    }


def claude(record_id: str, text: str, stop: str = "end_turn") -> dict[str, Any]:
    return {
        **question(record_id),
        "modelOutput": {
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop,
            "usage": {"input_tokens": 12, "output_tokens": 7},
        },
    }


def failure(record_id: str, message: str = "Malformed input request") -> dict[str, Any]:
    return {**question(record_id), "error": {"errorCode": 400, "errorMessage": message}}


def jsonl(lines: list[Any]) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )


def put_job(
    server: RunningFake,
    s3: Any,
    job_id: str,
    name: str,
    inputs: dict[str, list[Any]],
    outputs: dict[str, list[Any]] | None,
    *,
    status: str = "Completed",
    run: str | None = None,
    input_uri: str | None = None,
    manifest: dict[str, int] | None = None,
    minutes: int = 0,
) -> str:
    """A job whose input files (name -> lines) are under in/<job_id>/ (or the one file
    `input_uri`), and whose output files (input name -> lines) are in its folder."""
    from datetime import UTC, datetime, timedelta

    records = sum(len(lines) for lines in inputs.values())
    for file, lines in inputs.items():
        s3.put_object(Bucket=IN, Key=f"in/{job_id}/{file}", Body=jsonl(lines))
    for file, lines in (outputs or {}).items():
        s3.put_object(Bucket=OUT, Key=f"jobs/{job_id}/{file}.out", Body=jsonl(lines))
    if outputs is not None:
        counts = manifest or {"inputTokenCount": 100 * records, "outputTokenCount": 10 * records}
        s3.put_object(
            Bucket=OUT,
            Key=f"jobs/{job_id}/manifest.json.out",
            Body=json.dumps({"totalRecordCount": records, **counts}).encode(),
        )
    processed = sum(len(lines) for lines in (outputs or {}).values())
    extra: dict[str, Any] = {}
    if run is not None:
        extra["clientRequestToken"] = run_token(run, f"{job_id:0<42}")
    arn = server.fake.add_job(
        make_job(
            job_id,
            status,
            name=name,
            total=records,
            processed=processed,
            failed=0,
            submitted=datetime(2026, 11, 27, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes),
            inputDataConfig={
                "s3InputDataConfig": {
                    "s3InputFormat": "JSONL",
                    "s3Uri": input_uri or f"s3://{IN}/in/{job_id}/",
                }
            },
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{OUT}/jobs/"}},
            **extra,
        )
    )
    if run is not None:
        server.fake.tags[arn] = [{"key": RUN_TAG, "value": run}]
    return arn


def bjob(server: RunningFake, *args: str, **kw: Any) -> Result:
    return invoke(*args, "--endpoint-url", server.url, "--region", "us-east-1", **kw)


def lines_of(text: str) -> list[dict[str, Any]]:
    documents = [json.loads(line) for line in text.splitlines()]
    for document in documents:
        jsonschema.validate(document, ANSWER_SCHEMA)
    return documents


def test_a_jobs_answers_in_input_order_whatever_the_output_order(
    server: RunningFake, s3: Any
) -> None:
    inputs = {
        "a.jsonl": [question("r2"), question("r1"), question("r3")],
        "b.jsonl": [question("r1"), question("r9")],
    }
    outputs = {
        "a.jsonl": [failure("r3"), claude("r1", 'one, "two"\nthree'), claude("r2", "two")],
        "b.jsonl": [claude("r1", "b-one", "max_tokens")],
    }
    arn = put_job(
        server, s3, "abcdefabcde1", "single", inputs, outputs, status="PartiallyCompleted"
    )
    result = bjob(server, "answers", "abcdefabcde1")
    assert result.code == 0, result.stderr
    answers = lines_of(result.stdout)
    assert [(a["recordId"], a["status"], a["text"]) for a in answers] == [
        ("r2", "ok", "two"),
        ("r1", "ok", 'one, "two"\nthree'),
        ("r3", "failed", None),
        ("r1", "ok", "b-one"),
        ("r9", "missing", None),
    ]
    assert answers[0] == {
        "recordId": "r2",
        "status": "ok",
        "text": "two",
        "stop_reason": "end_turn",
        "input_tokens": 12,
        "output_tokens": 7,
        "error": None,
        "job": arn,
    }
    assert answers[2]["error"] == {"code": 400, "message": "Malformed input request"}
    assert answers[3]["stop_reason"] == "max_tokens"
    assert "5 answers to standard output (3 ok, 1 failed, 1 missing)" in result.stderr


def test_csv_reads_back_intact_and_a_file_is_written_whole(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    tricky = 'a, "quoted"\r\nand a second line, é ✓'
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1"), question("r2")]},
        {"a.jsonl": [claude("r1", tricky), failure("r2", 'bad, "very"')]},
    )
    target = tmp_path / "answers.csv"
    result = bjob(server, "answers", "abcdefabcde1", "--format", "csv", "-o", str(target))
    assert result.code == 0, result.stderr
    data = target.read_bytes()
    assert data.startswith(
        b"recordId,status,text,stop_reason,input_tokens,output_tokens,error,job\r\n"
    )
    rows = list(csv.DictReader(io.StringIO(data.decode(), newline="")))
    assert rows[0]["text"] == tricky and rows[0]["status"] == "ok"
    assert rows[0]["input_tokens"] == "12" and rows[0]["error"] == ""
    assert json.loads(rows[1]["error"]) == {"code": 400, "message": 'bad, "very"'}
    assert rows[1]["text"] == "" and rows[1]["job"].endswith("/abcdefabcde1")
    assert not list(tmp_path.glob("*.bjob-partial"))
    again = bjob(server, "answers", "abcdefabcde1", "-o", str(target))
    assert again.code == 2 and "exists" in again.stderr
    assert target.read_bytes() == data  # nothing the user had is overwritten
    forced = bjob(server, "answers", "abcdefabcde1", "-o", str(target), "--force")
    assert forced.code == 0 and lines_of(target.read_text())[0]["text"] == tricky


def test_raw_adds_the_model_output_and_an_unknown_shape_keeps_text_null(
    server: RunningFake, s3: Any
) -> None:
    unknown = {**question("r2"), "modelOutput": {"answer_of_a_new_family": "hello"}}
    embedding = {
        **question("r3"),
        "modelOutput": {"embedding": [0.5, -1.0], "inputTextTokenCount": 4},
    }
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1"), question("r2"), question("r3")]},
        {"a.jsonl": [claude("r1", "fine"), unknown, embedding]},
    )
    plain = lines_of(bjob(server, "answers", "abcdefabcde1").stdout)
    assert plain[1]["status"] == "ok" and plain[1]["text"] is None and "modelOutput" not in plain[1]
    assert plain[2]["embedding"] == [0.5, -1.0] and plain[2]["text"] is None
    assert plain[2]["input_tokens"] == 4
    raw = lines_of(bjob(server, "answers", "abcdefabcde1", "--raw").stdout)
    assert raw[1]["modelOutput"] == {"answer_of_a_new_family": "hello"}
    assert raw[0]["modelOutput"]["content"][0]["text"] == "fine"


def test_a_running_jobs_unanswered_records_are_pending(server: RunningFake, s3: Any) -> None:
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1"), question("r2")]},
        {"a.jsonl": [claude("r1", "early")]},
        status="InProgress",
    )
    answers = lines_of(bjob(server, "answers", "abcdefabcde1").stdout)
    assert [a["status"] for a in answers] == ["ok", "pending"]


def test_a_byte_order_mark_on_the_input_is_read_past(server: RunningFake, s3: Any) -> None:
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [b"\xef\xbb\xbf" + json.dumps(question("r1")).encode(), question("r2")]},
        {"a.jsonl": [claude("r1", "one")]},
        status="PartiallyCompleted",
    )
    answers = lines_of(bjob(server, "answers", "abcdefabcde1").stdout)
    assert [(a["recordId"], a["status"]) for a in answers] == [("r1", "ok"), ("r2", "missing")]
    document = json.loads(bjob(server, "results", "abcdefabcde1", "--json").stdout)
    assert document["input"]["unreadable"] == 0 and document["records"]["missing"] == 1
    assert document["missing_record_ids"] == ["r2"]


@pytest.mark.parametrize(
    ("output", "text", "stop", "tokens"),
    [
        (
            {"content": [{"type": "text", "text": "a"}, {"type": "tool_use"}, {"type": "text", "text": "b"}],
             "stop_reason": "end_turn", "usage": {"input_tokens": 3, "output_tokens": 4}},
            "ab", "end_turn", (3, 4),
        ),
        (
            {"output": {"message": {"role": "assistant", "content": [{"text": "nova"}]}},
             "stopReason": "max_tokens", "usage": {"inputTokens": 5, "outputTokens": 6}},
            "nova", "max_tokens", (5, 6),
        ),
        (
            {"inputTextTokenCount": 7, "results": [{"tokenCount": 8, "outputText": "titan",
             "completionReason": "FINISH"}]},
            "titan", "FINISH", (7, 8),
        ),
        (
            {"generation": "llama", "prompt_token_count": 9, "generation_token_count": 10,
             "stop_reason": "stop"},
            "llama", "stop", (9, 10),
        ),
        ({"outputs": [{"text": "mistral", "stop_reason": "length"}]}, "mistral", "length", (None, None)),
        (
            {"choices": [{"message": {"role": "assistant", "content": "gpt"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 11, "completion_tokens": 12}},
            "gpt", "stop", (11, 12),
        ),
        ({"choices": [{"text": "deepseek", "stop_reason": "stop"}]}, "deepseek", "stop", (None, None)),
        ({"generations": [{"text": "cohere", "finish_reason": "COMPLETE"}]}, "cohere", "COMPLETE", (None, None)),
        ({"text": "command r", "finish_reason": "COMPLETE"}, "command r", "COMPLETE", (None, None)),
        ({"completion": "claude 2", "stop_reason": "stop_sequence"}, "claude 2", "stop_sequence", (None, None)),
        ({"something": "else"}, None, None, (None, None)),
    ],
)  # fmt: skip
def test_each_familys_text_is_read_out(
    output: dict[str, Any], text: str | None, stop: str | None, tokens: tuple[int | None, ...]
) -> None:
    found = extract(output)
    assert (found.text, found.stop_reason, (found.input_tokens, found.output_tokens)) == (
        text,
        stop,
        tokens,
    )
    assert found.embedding is None


def test_embeddings_of_each_family() -> None:
    assert extract({"embedding": [1.0, 2.0], "inputTextTokenCount": 2}).embedding == [1.0, 2.0]
    assert extract({"embeddings": [[1.0]], "id": "x"}).embedding == [1.0]
    assert extract({"embeddings": {"float": [[1.0], [2.0]]}}).embedding == [[1.0], [2.0]]
    nova = {"embeddings": [{"embeddingType": "TEXT", "embedding": [0.25]}]}
    assert extract(nova).embedding == [0.25] and extract(nova).text is None


def test_the_retry_file_warns_when_input_files_share_a_record_id(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1"), question("r2")], "b.jsonl": [question("r1")]},
        {"a.jsonl": [failure("r1"), claude("r2", "ok")], "b.jsonl": [failure("r1")]},
    )
    target = tmp_path / "retry.jsonl"
    result = bjob(server, "results", "abcdefabcde1", "--retry-file", str(target))
    assert result.code == 0, result.stderr
    assert len(target.read_text().splitlines()) == 2  # both written, neither merged
    assert "'r1'" in result.stderr and "a.jsonl" in result.stderr and "b.jsonl" in result.stderr


def test_a_running_job_is_never_told_to_write_a_retry_file(server: RunningFake, s3: Any) -> None:
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1"), question("r2"), question("r3")]},
        {"a.jsonl": [failure("r1"), claude("r2", "ok")]},
        status="InProgress",
    )
    summary = bjob(server, "results", "abcdefabcde1")
    assert summary.code == 0, summary.stderr
    assert "--retry-file" not in summary.stdout and "bjob watch" in summary.stdout
    document = json.loads(bjob(server, "results", "abcdefabcde1", "--json").stdout)
    jsonschema.validate(document, RESULTS_SCHEMA)
    assert document["records"]["to_submit_again"] is None
    refused = bjob(server, "results", "abcdefabcde1", "--retry-file", "-")
    assert refused.code == 8
