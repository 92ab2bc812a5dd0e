"""bjob check that never cries wolf and never waves a doomed job through: valid bodies of
every family pass, each broken shape is caught at its line and JSON path, the model a user
types is the model they mean, and the inputs users have (stdin, FIFOs, other encodings,
OpenAI batch files) are read or named."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import BJOB, invoke, run_bjob
from tests.fakebedrock import Fault, RunningFake, foundation_model
from tests.test_check import (
    CHECK_SCHEMA,
    CONVERSE_BODY,
    HAIKU,
    VALID,
    check,
    check_for_model,
    records,
    write_jsonl,
)

ANTHROPIC = VALID["anthropic-messages"][1]
CHAT = {"messages": [{"role": "user", "content": "Summarise this ticket."}], "max_tokens": 300}

# More valid bodies, as each family's inference-parameters page shows them.
MORE_VALID: dict[str, tuple[str, dict[str, Any]]] = {
    "anthropic-blocks": (
        HAIKU,
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 800,
            "system": [{"type": "text", "text": "Be brief."}],
            "messages": [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is in this picture?"},
                        {
                            "type": "image",
                            "source": {"type": "base64", "media_type": "image/png", "data": "iV"},
                        },
                    ],
                },
                {
                    "role": "assistant",
                    "content": [{"type": "tool_use", "id": "t1", "name": "look", "input": {}}],
                },
                {
                    "role": "user",
                    "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "a cat"}],
                },
            ],
            "tools": [{"name": "look", "input_schema": {"type": "object"}}],
            "thinking": {"type": "enabled", "budget_tokens": 1024},
        },
    ),
    "titan-embeddings-v1": ("amazon.titan-embed-text-v1", {"inputText": "A support ticket."}),
    "titan-multimodal-image-only": (
        "amazon.titan-embed-image-v1",
        {"inputImage": "iVBORw0KGgo=", "embeddingConfig": {"outputEmbeddingLength": 384}},
    ),
    "openai-chat": (
        "openai.gpt-oss-120b-1:0",
        {
            "messages": [
                {"role": "developer", "content": "Be brief."},
                {"role": "user", "content": "Summarise this ticket."},
            ],
            "max_completion_tokens": 400,
            "reasoning_effort": "low",
        },
    ),
    "cohere-command": (
        "cohere.command-text-v14",
        {"prompt": "Summarise this ticket.", "max_tokens": 200, "p": 0.9, "k": 0},
    ),
    "cohere-command-r": (
        "cohere.command-r-plus-v1:0",
        {"message": "Summarise this ticket.", "chat_history": [], "max_tokens": 300},
    ),
    "cohere-embed": (
        "cohere.embed-english-v3",
        {"texts": ["A support ticket."], "input_type": "search_document", "truncate": "END"},
    ),
    "mistral-chat-system": (
        "mistral.mistral-large-2407-v1:0",
        {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Summarise this ticket."},
            ],
            "max_tokens": 300,
        },
    ),
    "nova-max-new-tokens": (
        "us.amazon.nova-pro-v1:0",
        {
            "schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": "Summarise this ticket."}]}],
            "inferenceConfig": {"max_new_tokens": 300, "top_p": 0.9},
        },
    ),
}


@pytest.mark.parametrize("case", sorted(MORE_VALID))
def test_more_valid_bodies_raise_nothing(case: str, tmp_path: Path, server: RunningFake) -> None:
    model_id, body = MORE_VALID[case]
    path = write_jsonl(tmp_path / "in.jsonl", records(body))
    result = check_for_model(server, str(path), "--model", model_id, "--json", "--strict")
    assert result.code == 0, result.stdout
    document = json.loads(result.stdout)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert document["problems"] == [] and document["format"] is not None


BROKEN: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (model, case, body, kind, message)
    (
        HAIKU,
        "system role in messages",
        {**ANTHROPIC, "messages": [{"role": "system", "content": "Be brief."}]},
        "bad-value",
        "modelInput.messages[0].role is 'system': not one of assistant, user (a system "
        "prompt goes in the top-level system key)",
    ),
    (HAIKU, "no messages", {**ANTHROPIC, "messages": []}, "empty", "modelInput.messages is empty"),
    (
        HAIKU,
        "unknown block",
        {**ANTHROPIC, "messages": [{"role": "user", "content": [{"type": "txt", "text": "x"}]}]},
        "bad-value",
        "modelInput.messages[0].content[0].type is 'txt'",
    ),
    (
        HAIKU,
        "block without its text",
        {**ANTHROPIC, "messages": [{"role": "user", "content": [{"type": "text"}]}]},
        "missing-key",
        "modelInput.messages[0].content[0] lacks text",
    ),
    (
        HAIKU,
        "no tokens",
        {**ANTHROPIC, "max_tokens": 0},
        "bad-value",
        "modelInput.max_tokens is 0: from 1 to 4096",
    ),
    (
        HAIKU,
        "model id in the body",
        {**ANTHROPIC, "modelId": HAIKU},
        "refused-key",
        "modelInput.modelId: the model is the job's",
    ),
    (
        "amazon.nova-lite-v1:0",
        "Nova content as a string",
        {"messages": [{"role": "user", "content": "hello"}]},
        "wrong-type",
        "modelInput.messages[0].content is a string, not an array",
    ),
    (
        "amazon.titan-embed-text-v2:0",
        "dimensions",
        {"inputText": "x", "dimensions": 300},
        "bad-value",
        "modelInput.dimensions is 300: one of 256, 512, 1024",
    ),
    (
        "amazon.titan-embed-image-v1",
        "neither text nor image",
        {"embeddingConfig": {"outputEmbeddingLength": 256}},
        "missing-key",
        "modelInput has none of inputText or inputImage",
    ),
    (
        "openai.gpt-oss-20b-1:0",
        "a role OpenAI does not have",
        {"messages": [{"role": "bot", "content": "x"}]},
        "bad-value",
        "modelInput.messages[0].role is 'bot'",
    ),
    (
        "cohere.embed-english-v3",
        "no input type",
        {"texts": ["x"]},
        "missing-key",
        "modelInput lacks input_type, which Cohere Embed requires",
    ),
    (
        "meta.llama3-70b-instruct-v1:0",
        "generation length as text",
        {"prompt": "x", "max_gen_len": "512"},
        "wrong-type",
        "modelInput.max_gen_len is a string, not an integer",
    ),
]


@pytest.mark.parametrize(
    ("model_id", "case", "body", "kind", "message"), BROKEN, ids=[case[1] for case in BROKEN]
)
def test_each_broken_shape_is_caught_at_its_line_and_path(
    tmp_path: Path,
    server: RunningFake,
    model_id: str,
    case: str,
    body: dict[str, Any],
    kind: str,
    message: str,
) -> None:
    lines: list[Any] = records(_valid_for(model_id), 110)
    lines[41] = {"recordId": "bad", "modelInput": body}
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    result = check_for_model(server, str(path), "--model", model_id, "--json")
    assert result.code == 7, result.stdout
    document = json.loads(result.stdout)
    [problem] = [p for p in document["problems"] if p["severity"] == "error"]
    assert problem["kind"] == kind and problem["message"].startswith(message)
    assert [(w["line"], w["record_id"]) for w in problem["where"]] == [(42, "bad")]


def _valid_for(model_id: str) -> dict[str, Any]:
    for known_model, body in [*VALID.values(), *MORE_VALID.values()]:
        if known_model == model_id:
            return body
    from bjob.model.requestformats import format_for_model

    fmt = format_for_model(model_id, "InvokeModel")
    assert fmt is not None
    return {
        "amazon-nova": VALID["amazon-nova"][1],
        "titan-embeddings": VALID["titan-embeddings"][1],
        "openai-chat": MORE_VALID["openai-chat"][1],
        "meta-llama": VALID["meta-llama"][1],
    }[fmt.name]


def test_a_whole_file_with_model_id_injected_would_fail(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records({**ANTHROPIC, "modelId": HAIKU}, 150))
    result = check(str(path))
    assert result.code == 7 and "150×" in result.stdout and "[refused-key]" in result.stdout


def test_a_generic_chat_body_is_not_guessed(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(CHAT, 120))
    result = check(str(path), "--json")
    assert result.code == 0, result.stdout  # not a false alarm
    document = json.loads(result.stdout)
    assert document["format"] is None
    assert document["format_candidates"] == ["anthropic-messages", "mistral-chat", "openai-chat"]
    [problem] = document["problems"]
    assert problem["kind"] == "format-unknown" and problem["severity"] == "warning"
    assert "pass --model" in problem["message"]
    assert check(str(path), "--strict").code == 7


def test_the_format_is_told_from_the_whole_file(tmp_path: Path) -> None:
    """Most records carry anthropic_version: those that lack it are errors."""
    lines: list[Any] = records(ANTHROPIC, 150)
    for index in (3, 140):
        lines[index] = {"recordId": f"x{index}", "modelInput": CHAT}
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    document = json.loads(check(str(path), "--json").stdout)
    assert document["format"]["name"] == "anthropic-messages"
    [problem] = document["problems"]
    assert problem["kind"] == "missing-key" and "anthropic_version" in problem["message"]
    assert [w["line"] for w in problem["where"]] == [4, 141]


def test_the_first_records_do_not_decide_alone(tmp_path: Path) -> None:
    """Generic first lines, then a file of Anthropic bodies: checked again as Anthropic."""
    lines = records(CHAT, 100) + records(ANTHROPIC, 400, start=100)
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    document = json.loads(check(str(path), "--json").stdout)
    assert document["format"]["name"] == "anthropic-messages"
    [problem] = document["problems"]
    assert problem["kind"] == "missing-key" and problem["count"] == 100


def test_a_converse_file_is_recognised_without_type(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(CONVERSE_BODY))
    document = json.loads(check(str(path), "--json", "--strict").stdout)
    assert document["format"]["name"] == "converse" and document["problems"] == []


def test_a_family_without_a_table_is_said_plainly(tmp_path: Path, server: RunningFake) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records({"prompt": "x", "anything": 1}))
    result = check_for_model(server, str(path), "--model", "ai21.jamba-1-5-large-v1:0", "--strict")
    assert result.code == 0, result.stdout
    assert "not checked in depth" in result.stdout


# --- the model a user means ---


def models_listed(server: RunningFake) -> None:
    server.fake.foundation_models += [
        foundation_model(HAIKU, "Claude 3 Haiku"),
        foundation_model(f"{HAIKU}:48k", "Claude 3 Haiku"),
        foundation_model(f"{HAIKU}:200k", "Claude 3 Haiku"),
        foundation_model("anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku"),
        foundation_model("anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4"),
        foundation_model("amazon.nova-lite-v1:0", "Nova Lite", "Amazon"),
    ]


@pytest.mark.parametrize(
    "given",
    [
        HAIKU,
        f"us.{HAIKU}",
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.{HAIKU}",
        f"{HAIKU}:48k",
        "Claude 3 Haiku",
        "claude 3 haiku",
        "3-haiku",
    ],
)
def test_the_model_as_users_type_it(tmp_path: Path, server: RunningFake, given: str) -> None:
    models_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    result = check_for_model(server, str(path), "--model", given, "--json", "--strict")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["model_id"] == HAIKU and document["model_name"] == "Claude 3 Haiku"
    assert document["format"]["name"] == "anthropic-messages"


def test_a_name_that_matches_several_models(tmp_path: Path, server: RunningFake) -> None:
    models_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    result = check_for_model(server, str(path), "--model", "haiku")
    assert result.code == 2
    assert "--model 'haiku' matches 2 models: " in result.stderr
    assert f"Claude 3 Haiku ({HAIKU})" in result.stderr  # its variants folded into it
    assert "Claude 3.5 Haiku" in result.stderr and result.stdout == ""


def test_a_name_that_matches_nothing(tmp_path: Path, server: RunningFake) -> None:
    models_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    result = check_for_model(server, str(path), "--model", "Claude Sonet 4")
    assert result.code == 2 and "no foundation model in the region is called that" in result.stderr
    assert "did you mean 'claude sonnet 4'" in result.stderr


def test_no_credentials_with_a_model_is_said(tmp_path: Path, server: RunningFake) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    result = check_for_model(
        server,
        str(path),
        "--model",
        "haiku",
        env={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""},
    )
    assert result.code == 4 and "no AWS credentials were found" in result.stderr
    assert "ListFoundationModels" not in result.stderr


def test_an_endpoint_that_does_not_answer_is_asked_once(
    tmp_path: Path, server: RunningFake
) -> None:
    server.fake.fail_next(Fault("slow", seconds=3, path_prefix="/foundation-models"), times=5)
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    result = check_for_model(
        server, str(path), "--model", HAIKU, "--read-timeout", "1", "--json", "--strict"
    )
    asked = [r for r in server.fake.requests if r.path.startswith("/foundation-models")]
    assert len(asked) == 1  # one timeout, not three
    assert result.code == 0, result.stderr  # an id still resolves; the limits fall back
    assert "timed out" in result.stderr


# --- inputs users actually have ---


def test_standard_input(tmp_path: Path) -> None:
    body = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC)).read_text()
    result = check("-", "--json", stdin=body)
    assert result.code == 0, result.stdout
    document = json.loads(result.stdout)
    assert document["records"] == 100 and document["inputs"][0]["uri"] == "-"


def test_pipes_fifos_and_process_substitution(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records(ANTHROPIC))
    piped = run_bjob("check", "/dev/stdin", "--json", stdin=path.read_text())
    assert piped.code == 0, piped.stderr
    assert json.loads(piped.stdout)["records"] == 100
    substituted = subprocess.run(
        ["bash", "-c", f"{BJOB} check <(cat {path}) --json"],
        capture_output=True,
        text=True,
        env=os.environ,
        timeout=60,
    )
    assert substituted.returncode == 0, substituted.stderr
    document = json.loads(substituted.stdout)
    assert document["records"] == 100 and document["format"]["name"] == "anthropic-messages"


@pytest.mark.parametrize(
    ("content", "message", "line", "column"),
    [
        (b'{"recordId": "a", "modelInput": {"x": "caf\xe9"}}', "not UTF-8 (byte 0xE9)", 2, 43),
        (b'{"recordId": "a", "modelInput": {"x": NaN}}', "NaN is not JSON", 2, 39),
        (b'{"recordId": "a", "modelInput": {}} {"recordId": "b"}', "more after the JSON", 2, 37),
    ],
)
def test_a_line_that_is_not_json_says_why_and_where(
    tmp_path: Path, content: bytes, message: str, line: int, column: int
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(json.dumps(records(ANTHROPIC, 1)[0]).encode() + b"\n" + content + b"\n")
    document = json.loads(check(str(path), "--json").stdout)
    [problem] = [p for p in document["problems"] if p["kind"] == "not-json"]
    assert problem["message"].startswith(message)
    assert [(w["line"], w["column"]) for w in problem["where"]] == [(line, column)]


@pytest.mark.parametrize(
    ("encode", "words"),
    [
        (lambda text: gzip.compress(text.encode()), "compressed with gzip"),
        (lambda text: text.encode("utf-16"), "encoded as UTF-16"),
    ],
)
def test_files_that_are_not_jsonl_at_all(tmp_path: Path, encode: Any, words: str) -> None:
    text = write_jsonl(tmp_path / "plain.jsonl", records(ANTHROPIC)).read_text()
    path = tmp_path / "in.jsonl"
    path.write_bytes(encode(text))
    result = check(str(path), "--json")
    assert result.code == 7
    problems = json.loads(result.stdout)["problems"]
    assert problems[0]["kind"] == "not-jsonl" and words in problems[0]["message"]
    assert len([p for p in problems if p["kind"] in ("not-json", "not-jsonl")]) == 1


def test_an_openai_batch_file_gets_one_clear_error(tmp_path: Path) -> None:
    line = {
        "custom_id": "req-1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
    }
    path = write_jsonl(tmp_path / "in.jsonl", [line] * 120)
    document = json.loads(check(str(path), "--json").stdout)
    kinds = {p["kind"]: p for p in document["problems"]}
    assert set(kinds) == {"openai-batch"} and kinds["openai-batch"]["count"] == 120
    assert "custom_id -> recordId, body -> modelInput" in kinds["openai-batch"]["message"]


def test_a_repeated_record_id_names_every_place(tmp_path: Path) -> None:
    lines = records(ANTHROPIC, 110)
    lines[50]["recordId"] = lines[60]["recordId"] = lines[7]["recordId"]
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    document = json.loads(check(str(path), "--json").stdout)
    [repeat] = document["problems"]
    assert repeat["kind"] == "duplicate-record-id" and repeat["count"] == 2
    assert [(w["line"], w["first"]) for w in repeat["where"]] == [
        (51, f"{path}:8"),
        (61, f"{path}:8"),
    ]


def test_files_skipped_in_a_folder_are_counted(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "in" / "a.jsonl", records(ANTHROPIC))
    write_jsonl(tmp_path / "in" / ".hidden.jsonl", records(ANTHROPIC))
    (tmp_path / "in" / "notes.md").write_text("x")
    result = check(str(tmp_path / "in"))
    assert result.code == 0
    assert "100 records in 1 file (2 other files skipped)" in result.stdout


def test_an_archived_object_must_be_restored(s3: Any) -> None:
    s3.put_object(
        Bucket="batch-in",
        Key="cold/in.jsonl",
        Body=json.dumps(records(ANTHROPIC, 1)[0]).encode(),
        StorageClass="GLACIER",
    )
    result = check("s3://batch-in/cold/in.jsonl", "--region", "us-east-1")
    assert result.code == 6, result.stderr
    assert "archived" in result.stderr and "restored" in result.stderr
    assert "not authorized" not in result.stderr and "bedrock" not in result.stderr.lower()


def test_symbols_fall_back_to_ascii(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", records({**ANTHROPIC, "modelId": "x"}, 100))
    result = run_bjob("check", str(path), env={"PYTHONIOENCODING": "ascii"})
    assert result.code == 7
    assert "x would fail" in result.stdout and "100x" in result.stdout
    assert "?" not in result.stdout.replace("(--model)", "")


def test_a_check_json_document_follows_its_schema(tmp_path: Path) -> None:
    lines: list[Any] = records(ANTHROPIC, 100)
    lines[3] = b'{"broken'
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    document = json.loads(invoke("check", str(path), "--json").stdout)
    jsonschema.validate(document, CHECK_SCHEMA)
    assert document["problems"][0]["where"][0]["column"] is not None
