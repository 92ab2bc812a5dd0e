"""Finding jobs: ListModelInvocationJobs with filters, every page, several regions at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bjob.aws.bedrock import iter_job_summaries
from bjob.aws.errors import translated_errors
from bjob.aws.session import AwsClients
from bjob.model.durations import parse_moment
from bjob.model.job import Job, canonical_status, normalize_job
from bjob.support.concurrent import map_all
from bjob.support.exits import BjobError, ExitCode

PAGE_SIZE = 1000  # the most ListModelInvocationJobs allows


@dataclass(frozen=True)
class ListFilters:
    statuses: tuple[str, ...] = ()
    name: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    newest_first: bool = True
    limit: int | None = 50  # None: every match

    def request_parameters(self) -> dict[str, Any]:
        """What the service filters: one status server-side; several are filtered here."""
        parameters: dict[str, Any] = {
            "sortBy": "CreationTime",
            "sortOrder": "Descending" if self.newest_first else "Ascending",
        }
        if len(self.statuses) == 1:
            parameters["statusEquals"] = self.statuses[0]
        if self.name:
            parameters["nameContains"] = self.name
        if self.since:
            parameters["submitTimeAfter"] = self.since
        if self.until:
            parameters["submitTimeBefore"] = self.until
        return parameters

    def page_size(self) -> int:
        # With nothing filtered here, a page larger than the limit only costs bytes.
        if self.limit is not None and len(self.statuses) <= 1:
            return max(1, min(self.limit, PAGE_SIZE))
        return PAGE_SIZE

    def keeps(self, summary: dict[str, Any]) -> bool:
        return len(self.statuses) <= 1 or summary.get("status") in self.statuses


def list_filters(
    *,
    statuses: Sequence[str],
    name: str | None,
    since: str | datetime | None,
    until: str | datetime | None,
    sort: str,
    limit: int | None,
    now: datetime,
) -> ListFilters:
    """The filters as `bjob list` takes them (statuses in any case, moments as a duration
    ago or an ISO date/time), checked: a mistake, or a window no job can match, is a usage
    error (2)."""
    if sort not in ("newest", "oldest"):
        raise BjobError(f"--sort: expected newest or oldest, not {sort!r}", ExitCode.USAGE)
    after, before = _moment(since, "--since", now), _moment(until, "--until", now)
    if after and before and after >= before:
        raise BjobError(
            f"--since ({after:%Y-%m-%d %H:%M} UTC) is not before --until "
            f"({before:%Y-%m-%d %H:%M} UTC): no job can match",
            ExitCode.USAGE,
        )
    return ListFilters(
        statuses=tuple(dict.fromkeys(canonical_status(text) for text in statuses)),
        name=name,
        since=after,
        until=before,
        newest_first=sort == "newest",
        limit=limit,
    )


def _moment(value: str | datetime | None, option: str, now: datetime) -> datetime | None:
    if isinstance(value, str):
        return parse_moment(value, option, now) if value else None
    return value


def list_jobs(
    clients: AwsClients,
    regions: Sequence[str | None],
    filters: ListFilters,
    on_progress: Callable[[int], None] | None = None,
) -> list[Job]:
    """Every matching job across the regions (queried concurrently), sorted and limited.

    Raises the first region's error after all have finished: a listing is whole or nothing.
    """
    seen = 0
    lock = threading.Lock()

    def counted(count: int) -> None:
        nonlocal seen
        with lock:
            seen += count
            if on_progress is not None:
                on_progress(seen)

    def one_region(region: str | None) -> list[Job]:
        return _list_region(clients, region, filters, counted)

    jobs = [job for found in map_all(one_region, regions) for job in found]
    if len(regions) > 1:
        jobs.sort(key=_sort_key, reverse=filters.newest_first)
    return jobs[: filters.limit] if filters.limit is not None else jobs


def _list_region(
    clients: AwsClients,
    region: str | None,
    filters: ListFilters,
    counted: Callable[[int], None],
) -> list[Job]:
    found: list[Job] = []
    with translated_errors(profile=clients.options.profile):
        client = clients.bedrock(region)
        summaries = iter_job_summaries(
            client, page_size=filters.page_size(), **filters.request_parameters()
        )
        for position, summary in enumerate(summaries, start=1):
            if position % 100 == 0:
                counted(100)
            if not filters.keeps(summary):
                continue
            found.append(normalize_job(summary))
            if filters.limit is not None and len(found) >= filters.limit:
                break
    return found


def _sort_key(job: Job) -> str:
    return job.submit_time.isoformat() if job.submit_time else ""
