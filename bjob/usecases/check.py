"""Checking a job's input before it is submitted: local .jsonl files and folders, standard
input, FIFOs, or S3 objects and prefixes, read as streams (several at once) the way Bedrock
will read them; the model resolved, and its quotas looked up while the files are read."""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import orjson

from bjob.aws.s3 import iter_lines, jsonl_objects, read_again
from bjob.model.check import (
    DEFAULT_LIMITS,
    MAX_BODY_BYTES,
    SAMPLES_FOR_INFERENCE,
    CheckReport,
    CheckTally,
    FormatChoice,
    InputFile,
    Problem,
    Where,
    choose_format,
    cross_file_repeats,
    in_order,
    limit_problems,
)
from bjob.model.lines import CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.models import base_model_id, looks_like_an_id
from bjob.model.requestformats import BODY_KINDS, FORMATS, RequestFormat, format_for_model
from bjob.support.concurrent import Cancel, in_background, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.modellookup import ClientsFactory, ModelLookup, lookup_model

if TYPE_CHECKING:
    pass

READERS = 4  # input files read at once
CANCEL_EVERY_LINES = 1000  # how often a file being checked looks whether to stop
Lines = Callable[[], Iterator[bytes]]
# Given every line as it is read, beside the check: (source index, byte offset, line).
# (source, offset, line, the line as JSON or NOT_PARSED): what check read, for a cost
# counted alongside without parsing the line again.
LineObserver = Callable[[int, int, bytes, Any], None]
NOT_PARSED: Any = object()


@dataclass(frozen=True)
class Source:
    """One input file: where it is, its size (None for a stream: counted as read), and its
    lines read as a stream; a stream (stdin, a FIFO) can be read only once."""

    uri: str
    size: int | None
    lines: Lines
    rereadable: bool = True


@dataclass(frozen=True)
class Sources:
    items: list[Source]
    skipped: int  # files in folders that are not .jsonl, or hidden


def find_sources(
    inputs: Sequence[str], clients: ClientsFactory, stdin: Callable[[], IO[bytes]]
) -> Sources:
    """Every .jsonl file the INPUTs name, in order; a usage error (2) for one that cannot be
    read or names no .jsonl file."""
    sources: list[Source] = []
    skipped = 0
    for text in inputs:
        if text == "-":
            found = [Source("-", None, lambda: _stream_lines(stdin()), rereadable=False)]
        elif text.startswith("s3://"):
            found = _s3_sources(text, clients)
        else:
            found, passed_over = _local_sources(text)
            skipped += passed_over
        if not found:
            raise BjobError(
                f"{text}: no .jsonl files",
                ExitCode.USAGE,
                hint="Bedrock reads the files ending in .jsonl",
            )
        sources += found
    unique = list({source.uri: source for source in sources}.values())
    return Sources(unique, skipped)


def _local_sources(text: str) -> tuple[list[Source], int]:
    path = Path(text)
    try:
        found = path.stat()
    except FileNotFoundError:
        raise BjobError(f"{text}: no such file or folder", ExitCode.USAGE) from None
    except OSError as error:
        raise BjobError(f"{text}: cannot be read: {error.strerror}", ExitCode.USAGE) from None
    if stat.S_ISDIR(found.st_mode):
        files, skipped = [], 0
        for item in sorted(path.rglob("*")):
            if not item.is_file():
                continue
            hidden = any(part.startswith(".") for part in item.relative_to(path).parts)
            if hidden or item.suffix != ".jsonl":
                skipped += 1
            else:
                files.append(item)
        return [_file_source(item) for item in files], skipped
    if not stat.S_ISREG(found.st_mode) or _names_a_stream(text):
        # A FIFO, process substitution, /dev/stdin or /dev/fd/N (a file redirected to them
        # included, whatever its name): read once, as a stream.
        return [Source(text, None, lambda: _file_lines(path), rereadable=False)], 0
    if path.suffix != ".jsonl":
        raise BjobError(
            f"{text}: not a .jsonl file",
            ExitCode.USAGE,
            hint="Bedrock reads only files ending in .jsonl",
        )
    return [_file_source(path)], 0


