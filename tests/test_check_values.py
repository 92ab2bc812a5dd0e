"""bjob check down to the values: each value rule the model documentation sets (a range, a
set, a cap per model, a flag that must be false, required members of a source, a payload
limit) passes the value the page allows and refuses the one it rules out, naming the JSON
path, the value and what is allowed; every documented request body in tests/corpus passes
`--model M --strict`; a stream is judged as the same file."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from bjob.model.check import CheckTally
from bjob.model.requestformats import (
    ALL_FORMATS,
    MODEL_VALUES,
    Arr,
    Bool,
    Int,
    Num,
    Obj,
    Shape,
    Str,
    Tagged,
    body_problems,
    format_for_model,
)
from tests.conftest import REPO, invoke
from tests.fakebedrock import RunningFake
from tests.test_check import check_for_model, records, write_jsonl

CORPUS = json.loads((REPO / "tests" / "corpus" / "requests.json").read_text())["requests"]
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
MISSING = object()  # a key left out


def _corpus(name: str) -> tuple[str, dict[str, Any]]:
    [entry] = [entry for entry in CORPUS if entry["name"] == name]
    return entry["model"], entry["body"]


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of the body with the value at a path like `messages[0].content[0].source.x`
    (MISSING: the key taken out)."""
    changed = copy.deepcopy(body)
    steps = [int(part) if part.isdigit() else part for part in re.findall(r"[^.\[\]]+", path)]
    here: Any = changed
    for step in steps[:-1]:
        here = here.setdefault(step, {}) if isinstance(step, str) else here[step]
    if value is MISSING:
        del here[steps[-1]]
    else:
        here[steps[-1]] = value
    return changed


