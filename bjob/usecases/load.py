"""Loading the jobs `bjob show` was asked for: from AWS or from saved responses."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from bjob.aws.bedrock import fetch_jobs
from bjob.aws.session import AwsClients
from bjob.model.identifiers import JobRef, parse_job_ref
from bjob.model.job import Job, MalformedJobError, normalize_job
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.saved import read_saved_response, source_name


@dataclass(frozen=True)
class LoadedJob:
    ref: JobRef
    raw: dict[str, Any]
    job: Job


def parse_job_refs(texts: Sequence[str]) -> list[JobRef]:
    """Classify every JOB before anything is sent: one bad argument stops the whole run.
    A JOB given twice is asked for once."""
    if sum(text == "-" for text in texts) > 1:
        raise BjobError("standard input (-) can be read only once", ExitCode.USAGE)
    refs = [parse_job_ref(text) for text in dict.fromkeys(texts)]
    for ref in refs:
        if ref.kind != "file" and os.path.isfile(ref.text):
            raise BjobError(
                f"{ref.text!r} is a file here, and a job id or name",
                ExitCode.USAGE,
                hint=f"a saved response is read from a file ending in .json, or from -: "
                f"bjob show - < {ref.text}",
            )
    return refs


def load_jobs(
    refs: Sequence[JobRef], clients: AwsClients, stdin: TextIO
) -> list[LoadedJob | BjobError]:
    """Each JOB as a LoadedJob, or the error that kept it from loading, in argument order."""
    results: dict[int, dict[str, Any] | BjobError] = {}
    remote = [(index, ref) for index, ref in enumerate(refs) if ref.kind != "file"]
    for index, ref in enumerate(refs):
        if ref.kind == "file":
            try:
                results[index] = read_saved_response(ref.text, stdin)
            except BjobError as error:
                results[index] = error
    if remote:
        fetched = fetch_jobs([ref for _, ref in remote], clients)
        results.update((index, result) for (index, _), result in zip(remote, fetched, strict=True))
    return [_normalized(refs[index], results[index]) for index in range(len(refs))]


def _normalized(ref: JobRef, raw: dict[str, Any] | BjobError) -> LoadedJob | BjobError:
    if isinstance(raw, BjobError):
        return raw
    try:
        return LoadedJob(ref, raw, normalize_job(raw))
    except MalformedJobError as error:
        if ref.kind == "file":  # the user's file, not the service, is at fault
            where = source_name(ref.text)
            return BjobError(
                f"{where}: not a GetModelInvocationJob response: {error.reason}",
                ExitCode.USAGE,
            )
        return error.about(ref.text)
