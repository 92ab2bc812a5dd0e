"""The shortcuts `bjob answers` takes for speed agree with the careful path on every line:
an output line read at once (a success) is judged and extracted as classify_line and the
general extraction judge it, the input's ids are input_key's, an ok answer's CSV row is the
general row, and the writer keeps its lines in order whatever their kind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bjob.aws.s3 import S3Object
from bjob.model import answers as model_answers
from bjob.model.answers import Answer, CsvRows, Extracted, answer_csv_cells, extract
from bjob.model.join import input_key
from bjob.model.lines import split_lines
from bjob.model.locations import S3Location
from bjob.model.results import FileOutcomes, Tally, classify_line, stop_reason
from bjob.support.concurrent import Cancel
from bjob.usecases import answers as usecase
from bjob.usecases.results.jobfiles import input_record_keys, numbered_lines

ANSWER = (
    b'{"content":[{"type":"text","text":"fine"}],"stop_reason":"end_turn",'
    b'"usage":{"input_tokens":3,"output_tokens":4}}'
)


def line(record_id: bytes, rest: bytes = b'"modelOutput":' + ANSWER) -> bytes:
    return b'{"recordId":' + record_id + b"," + rest + b"}"


# Lines a fast path could misread: escapes, a "recordId" in the question's text, keys in
# another order, spaces, unicode escapes, duplicate keys (orjson keeps the last), errors and
# outputs together, odd shapes, broken JSON, bad UTF-8, nesting past orjson's limit.
TRICKY_OUTPUT_LINES = [
    line(b'"plain"', b'"modelInput":{"messages":[]},"modelOutput":' + ANSWER),
    b'{"recordId":"quotes","modelInput":{"messages":[{"role":"user","content":'
    b'"say \\"recordId\\": \\"evil\\", \\"modelOutput\\": {}, \\"error\\": 1"}]},'
    b'"modelOutput":{"content":[{"type":"text","text":"he said \\"hi\\"\\n\\u00e9\\ud83d\\ude00'
    b'},{\\"recordId\\":"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}}',
    b'  {  "modelOutput" : {"stop_reason" : "max_tokens", "content" : [ ],\r "usage" : '
    b'{"output_tokens":0, "input_tokens":5}} ,\t"recordId" : "reordered"  }  ',
    b'{"recordId":"dup-first","recordId":"dup-last","modelOutput":' + ANSWER + b"}",
    b'{"modelOutput":' + ANSWER + b',"recordId":"out-first","modelOutput":{"completion":"x"}}',
    line(
        b'"err-then-null"',
        b'"error":{"errorCode":400,"errorMessage":"x"},"error":null,"modelOutput":' + ANSWER,
    ),
    line(
        b'"null-then-err"',
        b'"error":null,"modelOutput":'
        + ANSWER
        + b',"error":{"errorCode":500,"errorMessage":"boom"}',
    ),
    line(b'"null-error"', b'"error":null,"modelOutput":' + ANSWER),
    line(b'"failed"', b'"modelInput":{},"error":{"errorCode":400,"errorMessage":"Malformed"}'),
    line(b'"failed-bare"', b'"error":{"errorCode":true,"errorMessage":7}'),
    line(b'"error-text"', b'"error":"just text","modelOutput":' + ANSWER),
    line(b'"error-false"', b'"error":false,"modelOutput":' + ANSWER),
    b'{"recordId":"neither"}',
    b'["not", "an", "object"]',
    b'"a string"',
    b'{"recordId":"broken","modelOutput":{',
    b"",
    b"   ",
    b"\x0b",
    line(b"7"),
    line(b"null"),
    b'{"modelOutput":' + ANSWER + b"}",
    line(b'"string-output"', b'"modelOutput":"just a string"'),
    line(b'"null-output"', b'"modelOutput":null'),
    line(
        b'"converse"',
        b'"modelOutput":{"output":{"message":{"content":[{"text":"a"},'
        b'{"text":"b"}]}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":2}}',
    ),
    line(
        b'"tool"',
        b'"modelOutput":{"content":[{"type":"tool_use","id":"t"}],'
        b'"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}',
    ),
    line(
        b'"blocks"',
        b'"modelOutput":{"content":[{"type":"text","text":"a"},{"type":"thinking",'
        b'"thinking":"x"},{"text":"b"},"loose"],"stop_reason":"end_turn",'
        b'"usage":{"input_tokens":1,"output_tokens":2}}',
    ),
    line(
        b'"odd-usage"',
        b'"modelOutput":{"content":[{"type":"text","text":"a"}],'
        b'"stop_reason":"end_turn","usage":{"input_tokens":-1,"output_tokens":true}}',
    ),
    line(
        b'"no-usage"',
        b'"modelOutput":{"content":[{"type":"text","text":"a"}],'
        b'"stop_reason":null,"prompt_token_count":4,"generation_token_count":5}',
    ),
    line(
        b'"embedding-too"',
        b'"modelOutput":{"content":[{"type":"text","text":"a"}],'
        b'"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2},'
        b'"embedding":[0.5]}',
    ),
    line(
        b'"text-not-string"',
        b'"modelOutput":{"content":[{"type":"text","text":5}],'
        b'"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}',
    ),
    line(
        b'"plain"',
        b'"modelOutput":{"content":[{"type":"text","text":"again"}],'
        b'"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}',
    ),
    line(b'"plain"', b'"error":{"errorCode":429,"errorMessage":"later"}'),
    line(b'"bad-utf8"', b'"modelInput":{"x":"\xff\xfe"},"modelOutput":' + ANSWER),
    line(b'"deep"', b'"modelInput":' + b"[" * 2000 + b"]" * 2000 + b',"modelOutput":' + ANSWER),
    line(
        b'"big-number"',
        b'"modelInput":{"n":123456789012345678901234567890},"modelOutput":' + ANSWER,
    ),
]


def general_extract(output: Any, reason: Any) -> Extracted:
    """extract as it was before its shortcut: the general path, step by step."""
    if not isinstance(output, dict):
        return Extracted(None)
    tokens_in, tokens_out = model_answers._tokens(output)
    embedding = model_answers._embedding(output)
    if embedding is not None:
        return Extracted(None, embedding, reason, tokens_in, tokens_out)
    return Extracted(model_answers._text(output), None, reason, tokens_in, tokens_out)


def careful_read(lines: list[bytes], mode: usecase.AnswerMode) -> usecase._OutputRead:
    """An output file read as before the shortcut: every line through classify_line."""
    read = usecase._OutputRead(Tally(), FileOutcomes(), {}, {})
    for number, raw in enumerate(lines, 1):
        if not raw or raw.isspace():
            continue
        try:
            document = orjson.loads(raw)
            record = classify_line(raw, lambda _, document=document: document)
        except ValueError:
            read.tally.add_unreadable(f"part.jsonl.out:{number}")
            continue
        if not mode.text:
            read.tally.add(record)
        read.outcomes.add(record)
        if record.record_id is None:
            continue
        kept: Any = record
        if not record.failed and mode.text:
            output = document["modelOutput"]
            found = general_extract(output, record.stop_reason)
            kept = found if not mode.raw else usecase._Raw(found, output)
        read.keep(record.record_id, record.failed, kept)
    return read


class LinesS3:
    """What the readers ask of a job's S3 side, from lines in memory."""

    output_owner = input_owner = None

    def __init__(self, lines: list[bytes]) -> None:
        self.data = b"\n".join(lines) + b"\n"

    def chunks(self, location: Any, owner: Any, cancel: Any = None) -> Iterator[bytes]:
        return iter([self.data[start : start + 7] for start in range(0, len(self.data), 7)])

    def lines(self, location: Any, owner: Any, cancel: Any = None) -> Iterator[bytes]:
        return split_lines(self.chunks(location, owner))

    def input_lines(self, location: Any, cancel: Any = None) -> Iterator[bytes]:
        return split_lines(self.chunks(location, None), crlf=True)