# (case, model, body from the corpus, path, a value the page allows, one it rules out, what
# the error says)
RULES: list[tuple[str, str, str, Any, Any, str]] = [
    (
        "claude-batch-record",
        HAIKU,
        "anthropic_version",
        "bedrock-2023-05-31",
        "2023-06-01",
        "modelInput.anthropic_version is '2023-06-01': not one of bedrock-2023-05-31",
    ),
    (
        "claude-batch-record",
        HAIKU,
        "temperature",
        1,
        3.5,
        "modelInput.temperature is 3.5: from 0 to 1",
    ),
    ("claude-batch-record", HAIKU, "top_p", 0.999, 1.5, "modelInput.top_p is 1.5: from 0 to 1"),
    ("claude-batch-record", HAIKU, "top_k", 500, 501, "modelInput.top_k is 501: from 0 to 500"),
    (
        "claude-batch-record",
        HAIKU,
        "top_k",
        0,
        18446744073709551616,
        "modelInput.top_k is 18446744073709551616: out of range (from 0 to 500)",
    ),
    (
        "claude-batch-record",
        HAIKU,
        "max_tokens",
        4096,
        4097,
        "modelInput.max_tokens is 4097: from 1 to 4096",
    ),
    (
        "claude-structured-output",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "max_tokens",
        64_000,
        64_001,
        "modelInput.max_tokens is 64001: from 1 to 64000",
    ),
    (
        "claude-extended-thinking",
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "max_tokens",
        32_000,
        32_001,
        "modelInput.max_tokens is 32001: from 1 to 32000",
    ),
    (
        "claude-image",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "messages[0].content[0].source.media_type",
        "image/webp",
        MISSING,
        "modelInput.messages[0].content[0].source lacks media_type",
    ),
    (
        "claude-image",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "messages[0].content[0].source.media_type",
        "image/gif",
        "image/bmp",
        "modelInput.messages[0].content[0].source.media_type is 'image/bmp': not one of "
        "image/gif, image/jpeg, image/png, image/webp",
    ),
    (
        "claude-image",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "messages[0].content[0].source.data",
        "iVBORw0KGgo=",
        MISSING,
        "modelInput.messages[0].content[0].source lacks data",
    ),
    (
        "claude-image",
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "messages[0].content[0].source.type",
        "base64",
        "url",
        "modelInput.messages[0].content[0].source.type is 'url': not one of base64",
    ),
    (
        "claude-structured-output",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "output_config.format.type",
        "json_schema",
        "json",
        "modelInput.output_config.format.type is 'json': not one of json_schema",
    ),
    (
        "nova-invoke",
        "amazon.nova-2-lite-v1:0",
        "inferenceConfig.temperature",
        0,
        5,
        "modelInput.inferenceConfig.temperature is 5: from 0 to 1",
    ),
    (
        "nova-messages-v1",
        "amazon.nova-lite-v1:0",
        "inferenceConfig.topP",
        1,
        1.01,
        "modelInput.inferenceConfig.topP is 1.01: from 0 to 1",
    ),
    (
        "nova-image",
        "amazon.nova-pro-v1:0",
        "messages[0].content[0].image.format",
        "jpeg",
        "bmp",
        "modelInput.messages[0].content[0].image.format is 'bmp': not one of gif, jpeg",
    ),
    (
        "nova-image",
        "amazon.nova-pro-v1:0",
        "messages[0].content[0].image.source",
        {"bytes": "x"},
        {},
        "modelInput.messages[0].content[0].image.source has none of bytes or s3Location",
    ),
    (
        "nova-multimodal-embeddings-text",
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "singleEmbeddingParams.embeddingDimension",
        384,
        512,
        "modelInput.singleEmbeddingParams.embeddingDimension is 512: one of 256, 384, 1024, 3072",
    ),
    (
        "nova-multimodal-embeddings-text",
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "singleEmbeddingParams.embeddingPurpose",
        "TEXT_RETRIEVAL",
        "SEARCH",
        "modelInput.singleEmbeddingParams.embeddingPurpose is 'SEARCH': not one of",
    ),
    (
        "nova-multimodal-embeddings-text",
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "schemaVersion",
        "nova-multimodal-embed-v1",
        "messages-v1",
        "modelInput.schemaVersion is 'messages-v1': not one of nova-multimodal-embed-v1",
    ),
    (
        "nova-multimodal-embeddings-text",
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "taskType",
        "SINGLE_EMBEDDING",
        "EMBED",
        "modelInput.taskType is 'EMBED': not one of SEGMENTED_EMBEDDING, SINGLE_EMBEDDING",
    ),
    (
        "titan-embeddings-v2",
        "amazon.titan-embed-text-v2:0",
        "dimensions",
        1024,
        768,
        "modelInput.dimensions is 768: one of 256, 512, 1024",
    ),
    (
        "titan-embeddings-v2",
        "amazon.titan-embed-text-v2:0",
        "embeddingTypes",
        ["binary"],
        ["int8"],
        "modelInput.embeddingTypes[0] is 'int8': not one of binary, float",
    ),
    (
        "titan-text",
        "amazon.titan-text-express-v1",
        "textGenerationConfig.maxTokenCount",
        8192,
        8193,
        "modelInput.textGenerationConfig.maxTokenCount is 8193: from 0 to 8192",
    ),
    (
        "titan-text",
        "amazon.titan-text-lite-v1",
        "textGenerationConfig.maxTokenCount",
        4096,
        4097,
        "modelInput.textGenerationConfig.maxTokenCount is 4097: from 0 to 4096",
    ),
    (
        "titan-text",
        "amazon.titan-text-express-v1",
        "textGenerationConfig.temperature",
        1,
        1.5,
        "modelInput.textGenerationConfig.temperature is 1.5: from 0 to 1",
    ),
    (
        "titan-multimodal-embeddings",
        "amazon.titan-embed-image-v1",
        "embeddingConfig.outputEmbeddingLength",
        1024,
        512,
        "modelInput.embeddingConfig.outputEmbeddingLength is 512: one of 256, 384, 1024",
    ),
    (
        "llama",
        "meta.llama3-8b-instruct-v1:0",
        "max_gen_len",
        2048,
        999_999,
        "modelInput.max_gen_len is 999999: from 1 to 2048",
    ),
    (
        "llama",
        "meta.llama3-8b-instruct-v1:0",
        "temperature",
        0,
        -0.1,
        "modelInput.temperature is -0.1: from 0 to 1",
    ),
    (
        "mixtral",
        "mistral.mixtral-8x7b-instruct-v0:1",
        "max_tokens",
        4096,
        4097,
        "modelInput.max_tokens is 4097: from 1 to 4096",
    ),
    (
        "mixtral",
        "mistral.mixtral-8x7b-instruct-v0:1",
        "top_k",
        200,
        201,
        "modelInput.top_k is 201: from 1 to 200",
    ),
    (
        "mistral-large-3",
        "mistral.mistral-large-3-675b-instruct",
        "temperature",
        1,
        2,
        "modelInput.temperature is 2: from 0 to 1",
    ),
    (
        "magistral-small",
        "mistral.magistral-small-2509",
        "messages[0].role",
        "system",
        "bot",
        "modelInput.messages[0].role is 'bot': not one of assistant, system, tool, user",
    ),
    (
        "gpt-oss",
        "openai.gpt-oss-20b-1:0",
        "stream",
        False,
        True,
        "modelInput.stream is true: must be false",
    ),
    (
        "gpt-oss",
        "openai.gpt-oss-20b-1:0",
        "model",
        "us.openai.gpt-oss-20b-1:0",
        "gpt-4o",
        "modelInput.model is 'gpt-4o': it must name the job's model, openai.gpt-oss-20b-1:0",
    ),
    (
        "gpt-oss",
        "openai.gpt-oss-20b-1:0",
        "temperature",
        2,
        2.5,
        "modelInput.temperature is 2.5: from 0 to 2",
    ),
    (
        "gpt-oss",
        "openai.gpt-oss-20b-1:0",
        "frequency_penalty",
        -2,
        -3,
        "modelInput.frequency_penalty is -3: from -2 to 2",
    ),
    (
        "qwen",
        "qwen.qwen3-coder-30b-a3b-v1:0",
        "model",
        "qwen.qwen3-coder-30b-a3b-v1:0",
        "qwen3",
        "modelInput.model is 'qwen3': it must name the job's model",
    ),
    (
        "deepseek-r1",
        "deepseek.r1-v1:0",
        "max_tokens",
        32_768,
        32_769,
        "modelInput.max_tokens is 32769: from 1 to 32768",
    ),
    (
        "deepseek-r1",
        "deepseek.r1-v1:0",
        "stop",
        ["x"] * 10,
        ["x"] * 11,
        "modelInput.stop has 11 items: at most 10",
    ),
    ("deepseek-r1", "deepseek.r1-v1:0", "top_p", 1, 1.1, "modelInput.top_p is 1.1: from 0 to 1"),
    (
        "cohere-command-r",
        "cohere.command-r-v1:0",
        "p",
        0.99,
        1,
        "modelInput.p is 1: from 0.01 to 0.99",
    ),
    (
        "cohere-command-r",
        "cohere.command-r-v1:0",
        "k",
        500,
        501,
        "modelInput.k is 501: from 0 to 500",
    ),
    (
        "cohere-command",
        "cohere.command-text-v14",
        "temperature",
        5,
        5.5,
        "modelInput.temperature is 5.5: from 0 to 5",
    ),
    (
        "cohere-command",
        "cohere.command-text-v14",
        "stream",
        False,
        True,
        "modelInput.stream is true: must be false",
    ),
    (
        "cohere-embed",
        "cohere.embed-english-v3",
        "truncate",
        "END",
        "MIDDLE",
        "modelInput.truncate is 'MIDDLE': not one of",
    ),
]


