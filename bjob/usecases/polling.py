"""Polling jobs for watch with as few requests as it takes: one Get per job, or, for several
jobs in one region, a listing that finds them all in fewer requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bjob.aws.bedrock import fetch_job, iter_job_summaries
from bjob.aws.errors import translated_errors
from bjob.aws.session import AwsClients
from bjob.model.identifiers import JobRef
from bjob.model.job import ACTIVE_STATUSES, Job, normalize_job

# A job ends within its timeout (at most 168 h) of submission: older jobs cannot be active.
ACTIVE_LOOKBACK = timedelta(days=14)


class JobPoller:
    """The current state of each watched job, never more than one request per job a poll."""

    def __init__(self, clients: AwsClients) -> None:
        self.clients = clients
        # Regions where a listing could not find every job within budget: Get from then on.
        self._get_only: set[str | None] = set()

    def __call__(self, jobs: Sequence[Job]) -> list[Job]:
        latest: dict[int, Job] = {}
        by_region: dict[str | None, list[int]] = {}
        for index, job in enumerate(jobs):
            by_region.setdefault(job.region, []).append(index)
        for region, indices in by_region.items():
            if len(indices) > 1 and region not in self._get_only:
                found = self._list_region(region, [jobs[index] for index in indices])
                for index in indices:
                    if jobs[index].arn in found:
                        latest[index] = found[jobs[index].arn or ""]
                if any(index not in latest for index in indices):
                    self._get_only.add(region)
            for index in indices:
                if index not in latest:
                    latest[index] = self._get(jobs[index])
        return [latest[index] for index in range(len(jobs))]

    def _get(self, job: Job) -> Job:
        identifier = job.arn or job.job_id or ""
        response = fetch_job(
            JobRef(identifier, "arn" if job.arn else "id", job.region), self.clients
        )
        return normalize_job(response)

    def _list_region(self, region: str | None, jobs: Sequence[Job]) -> dict[str, Job]:
        """The jobs found by listing from the earliest one's submission, in at most
        len(jobs) - 1 pages (so that it costs fewer requests than a Get each)."""
        wanted = {job.arn for job in jobs if job.arn}
        submitted = [job.submit_time for job in jobs if job.submit_time]
        if len(wanted) < len(jobs) or len(submitted) < len(jobs):
            return {}
        found: dict[str, Job] = {}
        budget = len(jobs) - 1
        with translated_errors(profile=self.clients.options.profile):
            client = self.clients.bedrock(region)
            summaries = iter_job_summaries(
                client,
                sortBy="CreationTime",
                sortOrder="Ascending",
                submitTimeAfter=min(submitted) - timedelta(seconds=1),
            )
            pages_seen = 1
            for position, summary in enumerate(summaries, start=1):
                arn = summary.get("jobArn")
                if arn in wanted:
                    found[arn] = normalize_job(summary)
                    if len(found) == len(wanted):
                        break
                if position % 1000 == 0:  # the next summary needs another page
                    if pages_seen >= budget:
                        break
                    pages_seen += 1
        return found


def discover_active_jobs(clients: AwsClients, region: str | None, now: datetime) -> list[Job]:
    """Every job in the region that has not reached a terminal status."""
    jobs = []
    with translated_errors(profile=clients.options.profile):
        client = clients.bedrock(region)
        for summary in iter_job_summaries(
            client,
            sortBy="CreationTime",
            sortOrder="Descending",
            submitTimeAfter=now - ACTIVE_LOOKBACK,
        ):
            if summary.get("status") in ACTIVE_STATUSES:
                jobs.append(normalize_job(summary))
    return jobs