def fast_read(lines: list[bytes], mode: usecase.AnswerMode) -> usecase._OutputRead:
    item = S3Object(S3Location("bucket", "jobs/x/part.jsonl.out"), 0)
    return usecase._read_output(LinesS3(lines), item, mode, Cancel())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mode",
    [usecase.AnswerMode(), usecase.AnswerMode(raw=True), usecase.AnswerMode(text=False)],
    ids=["answers", "raw", "counting"],
)
def test_output_lines_are_judged_as_the_careful_path_judges_them(
    mode: usecase.AnswerMode,
) -> None:
    fast, careful = fast_read(TRICKY_OUTPUT_LINES, mode), careful_read(TRICKY_OUTPUT_LINES, mode)
    assert fast.tally == careful.tally
    assert fast.outcomes == careful.outcomes
    assert fast.succeeded == careful.succeeded
    assert fast.failed == careful.failed
    if mode == usecase.AnswerMode():  # what the lines are, for a reader of this test
        assert fast.tally.unreadable == 6
        assert set(fast.outcomes.succeeded) >= {"quotes", "reordered", "dup-last", "out-first"}
        assert {"err-then-null", "null-error", "bad-utf8", "deep"}.isdisjoint(fast.outcomes.failed)
        assert fast.succeeded["quotes"] == Extracted(
            'he said "hi"\né\U0001f600},{"recordId":', None, "end_turn", 1, 2
        )
        assert isinstance(fast.succeeded["plain"], usecase._Several)


