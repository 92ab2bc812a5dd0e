"""Why jobs wait, per region: the unfinished jobs of each base model (one listing), its batch
quotas (Service Quotas), and its queue (CloudWatch, one request). A source other than the
listing that fails is a warning, and the rest is still reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bjob.aws.bedrock import foundation_model_names
from bjob.aws.quotas import available_quotas, batch_metrics, batch_quotas, source_errors
from bjob.aws.session import AwsClients
from bjob.model.models import base_model_id, looks_like_an_id, resolve_model
from bjob.model.quotas import (
    ModelMetrics,
    RegionQueues,
    build_queues,
    with_metrics,
)
from bjob.support.concurrent import map_all
from bjob.support.exits import BjobError
from bjob.usecases.polling import discover_active_jobs


def gather_queues(
    clients: AwsClients, regions: Sequence[str | None], model_filter: str | None, now: datetime
) -> list[RegionQueues]:
    """Each region's models, in the order given, the regions asked at once. Raises the first
    region's error when the job listing itself fails."""
    return map_all(lambda region: _region(clients, region, model_filter, now), regions)


def _region(
    clients: AwsClients, region: str | None, model_filter: str | None, now: datetime
) -> RegionQueues:
    region = region or clients.default_region()
    warnings: list[str] = []
    active: dict[str, Counter[str]] = {}
    for job in discover_active_jobs(clients, region, now):
        model = base_model_id(job.model_id) if job.model_id else "?"
        active.setdefault(model, Counter())[job.status or "?"] += 1
    names: dict[str, str] = {}
    listed = True
    try:
        with source_errors("Bedrock", "bedrock:ListFoundationModels"):
            for model_id, name in foundation_model_names(clients.bedrock(region)).items():
                names.setdefault(base_model_id(model_id), name)  # variants are their base's
    except BjobError as error:
        if model_filter and not looks_like_an_id(model_filter):
            # A name is resolved by the model list alone: its failure is the answer.
            raise BjobError(
                f"--model {model_filter!r}: a name needs the region's model list "
                f"(bedrock:ListFoundationModels), which could not be read: {error.message}",
                error.code,
                hint="give the model id, e.g. anthropic.claude-3-haiku-20240307-v1:0",
            ) from error
        warnings.append(f"{error.message}: models are shown by id, quotas by their own names")
        listed = False
    wanted = resolve_model(model_filter, names if listed else None) if model_filter else None
    quotas = available_quotas(batch_quotas(clients.client("service-quotas", region)), warnings)
    models = [
        model
        for model in build_queues(names, active, quotas)
        if wanted is None or model.model_id == wanted.model_id
    ]
    measured = [model.model_id for model in models if model.model_id]
    metrics: dict[str, ModelMetrics] | None = None
    try:
        metrics = (
            batch_metrics(clients.client("cloudwatch", region), measured, now) if measured else {}
        )
    except BjobError as error:
        warnings.append(f"{error.message}: the queue is not shown")
    return RegionQueues(region, with_metrics(models, metrics), tuple(warnings), now)
