"""Stopping jobs: load them (or take them loaded: a run's jobs), say what would happen to
each (stop it, or leave it: it is stopping, or has ended), ask, then the stops, several at
once. Every job gets an outcome: stopped, already stopping, already ended (a job that ended
meanwhile is read back and reported as such), or failed with the service's words; one
refused stop neither hides nor undoes the others."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Sequence

from bjob.aws.bedrock import fetch_job, stop_job
from bjob.aws.errors import error_code, service_message
from bjob.aws.session import AwsClients
from bjob.model.identifiers import JobRef, parse_job_ref
from bjob.model.job import Job, normalize_job
from bjob.model.stop import (
    StopFailure,
    StopOutcome,
    StopPlan,
    StopReport,
    plan_stops,
)
from bjob.support.concurrent import map_all
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.load import LoadedJob, load_jobs

__all__ = [
    "StopOutcome",
    "StopPlan",
    "StopReport",
    "plan_stops",
    "stop",
    "stop_jobs",
    "stop_targets",
]

Confirm = Callable[[Sequence[StopPlan]], bool]
OnPlan = Callable[[Sequence[StopPlan]], None]
OnOutcome = Callable[[StopOutcome], None]


def stop(
    targets: Sequence[Job | JobRef],
    clients: AwsClients,
    *,
    dry_run: bool,
    confirm: Confirm,
    on_plan: OnPlan | None = None,
    on_outcome: OnOutcome | None = None,
) -> StopReport:
    """Stop the jobs named (refs are loaded first; Jobs, such as a run's, are taken as they
    are). A job that cannot be loaded stops nothing: the report carries the errors. The
    plan goes to `on_plan`; `confirm` is asked only when something is to be stopped (and
    not in a dry run); `on_outcome` hears of each job as its stop ends (one at a time)."""
    jobs, errors = _loaded(targets, clients)
    if errors:
        return StopReport(errors=tuple(errors))
    plans = tuple(plan_stops(jobs))
    if on_plan is not None:
        on_plan(plans)
    to_stop = sum(plan.action == "stop" for plan in plans)
    if dry_run:
        return StopReport(plans, dry_run=True)
    if to_stop and not confirm(plans):
        return StopReport(plans, declined=True)
    return StopReport(plans, tuple(stop_jobs(plans, clients, on_outcome)))


def stop_targets(texts: Sequence[str], clients: AwsClients) -> tuple[list[Job | JobRef], list[str]]:
    """What `stop JOB...` names: each job (loaded later, by `stop`), then every job of each
    run:NAME that has not ended (those that have are left as they are); and a note for a
    run with none."""
    from bjob.model.runs import split_run_refs
    from bjob.usecases.load import parse_job_refs
    from bjob.usecases.runs import find_run

    runs, others = split_run_refs(texts)
    targets: list[Job | JobRef] = [*parse_job_refs(others)]
    notes = []
    for name in runs:
        run = find_run(name, clients, clients.options.region)
        if not run.unfinished:
            notes.append(f"run:{name} has no job that has not ended")
        targets += run.unfinished
    return targets, notes


def _loaded(
    targets: Sequence[Job | JobRef], clients: AwsClients
) -> tuple[list[Job], list[BjobError]]:
    """The jobs, each once (an id and the ARN of one job are one job), in the order given."""
    if any(isinstance(item, JobRef) and item.kind == "file" for item in targets):
        raise BjobError("stop takes jobs, not saved responses", ExitCode.USAGE)
    refs = [item for item in targets if isinstance(item, JobRef)]
    loaded = iter(load_jobs(refs, clients, io.StringIO()) if refs else [])
    jobs: dict[str, Job] = {}
    errors: list[BjobError] = []
    for item in targets:
        result: Job | LoadedJob | BjobError = item if isinstance(item, Job) else next(loaded)
        if isinstance(result, BjobError):
            errors.append(result)
            continue
        job = result.job if isinstance(result, LoadedJob) else result
        jobs.setdefault(job.arn or job.job_id or str(len(jobs)), job)
    return list(jobs.values()), errors


def stop_jobs(
    plans: Sequence[StopPlan], clients: AwsClients, on_outcome: OnOutcome | None = None
) -> list[StopOutcome]:
    """Every planned stop, at once, each job's outcome in the plans' order. A stop the
    service refuses because the job ended in the meantime is read back and reported as
    already ended; any other failure is that job's outcome, and the others go on."""
    told = threading.Lock()

    def one(plan: StopPlan) -> StopOutcome:
        outcome = _stop_one(plan, clients)
        if on_outcome is not None:
            with told:
                on_outcome(outcome)
        return outcome

    return map_all(one, plans)


def _stop_one(plan: StopPlan, clients: AwsClients) -> StopOutcome:
    job = plan.job
    if plan.action != "stop":
        return StopOutcome(job, plan.action, job.status)
    arn = job.arn or job.job_id or ""
    try:
        refused = stop_job(arn, job.region, clients)
        if refused is None:
            return StopOutcome(job, "stopped", "Stopping")
        now = normalize_job(fetch_job(parse_job_ref(arn), clients))
    except BjobError as error:
        cause = error.__cause__
        failure = StopFailure.of(
            error,
            error_code(cause) if cause is not None else None,
            service_message(cause) if cause is not None else None,
        )
        return StopOutcome(job, "failed", job.status, failure)
    if now.is_terminal:
        return StopOutcome(job, "already-ended", now.status)
    if now.status == "Stopping":
        return StopOutcome(job, "already-stopping", now.status)
    failure = StopFailure(
        ExitCode.CONFIGURATION,
        f"the service would not stop {job.name or arn} ({now.status}): {refused}",
        service_message=refused,
    )
    return StopOutcome(job, "failed", now.status, failure)