@pytest.mark.parametrize(
    ("case", "model_id", "path", "good", "bad", "message"),
    RULES,
    ids=[f"{rule[1]}:{rule[2]}={rule[4]!r}"[:80] for rule in RULES],
)
def test_each_value_rule_passes_what_the_page_allows_and_names_what_it_refuses(
    case: str, model_id: str, path: str, good: Any, bad: Any, message: str
) -> None:
    fmt = format_for_model(model_id, "InvokeModel")
    assert fmt is not None
    _, body = _corpus(case)
    assert body_problems(_set(body, path, good), fmt) == []
    problems = body_problems(_set(body, path, bad), fmt)
    missing = " lacks " in message or " has none of " in message
    assert [(severity, kind) for severity, kind, _ in problems] == [
        ("error", "missing-key" if missing else "bad-value")
    ], problems
    assert problems[0][2].startswith(message), problems


def test_claude_sonnet_4_5_takes_temperature_or_top_p_not_both() -> None:
    _, body = _corpus("claude-structured-output")
    sonnet = format_for_model("anthropic.claude-sonnet-4-5-20250929-v1:0", "InvokeModel")
    older = format_for_model("anthropic.claude-sonnet-4-20250514-v1:0", "InvokeModel")
    assert sonnet is not None and older is not None
    both = {**body, "temperature": 0.5, "top_p": 0.9}
    assert body_problems({**body, "temperature": 0.5}, sonnet) == []
    assert body_problems({**body, "top_p": 0.9, "temperature": None}, sonnet) == []
    assert body_problems(both, sonnet) == [
        (
            "error",
            "bad-value",
            "modelInput has temperature and top_p: this model takes one or the other",
        )
    ]
    assert body_problems(both, older) == []


