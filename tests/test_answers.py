"""bjob answers, and runs (run:NAME) in show, watch, results and answers: jobs in the fake
Bedrock as `bjob submit` and `bjob retry` make them (tokens, tags, names), their files in
moto's S3."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bjob.model.answers import extract
from bjob.model.runs import RUN_TAG, run_token
from tests.conftest import REPO, FakeClock, Result, invoke
from tests.fakebedrock import RunningFake, make_job

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


def test_a_job_whose_input_is_gone_has_no_answers_to_order(server: RunningFake, s3: Any) -> None:
    put_job(server, s3, "abcdefabcd99", "gone", {"a.jsonl": [question("r1")]}, {"a.jsonl": []})
    s3.delete_object(Bucket=IN, Key="in/abcdefabcd99/a.jsonl")
    result = bjob(server, "answers", "abcdefabcd99")
    assert "Traceback" not in result.stderr
    assert result.stdout == "" and result.code == 0  # (as for an input that may not be read)
    assert (
        "the input of gone cannot be read (no .jsonl object under s3://batch-in/in/abcdefabcd99/)"
        ": its records cannot be listed"
    ) in result.stderr


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
            {
                "content": [
                    {"type": "text", "text": "a"},
                    {"type": "tool_use"},
                    {"type": "text", "text": "b"},
                ],
                "stop_reason": "end_turn",
                "usage": {"input_tokens": 3, "output_tokens": 4},
            },
            "ab",
            "end_turn",
            (3, 4),
        ),
        (
            {
                "output": {"message": {"role": "assistant", "content": [{"text": "nova"}]}},
                "stopReason": "max_tokens",
                "usage": {"inputTokens": 5, "outputTokens": 6},
            },
            "nova",
            "max_tokens",
            (5, 6),
        ),
        (
            {
                "inputTextTokenCount": 7,
                "results": [{"tokenCount": 8, "outputText": "titan", "completionReason": "FINISH"}],
            },
            "titan",
            "FINISH",
            (7, 8),
        ),
        (
            {
                "generation": "llama",
                "prompt_token_count": 9,
                "generation_token_count": 10,
                "stop_reason": "stop",
            },
            "llama",
            "stop",
            (9, 10),
        ),
        (
            {"outputs": [{"text": "mistral", "stop_reason": "length"}]},
            "mistral",
            "length",
            (None, None),
        ),
        (
            {
                "choices": [
                    {"message": {"role": "assistant", "content": "gpt"}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 12},
            },
            "gpt",
            "stop",
            (11, 12),
        ),
        (
            {"choices": [{"text": "deepseek", "stop_reason": "stop"}]},
            "deepseek",
            "stop",
            (None, None),
        ),
        (
            {"generations": [{"text": "cohere", "finish_reason": "COMPLETE"}]},
            "cohere",
            "COMPLETE",
            (None, None),
        ),
        ({"text": "command r", "finish_reason": "COMPLETE"}, "command r", "COMPLETE", (None, None)),
        (
            {"completion": "claude 2", "stop_reason": "stop_sequence"},
            "claude 2",
            "stop_sequence",
            (None, None),
        ),
        ({"something": "else"}, None, None, (None, None)),
    ],
)
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


# --- runs --------------------------------------------------------------------------------

RUN = "tickets"
PART_1, PART_2, RETRY = "aaaaaaaaaaa1", "aaaaaaaaaaa2", "aaaaaaaaaar1"


def run_job(
    server: RunningFake,
    s3: Any,
    job_id: str,
    name: str,
    input_uri: str,
    outputs: dict[str, list[Any]] | None,
    *,
    status: str = "Completed",
    minutes: int = 0,
    run: str = RUN,
    total: int | None = None,
) -> str:
    """A job of the run as `bjob submit` or `bjob retry` makes it: its name, its token
    (the run's prefix), its bjob:run tag; its outputs in its folder."""
    from datetime import UTC, datetime, timedelta

    for file, lines in (outputs or {}).items():
        s3.put_object(Bucket=OUT, Key=f"jobs/{job_id}/{file}.out", Body=jsonl(lines))
    if outputs is not None:
        s3.put_object(
            Bucket=OUT,
            Key=f"jobs/{job_id}/manifest.json.out",
            Body=json.dumps({"inputTokenCount": 1000, "outputTokenCount": 100}).encode(),
        )
    processed = sum(len(lines) for lines in (outputs or {}).values())
    arn = server.fake.add_job(
        make_job(
            job_id,
            status,
            name=name,
            total=total if total is not None else processed,
            processed=processed,
            failed=0,
            submitted=datetime(2026, 11, 27, 8, 0, tzinfo=UTC) + timedelta(minutes=minutes),
            clientRequestToken=run_token(run, f"{job_id:0<42}"),
            inputDataConfig={"s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": input_uri}},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{OUT}/jobs/"}},
        )
    )
    server.fake.tags[arn] = [{"key": RUN_TAG, "value": run}]
    return arn


