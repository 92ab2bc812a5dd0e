"""Every input record of a job or a run with its latest attempt, in input order: what
`bjob answers` writes, what `bjob results run:NAME` counts, and what a run's retry holds.

A run's records are its parts' input files, in order, then their lines. Each record is
matched (model/join.py: by file and recordId, a success first) to the output line of its
part, then to that of every retry whose input holds it, oldest first; the last job that had
it is its latest attempt. A retry's input file named after the part's input file it came
from (its name relative to the part's input, the name its output file takes) answers that
file's records only; a retry file of another name answers by recordId alone (one named in
several files is given to the first, and a warning says so).

Memory is bounded by one input file (Bedrock's per-file limit), not the run: files are read
one after another (each one's output, input and retries' files at once), then written.
Reading S3 is results/jobfiles.py's (`JobS3`, the input's ids) and s3.py's (`read_again`),
not a second reader.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from bjob.aws.s3 import S3Object, jsonl_objects, read_again
from bjob.aws.session import AwsClients
from bjob.model.answers import (
    Answer,
    AnswerStatus,
    AnswersWritten,
    CsvRows,
    Extracted,
    answer_csv_cells,
    extract,
)
from bjob.model.job import Job
from bjob.model.join import InputKey, Join
from bjob.model.locations import S3Location, input_location, output_folder
from bjob.model.results import FileOutcomes, Record, Tally, classify_document
from bjob.model.words import counted, plural
from bjob.support.concurrent import Cancel, in_background, map_all, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import atomic_file, lstat_or_none
from bjob.support.workers import Workers
from bjob.usecases.results.jobfiles import (
    JobS3,
    input_record_keys,
    is_record_file,
    numbered_lines,
    output_file_name,
)

# Answers are written 64 KB at a time: a megabyte's lines took their memory afresh each
# time (orjson's buffers; 49,000 page faults for 60,000 lines, more time than making them).
HELD_BYTES = 1 << 16


@dataclass(frozen=True)
class AnswerMode:
    """What is kept of each answer: its text (answers), the whole modelOutput (--raw)."""

    text: bool = True
    raw: bool = False


@dataclass(slots=True)
class _Raw:
    """An answer kept with its whole modelOutput (--raw)."""

    extracted: Extracted
    model_output: Any


# What is kept of one output line: its Record (a failure; every line, when counting), its
# answer (Extracted), or its answer and modelOutput (_Raw). The least that will do: a
# file's answers are held until they are written.
_Kept = Record | Extracted | _Raw


class _Several(list[_Kept]):
    """The output lines of one recordId, when there is more than one: taken in order."""


@dataclass
class _OutputRead:
    tally: Tally
    outcomes: FileOutcomes
    succeeded: dict[str, _Kept | _Several]
    failed: dict[str, _Kept | _Several]

    def keep(self, record_id: str, failed: bool, kept: _Kept) -> None:
        held = self.failed if failed else self.succeeded
        found = held.get(record_id)
        if found is None:
            held[record_id] = kept
        elif isinstance(found, _Several):
            found.append(kept)
        else:
            held[record_id] = _Several([found, kept])

    def take(self, record_id: str, failed: bool) -> _Kept:
        """The next output line for the id (and its answer let go of, once written)."""
        held = self.failed if failed else self.succeeded
        found = held[record_id]
        if not isinstance(found, _Several):
            del held[record_id]
            return found
        if len(found) == 1:
            del held[record_id]
        return found.pop(0)


def _read_output(s3: JobS3, item: S3Object, mode: AnswerMode, cancel: Cancel) -> _OutputRead:
    """One output file, every line classified as `results` classifies it, the answers kept
    by recordId; read again from the start if it breaks off."""
    name = item.location.key.rsplit("/", 1)[-1]

    def attempt() -> _OutputRead:
        read = _OutputRead(Tally(), FileOutcomes(), {}, {})
        succeeded, answers, loads = read.outcomes.succeeded, read.succeeded, orjson.loads
        answering = mode.text and not mode.raw
        for number, line in enumerate(s3.lines(item.location, s3.output_owner, cancel), 1):
            try:
                document = loads(line)
            except (ValueError, RecursionError):
                if line and not line.isspace():  # (a blank line is no JSON either: skipped)
                    read.tally.add_unreadable(f"{name}:{number}")
                continue
            if (
                answering
                and type(document) is dict
                and document.get("error") is None
                and "modelOutput" in document
            ):
                # A success, as classify_line calls it: its answer kept at once.
                record_id = document.get("recordId")
                if isinstance(record_id, str):
                    succeeded[record_id] = succeeded.get(record_id, 0) + 1
                    found = extract(document["modelOutput"])
                    if record_id not in answers:
                        answers[record_id] = found
                    else:
                        read.keep(record_id, False, found)
                continue
            try:
                record = classify_document(document)
            except ValueError:
                read.tally.add_unreadable(f"{name}:{number}")
                continue
            if not mode.text:  # answers need only which records the file answers
                read.tally.add(record)
            read.outcomes.add(record)
            if record.record_id is None:
                continue
            kept: _Kept = record
            if not record.failed and mode.text:
                # The answer's strings are kept as the parse made them: a copy per record
                # (an orjson.dumps of them, say) would hold several times their size.
                output = document["modelOutput"]
                found = extract(output, record.stop_reason)
                kept = found if not mode.raw else _Raw(found, output)
            read.keep(record.record_id, record.failed, kept)
        return read

    return read_again(attempt)


@dataclass
class _JobFiles:
    """One job's output folder and input files, as listed."""

    job: Job
    s3: JobS3
    outputs: dict[str, S3Object]  # by the input file's name (the output's, less .out)
    objects: list[S3Object]
    inputs: list[tuple[S3Location, str]] | None  # (file, its output's name); None: unreadable
    input_problem: str | None = None
    input_sizes: dict[S3Location, int] = field(default_factory=dict)


