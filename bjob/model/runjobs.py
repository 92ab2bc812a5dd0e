"""A run's jobs put in order (its parts, then its retries, as they were made) and the whole
run's progress. Pure. (Which run a job belongs to is model/runs.run_of.)

Parts are named NAME (one part) or NAME-1, NAME-2...; retries NAME-retry-1 (split:
NAME-retry-1-1, NAME-retry-1-2), NAME-retry-2... (model/runs.py says what makes a member).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bjob.model.job import Job

_PART = re.compile(r"^-(\d+)$")
_RETRY = re.compile(r"^-retry-(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class Place:
    """Where a job stands in its run: a part (its number; 0 for the one part NAME), or a
    retry (its number and split; 0 when not split); `other` for a member of another name."""

    kind: str  # "part", "retry" or "other"
    number: int = 0
    split: int = 0


def place_in_run(run: str, name: str | None) -> Place:
    if name == run:
        return Place("part")
    rest = name[len(run) :] if name and name.startswith(run) else None
    if rest is not None:
        if part := _PART.match(rest):
            return Place("part", int(part[1]))
        if retry := _RETRY.match(rest):
            return Place("retry", int(retry[1]), int(retry[2] or 0))
    return Place("other")


def attempt_order(run: str, job: Job) -> tuple[int, int, int, str]:
    """A sort key: parts by number, then retries by number and split, then other members by
    the time they were submitted."""
    place = place_in_run(run, job.name)
    rank = {"part": 0, "retry": 1, "other": 2}[place.kind]
    submitted = job.submit_time.isoformat() if job.submit_time else ""
    return rank, place.number, place.split, submitted


@dataclass(frozen=True)
class RunProgress:
    """The whole run at a glance: its parts' records processed of their total (a retry's
    records are the parts' again), the unfinished jobs' rate, and the slowest one's time
    left."""

    processed: int | None
    total: int | None
    records_per_minute: float | None
    seconds_left: float | None
    unfinished: int
    jobs: int


def job_rate(job: Job, now: datetime) -> float | None:
    """Records a minute since the job was submitted, while it runs (one snapshot is all
    `show` has: watch measures its own)."""
    elapsed = job.elapsed_seconds(now)
    if job.is_terminal or not elapsed or not job.processed_records:
        return None
    return job.processed_records / elapsed * 60.0


def run_progress(run: str, jobs: Sequence[Job], now: datetime) -> RunProgress:
    parts = [job for job in jobs if place_in_run(run, job.name).kind == "part"] or list(jobs)
    processed = [job.processed_records for job in parts]
    totals = [job.total_records for job in parts]
    unfinished = [job for job in jobs if not job.is_terminal]
    rates = [rate for job in unfinished if (rate := job_rate(job, now)) is not None]
    lefts: list[float] = []
    for job in unfinished:
        rate, pending = job_rate(job, now), job.pending_records
        if rate and pending is not None:
            lefts.append(pending / rate * 60.0)
    return RunProgress(
        sum(value for value in processed if value is not None) if None not in processed else None,
        sum(value for value in totals if value is not None) if None not in totals else None,
        sum(rates) if rates else None,
        max(lefts) if lefts and len(lefts) == len(unfinished) else None,
        len(unfinished),
        len(jobs),
    )
