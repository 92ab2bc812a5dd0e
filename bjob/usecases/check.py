"""Checking a job's input before it is submitted: local .jsonl files and folders, or S3
objects and prefixes, read as streams (several at once) the way Bedrock will read them."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from bjob.aws.concurrent import Cancel, run_all
from bjob.model.check import (
    DEFAULT_LIMITS,
    MAX_BODY_BYTES,
    SAMPLES_FOR_INFERENCE,
    CheckReport,
    CheckTally,
    InputFile,
    Limits,
    Problem,
    Where,
    cross_file_repeats,
    in_order,
    limit_problems,
    limits_from_quotas,
)
from bjob.model.exits import BjobError, ExitCode
from bjob.model.lines import CHUNK_BYTES, split_lines
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.requestformats import RequestFormat, format_for_model, infer_format

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients

READERS = 4  # input files read at once
CANCEL_EVERY_LINES = 1000  # how often a file being checked looks whether to stop
ClientsFactory = Callable[[], "AwsClients"]


@dataclass(frozen=True)
class Source:
    """One input file: where it is, its size, and its lines read as a stream."""

    uri: str
    size: int
    lines: Callable[[], Iterator[bytes]]


def find_sources(inputs: Sequence[str], clients: ClientsFactory) -> list[Source]:
    """Every .jsonl file the INPUTs name, in order; a usage error (2) for one that cannot be
    read or names no .jsonl file."""
    sources: list[Source] = []
    for text in inputs:
        found = _s3_sources(text, clients) if text.startswith("s3://") else _local_sources(text)
        if not found:
            raise BjobError(
                f"{text}: no .jsonl files",
                ExitCode.USAGE,
                hint="Bedrock reads the files ending in .jsonl",
            )
        sources += found
    return list({source.uri: source for source in sources}.values())


def _local_sources(text: str) -> list[Source]:
    path = Path(text)
    if path.is_dir():
        files = sorted(item for item in path.rglob("*.jsonl") if item.is_file())
    elif path.is_file():
        if path.suffix != ".jsonl":
            raise BjobError(
                f"{text}: not a .jsonl file",
                ExitCode.USAGE,
                hint="Bedrock reads only files ending in .jsonl",
            )
        files = [path]
    else:
        raise BjobError(f"{text}: no such file or folder", ExitCode.USAGE)
    sources = []
    for item in files:
        try:
            size = item.stat().st_size
            if not os.access(item, os.R_OK):
                raise PermissionError(f"permission denied: {item}")
        except OSError as error:
            raise BjobError(f"{item}: cannot be read: {error}", ExitCode.USAGE) from None
        sources.append(Source(str(item), size, _opener(item)))
    return sources


def _opener(path: Path) -> Callable[[], Iterator[bytes]]:
    return lambda: _file_lines(path)


def _file_lines(path: Path) -> Iterator[bytes]:
    """The file's lines, never more than one (cut after MAX_BODY_BYTES + 1 bytes) in memory."""
    try:
        with open(path, "rb") as file:
            yield from (
                line.rstrip(b"\r")
                for line in split_lines(iter(lambda: file.read(CHUNK_BYTES), b""), MAX_BODY_BYTES)
            )
    except OSError as error:
        raise BjobError(f"{path}: cannot be read: {error}", ExitCode.USAGE) from None


def _s3_sources(text: str, clients: ClientsFactory) -> list[Source]:
    from bjob.aws.s3 import iter_lines, list_objects

    where = parse_s3_uri(text)
    client = clients().client("s3")
    if where.key.endswith(".jsonl"):
        objects = [
            item for item in list_objects(client, where, None) if item.location.key == where.key
        ]
        if not objects:
            raise BjobError(f"no such object: {text}", ExitCode.NOT_FOUND)
    else:
        prefix = where if not where.key or where.key.endswith("/") else where.child("/")
        objects = [
            item
            for item in list_objects(client, prefix, None)
            if item.location.key.endswith(".jsonl")
        ]

    def lines(location: S3Location) -> Callable[[], Iterator[bytes]]:
        return lambda: (
            line.rstrip(b"\r")
            for line in iter_lines(client, location, None, max_line=MAX_BODY_BYTES)
        )

    return [Source(item.location.uri, item.size, lines(item.location)) for item in objects]