def _list_job(job: Job, clients: AwsClients) -> _JobFiles:
    s3 = JobS3(job, clients)
    folder = output_folder(job)
    objects = s3.objects(folder, s3.output_owner)
    outputs = {
        item.location.key[len(folder.key) :].removesuffix(".out"): item
        for item in objects
        if is_record_file(item.location.key[len(folder.key) :])
    }
    where = input_location(job)
    try:
        listed = jsonl_objects(s3.client, where, s3.input_owner, s3.kms_key)
    except BjobError as error:
        if error.code not in (ExitCode.NOT_FOUND, ExitCode.NOT_AUTHORIZED, ExitCode.CONFIGURATION):
            raise
        return _JobFiles(job, s3, outputs, objects, None, error.message)
    if not listed:  # (as results says it)
        return _JobFiles(job, s3, outputs, objects, None, f"no .jsonl object under {where.uri}")
    prefix = where.key if not where.key.endswith(".jsonl") else where.key.rsplit("/", 1)[0] + "/"
    inputs = [
        (item.location, output_file_name(item.location.key, prefix, outputs)) for item in listed
    ]
    sizes = {item.location: item.size for item in listed}
    return _JobFiles(job, s3, outputs, objects, inputs, input_sizes=sizes)


@dataclass
class _Attempt:
    """One retry's try at one of its files: its outputs, and which records it was given."""

    order: int
    job: Job
    name: str
    read: _OutputRead | None
    members: Counter[str]
    join: Join
    loose: bool = False  # a file of another name than the part's: matched by recordId


@dataclass
class _Loaded:
    """An input file of a part, ready to be walked: its records' ids, its part's outputs,
    and the retries' tries at its records."""

    files: _JobFiles
    location: S3Location
    name: str
    keys: list[tuple[int, InputKey]]
    read: _OutputRead | None
    retries: list[_Attempt]


