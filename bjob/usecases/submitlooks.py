"""What a submission looks at before it writes anything (a dry run is these, and no more):
the jobs of its run an earlier run made, a name another submission holds, the buckets and
their regions, the objects in each new job's input folder, and the model's free slots."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bjob.aws.bedrock import iter_job_summaries
from bjob.aws.errors import translated_errors
from bjob.aws.s3 import bucket_region, list_objects, uploaded_sha256
from bjob.aws.session import AwsClients
from bjob.model.check import Limit
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.models import base_model_id
from bjob.model.runs import is_member
from bjob.model.submit import (
    ExistingJob,
    InputObject,
    JobSettings,
    PlannedJob,
    is_part_name,
    plan_jobs,
)
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.modellookup import ModelLookup
from bjob.usecases.polling import discover_active_jobs


def run_summaries(run: str, clients: AwsClients, region: str) -> list[dict[str, Any]]:
    """Every job whose name contains the run's name: its parts and retries among them."""
    with translated_errors(profile=clients.options.profile):
        return list(iter_job_summaries(clients.bedrock(region), nameContains=run))


def existing_parts(
    jobs: Sequence[PlannedJob], name: str, run: str, summaries: Sequence[dict[str, Any]]
) -> dict[str, ExistingJob]:
    """The planned jobs an earlier run made (by token); a name that a job of another
    submission holds is refused before anything is written."""
    tokens = {job.name: job.token for job in jobs}
    ours = set(tokens.values())
    found: dict[str, ExistingJob] = {}
    for summary in summaries:
        job_name, token = str(summary.get("jobName")), summary.get("clientRequestToken")
        if token in ours and summary.get("jobArn"):
            found.setdefault(str(token), ExistingJob(str(summary["jobArn"]), summary.get("status")))
            continue
        other_part = is_part_name(job_name, name) and is_member(token, run)
        if job_name in tokens or other_part:
            raise BjobError(
                f"the name {name!r} is taken: the job {job_name} "
                f"({summary.get('jobArn')}, {summary.get('status')}) belongs to another "
                "submission",
                ExitCode.USAGE,
                hint="give another --name (a job name is how bjob stop, show and retry find "
                "it again)",
            )
    return found


def free_retry_name(
    base: str,
    run: str,
    objects: Sequence[InputObject],
    settings: JobSettings,
    folder: S3Location,
    summaries: Sequence[dict[str, Any]],
) -> str:
    """<base>-1, or -2...: the first name no job holds, or whose jobs are this retry's own
    (an earlier run of the same retry)."""
    for number in itertools.count(1):
        candidate = f"{base}-{number}"
        planned = plan_jobs(objects, candidate, run, settings, folder, None)
        tokens = {job.token for job in planned}
        holders = [s for s in summaries if is_part_name(str(s.get("jobName")), candidate)]
        if all(s.get("clientRequestToken") in tokens for s in holders):
            return candidate
    raise AssertionError("unreachable")


def check_buckets(
    jobs: Sequence[PlannedJob], settings: JobSettings, clients: AwsClients, region: str
) -> None:
    """Every bucket the jobs use exists and is in the jobs' region (Bedrock reads and writes
    only there): said before anything is uploaded or created."""
    client = clients.client("s3", region)
    buckets = {parse_s3_uri(settings.output_uri).bucket}
    buckets |= {parse_s3_uri(job.input_uri).bucket for job in jobs}
    for bucket in sorted(buckets):
        found = bucket_region(client, bucket)
        if found is not None and found != region:
            raise BjobError(
                f"the bucket {bucket} is in {found}, and the jobs would run in {region}: "
                "Bedrock reads and writes buckets of its own region only",
                ExitCode.CONFIGURATION,
                hint=f"pass --region {found}, or use a bucket in {region}",
            )


def look_at_objects(jobs: Sequence[PlannedJob], clients: AwsClients, region: str) -> frozenset[str]:
    """The objects already holding what is planned (bjob's own uploads of the same bytes);
    anything else in a job's input folder is refused: bjob never replaces an object it did
    not write, and Bedrock would read a stray one as part of the job."""
    client = clients.client("s3", region)
    reused: set[str] = set()
    for job in jobs:
        if not job.objects:
            continue
        planned = {item.uri: item for item in job.objects}
        for found in list_objects(client, parse_s3_uri(job.input_uri), None):
            uri = found.location.uri
            item = planned.get(uri)
            if item is not None and uploaded_sha256(client, found.location, item.bytes) == (
                item.sha256
            ):
                reused.add(uri)
                continue
            what = "holds other bytes" if item is not None else "is in the job's input folder"
            raise BjobError(
                f"{uri} already exists and {what}: bjob does not replace an object it did not "
                "write for this submission; nothing was uploaded or created",
                ExitCode.CONFIGURATION,
                hint="give another --upload-to or --name",
            )
    return frozenset(reused)


def slots_in_use(
    lookup: ModelLookup, clients: AwsClients, region: str, now: datetime
) -> tuple[Limit, int]:
    """Jobs submitted or in progress on the base model, against its concurrent-jobs quota."""
    base = lookup.model.model_id
    active = [
        job
        for job in discover_active_jobs(clients, region, now)
        if job.model_id and base_model_id(job.model_id) == base
    ]
    return lookup.concurrent_jobs, len(active)