def put_input(s3: Any, key: str, lines: list[Any]) -> str:
    s3.put_object(Bucket=IN, Key=key, Body=jsonl(lines))
    return f"s3://{IN}/{key}"


def two_parts(server: RunningFake, s3: Any) -> tuple[str, str]:
    """A submission split in two parts that ended short: part 1 answered t1 and t3, failed
    t2 and never got to t4; part 2 answered t5, t6, t8 and failed t7. Both parts hold a
    record `x` (a recordId their original files shared), and both failed it."""
    one = put_input(
        s3,
        "bjob-inputs/tickets-1.jsonl",
        [question(f"t{i}") for i in (1, 2, 3, 4)] + [question("x")],
    )
    two = put_input(
        s3,
        "bjob-inputs/tickets-2.jsonl",
        [question(f"t{i}") for i in (5, 6, 7, 8)] + [question("x")],
    )
    first = run_job(
        server,
        s3,
        PART_1,
        "tickets-1",
        one,
        {
            "tickets-1.jsonl": [
                failure("x"),
                claude("t3", "three"),
                failure("t2"),
                claude("t1", "one"),
            ]
        },
        status="PartiallyCompleted",
        total=5,
    )
    second = run_job(
        server,
        s3,
        PART_2,
        "tickets-2",
        two,
        {
            "tickets-2.jsonl": [
                claude("t5", "five"), claude("t6", "six"), failure("t7", "Too many tokens"),
                claude("t8", "eight", "max_tokens"), failure("x"),
            ]
        },
        minutes=1,
    )  # fmt: skip
    # Not of the run: its name contains the run's, its token is not the run's.
    server.fake.add_job(make_job("bbbbbbbbbbb1", "Completed", name="tickets-1-copy"))
    return first, second


def retry_of_the_run(server: RunningFake, s3: Any) -> str:
    """The run's retry as `bjob retry run:tickets` makes it: one input file per part's input
    file, named after it, so that their outputs stay apart."""
    prefix = "bjob-inputs/tickets-retry-1/"
    put_input(s3, prefix + "tickets-1.jsonl", [question("t2"), question("t4"), question("x")])
    put_input(s3, prefix + "tickets-2.jsonl", [question("t7"), question("x")])
    return run_job(
        server,
        s3,
        RETRY,
        "tickets-retry-1",
        f"s3://{IN}/{prefix}",
        {
            "tickets-1.jsonl": [
                claude("x", "x of one"), claude("t2", "two, at last"), claude("t4", "four")
            ],
            "tickets-2.jsonl": [failure("t7", "Too many tokens"), claude("x", "x of two")],
        },
        minutes=60,
    )  # fmt: skip