def choose_format(
    sources: Sequence[Source], model_id: str | None, invocation_type: str
) -> tuple[RequestFormat | None, bool]:
    """(the format, whether it was inferred): the model's, or the one the first records fit."""
    if model_id is not None or invocation_type == "Converse":
        return format_for_model(model_id, invocation_type), False
    samples = []
    for source in sources:
        for raw in itertools.islice(source.lines(), SAMPLES_FOR_INFERENCE * 2):
            try:
                document = orjson.loads(raw)
            except ValueError:
                continue
            body = document.get("modelInput") if isinstance(document, dict) else None
            if isinstance(body, dict):
                samples.append(body)
            if len(samples) >= SAMPLES_FOR_INFERENCE:
                break
        if samples:
            break
    return infer_format(samples), True


def check_sources(
    sources: Sequence[Source],
    fmt: RequestFormat | None,
    format_assumed: bool,
    model_id: str | None,
    limits: Limits,
) -> CheckReport:
    """Every line of every source, several sources at once; then the job against its limits."""

    def check(source: Source, cancel: Cancel) -> tuple[CheckTally, InputFile]:
        tally = CheckTally(fmt)
        records = 0
        for number, raw in enumerate(source.lines(), start=1):
            records += tally.line(raw, source.uri, number, orjson.loads)
            if not number % CANCEL_EVERY_LINES:
                cancel.check()
        return tally, InputFile(source.uri, records, source.size)

    checked = [
        result
        for result in run_all(check, sources, workers=READERS)
        if not isinstance(result, BjobError)
    ]
    inputs = tuple(item for _, item in checked)
    merged = CheckTally(fmt)
    for tally, _ in checked:
        merged.merge(tally)
    problems = list(merged.problems.values())
    problems += cross_file_repeats((item.uri, tally.record_ids) for (tally, item) in checked)
    problems += limit_problems(inputs, limits)
    if fmt is None:
        about = f"for {model_id}" if model_id else "that fits these records"
        problems.append(
            Problem(
                "warning",
                "no-format",
                f"bjob knows no request format {about}: only the JSONL shape was checked",
                1,
                [Where("(the job)", None, None)],
            )
        )
    return CheckReport(inputs, fmt, format_assumed, model_id, limits, in_order(problems))


def job_limits(model_id: str | None, clients: ClientsFactory) -> Limits:
    """The model's batch limits from Service Quotas (matched by its display name), else the
    documented defaults, with why in `source`."""
    if model_id is None:
        return DEFAULT_LIMITS
    from bjob.aws.bedrock import foundation_model_names
    from bjob.aws.quotas import batch_quotas, source_errors
    from bjob.model.quotas import base_model_id, merge_quotas

    try:
        aws = clients()
        with source_errors("Bedrock", "bedrock:ListFoundationModels"):
            names = foundation_model_names(aws.bedrock())
        name = names.get(base_model_id(model_id))
        if name is None:
            return _defaults(f"{model_id} is not a foundation model in the region")
        quotas = merge_quotas(*batch_quotas(aws.client("service-quotas")))
    except BjobError as error:
        return _defaults(error.message)
    values: dict[str, float] = {
        quota.kind: quota.value for quota in quotas if quota.model_name == name
    }
    if not values:
        return _defaults(f"Service Quotas lists no batch quotas for {name}")
    return limits_from_quotas(values)


def _defaults(why: str) -> Limits:
    return replace(DEFAULT_LIMITS, source=f"defaults ({why})")