def test_converse_values_and_structured_output() -> None:
    fmt = format_for_model(HAIKU, "Converse")
    assert fmt is not None
    _, body = _corpus("converse-structured-output")
    assert body_problems(body, fmt) == []
    hot = _set(body, "inferenceConfig.temperature", 1.2)
    assert body_problems(hot, fmt) == [
        ("error", "bad-value", "modelInput.inferenceConfig.temperature is 1.2: from 0 to 1")
    ]
    wrong = _set(body, "outputConfig.textFormat.type", "jsonSchema")
    assert body_problems(wrong, fmt) == [
        (
            "error",
            "bad-value",
            "modelInput.outputConfig.textFormat.type is 'jsonSchema': not one of json_schema",
        )
    ]


def test_a_big_integer_is_out_of_range_not_a_float(tmp_path: Path) -> None:
    """As the JSON has it: 18446744073709551616 (past 64 bits, which orjson reads as a
    float) and 18446744073709551615 (which it reads as an integer) are both out of range."""
    tally = CheckTally(format_for_model(HAIKU, "InvokeModel"))
    _, body = _corpus("claude-batch-record")
    text = json.dumps({"modelInput": {**body, "top_k": 7}})
    for number, big in enumerate(("18446744073709551616", "18446744073709551615"), start=1):
        raw = text.replace('"top_k": 7', f'"top_k": {big}').encode()
        tally.line(raw, "in.jsonl", number, orjson.loads)
    messages = sorted(problem.message for problem in tally.problems.values())
    assert messages == [
        f"modelInput.top_k is {big}: out of range (from 0 to 500)"
        for big in ("18446744073709551615", "18446744073709551616")
    ]


