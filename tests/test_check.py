"""bjob check: input files with every kind of problem at known lines, good files of every
format that must raise nothing, S3 prefixes through moto, limits from Service Quotas."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jsonschema
import pytest
from moto import mock_aws

from tests.conftest import REPO, Result, invoke
from tests.fakebedrock import Fault, RunningFake, batch_quota, foundation_model

CHECK_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "check.schema.json").read_text())
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
USER = {"role": "user", "content": [{"type": "text", "text": "Summarise this ticket."}]}

# Valid request bodies, as the Bedrock model parameter docs show them.
VALID = {
    "anthropic-messages": (
        HAIKU,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 1024,
            "system": "Be brief.",
            "messages": [USER],
            "temperature": 0.2,
            "top_p": 0.9,
            "top_k": 250,
            "stop_sequences": ["\n\nHuman:"],
        },
    ),
    "amazon-nova": (
        "amazon.nova-lite-v1:0",
        {
            "schemaVersion": "messages-v1",
            "system": [{"text": "Be brief."}],
            "messages": [{"role": "user", "content": [{"text": "Summarise this ticket."}]}],
            "inferenceConfig": {"maxTokens": 500, "temperature": 0.3, "topP": 0.9, "topK": 20},
        },
    ),
    "titan-text": (
        "amazon.titan-text-express-v1",
        {
            "inputText": "Summarise this ticket.",
            "textGenerationConfig": {
                "maxTokenCount": 512,
                "temperature": 0,
                "topP": 0.9,
                "stopSequences": [],
            },
        },
    ),
    "titan-embeddings": (
        "amazon.titan-embed-text-v2:0",
        {"inputText": "A support ticket.", "dimensions": 512, "normalize": True},
    ),
    "meta-llama": (
        "meta.llama3-70b-instruct-v1:0",
        {
            "prompt": "<|begin_of_text|>Summarise this ticket.",
            "max_gen_len": 512,
            "temperature": 0.5,
            "top_p": 0.9,
        },
    ),
    "mistral-text": (
        "mistral.mistral-7b-instruct-v0:2",
        {
            "prompt": "<s>[INST] Summarise this ticket. [/INST]",
            "max_tokens": 400,
            "temperature": 0.7,
            "top_p": 0.7,
            "top_k": 50,
            "stop": ["</s>"],
        },
    ),
    "mistral-chat": (
        "mistral.mistral-large-2407-v1:0",
        {
            "messages": [{"role": "user", "content": "Summarise this ticket."}],
            "max_tokens": 400,
            "temperature": 0.7,
            "top_p": 1,
        },
    ),
}
CONVERSE_BODY = {
    "messages": [{"role": "user", "content": [{"text": "Summarise this ticket."}]}],
    "system": [{"text": "Be brief."}],
    "inferenceConfig": {"maxTokens": 512, "temperature": 0.5},
}


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"".join(
            (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n"
            for line in lines
        )
    )
    return path


def records(body: dict[str, Any], count: int = 100, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"recordId": f"rec-{index:05d}", "modelInput": body}
        for index in range(start, start + count)
    ]


def check(*args: str, **kw: Any) -> Result:
    return invoke("check", *args, **kw)


def check_for_model(server: RunningFake, *args: str, **kw: Any) -> Result:
    """bjob check with --model: the model list and quotas from the fake server, never AWS."""
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, **kw.pop("env", {})}
    aws = ("--endpoint-url", server.url, "--region", "us-east-1")
    return invoke("check", *args, *aws, env=env, **kw)


@pytest.mark.parametrize("family", sorted(VALID))
def test_a_good_file_of_every_format_raises_nothing(
    family: str, tmp_path: Path, server: RunningFake
) -> None:
    model_id, body = VALID[family]
    path = write_jsonl(tmp_path / "in.jsonl", records(body))
    result = check_for_model(server, str(path), "--model", model_id, "--json", "--strict")
    assert result.code == 0, result.stdout
    document = json.loads(result.stdout)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert document["ok"] is True and document["problems"] == []
    assert document["format"]["name"] == family and document["format"]["assumed"] is False


@pytest.mark.parametrize("family", sorted(set(VALID) - {"mistral-chat"}))
def test_the_format_is_inferred_from_the_records(family: str, tmp_path: Path) -> None:
    # (A Mistral chat body fits OpenAI-style chat as well: it is not told apart; see
    # test_check_depth.)
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID[family][1]))
    document = json.loads(check(str(path), "--json").stdout)
    assert document["format"]["name"] == family and document["format"]["assumed"] is True
    assert document["problems"] == []


def test_converse_bodies_with_type_converse(tmp_path: Path, server: RunningFake) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(CONVERSE_BODY))
    result = check_for_model(
        server, str(path), "--type", "Converse", "--model", HAIKU, "--json", "--strict"
    )
    assert result.code == 0, result.stdout
    assert json.loads(result.stdout)["format"]["name"] == "converse"
    with_model_id = records({**CONVERSE_BODY, "modelId": HAIKU})
    write_jsonl(path, with_model_id)
    refused = check(str(path), "--type", "Converse", "--json")
    document = json.loads(refused.stdout)
    assert refused.code == 7
    assert [problem["kind"] for problem in document["problems"]] == ["refused-key"]


def problem_file(tmp_path: Path) -> Path:
    """120 Anthropic records with a problem of each kind on a known line."""
    good = VALID["anthropic-messages"][1]
    lines: list[Any] = records(good, 120)
    lines[2] = {
        "recordId": "rec-00002",
        "modelInput": {k: v for k, v in good.items() if k != "anthropic_version"},
    }
    lines[4] = {"recordId": "rec-00004", "modelInput": {**good, "modelId": HAIKU}}
    lines[6] = {"recordId": "rec-00006", "modelInput": {**good, "max_tokens": "1024"}}
    lines[8] = {"recordId": "rec-00001", "modelInput": good}  # a repeat of line 2's id
    lines[10] = b'{"recordId": "rec-00010", "modelInput": '  # cut short
    lines[12] = {"recordId": "rec-00012", "modelInput": "a string"}
    lines[14] = {"recordId": "rec-00014"}
    lines[16] = [1, 2, 3]
    lines[18] = b""
    lines[0] = b"\xef\xbb\xbf" + json.dumps(lines[0]).encode()  # a byte-order mark
    return write_jsonl(tmp_path / "problems.jsonl", lines)


def test_every_kind_of_problem_at_its_line(tmp_path: Path, server: RunningFake) -> None:
    path = problem_file(tmp_path)
    result = check_for_model(server, str(path), "--model", HAIKU, "--json")
    assert result.code == 7
    document = json.loads(result.stdout)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert document["ok"] is False
    found: dict[tuple[str, str], list[tuple[int, str | None]]] = {}
    for p in document["problems"]:
        found.setdefault((p["severity"], p["kind"]), []).extend(
            (w["line"], w["record_id"]) for w in p["where"]
        )
        found[(p["severity"], p["kind"])].sort()
    assert found == {
        ("error", "missing-key"): [(3, "rec-00002")],
        ("error", "refused-key"): [(5, "rec-00004")],
        ("error", "wrong-type"): [(7, "rec-00006")],
        ("warning", "duplicate-record-id"): [(9, "rec-00001")],
        ("error", "not-json"): [(11, None), (17, None)],
        ("error", "model-input"): [(13, "rec-00012"), (15, "rec-00014")],
        ("warning", "empty-line"): [(19, None)],
        ("warning", "byte-order-mark"): [(1, None)],
    }
    messages = {
        p["kind"]: p["message"]
        for p in document["problems"]
        if p["kind"] not in ("not-json", "model-input")
    }
    assert messages["missing-key"] == (
        "modelInput lacks anthropic_version, which Anthropic Messages requires"
    )
    assert messages["refused-key"].startswith("modelInput.modelId: the model is the job's")
    assert messages["wrong-type"] == "modelInput.max_tokens is a string, not an integer"
    assert document["records"] == 119  # every line but the empty one


def test_the_report_for_people(tmp_path: Path) -> None:
    result = check(str(problem_file(tmp_path)))
    assert result.code == 7
    lines = result.stdout.splitlines()
    assert lines[0].startswith("✗ would fail: 119 records in 1 file; 7 errors, 3 warnings")
    assert "Request format: Anthropic Messages (told from the records" in lines[1]
    assert any(line.endswith("problems.jsonl:3  rec-00002") for line in lines)
    assert "\x1b" not in result.stdout


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    body = {**VALID["anthropic-messages"][1], "cache_hint": True}
    path = write_jsonl(tmp_path / "in.jsonl", records(body))
    assert check(str(path)).code == 0
    strict = check(str(path), "--strict")
    assert strict.code == 7 and "(--strict)" in strict.stdout


def test_a_job_against_the_default_limits(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "few.jsonl", records(VALID["anthropic-messages"][1], 40))
    document = json.loads(check(str(path), "--json").stdout)
    assert document["limits"]["min_records_per_job"] == {
        "value": 100,
        "source": "documented default",
    }
    assert [(p["kind"], p["message"]) for p in document["problems"]] == [
        ("too-few-records", "40 records: a job needs at least 100 (documented default)")
    ]


def test_records_ids_repeated_across_files_of_a_folder(tmp_path: Path) -> None:
    body = VALID["anthropic-messages"][1]
    write_jsonl(tmp_path / "in" / "a.jsonl", records(body, 60))
    write_jsonl(tmp_path / "in" / "sub" / "b.jsonl", records(body, 60, start=58))
    (tmp_path / "in" / "notes.txt").write_text("not an input")
    document = json.loads(check(str(tmp_path / "in"), "--json").stdout)
    assert [item["records"] for item in document["inputs"]] == [60, 60]
    [repeat] = document["problems"]
    assert repeat["kind"] == "duplicate-record-id" and repeat["count"] == 2
    assert repeat["severity"] == "warning"  # each file is its own namespace to Bedrock
    assert [w["record_id"] for w in repeat["where"]] == ["rec-00058", "rec-00059"]
    assert repeat["where"][0]["input"].endswith("b.jsonl") and repeat["where"][0]["line"] == 1
    assert repeat["where"][0]["first"].endswith("a.jsonl:59")
    assert document["skipped_files"] == 1  # notes.txt


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda tmp: tmp / "missing.jsonl", "no such file"),
        (lambda tmp: write_jsonl(tmp / "in.json", []), "not a .jsonl file"),
        (lambda tmp: (tmp / "empty").mkdir() or tmp / "empty", "no .jsonl files"),
    ],
)
def test_an_input_that_cannot_be_read_is_a_usage_error(
    tmp_path: Path, make: Any, words: str
) -> None:
    result = check(str(make(tmp_path)))
    assert result.code == 2 and words in result.stderr


def test_a_line_larger_than_a_request_body(tmp_path: Path) -> None:
    huge = {"recordId": "big", "modelInput": {"inputText": "x" * 25_000_001}}
    path = write_jsonl(tmp_path / "in.jsonl", [huge, *records(VALID["titan-text"][1], 100)])
    document = json.loads(check(str(path), "--json").stdout)
    assert [(p["kind"], p["where"][0]["line"]) for p in document["problems"]] == [
        ("line-too-large", 1)
    ]


def test_hostile_strings_in_the_input_are_shown_not_obeyed(tmp_path: Path) -> None:
    body = {**VALID["anthropic-messages"][1], "\x1b[2J\u202ekey": 1}
    path = write_jsonl(tmp_path / "in.jsonl", records(body))
    result = check(str(path), tty=True)
    assert "\x1b[2J" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[2J" in result.stdout


@pytest.fixture
def s3() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="batch-inputs")
        yield client


def test_an_s3_prefix_of_several_files(s3: Any) -> None:
    body = VALID["anthropic-messages"][1]
    for name, start in (("a.jsonl", 0), ("b.jsonl", 60)):
        s3.put_object(
            Bucket="batch-inputs",
            Key=f"jobs/2026-11/{name}",
            Body=b"".join(json.dumps(r).encode() + b"\n" for r in records(body, 60, start)),
        )
    s3.put_object(Bucket="batch-inputs", Key="jobs/2026-11/readme.txt", Body=b"hello")
    s3.put_object(Bucket="batch-inputs", Key="jobs/other/c.jsonl", Body=b"not json\n")
    result = check("s3://batch-inputs/jobs/2026-11", "--json", "--region", "us-east-1")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert [item["uri"] for item in document["inputs"]] == [
        "s3://batch-inputs/jobs/2026-11/a.jsonl",
        "s3://batch-inputs/jobs/2026-11/b.jsonl",
    ]
    assert document["records"] == 120 and document["problems"] == []
    one = check("s3://batch-inputs/jobs/other/c.jsonl", "--json", "--region", "us-east-1")
    assert one.code == 7
    missing = check("s3://batch-inputs/jobs/none.jsonl", "--region", "us-east-1")
    assert missing.code == 3 and "no such object" in missing.stderr


def test_limits_from_service_quotas_and_the_fallback(server: RunningFake, tmp_path: Path) -> None:
    server.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    server.fake.applied_quotas += [
        batch_quota("Minimum number of records per batch inference job for Claude 3 Haiku", 50),
        batch_quota("Records per input file per batch inference job for Claude 3 Haiku", 30),
    ]
    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1], 40))
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url}
    aws = ["--model", HAIKU, "--endpoint-url", server.url, "--region", "us-east-1", "--json"]
    document = json.loads(check(str(path), *aws, env=env).stdout)
    applied, documented = "Service Quotas, applied", "documented default"
    assert document["limits"] == {
        "min_records_per_job": {"value": 50, "source": applied},
        "records_per_job": {"value": 50_000, "source": documented},
        "records_per_input_file": {"value": 30, "source": applied},
        "input_file_bytes": {"value": 1_000_000_000, "source": documented},
        "job_bytes": {"value": 5_000_000_000, "source": documented},
        "note": None,
    }
    assert document["model_name"] == "Claude 3 Haiku"
    assert {p["kind"] for p in document["problems"]} == {"too-few-records", "file-too-many-records"}
    # Asked again within ten minutes: the region's models and quotas come from the cache.
    server.fake.requests.clear()
    again = json.loads(check(str(path), *aws, env=env).stdout)
    assert again["limits"] == document["limits"] and server.fake.requests == []
    import shutil

    from bjob.support.cache import cache_dir

    shutil.rmtree(cache_dir() / "lookups")
    # Applied values denied: AWS's defaults still arrive, and stand alone.
    server.fake.default_quotas.append(
        batch_quota("Minimum number of records per batch inference job for Claude 3 Haiku", 70)
    )
    server.fake.fail_next(
        Fault("error", 403, "AccessDeniedException", "no", path_prefix="/ServiceQuotas")
    )
    fallback = check(str(path), *aws, env=env)
    limits = json.loads(fallback.stdout)["limits"]
    assert limits["min_records_per_job"] == {"value": 70, "source": "Service Quotas, AWS default"}
    assert "not authorized (servicequotas:ListServiceQuotas)" in fallback.stderr


def test_a_local_check_without_model_imports_no_boto3(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = write_jsonl(tmp_path / "in.jsonl", records(VALID["anthropic-messages"][1]))
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bjob", "check", str(path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "bjob.usecases.check" in imported and not {"boto3", "botocore"} & imported


def test_a_file_without_line_ends_is_never_one_line_in_memory() -> None:
    from bjob.model.lines import split_lines

    chunks = [b"a" * 10, b"b" * 10, b"c\nshort\n", b"d" * 25, b"\nlast"]
    assert list(split_lines(iter(chunks), max_line=15)) == [
        b"a" * 10 + b"b" * 6,
        b"short",
        b"d" * 16,
        b"last",
    ]
    assert list(split_lines(iter([b"x\n\ny", b"z\n"]))) == [b"x", b"", b"yz"]


def test_the_readme_example_input() -> None:
    from tests.conftest import EXAMPLES

    result = check(str(EXAMPLES / "tickets.jsonl"))
    assert result.code == 7
    assert result.stdout.splitlines()[0] == (
        "✗ would fail: 120 records in 1 file; 4 errors, 1 warning"
    )
    for line in (
        "tickets.jsonl:18  TICKET00017",
        "tickets.jsonl:78  TICKET00012",
        "tickets.jsonl:42  TICKET00041",
    ):
        assert line in result.stdout
