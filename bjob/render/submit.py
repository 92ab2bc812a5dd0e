"""`bjob submit` and `bjob retry`: the plan (shown before anything costs money, and in a dry
run), the question, the outcome, and their JSON (submit.schema.json)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bjob.model.submit import PlannedJob, SubmissionPlan, SubmittedJob
from bjob.model.words import counted
from bjob.render.cost import cost_line
from bjob.render.results import size_text
from bjob.render.terminal import inert


def plan_lines(plan: SubmissionPlan, dry_run: bool) -> list[str]:
    """What will be submitted, in 80 columns: the jobs, records and bytes; every setting the
    jobs will carry; where the inputs go (or are) and the outputs will be; each job, and
    whether it exists already or has no room."""
    jobs = plan.jobs
    records = sum(job.records for job in jobs)
    size = sum(job.bytes for job in jobs)
    creating = plan.to_create
    verb = "would" if dry_run else "will"
    head = f"bjob: {counted(len(jobs), 'job')}: {counted(records, 'record')}, {size_text(size)}"
    exists = len(jobs) - len(plan.missing)
    if exists:
        head += f"; {exists} {'exists' if exists == 1 else 'exist'} already"
    head += f"; {verb} create {len(creating)}"
    if len(creating) < len(plan.missing):
        head += f" (the quota has room for {plan.free})"
    settings = plan.settings
    if plan.in_place:
        inputs = " ".join(job.input_uri for job in jobs) + "  (used where it is)"
    else:
        inputs = " ".join(sorted({job.input_uri.split(f"/{job.name}/")[0] + "/" for job in jobs}))
    vpc = (
        f"{','.join(settings.subnets)} / {','.join(settings.security_groups)}"
        if settings.subnets
        else "none"
    )
    tags = ", ".join(f"{key}={value}" for key, value in settings.tags) or "none"
    timeout = f"{settings.timeout_hours} h" if settings.timeout_hours else "the service's default"
    lines = [
        head,
        f"  model    {inert(plan.model)}",
        f"  region   {inert(plan.region)}",
        f"  type     {inert(settings.invocation_type)}",
        f"  role     {inert(settings.role_arn)}",
        f"  inputs   {inert(inputs)}",
        f"  outputs  {inert(settings.output_uri)}<job id>/",
        f"  kms key  {inert(settings.kms_key or 'none (S3 default encryption)')}",
        f"  vpc      {inert(vpc)}",
        f"  timeout  {timeout}",
        f"  tags     {inert(tags)}",
        f"  cost     {cost_line(plan.cost)}",
    ]
    width = max(len(job.name) for job in jobs)
    new = {job.token for job in creating}
    for job in jobs:
        found = plan.existing.get(job.token)
        if found is not None:
            state = f"exists ({found.status or 'status unknown'})"
        elif job.token in new:
            state = "new"
        else:
            state = "no room now"
        lines.append(
            f"  {inert(job.name):<{width}}  {job.records:>9,} records  "
            f"{size_text(job.bytes):>9}  {state}"
        )
    return lines


def question(plan: SubmissionPlan) -> str:
    creating, jobs = len(plan.to_create), len(plan.jobs)
    what = counted(creating, "job") if creating == jobs else f"{creating} of {jobs} jobs"
    upload = "Upload and create" if plan.uploads else "Create"
    return f"{upload} {what}?"


def outcome_lines(
    plan: SubmissionPlan, jobs: Sequence[SubmittedJob], not_made: str | None, command: str
) -> list[str]:
    """What happened to every planned job, and what to do about what did not."""
    created = sum(job.created for job in jobs)
    found = [job for job in jobs if job.arn is not None and not job.created]
    missing = sum(job.arn is None for job in jobs)
    lines = []
    if created:
        lines.append(f"bjob: created {counted(created, 'job')}")
    if found:
        lines.append(f"bjob: {counted(len(found), 'job')} from an earlier run, not created again")
    for job, existing in plan.ended:
        lines.append(
            f"bjob: {inert(job.name)} ({inert(existing.arn)}) has ended {existing.status}: "
            f"`bjob retry {inert(existing.arn)}` submits what it did not answer"
        )
    if missing:
        lines.append(
            f"bjob: {counted(missing, 'job')} not created: {inert(not_made or '')}; run "
            f"`{inert(command)}` again later to submit the rest"
        )
    return lines


def interrupted_lines(
    created: Sequence[SubmittedJob], command: str, under_way: Sequence[SubmittedJob] = ()
) -> list[str]:
    """After Ctrl-C or SIGTERM: the jobs made so far, the one whose creation was under way
    (it may exist), and how to finish."""
    lines = [
        f"bjob: interrupted after creating {counted(len(created), 'job')}"
        + (":" if created else "")
    ]
    lines += [f"  {inert(job.arn or '')}  {inert(job.planned.name)}" for job in created]
    for job in under_way:
        lines.append(
            f"bjob: {inert(job.planned.name)} was being created: it may exist (the service "
            "had the request)"
        )
    lines.append(f"bjob: `{inert(command)}` creates the rest (the jobs made are found again)")
    return lines


def submission_to_dict(
    plan: SubmissionPlan, jobs: Sequence[SubmittedJob] | None, dry_run: bool, code: int
) -> dict[str, Any]:
    """The plan, or what was done (`jobs`), as submit.schema.json says."""
    done = {job.planned.token: job for job in jobs or ()}
    creating = {job.token for job in plan.to_create}
    entries = []
    for planned in plan.jobs:
        state = "would-create" if jobs is None and planned.token in creating else "not-created"
        entries.append(_job_entry(plan, planned, done.get(planned.token), state))
    return {
        "dry_run": dry_run,
        "region": plan.region,
        "model_id": plan.settings.model_id,
        "quota": {
            "concurrent_jobs": plan.quota.value,
            "source": plan.quota.source,
            "in_use": plan.in_use,
            "free": plan.free,
        },
        "cost": plan.cost.to_json(),
        "jobs": entries,
        "warnings": list(plan.warnings),
        "exit_code": code,
    }


def _job_entry(
    plan: SubmissionPlan, planned: PlannedJob, done: SubmittedJob | None, state: str
) -> dict[str, Any]:
    """One job: `state` is what it is when neither found nor made."""
    arn: str | None = None
    status: str | None = None
    existing = plan.existing.get(planned.token)
    if existing is not None:
        state, arn, status = "exists", existing.arn, existing.status
    elif done is not None and done.created:
        state, arn, status = "created", done.arn, done.status
    return {
        "arn": arn,
        "name": planned.name,
        "state": state,
        "status": status,
        "created": state == "created",
        "input_uri": planned.input_uri,
        "records": planned.records,
        "bytes": planned.bytes,
        "sha256": planned.sha256,
        "objects": [
            {
                "uri": item.uri,
                "records": item.records,
                "bytes": item.bytes,
                "sha256": item.sha256,
                "there_already": item.uri in plan.reused,
            }
            for item in planned.objects
        ],
        "client_request_token": planned.token,
        "request": dict(planned.request),
    }