def test_a_runs_results_count_every_record_once_by_its_latest_attempt(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    first, second = two_parts(server, s3)
    document = json.loads(bjob(server, "results", f"run:{RUN}", "--json").stdout)
    jsonschema.validate(document, RESULTS_SCHEMA)
    assert document["run"] == {"name": RUN, "jobs": [first, second]}
    assert document["records"] == {
        "succeeded": 5,
        "failed": 4,
        "unreadable": 0,
        "missing": 1,
        "to_submit_again": 5,
    }
    assert document["missing_record_ids"] == ["t4"]
    assert document["input"]["records"] == 10 and document["input"]["files"] == 2
    assert document["tokens"] == {"input": 2000, "output": 200}
    assert document["stop_reasons"] == {"end_turn": 4, "max_tokens": 1}
    target = tmp_path / "retry.jsonl"
    written = bjob(server, "results", f"run:{RUN}", "--retry-file", str(target))
    assert written.code == 0, written.stderr
    ids = [json.loads(line)["recordId"] for line in target.read_text().splitlines()]
    assert ids == ["t2", "t4", "x", "t7", "x"]
    assert "'x' in s3://batch-in/bjob-inputs/tickets-1.jsonl and" in written.stderr
    summary = bjob(server, "results", f"run:{RUN}")
    assert summary.stdout.startswith(f"run:{RUN}  2 jobs")
    assert f"bjob results run:{RUN} --retry-file retry.jsonl" in summary.stdout


@pytest.fixture(params=["here", "in a worker"])
def parsed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Input files' ids parsed here, or every one by a worker process (as a big file is: and
    the worker must have given them, not the fallback here)."""
    from bjob.support.workers import Workers
    from bjob.usecases.results import jobfiles

    given: list[object] = []
    if request.param == "in a worker":
        run = Workers.run

        def spied(self: Workers, function: str, chunks: Any) -> Any:
            given.append(value := run(self, function, chunks))
            return value

        monkeypatch.setattr(jobfiles, "WORKER_BYTES", 0)
        monkeypatch.setattr(Workers, "run", spied)
    yield str(request.param)
    if request.param == "in a worker":
        assert given and None not in given


def test_a_runs_answers_in_input_order_then_after_its_retry(
    server: RunningFake, s3: Any, parsed: str
) -> None:
    first, second = two_parts(server, s3)
    before = lines_of(bjob(server, "answers", f"run:{RUN}").stdout)
    assert [(a["recordId"], a["status"], a["text"], a["job"]) for a in before] == [
        ("t1", "ok", "one", first),
        ("t2", "failed", None, first),
        ("t3", "ok", "three", first),
        ("t4", "missing", None, first),
        ("x", "failed", None, first),
        ("t5", "ok", "five", second),
        ("t6", "ok", "six", second),
        ("t7", "failed", None, second),
        ("t8", "ok", "eight", second),
        ("x", "failed", None, second),
    ]
    retry = retry_of_the_run(server, s3)
    after = lines_of(bjob(server, "answers", f"run:{RUN}").stdout)
    assert [(a["recordId"], a["status"], a["text"], a["job"]) for a in after] == [
        ("t1", "ok", "one", first),
        ("t2", "ok", "two, at last", retry),
        ("t3", "ok", "three", first),
        ("t4", "ok", "four", retry),
        ("x", "ok", "x of one", retry),
        ("t5", "ok", "five", second),
        ("t6", "ok", "six", second),
        ("t7", "failed", None, retry),
        ("t8", "ok", "eight", second),
        ("x", "ok", "x of two", retry),
    ]
    document = json.loads(bjob(server, "results", f"run:{RUN}", "--json").stdout)
    assert document["records"]["succeeded"] == 9 and document["records"]["to_submit_again"] == 1
    assert document["run"]["jobs"] == [first, second, retry]
    assert document["errors"] == [
        {"code": 400, "message": "Too many tokens", "count": 1, "record_ids": ["t7"]}
    ]


def test_a_file_that_cannot_be_read_while_the_one_before_is_written(
    server: RunningFake, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second part's output is read while the first part's answers are written: its
    denial is the command's outcome (exit 4, named) once the first part's answers are out
    (stdout), and a file asked for with -o is not left half-written."""
    from bjob.support.exits import BjobError, ExitCode
    from bjob.usecases.results.jobfiles import JobS3

    first, _ = two_parts(server, s3)
    lines = JobS3.lines

    def denied(self: JobS3, location: Any, owner: Any, cancel: Any = None) -> Any:
        if location.key.endswith("tickets-2.jsonl.out"):
            raise BjobError(
                f"{location.uri}: access denied (s3:GetObject)", ExitCode.NOT_AUTHORIZED
            )
        return lines(self, location, owner, cancel)

    monkeypatch.setattr(JobS3, "lines", denied)
    result = bjob(server, "answers", f"run:{RUN}")
    assert result.code == 4
    assert [(a["recordId"], a["job"]) for a in lines_of(result.stdout)] == [
        ("t1", first),
        ("t2", first),
        ("t3", first),
        ("t4", first),
        ("x", first),
    ]
    assert "tickets-2.jsonl.out: access denied (s3:GetObject)" in result.stderr
    assert "Traceback" not in result.stderr
    target = tmp_path / "answers.jsonl"
    written = bjob(server, "answers", f"run:{RUN}", "-o", str(target))
    assert written.code == 4 and list(tmp_path.iterdir()) == []


