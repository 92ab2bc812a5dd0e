"""`bjob stop`: what it will do (for the confirmation), what it did, and its JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bjob.model.job import Job
from bjob.model.words import counted
from bjob.render.terminal import inert
from bjob.render.view import DASH, percent

_SAID = {
    "stop": "will be stopped",
    "already-stopping": "already stopping",
    "already-ended": "already {status}",
    "stopped": "stopping",
}


def job_line(job: Job, action: str, status: str | None = None) -> str:
    """ "  name  InProgress  42.0% (420 of 1,000 records)  will be stopped" """
    done = job.fraction_done
    progress = (
        f"{percent(done)} ({job.processed_records or 0:,} of {job.total_records:,} records)"
        if done is not None and job.total_records
        else DASH
    )
    said = _SAID[action].format(status=status or job.status or DASH)
    name = inert(job.name or job.job_id or job.arn or DASH)
    return f"  {name}  {inert(job.status or DASH)}  {progress}  {said}"


def plan_text(plans: Sequence[tuple[Job, str]]) -> list[str]:
    stopping = sum(action == "stop" for _, action in plans)
    lines = [f"bjob: {counted(stopping, 'job')} to stop:" if stopping else "bjob: nothing to stop:"]
    lines += [job_line(job, action) for job, action in plans]
    return lines


def outcome_to_dict(job: Job, action: str, status: str | None) -> dict[str, Any]:
    return {
        "arn": job.arn,
        "name": job.name,
        "status_before": job.status,
        "action": action,
        "status": status,
    }
