"""Why a job waits: each base model's batch quotas, its unfinished jobs against them, and its
queue as CloudWatch reports it. Pure state and functions.

Service Quotas names batch quotas per model display name, in words whose order varies between
models ("Sum of in-progress and submitted batch inference jobs using a base model for Claude
3 Haiku", "Records per batch inference job for ..."); quota codes differ per model, so quotas
are recognised by their words, never by code (see ../shared/DOMAIN.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

QuotaKind = Literal[
    "concurrent_jobs",
    "records_per_job",
    "min_records_per_job",
    "records_per_input_file",
    "input_file_gb",
    "job_size_gb",
]
QUOTA_KINDS: tuple[QuotaKind, ...] = (
    "concurrent_jobs",
    "records_per_job",
    "min_records_per_job",
    "records_per_input_file",
    "input_file_gb",
    "job_size_gb",
)
# CloudWatch, namespace AWS/Bedrock/Batch, dimension ModelId: bjob's name for each metric.
BATCH_NAMESPACE = "AWS/Bedrock/Batch"
METRICS: dict[str, str] = {
    "records_pending": "NumberOfRecordsPendingProcessing",
    "tokens_pending": "NumberOfTokensPendingProcessing",  # Anthropic models only
    "input_tokens_per_minute": "NumberOfInputTokensProcessedPerMinute",
    "output_tokens_per_minute": "NumberOfOutputTokensProcessedPerMinute",
}
METRICS_WINDOW = timedelta(hours=1)
# One point a minute, each the minute's average: the latest value is the latest minute's,
# not the largest over a longer bucket.
METRICS_PERIOD_SECONDS = 60
STALL_WINDOW = timedelta(minutes=30)
STALE_AFTER = timedelta(minutes=15)  # a figure older than this is not shown as current


def classify_quota(name: str) -> tuple[QuotaKind, str] | None:
    """(the kind, the model's display name) of a batch inference quota on a base model, or
    None for any other quota."""
    lowered = name.lower()
    if "batch inference" not in lowered or " for " not in name or "custom model" in lowered:
        return None
    model = name.rsplit(" for ", 1)[1].strip()
    kind: QuotaKind
    if "in-progress" in lowered or "submitted" in lowered or "concurrent" in lowered:
        kind = "concurrent_jobs"
    elif "minimum" in lowered and "record" in lowered:
        kind = "min_records_per_job"
    elif "record" in lowered and "input file" in lowered:
        kind = "records_per_input_file"
    elif "record" in lowered:
        kind = "records_per_job"
    elif "input file size" in lowered:
        kind = "input_file_gb"
    elif "job size" in lowered:
        kind = "job_size_gb"
    else:
        return None
    return kind, model


@dataclass(frozen=True)
class Quota:
    name: str
    kind: QuotaKind
    model_name: str
    value: float
    applied: bool  # the account's value; False: AWS's default


def merge_quotas(applied: Sequence[Quota], defaults: Sequence[Quota]) -> list[Quota]:
    """Applied values where the account has them, AWS's defaults for the rest."""
    seen = {(quota.kind, quota.model_name) for quota in applied}
    return [*applied, *(quota for quota in defaults if (quota.kind, quota.model_name) not in seen)]


@dataclass(frozen=True)
class Series:
    """One metric over the last hour: (time, value) oldest first."""

    points: tuple[tuple[datetime, float], ...] = ()

    @property
    def latest(self) -> float | None:
        return self.points[-1][1] if self.points else None

    @property
    def as_of(self) -> datetime | None:
        """When the latest value was measured."""
        return self.points[-1][0] if self.points else None

    def stale(self, now: datetime) -> bool:
        return self.as_of is not None and now - self.as_of > STALE_AFTER

    def since(self, moment: datetime) -> list[float]:
        return [value for at, value in self.points if at >= moment]

    def values(self) -> list[float]:
        return [value for _, value in self.points]


@dataclass(frozen=True)
class ModelMetrics:
    series: Mapping[str, Series] = field(default_factory=dict)  # by bjob's metric name

    def latest(self, metric: str) -> float | None:
        series = self.series.get(metric)
        return series.latest if series is not None else None

    def get(self, metric: str) -> Series:
        return self.series.get(metric) or Series()

    def stalled(self, now: datetime) -> bool:
        """Records are pending now (a fresh figure) and have been for the last 30 minutes,
        and no token was processed in those 30 minutes. A queue that drained, or metrics
        that stopped (nothing fresh), is not stalled."""
        pending = self.get("records_pending")
        latest = pending.latest
        if not latest or pending.stale(now) or not pending.points:
            return False
        window = now - STALL_WINDOW
        if pending.points[0][0] > window or not all(pending.since(window)):
            return False  # the data does not cover the window, or the queue emptied in it
        processed = (
            *self.get("input_tokens_per_minute").since(window),
            *self.get("output_tokens_per_minute").since(window),
        )
        return not any(processed)


@dataclass(frozen=True)
class ModelQueue:
    """One base model in one region: its quotas, its unfinished jobs, its queue."""

    model_id: str | None  # None for a quota whose model bjob could not match
    model_name: str | None
    jobs_by_status: Mapping[str, int]
    quotas: Mapping[QuotaKind, float | None]
    metrics: ModelMetrics | None  # None when CloudWatch could not be read

    @property
    def active_jobs(self) -> int:
        return sum(self.jobs_by_status.values())


@dataclass(frozen=True)
class RegionQueues:
    region: str
    models: tuple[ModelQueue, ...]
    warnings: tuple[str, ...]
    observed_at: datetime


def build_queues(
    names: Mapping[str, str],
    active_models: Mapping[str, Mapping[str, int]],
    quotas: Sequence[Quota] | None,
) -> list[ModelQueue]:
    """Every base model with batch quotas or unfinished jobs, busiest first, its queue not
    yet read (metrics None: see with_metrics).

    names: model id -> display name (ListFoundationModels); active_models: model id ->
    unfinished jobs by status; quotas: None when Service Quotas could not be read.
    """
    by_name = {name.lower(): model_id for model_id, name in names.items()}
    quota_values: dict[str, dict[QuotaKind, float]] = {}
    unmatched_names: dict[str, str] = {}  # the quota's model name, for unmatched quotas
    for quota in quotas or ():
        model_id = by_name.get(quota.model_name.lower())
        key = model_id if model_id is not None else f"?{quota.model_name}"
        if model_id is None:
            unmatched_names[key] = quota.model_name
        quota_values.setdefault(key, {})[quota.kind] = quota.value
    models = []
    for key in dict.fromkeys([*active_models, *quota_values]):
        matched = key not in unmatched_names
        values = quota_values.get(key, {})
        models.append(
            ModelQueue(
                model_id=key if matched else None,
                model_name=names.get(key) if matched else unmatched_names[key],
                jobs_by_status=dict(active_models.get(key, {})),
                quotas={kind: values.get(kind) for kind in QUOTA_KINDS},
                metrics=None,
            )
        )
    models.sort(
        key=lambda model: (-model.active_jobs, (model.model_name or model.model_id or "").lower())
    )
    return models


def with_metrics(
    models: Sequence[ModelQueue], metrics: Mapping[str, ModelMetrics] | None
) -> tuple[ModelQueue, ...]:
    """Each model with its series (none for a model CloudWatch has nothing on); all None
    when CloudWatch could not be read."""
    if metrics is None:
        return tuple(models)
    return tuple(
        replace(model, metrics=metrics.get(model.model_id or "", ModelMetrics()))
        for model in models
    )