_BLOCK = st.one_of(
    st.fixed_dictionaries(
        {"text": st.one_of(st.text(max_size=4), st.none(), st.integers())},
        optional={"type": st.sampled_from(["text", "tool_use", "thinking", None, 3])},
    ),
    st.text(max_size=3),
)
_COUNT = st.one_of(
    st.integers(0, 5), st.one_of(st.integers(-2, -1), st.booleans(), st.none(), st.text(max_size=2))
)
# Anthropic Messages answers (the shortcut's shape), each part now and then something else.
ANTHROPIC_LIKE = st.fixed_dictionaries(
    {
        "content": st.one_of(
            st.lists(_BLOCK, max_size=3), st.one_of(st.text(max_size=3), st.none())
        ),
        "stop_reason": st.one_of(
            st.sampled_from(["end_turn", "max_tokens"]), st.one_of(st.none(), st.integers())
        ),
        "usage": st.one_of(
            st.fixed_dictionaries(
                {"input_tokens": _COUNT, "output_tokens": _COUNT},
                optional={"inputTokens": _COUNT, "prompt_tokens": _COUNT},
            ),
            st.one_of(st.none(), st.lists(st.integers(), max_size=2)),
        ),
    },
    optional={
        "embedding": st.one_of(st.lists(st.floats(allow_nan=False), max_size=2), st.none()),
        "embeddings": st.one_of(
            st.lists(st.lists(st.integers(), max_size=2), max_size=2),
            st.dictionaries(st.sampled_from(["float", "int8"]), st.lists(st.integers())),
            st.none(),
        ),
        "completion": st.text(max_size=3),
        "stopReason": st.text(max_size=3),
    },
)


_USAGE = {"input_tokens": 1, "output_tokens": 2}