@dataclass
class Walk:
    """What walking a run's records found, beyond each record's answer."""

    statuses: Counter[AnswerStatus] = field(default_factory=Counter)
    latest: Tally = field(default_factory=Tally)  # the latest attempts that have a line
    unreadable_outputs: Tally = field(default_factory=Tally)
    input_files: int = 0
    records: int = 0
    input_unreadable: int = 0
    without_record_id: int = 0
    repeated: int = 0
    missing_ids: list[str] = field(default_factory=list)
    files: list[tuple[_JobFiles, S3Object]] = field(default_factory=list)
    jobs: list[_JobFiles] = field(default_factory=list)
    # Each part's input file: the part's files, and its name (its output's, less .out).
    sources: dict[S3Location, tuple[_JobFiles, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


OnAnswer = Callable[[S3Location, int, Answer], None]


def walk_records(
    parts: Sequence[Job],
    retries: Sequence[Job],
    clients: AwsClients,
    mode: AnswerMode,
    on_answer: OnAnswer,
) -> Walk:
    """Every input record of the parts, in input order, given to `on_answer` with its input
    file, line number and latest attempt's answer."""
    walk = Walk()
    listed = map_all(lambda job: _list_job(job, clients), [*parts, *retries])
    walk.jobs = listed
    part_files, retry_files = listed[: len(parts)], listed[len(parts) :]
    for files in listed:
        walk.files += [(files, item) for item in files.objects]
        if files.inputs is None and files in part_files:
            walk.warnings.append(
                f"the input of {files.job.name or files.job.arn} cannot be read "
                f"({files.input_problem}): its records cannot be listed"
            )
    originals = {name for files in part_files for _, name in files.inputs or ()}
    # A retry file named after a part's input file answers that file's records only.
    scoped: dict[str, list[tuple[int, _JobFiles, S3Location | None, str]]] = {}
    loose: list[tuple[int, _JobFiles, S3Location | None, str]] = []
    for order, files in enumerate(retry_files):
        named = dict.fromkeys([*(name for _, name in files.inputs or ()), *files.outputs])
        locations = {name: location for location, name in files.inputs or ()}
        for name in named:
            entry = (order, files, locations.get(name), name)
            if name in originals:
                scoped.setdefault(name, []).append(entry)
            else:
                loose.append(entry)
    loose_attempts = [_load_attempt(entry, mode, Cancel(), loose=True) for entry in loose]
    claimed: dict[str, str] = {}  # recordId -> the input file a loose retry gave it to
    sources = [
        (files, location, name) for files in part_files for location, name in files.inputs or ()
    ]
    walk.input_files = len(sources)
    walk.sources = {location: (files, name) for files, location, name in sources}

    # A file's output, input and retries' files are read at once, the next file's while this
    # one is written: at most two files' answers are held. A big input file's ids are parsed
    # by a worker process, on the other core (this one parses the outputs).
    stop = Cancel()

    def load(source: tuple[_JobFiles, S3Location, str]) -> Callable[[], _Loaded]:
        return in_background(
            lambda: _load_source(source, scoped.get(source[2], []), mode, workers, stop)
        )

    with Workers() as workers:
        upcoming = [load(sources[0])] if sources else []
        try:
            for following in range(1, len(sources) + 1):
                loaded = upcoming.pop()()
                if following < len(sources):
                    upcoming.append(load(sources[following]))
                _walk_file(loaded, loose_attempts, claimed, walk, on_answer, tally=not mode.text)
                del loaded  # (not held while the file after the next is read: two at most)
        except BaseException:
            stop.set()  # the file being read stops at its next chunk
            raise
    _warn_about(walk, part_files)
    return walk


def _load_attempt(
    entry: tuple[int, _JobFiles, S3Location | None, str],
    mode: AnswerMode,
    cancel: Cancel,
    *,
    loose: bool = False,
) -> _Attempt:
    """A retry's file: its outputs, and the records its input gave it (its outputs' ids when
    its input cannot be read)."""
    order, files, location, name = entry
    item = files.outputs.get(name)
    read = _read_output(files.s3, item, mode, cancel) if item is not None else None
    if location is not None:
        keys = input_record_keys(files.s3, location, cancel)
        members = Counter(key for _, key in keys if isinstance(key, str))
    else:
        members = Counter()
    if read is not None:
        answered = read.outcomes.succeeded + read.outcomes.failed
        members |= answered  # a line it answered was one it had, whatever its input says now
    outcomes = {name: read.outcomes} if read is not None else {}
    return _Attempt(order, files.job, name, read, members, Join(outcomes), loose)


def _load_source(
    source: tuple[_JobFiles, S3Location, str],
    scoped: Sequence[tuple[int, _JobFiles, S3Location | None, str]],
    mode: AnswerMode,
    workers: Workers,
    cancel: Cancel,
) -> _Loaded:
    """One part's input file, its output and its retries' files, read at once (`cancel`
    stops them all)."""
    files, location, name = source
    item = files.outputs.get(name)
    size = files.input_sizes.get(location, 0)
    tasks: list[Callable[[Cancel], Any]] = [
        lambda cancel: input_record_keys(files.s3, location, cancel, workers, size)
    ]
    if item is not None:
        tasks.append(lambda cancel: _read_output(files.s3, item, mode, cancel))
    tasks += [
        (lambda cancel, entry=entry: _load_attempt(entry, mode, cancel))  # type: ignore[misc]
        for entry in scoped
    ]
    done = run_all(lambda task, cancel: task(cancel), tasks, cancel=cancel)
    keys: list[tuple[int, InputKey]] = done[0]  # type: ignore[assignment]
    read: _OutputRead | None = done[1] if item is not None else None  # type: ignore[assignment]
    attempts: list[_Attempt] = done[2 if item is not None else 1 :]  # type: ignore[assignment]
    return _Loaded(files, location, name, keys, read, attempts)


def _walk_file(
    loaded: _Loaded,
    loose: Sequence[_Attempt],
    claimed: dict[str, str],
    walk: Walk,
    on_answer: OnAnswer,
    *,
    tally: bool,
) -> None:
    """Each record of one input file, its latest attempt found and given to `on_answer`;
    with `tally`, the latest attempts' lines counted as `results` counts them."""
    part = loaded.files.job
    outcomes = {loaded.name: loaded.read.outcomes} if loaded.read is not None else {}
    join = Join(outcomes)
    join.files.append(loaded.name)
    tries = sorted([*loaded.retries, *loose], key=lambda attempt: attempt.order)
    uri, location, statuses = loaded.location.uri, loaded.location, walk.statuses
    match, missing_ids = join.line, walk.missing_ids
    # A recordId the file has once, and no retry: the join's verdict is whether the output
    # answered it, or failed it (a success first), and nothing else the join keeps changes.
    counts = Counter(key for _, key in loaded.keys if isinstance(key, str))
    once = counts.get  # once(key) == 1: the file has the recordId once
    held = loaded.read if not tries else None
    answered = held.succeeded if held is not None else {}
    arn = part.arn or part.job_id
    for number, key in loaded.keys:
        if type(key) is str and once(key) == 1 and type(found := answered.get(key)) is Extracted:
            # The common record: once in its file, no retry, one success kept as its answer
            # (what the join and _answer below make of it, at once).
            del answered[key]
            join.records += 1
            statuses["ok"] += 1
            on_answer(location, number, Answer(key, "ok", arn, found))
            continue
        if held is not None and isinstance(key, str) and once(key) == 1:
            verdict = (
                "succeeded"
                if key in held.succeeded
                else "failed"
                if key in held.failed
                else "missing"
            )
            join.records += 1
            if verdict == "missing":
                join.missing_ids.append(key)
        else:
            verdict = match(loaded.name, f"{uri}:{number}", key)
        job, read, name, latest_join = part, loaded.read, loaded.name, None
        if tries and isinstance(key, str):
            for attempt in tries:
                if attempt.members[key] <= 0:
                    continue
                if attempt.loose:
                    first = claimed.setdefault(key, loaded.name)
                    if first != loaded.name:
                        walk.warnings.append(
                            f"recordId {key!r} is in {first} and in {loaded.name}: the answer "
                            f"{attempt.job.name or attempt.job.arn} gave it is {first}'s"
                        )
                        continue
                attempt.members[key] -= 1
                job, read, name, latest_join = attempt.job, attempt.read, attempt.name, attempt.join
        if latest_join is not None:
            verdict = latest_join.line(name, f"{uri}:{number}", key)
        record_id = key if isinstance(key, str) else None
        answer, record = _answer(record_id, verdict, job, read)
        if record is not None and tally:
            walk.latest.add(record)
        statuses[answer.status] += 1
        if answer.status == "missing" and record_id is not None:
            missing_ids.append(record_id)
        on_answer(location, number, answer)
    walk.records += len(loaded.keys)
    walk.input_unreadable += join.unreadable
    walk.without_record_id += join.without_record_id
    walk.repeated += join.repeated
    if loaded.read is not None:
        walk.unreadable_outputs.merge(_only_unreadable(loaded.read.tally))
    for attempt in loaded.retries:
        if attempt.read is not None:
            walk.unreadable_outputs.merge(_only_unreadable(attempt.read.tally))


def _only_unreadable(tally: Tally) -> Tally:
    return Tally(unreadable=tally.unreadable, first_unreadable=tally.first_unreadable)


def _answer(
    record_id: str | None, verdict: str, job: Job, read: _OutputRead | None
) -> tuple[Answer, Record | None]:
    """The answer of the record's latest attempt, and its output line's Record (when kept:
    a failure, or every line when counting)."""
    arn = job.arn or job.job_id
    if verdict in ("succeeded", "failed") and read is not None and record_id is not None:
        kept = read.take(record_id, verdict == "failed")
        if isinstance(kept, Extracted):
            return Answer(record_id, "ok", arn, kept), None
        if isinstance(kept, _Raw):
            return Answer(
                record_id, "ok", arn, kept.extracted, model_output=kept.model_output
            ), None
        if kept.failed:
            failed = Answer(record_id, "failed", arn, None, kept.error_code, kept.error_message)
            return failed, kept
        return Answer(record_id, "ok", arn), kept
    status: AnswerStatus = "missing" if job.is_terminal else "pending"
    return Answer(record_id, status, arn), None


def _warn_about(walk: Walk, part_files: Sequence[_JobFiles]) -> None:
    if walk.unreadable_outputs.unreadable:
        count = walk.unreadable_outputs.unreadable
        walk.warnings.append(
            f"{counted(count, 'output line')} {plural(count, 'is')} not "
            f"{'a record' if count == 1 else 'records'}; the first at "
            f"{walk.unreadable_outputs.first_unreadable}"
        )
    if walk.input_unreadable:
        walk.warnings.append(
            f"{counted(walk.input_unreadable, 'input line')} {plural(walk.input_unreadable, 'is')} "
            "not a JSON object: no answer can be matched to "
            f"{'it' if walk.input_unreadable == 1 else 'them'}"
        )
    if walk.without_record_id:
        walk.warnings.append(
            f"{counted(walk.without_record_id, 'input record')} without a recordId (Bedrock "
            "made one up): no answer can be matched to "
            f"{'it' if walk.without_record_id == 1 else 'them'}"
        )
    for files in part_files:
        if not files.objects and not files.job.is_terminal:
            walk.warnings.append(
                f"{files.job.name or files.job.arn} has no outputs yet ({files.job.status}): "
                "its records are pending"
            )


def input_lines(walk: Walk, location: S3Location) -> Iterator[tuple[int, bytes]]:
    """A part's input file's lines, numbered as the walk numbered them (a byte-order mark
    off the first), read again from S3."""
    files = walk.sources[location][0]
    return numbered_lines(files.s3.input_lines(location))


# --- bjob answers -----------------------------------------------------------------------


class AnswerWriter:
    """Answers as JSON lines or RFC 4180 CSV, to a binary sink, HELD_BYTES at a time."""

    def __init__(self, write: Callable[[bytes], object], fmt: str, raw: bool) -> None:
        self._write, self._raw, self._csv = write, raw, fmt == "csv"
        self._rows = CsvRows() if self._csv else None
        self._held: list[bytes] = []
        self._size = 0
        self.lines = 0
        if self._rows is not None:
            self._rows.add_header(raw)

    @property
    def mode(self) -> AnswerMode:
        return AnswerMode(text=True, raw=self._raw)

    def __call__(self, location: S3Location, number: int, answer: Answer) -> None:
        self.lines += 1
        found = answer.extracted
        rows = self._rows
        if found is not None and found.embedding is None and not self._raw:
            if rows is not None:
                rows.add_answer(answer.record_id, found, answer.job)
                if rows.size >= HELD_BYTES:
                    self.flush()
                return
            line = orjson.dumps(  # the common line, made at once (answer.to_dict's, key for key)
                {
                    "recordId": answer.record_id,
                    "status": answer.status,
                    "text": found.text,
                    "stop_reason": found.stop_reason,
                    "input_tokens": found.input_tokens,
                    "output_tokens": found.output_tokens,
                    "error": None,
                    "job": answer.job,
                },
                option=orjson.OPT_APPEND_NEWLINE,
            )
            self._held.append(line)
            self._size += len(line)
            if self._size >= HELD_BYTES:
                self.flush()
            return
        document = answer.to_dict(self._raw)
        if rows is not None:
            rows.add(answer_csv_cells(document, _json_text, self._raw))
            if rows.size >= HELD_BYTES:
                self.flush()
        else:
            self._hold(orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE))

    def _hold(self, data: bytes) -> None:
        self._held.append(data)
        self._size += len(data)
        if self._size >= HELD_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._rows is not None and self._rows.size:
            self._write(self._rows.take())
        if self._held:
            self._write(b"".join(self._held))
            self._held.clear()
            self._size = 0


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def write_answers(
    parts: Sequence[Job],
    retries: Sequence[Job],
    clients: AwsClients,
    target: Any,
    fmt: str,
    raw: bool,
) -> AnswersWritten:
    """Every record's answer to `target`: a Path (written whole, or not at all: localfiles)
    or a binary stream."""
    if isinstance(target, Path):
        with atomic_file(target, replace=lstat_or_none(target) is not None) as file:
            writer = AnswerWriter(file.write, fmt, raw)
            walk = walk_records(parts, retries, clients, writer.mode, writer)
            writer.flush()
    else:
        stream: IO[bytes] = target
        writer = AnswerWriter(stream.write, fmt, raw)
        try:
            walk = walk_records(parts, retries, clients, writer.mode, writer)
        except BjobError:  # (a file that could not be read): what was answered before it is out
            writer.flush()
            stream.flush()
            raise
        writer.flush()
        stream.flush()
    return AnswersWritten(writer.lines, walk.statuses, tuple(walk.warnings))