def test_a_retry_file_of_another_name_answers_by_record_id(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)
    uri = put_input(s3, "bjob-inputs/tickets-retry-1.jsonl", [question("t4"), question("t7")])
    retry = run_job(
        server,
        s3,
        RETRY,
        "tickets-retry-1",
        uri,
        {"tickets-retry-1.jsonl": [claude("t7", "seven"), claude("t4", "four")]},
        minutes=60,
    )
    after = {a["recordId"]: a for a in lines_of(bjob(server, "answers", f"run:{RUN}").stdout)}
    assert after["t4"]["text"] == "four" and after["t4"]["job"] == retry
    assert after["t7"]["text"] == "seven" and after["t2"]["status"] == "failed"


def test_a_running_retry_leaves_its_records_pending(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)
    prefix = "bjob-inputs/tickets-retry-1/"
    put_input(s3, prefix + "tickets-1.jsonl", [question("t2"), question("t4")])
    run_job(
        server,
        s3,
        RETRY,
        "tickets-retry-1",
        f"s3://{IN}/{prefix}",
        {"tickets-1.jsonl": [claude("t2", "two")]},
        status="InProgress",
        minutes=60,
        total=2,
    )
    answers = {
        a["recordId"]: a["status"] for a in lines_of(bjob(server, "answers", f"run:{RUN}").stdout)
    }
    assert answers["t2"] == "ok" and answers["t4"] == "pending"
    document = json.loads(bjob(server, "results", f"run:{RUN}", "--json").stdout)
    assert document["records"]["missing"] is None
    assert document["records"]["to_submit_again"] is None
    summary = bjob(server, "results", f"run:{RUN}")
    assert "--retry-file" not in summary.stdout and f"bjob watch run:{RUN}" in summary.stdout
    assert bjob(server, "results", f"run:{RUN}", "--retry-file", "-").code == 8


