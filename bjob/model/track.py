"""What a watch has seen of one job: pure state, filled by the watch loop, read by the views."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bjob.model.job import Job

THROUGHPUT_WINDOW_SECONDS = 600.0  # records per minute over the last ten minutes seen


@dataclass
class JobTrack:
    """One job's latest state, its status changes and its progress samples."""

    job: Job
    transitions: list[tuple[str, datetime]] = field(default_factory=list)
    # (monotonic seconds, processed records) samples, for throughput over a sliding window.
    samples: deque[tuple[float, int]] = field(default_factory=deque)

    @property
    def key(self) -> str:
        return self.job.arn or self.job.job_id or ""

    def observe(self, job: Job, at: float, seen: datetime) -> bool:
        """Take a new state; True when the status or any count changed."""
        changed = self._differs(job)
        if not self.transitions or job.status != self.job.status:
            self.transitions.append((job.status or "?", seen))
        self.job = job
        if job.processed_records is not None:
            self.samples.append((at, job.processed_records))
            while self.samples and at - self.samples[0][0] > THROUGHPUT_WINDOW_SECONDS:
                self.samples.popleft()
        return changed

    def _differs(self, job: Job) -> bool:
        old = self.job
        return (
            old.status,
            old.processed_records,
            old.succeeded_records,
            old.failed_records,
            old.total_records,
            old.end_time,
        ) != (
            job.status,
            job.processed_records,
            job.succeeded_records,
            job.failed_records,
            job.total_records,
            job.end_time,
        )

    def records_per_minute(self) -> float | None:
        """Throughput measured from what watch itself observed, over the sliding window."""
        if len(self.samples) < 2:
            return None
        (first_at, first), (last_at, last) = self.samples[0], self.samples[-1]
        if last_at <= first_at:
            return None
        return max(last - first, 0) / (last_at - first_at) * 60.0

    def eta_seconds(self) -> float | None:
        rate = self.records_per_minute()
        pending = self.job.pending_records
        if self.job.is_terminal or not rate or pending is None:
            return None
        return pending / rate * 60.0