@settings(max_examples=400, deadline=None)
@given(ANTHROPIC_LIKE)
@example({"content": [{"type": "tool_use", "text": "t"}], "stop_reason": "x", "usage": _USAGE})
@example({"content": [{"type": 3, "text": "t"}], "stop_reason": "x", "usage": _USAGE})
@example({"content": [{"text": "t"}, "loose"], "stop_reason": "x", "usage": _USAGE})
@example({"content": [{"text": "t"}], "stop_reason": "x", "usage": _USAGE, "embeddings": [[1]]})
@example({"content": [{"text": "t"}], "stop_reason": "x", "usage": _USAGE, "embedding": [0.5]})
@example({"content": [], "stop_reason": 5, "usage": _USAGE, "stopReason": "y"})
@example({"content": [], "stop_reason": None, "usage": _USAGE, "completion": "c"})
@example({"content": [], "stop_reason": "x", "usage": {"input_tokens": -1, "output_tokens": 2}})
@example({"content": [], "stop_reason": "x", "usage": {"input_tokens": 1, "output_tokens": True}})
@example({"content": [], "stop_reason": "x", "usage": {"input_tokens": 1, "inputTokens": 3}})
@example({"content": "text", "stop_reason": "x", "usage": _USAGE, "completion": "c"})
def test_the_messages_shortcut_extracts_what_the_general_path_does(output: dict[str, Any]) -> None:
    assert extract(output) == general_extract(output, stop_reason(output))


def test_input_ids_are_input_keys_of_each_line() -> None:
    lines = [
        b'\xef\xbb\xbf{"recordId":"bom"}',
        b'{"recordId":"a","modelInput":{"t":"\\"recordId\\": \\"b\\""}}\r',
        b"",
        b"  \t",
        b'{"recordId":7}',
        b'{"modelInput":{"recordId":"inner"}}',
        b'["recordId","x"]',
        b'"recordId"',
        b'{"recordId":"broken"',
        b'{"recordId":"one","recordId":"two"}',
        b'{"recordId":"bad-utf8","x":"\xff"}',
        b'{"recordId":"crlf"}\r',
    ]
    careful = [
        (number, input_key(raw, orjson.loads))
        for number, raw in numbered_lines(LinesS3(lines).input_lines(None))
        if raw and not raw.isspace()
    ]
    found = input_record_keys(LinesS3(lines), None, Cancel())  # type: ignore[arg-type]
    assert found == careful
    assert [key for _, key in found if isinstance(key, str)] == ["bom", "a", "two", "crlf"]


@pytest.mark.parametrize(
    "answer",
    [
        Answer("plain", "ok", "arn:job", Extracted("fine", None, "end_turn", 3, 4)),
        Answer(
            'a,"b"', "ok", "arn:job", Extracted('say "hi", twice\r\nthen ✓', None, None, None, 0)
        ),
        Answer("c", "ok", "arn,odd", Extracted(None, None, "tool,use", 1, None)),
        Answer(None, "ok", None, Extracted("", None, "\n", None, None)),
    ],
)
def test_an_ok_answers_csv_row_is_the_general_row(answer: Answer) -> None:
    assert answer.extracted is not None
    fast, general = CsvRows(), CsvRows()
    for _ in range(2):  # the second time from the fields it keeps
        fast.add_answer(answer.record_id, answer.extracted, answer.job)
        general.add(answer_csv_cells(answer.to_dict(), lambda value: json.dumps(value), False))
    assert fast.take() == general.take()


def test_answer_writer_lines_in_order_whatever_their_kind(tmp_path: Any) -> None:
    written: list[bytes] = []
    writer = usecase.AnswerWriter(written.append, "jsonl", raw=False)
    answers = [
        Answer("a", "ok", "arn", Extracted("one", None, "end_turn", 1, 2)),
        Answer("b", "failed", "arn", None, 400, "bad"),
        Answer("c", "ok", "arn", Extracted(None, [0.5, 1.5], None, 2, None)),
        Answer("d", "missing", "arn"),
        Answer("e", "ok", "arn", Extracted("five", None, None, None, None)),
    ]
    location = S3Location("bucket", "in/a.jsonl")
    for number, answer in enumerate(answers, 1):
        writer(location, number, answer)
    writer.flush()
    assert b"".join(written) == b"".join(
        orjson.dumps(answer.to_dict(), option=orjson.OPT_APPEND_NEWLINE) for answer in answers
    )
    assert writer.lines == 5
