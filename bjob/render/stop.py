"""`bjob stop`: what it will do (for the confirmation), what it did to each job, and its
JSON (one entry per job)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bjob.model.job import Job
from bjob.model.stop import StopOutcome, StopReport
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


def outcome_lines(outcome: StopOutcome) -> list[str]:
    """What became of one job, as its stop ends: "bjob: stopping ARN", "bjob: left as it
    is: ARN (already Completed)", or the failure and its hint."""
    job = outcome.job
    if outcome.action == "stopped":  # the ARN, for scripts that read stderr
        return [f"bjob: stopping {inert(job.arn or job.job_id or DASH)}"]
    name = inert(job.name or job.job_id or job.arn or DASH)  # the failure names the ARN
    if outcome.failure is not None:
        lines = [f"bjob: could not stop {name}: {inert(outcome.failure.message)}"]
        if outcome.failure.hint:
            lines.append(f"hint: {inert(outcome.failure.hint)}")
        return lines
    state = "stopping" if outcome.action == "already-stopping" else outcome.status or DASH
    return [f"bjob: {name} left as it is (already {inert(state)})"]


def summary_line(outcomes: Sequence[StopOutcome]) -> str | None:
    """When a stop failed: how many were stopped all the same, so that neither is hidden."""
    failed = sum(outcome.failure is not None for outcome in outcomes)
    if not failed:
        return None
    stopped = sum(outcome.action == "stopped" for outcome in outcomes)
    return (
        f"bjob: {counted(failed, 'job')} of {len(outcomes):,} could not be stopped; "
        f"{stopped:,} {'was' if stopped == 1 else 'were'} stopped"
    )


def outcome_to_dict(
    job: Job, action: str, status: str | None, outcome: StopOutcome | None = None
) -> dict[str, Any]:
    """One job's entry; `error` is null unless its stop failed, then it carries bjob's exit
    code and words and the service's (AccessDeniedException and its message)."""
    failure = outcome.failure if outcome is not None else None
    return {
        "arn": job.arn,
        "name": job.name,
        "status_before": job.status,
        "action": action,
        "status": status,
        "error": (
            {
                "exit_code": int(failure.code),
                "message": failure.message,
                "hint": failure.hint,
                "service_code": failure.service_code,
                "service_message": failure.service_message,
            }
            if failure is not None
            else None
        ),
    }


def report_to_list(
    done: StopReport, final: Mapping[str | None, str | None] | None = None
) -> list[dict[str, Any]]:
    """`stop --json`: one entry per job, what would happen to it in a dry run (would-stop,
    would-already-ended...), else what did; `final`: the status each job ended with (after
    --wait), by ARN."""
    if done.dry_run:
        return [outcome_to_dict(p.job, f"would-{p.action}", p.job.status) for p in done.plans]
    ended = final or {}
    return [
        outcome_to_dict(o.job, o.action, ended.get(o.job.arn, o.status), o) for o in done.outcomes
    ]