def test_a_claude_body_over_its_payload_limit() -> None:
    fmt = format_for_model(HAIKU, "InvokeModel")
    assert fmt is not None and fmt.max_body_bytes == 20 * 1024 * 1024
    _, body = _corpus("claude-batch-record")
    tally = CheckTally(fmt)
    for number, size in enumerate((fmt.max_body_bytes - 1000, fmt.max_body_bytes + 1), start=1):
        text = "x" * (size - len(json.dumps({**body, "system": ""}, separators=(",", ":"))))
        line = json.dumps({"recordId": f"r{number}", "modelInput": {**body, "system": text}})
        tally.line(line.encode(), "in.jsonl", number, orjson.loads)
    [problem] = tally.problems.values()
    assert problem.kind == "body-too-large" and [w.line for w in problem.where] == [2]
    assert problem.message == (
        f"modelInput is {fmt.max_body_bytes + 1:,} bytes: Anthropic Messages takes at most "
        f"{fmt.max_body_bytes:,} ({fmt.max_body_source})"
    )


def _value_rules(shape: Shape) -> list[Shape]:
    """Every shape in a table that sets a range, a set or a flag."""
    found: list[Shape] = []
    if isinstance(shape, (Str, Int, Num, Bool, Arr)):
        constrained = (
            getattr(shape, "allowed", None) is not None
            or getattr(shape, "maximum", None) is not None
            or getattr(shape, "max_items", None) is not None
            or (isinstance(shape, Num) and shape.minimum is not None)
        )
        if constrained:
            found.append(shape)
    if isinstance(shape, Arr) and shape.items is not None:
        found += _value_rules(shape.items)
    if isinstance(shape, Obj):
        for inner in (*shape.required.values(), *shape.optional.values()):
            found += _value_rules(inner)
    if isinstance(shape, Tagged):
        for variant in shape.variants.values():
            found += _value_rules(variant)
    for option in getattr(shape, "options", ()):
        found += _value_rules(option)
    return found


def test_every_value_rule_names_the_page_it_comes_from() -> None:
    shapes = [fmt.shape for fmt in ALL_FORMATS]
    shapes += [value for rule in MODEL_VALUES for value in rule.values.values()]
    rules = [rule for shape in shapes for rule in _value_rules(shape)]
    assert len(rules) > 60
    unsourced = [rule for rule in rules if not getattr(rule, "source", "")]
    assert unsourced == []
    assert all(rule.source for rule in MODEL_VALUES if rule.max_body_bytes is not None)


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("amazon.nova-2-multimodal-embeddings-v1:0", "nova-multimodal-embeddings"),
        ("us.amazon.nova-2-lite-v1:0", "amazon-nova"),
        ("amazon.nova-canvas-v1:0", None),
        ("amazon.nova-reel-v1:1", None),
        ("mistral.magistral-small-2509", "mistral-chat"),
        ("mistral.ministral-3-14b-instruct", "mistral-chat"),
        ("mistral.mistral-large-3-675b-instruct", "mistral-chat"),
        ("mistral.voxtral-mini-3b-2507", "mistral-chat"),
        ("mistral.mistral-small-2402-v1:0", "mistral-text"),
        ("mistral.codestral-9000", None),
        ("deepseek.r1-v1:0", "deepseek-r1"),
        ("us.deepseek.r1-v1:0", "deepseek-r1"),
        ("deepseek.v3-v1:0", None),
        ("qwen.qwen3-32b-v1:0", "qwen-chat"),
        ("openai.gpt-oss-120b-1:0", "openai-chat"),
        ("openai.gpt-5", None),
        ("ai21.jamba-1-5-large-v1:0", None),
    ],
)
def test_a_model_gets_its_own_table_or_none_never_a_neighbours(
    model_id: str, family: str | None
) -> None:
    fmt = format_for_model(model_id, "InvokeModel")
    assert (fmt.name if fmt is not None else None) == family


def test_without_a_model_a_deepseek_body_is_not_taken_for_mistral(tmp_path: Path) -> None:
    _, body = _corpus("deepseek-r1")
    path = write_jsonl(tmp_path / "in.jsonl", records(body))
    document = json.loads(invoke("check", str(path), "--json").stdout)
    assert document["format"] is None
    assert "deepseek-r1" in document["format_candidates"]
    assert [p["kind"] for p in document["problems"]] == ["format-unknown"]


