"""The job's input joined to its outputs, file by file: which records failed, which never got
an output line, and the exact lines to submit again.

Bedrock writes `<input file>.out` for each input file, and each file is its own namespace of
recordIds (a prefix of several files may reuse them), so a record is matched by (file,
recordId), never by recordId alone and never by position. An input line is matched to one
output line: a success first, then a failure; a recordId the input repeats takes the next
output line with that id, and a repeat with none left is missing (never merged in silence).
Lines to submit again are the input's own bytes, copied, not re-serialized.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from bjob.model.lines import BOM, split_lines
from bjob.model.results import FileOutcomes

Verdict = Literal["succeeded", "failed", "missing", "unreadable", "unnamed"]
PLACES_NAMED = 3  # in a warning, before "and N more"


class Unreadable:
    """An input line that is not a JSON object."""


UNREADABLE = Unreadable()
# What the join needs of an input line: its recordId, None when it has none, or UNREADABLE.
InputKey = str | None | Unreadable


def input_key(raw: bytes, loads: Callable[[bytes], Any]) -> InputKey:
    try:
        document = loads(raw)
    except (ValueError, RecursionError):
        return UNREADABLE
    if not isinstance(document, dict):
        return UNREADABLE
    record_id = document.get("recordId")
    return record_id if isinstance(record_id, str) else None


def record_keys(chunks: Iterable[bytes]) -> list[tuple[int, InputKey]]:
    """What the join needs of every non-blank line of one input file, from its bytes as
    read: (line number, key), a UTF-8 byte-order mark taken off the first line (as `bjob
    check` reads it: a warning there, not an unreadable record)."""
    keys: list[tuple[int, InputKey]] = []
    add, loads = keys.append, orjson.loads
    for number, raw in enumerate(split_lines(iter(chunks), crlf=True), 1):
        if number == 1:
            raw = raw.removeprefix(BOM)
        if not raw or raw.isspace():
            continue
        try:  # input_key's, inline: a call per line less
            document = loads(raw)
        except (ValueError, RecursionError):
            add((number, UNREADABLE))
            continue
        if type(document) is dict:
            record_id = document.get("recordId")
            add((number, record_id if isinstance(record_id, str) else None))
        else:
            add((number, UNREADABLE))
    return keys


SentKey = str | None | bool  # (marshal has no UNREADABLE: False stands for it)


def sent_record_keys(chunks: Iterable[bytes]) -> list[tuple[int, SentKey]]:
    """record_keys as a worker process sends them back."""
    return [
        (number, False if isinstance(key, Unreadable) else key)
        for number, key in record_keys(chunks)
    ]


def received_record_keys(sent: list[tuple[int, SentKey]]) -> list[tuple[int, InputKey]]:
    """sent_record_keys' value, as record_keys gave it."""
    return [(number, UNREADABLE if key is False else key) for number, key in sent]  # type: ignore[misc]


@dataclass
class _Remaining:
    """What one output file still has to match, as input lines are read."""

    succeeded: Counter[str]
    failed: Counter[str]


@dataclass
class Join:
    """Input lines matched, one at a time, to what the output files hold (`outcomes`, keyed
    by the input file's name: the output file's name without ".out")."""

    outcomes: Mapping[str, FileOutcomes]
    files: list[str] = field(default_factory=list)  # the input files' names, as read
    records: int = 0
    unreadable: int = 0
    unreadable_places: list[str] = field(default_factory=list)
    without_record_id: int = 0
    repeated: int = 0
    repeated_places: list[str] = field(default_factory=list)
    missing_ids: list[str] = field(default_factory=list)
    failed_matched: int = 0
    _remaining: dict[str, _Remaining] = field(default_factory=dict)
    _seen: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> first place

    def __post_init__(self) -> None:
        self._remaining = {
            name: _Remaining(Counter(found.succeeded), Counter(found.failed))
            for name, found in self.outcomes.items()
        }

    def line(self, name: str, place: str, record_id: InputKey) -> Verdict:
        """The verdict on one (non-blank) input line of the input file `name`, given its
        input_key; `place` is "uri:line" for warnings."""
        self.records += 1
        if isinstance(record_id, Unreadable):
            self.unreadable += 1
            self.unreadable_places.append(place)
            return "unreadable"
        if record_id is None:
            self.without_record_id += 1
            return "unnamed"
        first = self._seen.setdefault(name, {}).setdefault(record_id, place)
        if first != place:
            self.repeated += 1
            if len(self.repeated_places) < PLACES_NAMED:
                self.repeated_places.append(f"{record_id!r} at {place} (first at {first})")
        remaining = self._remaining.get(name)
        if remaining is not None and remaining.succeeded[record_id] > 0:
            remaining.succeeded[record_id] -= 1
            return "succeeded"
        if remaining is not None and remaining.failed[record_id] > 0:
            remaining.failed[record_id] -= 1
            self.failed_matched += 1
            return "failed"
        self.missing_ids.append(record_id)
        return "missing"

    def unpaired(self) -> tuple[list[str], list[str]]:
        """(input files with no output file, output files no input file names)."""
        inputs = [name for name in self.files if name not in self.outcomes]
        outputs = [name + ".out" for name in self.outcomes if name not in self.files]
        return inputs, outputs

    def failed_left(self, name: str) -> Counter[str]:
        """Failed output lines of `name` no input line matched (the input lacks their id):
        they are submitted again from their output line's modelInput."""
        remaining = self._remaining.get(name)
        return +remaining.failed if remaining is not None else Counter()

    def succeeded_left(self) -> int:
        """Successful output lines whose recordId the input does not have."""
        return sum(sum((+found.succeeded).values()) for found in self._remaining.values())


def retry_line_from_output(line: bytes) -> bytes | None:
    """An input line for a failed output line: its recordId, and its modelInput's bytes
    exactly as they stand in the line. None when the line carries no modelInput object."""
    try:
        text = line.decode("utf-8")
        span = _top_level_value(text, "modelInput")
        record_id = _top_level_value(text, "recordId")
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if span is None or not span.startswith("{"):
        return None
    head = f'{{"recordId":{record_id},' if record_id is not None else "{"
    return f'{head}"modelInput":{span}}}'.encode()


def _top_level_value(text: str, key: str) -> str | None:
    """The text of `key`'s value in the JSON object `text`, as it is written (numbers past
    64 bits, escapes and key order untouched); None when the object has no such key."""
    decoder = json.JSONDecoder()
    index = _skip_space(text, 0)
    if text[index : index + 1] != "{":
        raise ValueError("not a JSON object")
    index = _skip_space(text, index + 1)
    found = None
    while text[index : index + 1] != "}":
        if text[index : index + 1] != '"':
            raise ValueError("expected a key")
        name, index = decoder.raw_decode(text, index)
        index = _skip_space(text, index)
        if text[index : index + 1] != ":":
            raise ValueError("expected ':'")
        start = _skip_space(text, index + 1)
        _, end = decoder.raw_decode(text, start)
        if name == key:
            found = text[start:end]
        index = _skip_space(text, end)
        if text[index : index + 1] == ",":
            index = _skip_space(text, index + 1)
        elif text[index : index + 1] != "}":
            raise ValueError("expected ',' or '}'")
    return found


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index
