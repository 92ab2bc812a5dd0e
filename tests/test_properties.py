"""Property tests: any response shaped like the service model's GetModelInvocationJob output
normalizes, renders for people and as JSON (valid against the schema) without raising."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bjob.model.job import MalformedJobError, normalize_job
from bjob.model.track import JobTrack
from bjob.render.jsonout import dumps, job_to_dict
from bjob.render.view import print_jobs, print_jobs_table
from bjob.render.watchview import LogDisplay
from tests.conftest import NOW, SCHEMA, environment, output

MODEL = botocore.session.get_session().get_service_model("bedrock")
OUTPUT = MODEL.operation_model("GetModelInvocationJob").output_shape

_datetimes = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=st.just(UTC)
)


def strategy_for(shape: Any) -> st.SearchStrategy[Any]:
    """Values of a botocore shape, as botocore's parser (or the AWS CLI's JSON) gives them."""
    kind = shape.type_name
    if kind == "structure":
        members = {name: strategy_for(member) for name, member in shape.members.items()}
        return st.fixed_dictionaries({}, optional=members)
    if kind == "list":
        return st.lists(strategy_for(shape.member), max_size=3)
    if kind in ("integer", "long"):
        return st.integers(min_value=shape.metadata.get("min", 0), max_value=2**63 - 1)
    if kind == "timestamp":
        # botocore's default parser gives datetimes; bjob keeps the wire's ISO strings.
        return _datetimes | _datetimes.map(lambda moment: moment.isoformat())
    if kind == "string":
        text = st.text(max_size=80)
        enum = shape.enum
        return st.sampled_from(enum) | text if enum else text
    raise AssertionError(f"no strategy for {kind}")


responses = strategy_for(OUTPUT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses)
def test_any_shaped_response_normalizes_and_renders(response: dict[str, Any]) -> None:
    try:
        job = normalize_job(response)
    except MalformedJobError:
        assert response.get("jobArn") is None and response.get("status") is None
        return
    document = json.loads(dumps(job_to_dict(job, NOW)))
    jsonschema.validate(document, SCHEMA)
    assert document["status"] == response.get("status")
    assert document["records"]["total"] == response.get("totalRecordCount")  # exact integers
    for styled in (False, True):
        env = environment(tty=styled)
        print_jobs(env, [job], NOW)
        print_jobs_table(env, [job], NOW, regions=True)
        if not styled:
            assert_inert(output(env.stdout))
    # watch's log lines, from the same job seen twice
    track = JobTrack(job)
    track.observe(job, 0.0, NOW)
    lines = io.StringIO()
    display = LogDisplay(lines, lines, lambda: NOW)
    display.update([track], [track])
    display.finish([track], job.state_exit_code(), interrupted=False)
    assert_inert(lines.getvalue())


def assert_inert(text: str) -> None:
    assert not any(ord(char) < 32 and char != "\n" for char in text)
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
_record_keys = st.sampled_from(["recordId", "modelInput", "modelOutput", "error", "x"])
_lines = st.one_of(
    st.binary(max_size=40),
    st.dictionaries(_record_keys, _json_values, max_size=4).map(lambda d: json.dumps(d).encode()),
    _json_values.map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=120, deadline=None)
@given(st.lists(_lines, max_size=6))
def test_any_output_or_input_line_is_classified_never_crashes(lines: list[bytes]) -> None:
    """Output lines tally (a record, or unreadable); input lines check (problems, never an
    exception), against every request format and none."""
    import orjson

    from bjob.model.check import CheckTally
    from bjob.model.join import Join, input_key, retry_line_from_output
    from bjob.model.requestformats import FORMATS
    from bjob.model.results import tally_lines

    failed: list[bytes] = []
    tally, outcomes = tally_lines(lines, "out", orjson.loads, failed.append)
    assert tally.succeeded + tally.failed + tally.unreadable <= len(lines)
    assert len(failed) == tally.failed
    for line in failed:  # a retry line from an output line is JSON, or there is none
        retried = retry_line_from_output(line)
        assert retried is None or isinstance(orjson.loads(retried)["modelInput"], dict)
    join = Join({"in": outcomes})
    verdicts = [
        join.line("in", f"in:{n}", input_key(line, orjson.loads)) for n, line in enumerate(lines, 1)
    ]
    assert verdicts.count("failed") == join.failed_matched <= tally.failed
    assert verdicts.count("missing") == len(join.missing_ids)
    for fmt in (None, *FORMATS.values()):
        check = CheckTally(fmt)
        counted = sum(check.line(line, "in", n, orjson.loads) for n, line in enumerate(lines, 1))
        assert counted <= len(lines)
        for problem in check.problems.values():
            assert problem.count >= 1 and problem.severity in ("error", "warning")


_message = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["user", "assistant", "system", "bot"]),
        "content": st.one_of(
            st.text(max_size=5),
            st.lists(
                st.fixed_dictionaries(
                    {"type": st.sampled_from(["text", "image", "txt"]), "text": st.text(max_size=3)}
                ),
                max_size=2,
            ),
            st.lists(st.fixed_dictionaries({"text": st.text(max_size=3)}), max_size=2),
        ),
    }
)
_body_keys = st.sampled_from(
    [
        "messages",
        "max_tokens",
        "anthropic_version",
        "system",
        "inputText",
        "dimensions",
        "prompt",
        "modelId",
        "inferenceConfig",
        "texts",
        "input_type",
        "temperature",
        "top_k",
        "stream",
        "model",
        "max_gen_len",
        "taskType",
        "singleEmbeddingParams",
        "output_config",
        "top_p",
    ]
)
# Values at and past the edges the tables set (ranges, 64-bit integers, a float for a big
# integer), and the values some keys must have.
_edges = st.sampled_from(
    [256, 1, 0, -1, 0.5, 1.5, 2048, 2049, 2**63, 2**64, 1.8446744073709552e19, True, False]
    + ["bedrock-2023-05-31", "SINGLE_EMBEDDING", "openai.gpt-oss-20b-1:0"]
)
_bodies = st.dictionaries(
    _body_keys,
    st.one_of(_json_values, st.lists(_message, max_size=2), _edges),
    max_size=5,
)
# Tables as a model refines them (caps, the model it may name, a payload limit).
_MODEL_IDS = (
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "amazon.titan-text-lite-v1",
    "mistral.mixtral-8x7b-instruct-v0:1",
    "openai.gpt-oss-20b-1:0",
    "qwen.qwen3-32b-v1:0",
)


@settings(max_examples=400, deadline=None)
@given(_bodies)
def test_the_body_check_never_raises_and_names_paths_in_the_body(body: dict[str, Any]) -> None:
    """Any body, against every table as models refine them: problems, never an exception;
    each names a JSON path under modelInput, an unknown key's warning comes only for a key
    the body has, and the engine's verdict (the quick answer) is the report's."""
    from bjob.model.requestformats import FORMATS, format_for_model

    refined = [format_for_model(model_id, "InvokeModel") for model_id in _MODEL_IDS]
    for fmt in (*FORMATS.values(), *(fmt for fmt in refined if fmt is not None)):
        problems: list[Any] = []
        fmt.shape.check_value(body, "modelInput", problems)
        assert fmt.fast_check(body) == (problems == []), (fmt.name, body, problems)
        for severity, kind, message in problems:
            assert severity in ("error", "warning") and message.startswith("modelInput")
            if kind == "unknown-key":
                key = message.removeprefix("modelInput.").split(" ", 1)[0]
                assert key in body and not fmt.shape.knows(key), (fmt.name, message)


def _corpus_bodies() -> list[tuple[str, str, dict[str, Any]]]:
    from tests.conftest import REPO

    corpus = json.loads((REPO / "tests" / "corpus" / "requests.json").read_text())["requests"]
    return [(item["model"], item.get("type", "InvokeModel"), item["body"]) for item in corpus]


# A value of each JSON type, to put where a table wants another.
_TYPED = {"string": "x", "integer": 7, "boolean": True, "array": [], "object": {}, "null": None}


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_corpus_bodies()),
    st.data(),
)
def test_a_documented_body_changed_once_has_exactly_the_expected_problem(
    documented: tuple[str, str, dict[str, Any]], data: st.DataObject
) -> None:
    """A body AWS documents (no problem) with one thing changed — a required key left out,
    a required key's value of another JSON type, a key the record or job owns, unknown keys
    around a mistyped optional one — has exactly the problems that change calls for, in the
    body's key order, each at its path."""
    from bjob.model.requestformats import AnyValue, Either, body_problems, format_for_model

    model, invocation_type, body = documented
    fmt = format_for_model(model, invocation_type)
    assert fmt is not None and body_problems(body, fmt) == []
    shape, title = fmt.shape, fmt.shape.title
    change = data.draw(st.sampled_from(["drop", "retype", "refused", "unknown"]))
    required = [key for key in shape.required if key in body]
    if change == "drop" and required:
        key = data.draw(st.sampled_from(required))
        changed = {name: value for name, value in body.items() if name != key}
        expected = [("error", "missing-key", f"modelInput lacks {key}, which {title} requires")]
    elif change == "retype" and required:
        key = data.draw(st.sampled_from(required))
        wanted = shape.required[key]
        others = [kind for kind in _TYPED if not wanted.accepts_type(_TYPED[kind])]
        if isinstance(wanted, AnyValue | Either) or not others:
            return
        kind = data.draw(st.sampled_from(others))
        changed = {**body, key: _TYPED[kind]}
        article = "an" if kind[0] in "aeio" else "a"
        wants = " or ".join(f"{'an' if t[0] in 'aeio' else 'a'} {t}" for t in wanted.types)
        expected = [("error", "wrong-type", f"modelInput.{key} is {article} {kind}, not {wants}")]
    elif change == "refused" and "recordId" in shape.refused:
        changed = {**body, "recordId": "r1"}
        why = shape.refused["recordId"]
        expected = [("error", "refused-key", f"modelInput.recordId: {why}")]
    else:
        # Unknown keys before and after an optional key given a number where a list goes.
        lists = [
            key
            for key, option in shape.optional.items()
            if option.types == ("array",) and key not in body
        ]
        unknown = (
            f"is not part of {title}: the model is likely to reject it" if title else "is unknown"
        )
        before, after = "zz_before", "zz_after"
        changed = {before: 1, **body}
        expected = [("warning", "unknown-key", f"modelInput.{before} {unknown}")]
        if lists:
            key = data.draw(st.sampled_from(lists))
            changed[key] = 5
            expected.append(
                ("error", "wrong-type", f"modelInput.{key} is an integer, not an array")
            )
        changed[after] = 2
        expected.append(("warning", "unknown-key", f"modelInput.{after} {unknown}"))
    assert body_problems(changed, fmt) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=4), st.integers(min_value=1, max_value=5))