def _names_a_stream(text: str) -> bool:
    """/dev/stdin, /dev/fd/N, /proc/self/fd/N: one of the process's own streams."""
    return text == "/dev/stdin" or text.startswith(("/dev/fd/", "/proc/self/fd/"))


def _file_source(path: Path) -> Source:
    try:
        size = path.stat().st_size
        if not os.access(path, os.R_OK):
            raise PermissionError(f"permission denied: {path}")
    except OSError as error:
        raise BjobError(f"{path}: cannot be read: {error}", ExitCode.USAGE) from None
    return Source(str(path), size, lambda: _file_lines(path))


def _file_lines(path: Path) -> Iterator[bytes]:
    """The file's lines, never more than one (cut after MAX_BODY_BYTES + 1 bytes) in memory."""
    try:
        with open(path, "rb") as file:
            yield from _stream_lines(file)
    except OSError as error:
        raise BjobError(f"{path}: cannot be read: {error}", ExitCode.USAGE) from None


def _stream_lines(stream: IO[bytes]) -> Iterator[bytes]:
    chunks = iter(lambda: stream.read(CHUNK_BYTES), b"")
    return split_lines(chunks, MAX_BODY_BYTES, crlf=True)


def _s3_sources(text: str, clients: ClientsFactory) -> list[Source]:
    client = clients().client("s3")
    objects = jsonl_objects(client, parse_s3_uri(text), None)

    def lines(location: S3Location) -> Lines:
        return lambda: iter_lines(client, location, None, max_line=MAX_BODY_BYTES, crlf=True)

    return [Source(item.location.uri, item.size, lines(item.location)) for item in objects]


def check_input(
    sources: Sources,
    model_text: str | None,
    invocation_type: str,
    clients: ClientsFactory,
    observe: LineObserver | None = None,
    known: ModelLookup | None = None,
) -> tuple[CheckReport, ModelLookup | None]:
    """Every line of every source against the model's request format (or the one the
    records fit), and the job against the model's quotas (looked up while the files are
    read, unless `known` is the lookup already made); the report, and the lookup (None
    without a model) with its warnings. `observe` sees every line of the first reading (a
    cost counted alongside)."""
    lookup: Callable[[], ModelLookup] | None = None
    fmt: RequestFormat | None = None
    if known is not None:
        fmt = format_for_model(known.model.model_id, invocation_type)
        lookup = lambda: known  # noqa: E731
    elif model_text is not None:
        if looks_like_an_id(model_text):  # the format is known now; names and quotas later
            fmt = format_for_model(base_model_id(model_text), invocation_type)
            lookup = in_background(lambda: lookup_model(model_text, clients))
        else:  # a name: the region's model list says which model it is
            resolved = lookup_model(model_text, clients)
            fmt = format_for_model(resolved.model.model_id, invocation_type)
            lookup = lambda: resolved  # noqa: E731
    elif invocation_type == "Converse":
        fmt = format_for_model(None, invocation_type)
    infer = model_text is None and invocation_type != "Converse"
    with contextlib.ExitStack() as spools:
        items = sources.items
        if infer:  # a stream is kept on disk as it is read: its bodies may be checked again
            items = [_spooled(source, spools) for source in items]
        report, found = _check_sources(sources, items, model_text, fmt, lookup, infer, observe)
    return report, found


