"""Finding a run: every job of one submission, with one ListModelInvocationJobs(nameContains=
NAME), its members told from jobs whose names merely contain NAME by their token
(model/runs.py). `find_run` is what every command taking `run:NAME` calls (show, watch,
results, answers; retry and stop too)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bjob.aws.bedrock import iter_job_summaries
from bjob.aws.errors import translated_errors
from bjob.aws.session import AwsClients
from bjob.model.exits import BjobError, ExitCode
from bjob.model.job import Job, normalize_job
from bjob.model.runjobs import attempt_order, place_in_run
from bjob.model.runs import RUN_REF_PREFIX, is_member, run_name_of_ref


@dataclass(frozen=True)
class Run:
    """A submission's jobs, in the order they were made: its parts, then its retries."""

    name: str
    jobs: tuple[Job, ...]
    warnings: tuple[str, ...] = ()

    @property
    def parts(self) -> tuple[Job, ...]:
        """The jobs that hold the submission's records first (NAME, or NAME-1, NAME-2...)."""
        found = tuple(job for job in self.jobs if place_in_run(self.name, job.name).kind == "part")
        return found or self.jobs[:1]

    @property
    def retries(self) -> tuple[Job, ...]:
        """Every later attempt at some of those records, oldest first."""
        parts = {job.arn for job in self.parts}
        return tuple(job for job in self.jobs if job.arn not in parts)

    @property
    def unfinished(self) -> tuple[Job, ...]:
        return tuple(job for job in self.jobs if not job.is_terminal)

    @property
    def arns(self) -> list[str]:
        return [job.arn or job.job_id or "" for job in self.jobs]


def find_run(name: str, clients: AwsClients, region: str | None) -> Run:
    """The run named NAME in the region (exit 3 when no job of it is there). Of two members
    with one name (the same submission made again after its input changed), the later one
    counts, and a warning says so."""
    if not name:
        raise BjobError("run: needs a name (run:NAME)", ExitCode.USAGE)
    with translated_errors(f"{RUN_REF_PREFIX}{name}", clients.options.profile):
        summaries = [
            summary
            for summary in iter_job_summaries(clients.bedrock(region), nameContains=name)
            if is_member(summary.get("clientRequestToken"), name)
        ]
    if not summaries:
        raise BjobError(
            f"no run named {name!r}: no job bjob submitted under that name",
            ExitCode.NOT_FOUND,
            hint="bjob list --name NAME shows the jobs whose names contain it",
        )
    jobs = sorted((normalize_job(summary) for summary in summaries), key=_newest_last)
    by_name: dict[str, Job] = {}
    warnings = []
    for job in jobs:
        key = job.name or job.arn or ""
        if key in by_name:
            warnings.append(
                f"run:{name} has two jobs named {key!r}: the later one ({job.arn}) counts, "
                f"not {by_name[key].arn}"
            )
        by_name[key] = job
    ordered = sorted(by_name.values(), key=lambda job: attempt_order(name, job))
    return Run(name, tuple(ordered), tuple(warnings))


def _newest_last(job: Job) -> str:
    return job.submit_time.isoformat() if job.submit_time else ""


def split_run_refs(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(run names, every other JOB argument), each in argument order."""
    runs: list[str] = []
    others: list[str] = []
    for text in texts:
        name = run_name_of_ref(text)
        if name is None:
            others.append(text)
        elif name not in runs:
            runs.append(name)
    return runs, others
