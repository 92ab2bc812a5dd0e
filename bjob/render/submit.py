"""`bjob submit`: the plan (shown before anything costs money), the outcome, and its JSON
(submit.schema.json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bjob.model.submit import PlannedJob, SubmittedJob
from bjob.model.words import counted
from bjob.render.results import size_text
from bjob.render.terminal import inert


def plan_lines(jobs: Sequence[PlannedJob], model: str, output_uri: str, dry_run: bool) -> list[str]:
    """What will be submitted, in 80 columns: the jobs, records and bytes; the model; where
    the inputs go (or are) and the outputs will be; each job's records and bytes."""
    records = sum(job.records for job in jobs)
    size = sum(job.bytes for job in jobs)
    head = "would submit" if dry_run else "will submit"
    folders = {job.input_uri.rsplit("/", 1)[0] + "/" for job in jobs if job.upload}
    if folders:
        inputs = " ".join(sorted(folders))
    else:
        inputs = " ".join(job.input_uri for job in jobs) + "  (used where it is)"
    lines = [
        f"bjob: {head} {counted(len(jobs), 'job')}: {counted(records, 'record')}, "
        f"{size_text(size)}",
        f"  model    {inert(model)}",
        f"  inputs   {inert(inputs)}",
        f"  outputs  {inert(output_uri)}<job id>/",
    ]
    width = max(len(job.name) for job in jobs)
    for job in jobs:
        lines.append(
            f"  {inert(job.name):<{width}}  {job.records:>9,} records  {size_text(job.bytes):>9}"
        )
    return lines


def outcome_lines(jobs: Sequence[SubmittedJob], not_made: str | None) -> list[str]:
    created = sum(job.created for job in jobs)
    found = sum(job.arn is not None and not job.created for job in jobs)
    missing = sum(job.arn is None for job in jobs)
    lines = []
    if created:
        lines.append(f"bjob: created {counted(created, 'job')}")
    if found:
        lines.append(f"bjob: {counted(found, 'job')} from an earlier run, not created again")
    if missing:
        lines.append(
            f"bjob: {counted(missing, 'job')} not created: {inert(not_made or '')}; run the "
            "same command later to submit the rest"
        )
    return lines


def submission_to_dict(
    jobs: Sequence[PlannedJob | SubmittedJob], dry_run: bool, warnings: Sequence[str]
) -> dict[str, Any]:
    entries = []
    for item in jobs:
        planned = item.planned if isinstance(item, SubmittedJob) else item
        entries.append(
            {
                "arn": item.arn if isinstance(item, SubmittedJob) else None,
                "name": planned.name,
                "input_uri": planned.input_uri,
                "records": planned.records,
                "bytes": planned.bytes,
                "sha256": planned.sha256,
                "client_request_token": planned.token,
                "created": item.created if isinstance(item, SubmittedJob) else False,
                "request": dict(planned.request),
            }
        )
    return {"dry_run": dry_run, "jobs": entries, "warnings": list(warnings)}