def _check_sources(
    sources: Sources,
    items: list[Source],
    model_text: str | None,
    fmt: RequestFormat | None,
    lookup: Callable[[], ModelLookup] | None,
    infer: bool,
    observe: LineObserver | None,
) -> tuple[CheckReport, ModelLookup | None]:
    choice = FormatChoice(fmt)
    if infer:
        items, choice = _provisional_format(items)
    tallies, inputs, merged = _check_all(items, choice.format, infer, observe)
    notes: list[str] = []
    if infer:
        final = choose_format(merged)
        if final.format is not choice.format:
            if final.format is not None and all(source.rereadable for source in items):
                tallies, inputs, merged = _check_all(items, final.format, False)
            else:  # what the bodies were checked against is not what they turned out to be
                _drop_body_problems(merged)
                if final.format is not None:
                    notes.append(
                        "the bodies were not checked in depth: their format was told only "
                        "after reading a stream; pass --model"
                    )
        choice = final
    found = lookup() if lookup is not None else None
    limits = found.limits if found is not None else DEFAULT_LIMITS
    problems = list(merged.problems.values())
    problems += cross_file_repeats(
        (item.uri, tally.record_ids) for tally, item in zip(tallies, inputs, strict=True)
    )
    problems += limit_problems(inputs, limits)
    if choice.candidates:
        problems.append(_could_be(choice.candidates))
    if model_text is not None and fmt is None:
        about = found.model.model_id if found is not None else model_text
        notes.append(f"bjob has no request table for {about}: bodies are not checked in depth")
    report = CheckReport(
        tuple(inputs),
        choice.format,
        infer,
        found.model.model_id if found is not None else None,
        limits,
        in_order(problems),
        model_name=found.model.name if found is not None else None,
        candidates=choice.candidates,
        notes=tuple(notes),
        skipped_files=sources.skipped,
    )
    return report, found


def _provisional_format(items: list[Source]) -> tuple[list[Source], FormatChoice]:
    """The format the first records fit, to check every body against while the whole file
    is counted; the first source's first lines are kept, so that a stream is read once."""
    if not items:
        return items, FormatChoice(None)
    first = items[0]

    def peek() -> tuple[Iterator[bytes], list[bytes]]:
        lines = first.lines()
        return lines, list(itertools.islice(lines, SAMPLES_FOR_INFERENCE))

    lines, peeked = _read_again_if_s3(first, peek)
    sample = CheckTally(None, infer=True)
    for raw in peeked:
        try:
            document = orjson.loads(raw)
        except (ValueError, RecursionError):
            continue
        body = document.get("modelInput") if isinstance(document, dict) else None
        if isinstance(body, dict):
            sample.count_fits(body)
    replayed = Source(
        first.uri, first.size, _replay_once(peeked, lines, first.lines), first.rereadable
    )
    return [replayed, *items[1:]], choose_format(sample)


def _spooled(source: Source, spools: contextlib.ExitStack) -> Source:
    """A stream made readable again, as the same file on disk would be: its lines are kept
    in an unnamed temporary file as they are read (memory stays bounded: a stream of any size
    is held on disk, not in memory) and read back from there."""
    if source.rereadable:
        return source
    try:
        spool = tempfile.TemporaryFile(prefix="bjob-check-", buffering=CHUNK_BYTES)
    except OSError as error:
        raise _cannot_keep(source.uri, error) from None
    spools.callback(_close_quietly, spool)  # unnamed: nothing is left behind on disk
    stream: Iterator[bytes] | None = None

    def lines() -> Iterator[bytes]:
        nonlocal stream
        if stream is None:  # the first reading: the stream itself, kept as it goes
            stream = source.lines()
            return _kept(stream, spool, source.uri)
        for _ in _kept(stream, spool, source.uri):  # what the first reading left, kept too
            pass
        try:
            spool.flush()
            spool.seek(0)
        except OSError as error:
            raise _cannot_keep(source.uri, error) from None
        chunks = iter(lambda: spool.read(CHUNK_BYTES), b"")
        # The lines were split (and cut, and their \r\n ends taken) on the first reading.
        return split_lines(chunks, MAX_BODY_BYTES, crlf=False)

    return replace(source, lines=lines, rereadable=True)


def _kept(lines: Iterator[bytes], spool: IO[bytes], uri: str) -> Iterator[bytes]:
    write = spool.write
    for raw in lines:
        try:
            write(raw)
            write(b"\n")
        except OSError as error:  # a full disk
            raise _cannot_keep(uri, error) from None
        yield raw


