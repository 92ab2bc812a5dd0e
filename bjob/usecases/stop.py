"""Stopping jobs: what would happen to each (stop it, or leave it: it is stopping, or has
ended), then the stops, several at once. A job that ended meanwhile is reported as such."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bjob.aws.bedrock import fetch_job, stop_job
from bjob.aws.concurrent import map_all
from bjob.aws.session import AwsClients
from bjob.model.exits import BjobError, ExitCode
from bjob.model.identifiers import parse_job_ref
from bjob.model.job import Job, normalize_job

StopAction = Literal["stop", "already-stopping", "already-ended"]


@dataclass(frozen=True)
class StopPlan:
    job: Job
    action: StopAction


@dataclass(frozen=True)
class StopOutcome:
    job: Job  # as it was before
    action: Literal["stopped", "already-stopping", "already-ended"]
    status: str | None  # as it is after


def plan_stops(jobs: Sequence[Job]) -> list[StopPlan]:
    """Stop what runs or waits; leave what is stopping or has ended (already the wanted
    state: not an error)."""
    plans = []
    for job in jobs:
        if job.is_terminal:
            plans.append(StopPlan(job, "already-ended"))
        elif job.status == "Stopping":
            plans.append(StopPlan(job, "already-stopping"))
        else:
            plans.append(StopPlan(job, "stop"))
    return plans


def stop_jobs(plans: Sequence[StopPlan], clients: AwsClients) -> list[StopOutcome]:
    """Every planned stop, at once; a stop the service refuses because the job ended in the
    meantime is read back and reported as already ended."""

    def one(plan: StopPlan) -> StopOutcome:
        job = plan.job
        if plan.action != "stop":
            return StopOutcome(job, plan.action, job.status)
        arn = job.arn or job.job_id or ""
        refused = stop_job(arn, job.region, clients)
        if refused is None:
            return StopOutcome(job, "stopped", "Stopping")
        now = normalize_job(fetch_job(parse_job_ref(arn), clients))
        if now.is_terminal:
            return StopOutcome(job, "already-ended", now.status)
        if now.status == "Stopping":
            return StopOutcome(job, "already-stopping", now.status)
        raise BjobError(
            f"the service would not stop {job.name or arn} ({now.status}): {refused}",
            ExitCode.CONFIGURATION,
        )

    return map_all(one, plans)