@pytest.mark.parametrize("entry", CORPUS, ids=[entry["name"] for entry in CORPUS])
def test_every_documented_body_passes_strict(
    entry: dict[str, Any], tmp_path: Path, server: RunningFake
) -> None:
    """Bodies nobody on this project wrote, each with its source: no error, no warning."""
    assert entry["source"]
    path = write_jsonl(tmp_path / "in.jsonl", records(entry["body"]))
    kind = ("--type", entry["type"]) if "type" in entry else ()
    result = check_for_model(
        server, str(path), "--model", entry["model"], *kind, "--strict", "--json"
    )
    document = json.loads(result.stdout)
    assert result.code == 0 and document["problems"] == [], document["problems"]
    assert document["format"] is not None and document["notes"] == []


def test_the_corpus_has_every_family() -> None:
    families = {
        fmt.name
        for entry in CORPUS
        if (fmt := format_for_model(entry["model"], entry.get("type", "InvokeModel")))
    }
    assert families == {fmt.name for fmt in ALL_FORMATS}


# --- the same verdict whatever the source ---


def _mixed(tmp_path: Path) -> Path:
    """Mostly Anthropic bodies, with Llama-shaped ones first (more than the first sample)
    and broken Anthropic ones after: the format is told only from the whole."""
    _, claude = _corpus("claude-batch-record")
    _, llama = _corpus("llama")
    lines = records(llama, 110)
    lines += records({**claude, "temperature": 3.5}, 40, start=110)
    lines += records(claude, 200, start=150)
    return write_jsonl(tmp_path / "mix.jsonl", lines)


def test_standard_input_is_judged_as_the_same_file(tmp_path: Path) -> None:
    path = _mixed(tmp_path)
    on_disk = json.loads(invoke("check", str(path), "--json", "--strict").stdout)
    piped = invoke("check", "-", "--json", "--strict", stdin=path.read_text())
    from_stdin = json.loads(piped.stdout)
    assert piped.code == 7
    assert on_disk["format"]["name"] == from_stdin["format"]["name"] == "anthropic-messages"

    def placeless(document: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {**problem, "where": [{**w, "input": None} for w in problem["where"]]}
            for problem in document["problems"]
        ]

    assert placeless(from_stdin) == placeless(on_disk)
    assert from_stdin["records"] == on_disk["records"] == 350
    assert from_stdin["inputs"][0]["bytes"] == on_disk["inputs"][0]["bytes"]
    assert from_stdin["notes"] == []
    kinds = {problem["kind"] for problem in from_stdin["problems"]}
    assert {"bad-value", "missing-key"} <= kinds


@pytest.mark.parametrize("encoding", ["gzip", "utf-16", "zip"])
def test_an_unreadable_file_is_one_error(tmp_path: Path, encoding: str) -> None:
    import gzip
    import zipfile

    _, claude = _corpus("claude-batch-record")
    text = write_jsonl(tmp_path / "plain.jsonl", records(claude)).read_text()
    path = tmp_path / "in.jsonl"
    if encoding == "gzip":
        path.write_bytes(gzip.compress(text.encode()))
    elif encoding == "utf-16":
        path.write_bytes(text.encode("utf-16"))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("in.jsonl", text)
    result = invoke("check", str(path), "--json")
    assert result.code == 7
    problems = json.loads(result.stdout)["problems"]
    assert [p["kind"] for p in problems] == ["not-jsonl"], problems