def _close_quietly(spool: IO[bytes]) -> None:
    with contextlib.suppress(OSError):  # what it could not write was already said
        spool.close()


def _cannot_keep(uri: str, error: OSError) -> BjobError:
    return BjobError(
        f"{uri}: the stream cannot be kept to be checked: {error.strerror or error}",
        ExitCode.CANNOT_WRITE,
        hint="free space in the temporary folder (TMPDIR), or pass --model: then a stream "
        "is checked as it is read",
    )


Read = TypeVar("Read")


def _read_again_if_s3(source: Source, attempt: Callable[[], Read]) -> Read:
    """attempt(); for an S3 object, read again from the start when its body broke off or
    arrived damaged, as `bjob results` reads its objects."""
    if not source.uri.startswith("s3://"):
        return attempt()

    return read_again(attempt)


def _replay_once(peeked: list[bytes], rest: Iterator[bytes], again: Lines) -> Lines:
    """The lines already peeked and then the rest, the first time; afterwards, read anew."""
    used = False

    def lines() -> Iterator[bytes]:
        nonlocal used
        if used:
            return again()
        used = True
        return itertools.chain(peeked, rest)

    return lines


def _check_all(
    items: Sequence[Source],
    fmt: RequestFormat | None,
    infer: bool,
    observe: LineObserver | None = None,
) -> tuple[list[CheckTally], list[InputFile], CheckTally]:
    """Every source, several at once: its tally and what it holds; and the tallies merged
    (in source order)."""
    indexes = {id(source): index for index, source in enumerate(items)}

    def check(source: Source, cancel: Cancel) -> tuple[CheckTally, InputFile]:
        return _read_again_if_s3(source, lambda: check_once(source, cancel))

    def check_once(source: Source, cancel: Cancel) -> tuple[CheckTally, InputFile]:
        tally = CheckTally(fmt, infer)
        parsed: list[Any] = [NOT_PARSED]

        def kept(raw: bytes) -> Any:  # the document the check parsed, for the observer
            parsed[0] = document = orjson.loads(raw)
            return document

        loads: Callable[[bytes], Any] = orjson.loads if observe is None else kept
        uri, line = source.uri, tally.line

        lines = source.lines()
        counted: Iterator[bytes] = _Counting(lines) if source.size is None else lines
        records, offset, index = 0, 0, indexes[id(source)]
        for number, raw in enumerate(counted, start=1):
            records += line(raw, uri, number, loads)
            if observe is not None:
                observe(index, offset, raw, parsed[0])
                parsed[0] = NOT_PARSED
                offset += len(raw) + 1
            if number == 1 and tally.stopped:
                break
            if not number % CANCEL_EVERY_LINES:
                cancel.check()
        size = source.size if source.size is not None else getattr(counted, "size", 0)
        return tally, InputFile(source.uri, records, size, readable=not tally.stopped)

    checked = [
        result
        for result in run_all(check, items, workers=READERS)
        if not isinstance(result, BjobError)
    ]
    tallies = [tally for tally, _ in checked]
    merged = CheckTally(fmt)
    for tally in tallies:
        merged.merge(tally)
    return tallies, [item for _, item in checked], merged


class _Counting:
    """Lines passed through, their bytes counted (a stream has no size until it is read)."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self.lines, self.size = lines, 0

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        line = next(self.lines)
        self.size += len(line) + 1
        return line


def _drop_body_problems(tally: CheckTally) -> None:
    for key in [key for key, problem in tally.problems.items() if problem.kind in BODY_KINDS]:
        del tally.problems[key]


def _could_be(candidates: Sequence[str]) -> Problem:
    titles = ", ".join(FORMATS[name].title for name in candidates)
    return Problem(
        "warning",
        "format-unknown",
        f"the request bodies fit several formats ({titles}): they were not checked in "
        "depth; pass --model to check them against the model's",
        1,
        [Where("(the job)", None, None)],
    )
