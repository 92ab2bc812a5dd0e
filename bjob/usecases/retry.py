"""Retrying a job (or a run): its failed and never-processed records (exactly what `bjob results
--retry-file` writes: the same code) submitted as a new job like it — its model, role,
output, type, timeout, KMS key, VPC and tags — in its own region, as the next retry of its
run (<run>-retry-1, then -2...), through submit's steps."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bjob.aws.bedrock import job_tags
from bjob.model.job import Job
from bjob.model.runs import RUN_TAG, run_name_of_ref
from bjob.model.submit import JobSettings
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.results.gather import ResultsRequest
from bjob.usecases.results.retryfile import write_retry_file
from bjob.usecases.runs import Run, load_job_or_run, write_run_retry_files
from bjob.usecases.submit import SubmitRequest

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients


@dataclass(frozen=True)
class RetryInput:
    """What a retry will submit: the request (None: nothing left to submit again), and what
    reading the job's results and settings had to say."""

    request: SubmitRequest | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Retrying:
    """A retry ready to go through submit's steps: the job or run retried, clients in its
    region (where the new job runs), and what will be submitted."""

    original: Job | Run
    clients: AwsClients
    region: str
    prepared: RetryInput


@contextmanager
def retry_of(
    text: str,
    clients: AwsClients,
    stdin: TextIO,
    *,
    name: str | None,
    upload_to: str | None,
    strict: bool,
) -> Iterator[Retrying]:
    """`retry JOB` (an ARN, id or name, or run:NAME) loaded with `clients` and prepared in a
    scratch folder that lasts as long as the context (the submission reads its files)."""
    from bjob.usecases.load import parse_job_refs

    if run_name_of_ref(text) is None and parse_job_refs([text])[0].kind == "file":
        raise BjobError("retry takes a job, not a saved response", ExitCode.USAGE)
    original = load_job_or_run(text, clients, stdin)
    # The new job runs where the original ran: the ARN's region, not the configured one.
    first = original.parts[0] if isinstance(original, Run) else original
    region = first.region or clients.default_region()
    there = clients.in_region(region)
    with tempfile.TemporaryDirectory(prefix="bjob-retry-") as scratch:
        prepared = prepare_retry(
            original, there, Path(scratch), name=name, upload_to=upload_to, strict=strict
        )
        yield Retrying(original, there, region, prepared)


def prepare_retry(
    original: Job | Run,
    clients: AwsClients,
    scratch: Path,
    *,
    name: str | None,
    upload_to: str | None,
    strict: bool,
) -> RetryInput:
    """The retry files written under `scratch`, and the submission of them: a job's failed
    and missing records, or a run's records that no attempt answered yet (one file per input
    file they come from, named after it, so that their outputs stay apart)."""
    warnings: list[str] = []
    if isinstance(original, Run):
        model = original.parts[0]
        settings = settings_of(model, clients, warnings)
        run = original.name
        files = write_run_retry_files(original, clients, scratch)
        warnings += original.warnings
        what = f"run:{run}"
        labels = {
            str(item.path): f"(the records of {what}'s {item.name} to submit again)"
            for item in files
        }
        paths = [str(item.path) for item in files if item.records]
    else:
        settings = settings_of(original, clients, warnings)
        run = dict(settings.tags).get(RUN_TAG) or original.name or original.job_id or "job"
        # Named as the input was, so that its output is <name>.out as the original's was.
        given = (original.input.s3_uri or "").rstrip("/").rsplit("/", 1)[-1]
        path = scratch / (given if given.endswith(".jsonl") else "records.jsonl")
        found, written = write_retry_file(original, clients, path, ResultsRequest())
        warnings += found.warnings
        labels = {str(path): f"(the records of {original.arn} to submit again)"}
        paths = [str(path)] if written.records else []
    if not paths:
        return RetryInput(None, tuple(warnings))
    base = name or f"{run}-retry"
    request = SubmitRequest(
        paths,
        settings,
        base,
        upload_to,
        strict=strict,
        run=run,
        retry_of=None if name else base,
        labels=labels,
    )
    return RetryInput(request, tuple(warnings))


def settings_of(job: Job, clients: AwsClients, warnings: list[str]) -> JobSettings:
    """A new job like this one: its model, role, output, invocation type, timeout, KMS key,
    VPC and tags (without them, and a warning, when they may not be read)."""
    if not (job.model_id and job.role_arn and job.output.s3_uri and job.arn):
        raise BjobError(
            "the job does not say its model, role or output: it cannot be submitted again",
            ExitCode.NOT_FOUND,
        )
    output = job.output.s3_uri if job.output.s3_uri.endswith("/") else job.output.s3_uri + "/"
    try:
        tags = tuple(job_tags(job.arn, job.region, clients))
    except BjobError as error:
        # (The job was just read: a denial may come back as either.)
        if error.code not in (ExitCode.NOT_AUTHORIZED, ExitCode.NOT_FOUND):
            raise
        warnings.append(
            f"the job's tags could not be read ({error.message}): the new job gets none; "
            "allow bedrock:ListTagsForResource to keep them"
        )
        tags = ()
    return JobSettings(
        model_id=job.model_id,
        role_arn=job.role_arn,
        output_uri=output,
        invocation_type=job.invocation_type or "InvokeModel",
        timeout_hours=job.timeout_hours,
        kms_key=job.output.kms_key_id,
        subnets=tuple(job.vpc.subnet_ids or ()),
        security_groups=tuple(job.vpc.security_group_ids or ()),
        tags=tags,
    )