def test_an_item_of_the_wrong_type_is_named_by_its_index(at: int, count: int) -> None:
    """A message that is not an object, among good ones, is named by its place in the list."""
    from bjob.model.requestformats import body_problems, format_for_model

    fmt = format_for_model("anthropic.claude-3-haiku-20240307-v1:0", "InvokeModel")
    assert fmt is not None
    message = {"role": "user", "content": "Hello"}
    messages: list[Any] = [message] * count
    messages.insert(min(at, count), "Hello")
    body = {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 10, "messages": messages}
    assert body_problems(body, fmt) == [
        (
            "error",
            "wrong-type",
            f"modelInput.messages[{min(at, count)}] is a string, not an object",
        )
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=60), st.lists(st.integers(min_value=0, max_value=60), max_size=6))
def test_lines_split_from_chunks_as_from_the_whole(data: bytes, cuts: list[int]) -> None:
    """However a stream is cut into chunks, the lines are the whole's lines (\\r\\n too)."""
    from bjob.model.lines import split_lines

    points = sorted({0, len(data), *(cut for cut in cuts if cut <= len(data))})
    chunks = [data[start:end] for start, end in zip(points, points[1:], strict=False)]
    expected = data.split(b"\n")
    if expected and expected[-1] == b"":
        expected.pop()
    assert list(split_lines(iter(chunks))) == expected
    stripped = [line.removesuffix(b"\r") for line in expected]
    assert list(split_lines(iter(chunks), crlf=True)) == stripped