def test_a_run_with_nothing_left_to_retry(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1"), question("d2")])
    run_job(
        server,
        s3,
        "ccccccccccc1",
        "done",
        uri,
        {"done.jsonl": [claude("d2", "2"), claude("d1", "1")]},
        run="done",
    )
    summary = bjob(server, "results", "run:done")
    assert summary.code == 0 and "Nothing to submit again." in summary.stdout
    target = tmp_path / "retry.jsonl"
    written = bjob(server, "results", "run:done", "--retry-file", str(target))
    assert written.code == 0 and not target.exists()
    assert "nothing to submit again" in written.stderr


def test_a_run_that_does_not_exist(server: RunningFake, s3: Any) -> None:
    server.fake.add_job(make_job("bbbbbbbbbbb1", "Completed", name="tickets-1"))  # not bjob's
    for command in ("show", "results", "answers", "watch"):
        result = bjob(server, command, f"run:{RUN}")
        assert result.code == 3, (command, result.stderr)
        assert "no run named 'tickets'" in result.stderr
    listed = server.fake.requests_to("/model-invocation-jobs")
    assert all(request.query["nameContains"] == [RUN] for request in listed)


def test_show_a_run(server: RunningFake, s3: Any) -> None:
    from datetime import UTC, datetime

    first, second = two_parts(server, s3)
    retry = run_job(
        server, s3, RETRY, "tickets-retry-1", f"s3://{IN}/r/", None, status="InProgress",
        minutes=60, total=4,
    )  # fmt: skip
    server.fake.jobs[retry][0]["processedRecordCount"] = 2
    clock = FakeClock(datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    people = bjob(server, "show", f"run:{RUN}", clock=clock, env={"COLUMNS": "200"})
    assert people.code == 0, people.stderr
    head, *rows = people.stdout.splitlines()
    assert head.startswith(f"run:{RUN}  3 jobs, 1 not ended  ·  9 of 10 records processed (90.0%)")
    assert head.endswith("0.033 rec/min  ·  1 h 0 m left (the slowest job)")
    assert [row.split()[0] for row in rows[1:4]] == ["tickets-1", "tickets-2", "tickets-retry-1"]
    documents = json.loads(bjob(server, "show", f"run:{RUN}", "--json").stdout)
    assert [document["arn"] for document in documents] == [first, second, retry]
    assert {document["run"] for document in documents} == {RUN}
    assert bjob(server, "show", f"run:{RUN}", "--exit-status").code == 11


def test_list_shows_the_run_of_each_job(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)
    documents = json.loads(bjob(server, "list", "--json").stdout)
    assert {document["name"]: document["run"] for document in documents} == {
        "tickets-1": RUN,
        "tickets-2": RUN,
        "tickets-1-copy": None,
    }
    table = bjob(server, "list", env={"COLUMNS": "200"}).stdout
    assert "Run" in table.splitlines()[0]
    assert len(server.fake.requests) == 2  # one listing per command: no call per job


def test_watch_a_run_is_judged_on_its_records(server: RunningFake, s3: Any) -> None:
    two_parts(server, s3)
    short = bjob(server, "watch", f"run:{RUN}")
    assert short.code == 11, short.stderr  # records are still without an answer
    assert "5 of 10 records have no answer (exit 11)" in short.stderr
    retry_of_the_run(server, s3)
    still = bjob(server, "watch", f"run:{RUN}")
    assert still.code == 11 and "1 of 10 records have no answer" in still.stderr


def test_watch_a_run_whose_retry_answered_everything_exits_0(server: RunningFake, s3: Any) -> None:
    uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1"), question("d2")])
    run_job(
        server,
        s3,
        "ccccccccccc1",
        "done",
        uri,
        {"done.jsonl": [claude("d1", "1")]},
        status="PartiallyCompleted",
        run="done",
        total=2,
    )
    retry_uri = put_input(s3, "bjob-inputs/done-retry-1/done.jsonl", [question("d2")])
    arn = run_job(
        server, s3, "ccccccccccr1", "done-retry-1", retry_uri, None, status="InProgress",
        run="done", minutes=5, total=1,
    )  # fmt: skip
    later = dict(server.fake.jobs[arn][0], status="Completed", processedRecordCount=1)
    server.fake.jobs[arn].append(later)
    s3.put_object(
        Bucket=OUT, Key="jobs/ccccccccccr1/done.jsonl.out", Body=jsonl([claude("d2", "2")])
    )
    s3.put_object(Bucket=OUT, Key="jobs/ccccccccccr1/manifest.json.out", Body=b"{}")
    result = bjob(server, "watch", "run:done", "--interval", "1")
    assert result.code == 0, result.stderr
    assert "every record has an answer (2 records; exit 0)" in result.stderr


def test_the_runs_retry_files_one_per_input_file(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    from bjob.aws.session import AwsClients, AwsOptions
    from bjob.usecases.runs import find_run, write_run_retry_files

    two_parts(server, s3)
    clients = AwsClients(AwsOptions(region="us-east-1", endpoint_url=server.url))
    run = find_run(RUN, clients, "us-east-1")
    files = write_run_retry_files(run, clients, tmp_path)
    assert [(file.name, file.records) for file in files] == [
        ("tickets-1.jsonl", 3),
        ("tickets-2.jsonl", 2),
    ]
    assert [json.loads(line)["recordId"] for line in files[0].path.read_text().splitlines()] == [
        "t2",
        "t4",
        "x",
    ]


def test_the_installed_bjob_on_a_run_from_its_parts_to_its_answers_after_a_retry(
    server: RunningFake, tmp_path: Path
) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    from tests.conftest import run_bjob

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        s3.create_bucket(Bucket=OUT)
        s3.create_bucket(Bucket=IN)
        first, second = two_parts(server, s3)
        aws = ("--endpoint-url", server.url, "--region", "us-east-1")
        env = {"AWS_ENDPOINT_URL_S3": endpoint}

        results = run_bjob("results", f"run:{RUN}", "--json", *aws, env=env)
        assert results.code == 0, results.stderr
        document = json.loads(results.stdout)
        assert document["run"]["jobs"] == [first, second]
        assert (document["records"]["succeeded"], document["records"]["failed"]) == (5, 4)
        assert document["records"]["missing"] == 1

        target = tmp_path / "answers.jsonl"
        answers = run_bjob("answers", f"run:{RUN}", "-o", str(target), *aws, env=env)
        assert answers.code == 0, answers.stderr
        before = lines_of(target.read_text())
        assert [a["recordId"] for a in before] == ["t1", "t2", "t3", "t4", "x"] + [
            "t5",
            "t6",
            "t7",
            "t8",
            "x",
        ]
        assert [a["status"] for a in before][:5] == ["ok", "failed", "ok", "missing", "failed"]

        retry = retry_of_the_run(server, s3)
        after = run_bjob("answers", f"run:{RUN}", "--format", "csv", *aws, env=env)
        assert after.code == 0, after.stderr
        rows = list(csv.DictReader(io.StringIO(after.stdout, newline="")))
        assert [(row["recordId"], row["status"]) for row in rows][:5] == [
            ("t1", "ok"),
            ("t2", "ok"),
            ("t3", "ok"),
            ("t4", "ok"),
            ("x", "ok"),
        ]
        assert (rows[1]["text"], rows[1]["job"]) == ("two, at last", retry)
        assert (rows[0]["text"], rows[0]["job"]) == ("one", first)
        assert rows[7]["status"] == "failed" and rows[7]["job"] == retry

        uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1")])
        run_job(
            server, s3, "ccccccccccc1", "done", uri, {"done.jsonl": [claude("d1", "1")]}, run="done"
        )
        done = run_bjob("results", "run:done", *aws, env=env)
        assert done.code == 0, done.stderr
        assert "Nothing to submit again." in done.stdout
    finally:
        moto.stop()


def test_repeated_and_unmatchable_input_lines_each_get_a_line(
    server: RunningFake, s3: Any, parsed: str
) -> None:
    inputs = [
        question("r1"),
        b"not json",
        {"modelInput": {"messages": []}},
        question("r1"),
        question("r2"),
    ]
    outputs = [failure("r1"), claude("r1", "the success first"), claude("r2", "two")]
    put_job(server, s3, "abcdefabcde1", "single", {"a.jsonl": inputs}, {"a.jsonl": outputs})
    result = bjob(server, "answers", "abcdefabcde1")
    assert result.code == 0, result.stderr
    answers = lines_of(result.stdout)
    assert [(a["recordId"], a["status"], a["text"]) for a in answers] == [
        ("r1", "ok", "the success first"),
        (None, "missing", None),
        (None, "missing", None),
        ("r1", "failed", None),
        ("r2", "ok", "two"),
    ]
    assert "1 input line is not a JSON object" in result.stderr
    assert "1 input record without a recordId" in result.stderr


def test_csv_rows_are_what_the_csv_module_writes() -> None:
    from bjob.model.answers import CsvRows

    rows: list[list[Any]] = [
        ["plain", 'say "hi", twice', "two\r\nlines", None, 12, "", "é ✓\n", "tab\there"],
        ["", ",", '"', "\r", "\n", 0, "x" * 5000, None],
    ]
    mine = CsvRows()
    for row in rows:
        mine.add(row)
    theirs = io.StringIO()
    writer = csv.writer(theirs, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if cell is None else cell for cell in row])
    data = mine.take()
    assert data == theirs.getvalue().encode()
    assert list(csv.reader(io.StringIO(data.decode(), newline=""))) == [
        ["" if cell is None else str(cell) for cell in row] for row in rows
    ]
    assert mine.take() == b""


def test_answers_on_a_terminal_are_shown_not_obeyed(server: RunningFake, s3: Any) -> None:
    put_job(
        server,
        s3,
        "abcdefabcde1",
        "single",
        {"a.jsonl": [question("r1")]},
        {"a.jsonl": [claude("r1", "\x1b[2J\u009b31m cleared")]},
    )
    shown = bjob(server, "answers", "abcdefabcde1", "--format", "csv", tty=True)
    assert shown.code == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "\u009b" not in shown.stdout
    assert "\\x1b[2J\\x9b31m cleared" in shown.stdout


def test_show_watch_follows_a_runs_unfinished_jobs(server: RunningFake, s3: Any) -> None:
    uri = put_input(s3, "bjob-inputs/done.jsonl", [question("d1")])
    arn = run_job(
        server, s3, "ccccccccccc1", "done", uri, None, status="InProgress", run="done", total=1
    )
    s3.put_object(
        Bucket=OUT, Key="jobs/ccccccccccc1/done.jsonl.out", Body=jsonl([claude("d1", "1")])
    )
    s3.put_object(Bucket=OUT, Key="jobs/ccccccccccc1/manifest.json.out", Body=b"{}")
    server.fake.jobs[arn].append(
        dict(server.fake.jobs[arn][0], status="Completed", processedRecordCount=1)
    )
    result = bjob(server, "show", "run:done", "--watch", "--interval", "1")
    assert result.code == 0, result.stderr
    assert "every record has an answer (1 record; exit 0)" in result.stderr
