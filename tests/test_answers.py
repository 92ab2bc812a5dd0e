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
    arn = put_job(server, s3, "abcdefabcde1", "single", inputs, outputs, status="PartiallyCompleted")
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