@pytest.mark.parametrize(
    ("fault", "count"),
    [("drop", 1500), ("corrupt", 1500), ("drop", 120)],  # 120: broken in the first lines
)
def test_an_s3_body_that_breaks_off_is_read_again(fault: str, count: int) -> None:
    import boto3

    from tests.s3proxy import moto_s3_behind_a_proxy

    _, claude = _corpus("claude-batch-record")
    with moto_s3_behind_a_proxy() as (endpoint, proxy):
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        client.create_bucket(Bucket="batch-in")
        data = b"".join(json.dumps(line).encode() + b"\n" for line in records(claude, count))
        client.put_object(Bucket="batch-in", Key="job/records.jsonl", Body=data)
        key = "batch-in/job/records.jsonl"
        args = ("check", "s3://batch-in/job/records.jsonl", "--json", "--region", "us-east-1")
        env = {"AWS_ENDPOINT_URL_S3": proxy.url}
        proxy.break_next(key, fault, times=1)  # type: ignore[arg-type]
        result = invoke(*args, env=env)
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        assert document["records"] == count and document["problems"] == []
        assert document["inputs"][0]["bytes"] == len(data)
        assert proxy.gets.count(key) == 2  # broken, then whole
        # Broken every time: one clear failure (exit 5), never a verdict on part of it.
        proxy.break_next(key, fault, times=3)  # type: ignore[arg-type]
        failed = invoke(*args, env=env)
        assert failed.code == 5 and failed.stdout == ""
        assert ("broke off" if fault == "drop" else "arrived damaged") in failed.stderr


def test_dev_stdin_and_dev_fd_are_read_as_streams(tmp_path: Path) -> None:
    """`bjob check /dev/stdin < file` (a regular file behind it, whatever its name) and
    /dev/fd/N: checked as the file, in depth."""
    import os
    import subprocess

    from tests.conftest import BJOB

    path = _mixed(tmp_path)
    on_disk = json.loads(invoke("check", str(path), "--json").stdout)
    for command in (
        f"{BJOB} check /dev/stdin --json < {path}",
        f"{BJOB} check /dev/fd/3 --json 3< {path}",
        f"cat {path} | {BJOB} check /dev/fd/0 --json",
    ):
        done = subprocess.run(
            ["bash", "-c", command], capture_output=True, text=True, env=os.environ, timeout=60
        )
        assert done.returncode == 7, (command, done.stderr)
        document = json.loads(done.stdout)
        assert document["records"] == on_disk["records"] == 350
        assert [p["message"] for p in document["problems"]] == [
            p["message"] for p in on_disk["problems"]
        ]


def _document(source: Any) -> dict[str, Any]:
    _, body = _corpus("claude-batch-record")
    block = {"type": "document", "source": source}
    return {**body, "messages": [{"role": "user", "content": [block]}]}


@pytest.mark.parametrize(
    ("body", "problems"),
    [
        (_document({"type": "base64", "media_type": "application/pdf", "data": "JVBE"}), []),
        (_document({"type": "text", "media_type": "text/plain", "data": "Hello"}), []),
        (_document({"type": "content", "content": []}), []),  # a kind the table leaves be
        (
            _document({"type": "base64", "data": "JVBE"}),
            ["modelInput.messages[0].content[0].source lacks media_type"],
        ),
        (
            _document({"type": 5}),
            ["modelInput.messages[0].content[0].source.type is 5: not one of base64"],
        ),
        (_document({}), ["modelInput.messages[0].content[0].source lacks type"]),
    ],
)
def test_the_fast_check_agrees_with_the_walk_on_open_tagged_sources(
    body: dict[str, Any], problems: list[str]
) -> None:
    fmt = format_for_model(HAIKU, "InvokeModel")
    assert fmt is not None
    found: list[Any] = []
    fmt.shape.check_value(body, "modelInput", found)
    assert [message for _, _, message in found] == problems
    assert fmt.fast_check(body) == (problems == [])


def test_a_stream_that_cannot_be_kept_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import io

    class FullDisk(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("tempfile.TemporaryFile", lambda **_: FullDisk())
    path = _mixed(tmp_path)
    result = invoke("check", "-", "--json", stdin=path.read_text())
    assert result.code == 14 and result.stdout == ""
    assert "-: the stream cannot be kept to be checked: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
