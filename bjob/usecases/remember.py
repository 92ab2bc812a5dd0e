"""The jobs bjob has seen, remembered for shell completion: no network call to complete a job.

A small JSON file in bjob's cache folder (support/cache.py), readable by the user only,
holding the most recent MAX_JOBS jobs. It is a convenience: a cache that cannot be read or
written is skipped without a word.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from pathlib import Path
from typing import Any

from bjob.model.job import Job
from bjob.support.cache import cache_dir, read_json, write_private_json

MAX_JOBS = 500
VERSION = 1


def cache_path() -> Path:
    return cache_dir() / "jobs.json"


def remembered_jobs(path: Path | None = None) -> list[dict[str, Any]]:
    """The remembered jobs, most recently seen first: {"arn", "id", "name", "region", "status"}."""
    data = read_json(path or cache_path())
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return []
    jobs = data.get("jobs")
    return [job for job in jobs if isinstance(job, dict)] if isinstance(jobs, list) else []


def remember_jobs(jobs: Iterable[Job], path: Path | None = None) -> None:
    """Put these jobs first, keep the most recent MAX_JOBS, write atomically, mode 0600."""
    path = path or cache_path()
    fresh = [
        {
            "arn": job.arn,
            "id": job.job_id,
            "name": job.name,
            "region": job.region,
            "status": job.status,
        }
        for job in islice(jobs, MAX_JOBS)  # a long listing: only its first jobs are kept
        if job.arn
    ]
    if not fresh:
        return
    seen = {entry["arn"] for entry in fresh}
    kept = fresh + [entry for entry in remembered_jobs(path) if entry.get("arn") not in seen]
    write_private_json(path, {"version": VERSION, "jobs": kept[:MAX_JOBS]})
