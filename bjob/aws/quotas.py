"""Service Quotas and CloudWatch for `bjob quotas`: the batch quotas of every model, and the
batch queue's metrics, each failure translated with the permission it needs."""

# Start-up: boto3 and botocore are imported inside the functions that need them, so that
# help, completion and a saved response's view never load them.

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from bjob.aws.errors import translate_error, translated_errors
from bjob.model.quotas import (
    BATCH_NAMESPACE,
    METRICS,
    METRICS_PERIOD_SECONDS,
    METRICS_WINDOW,
    ModelMetrics,
    Quota,
    Series,
    classify_quota,
    merge_quotas,
)
from bjob.model.timestamps import parse_moment
from bjob.support.exits import BjobError, ExitCode

SERVICE_CODE = "bedrock"
MAX_QUERIES = 500  # GetMetricData's limit per request
QUOTA_PAGE_SIZE = 100  # the most ListServiceQuotas gives a page: Bedrock has hundreds


class PermissionDenied(BjobError):
    """A source the credentials may not read: a warning where the source is optional (and
    unlike missing credentials, which no source can do without)."""


def source_errors(service: str, permission: str) -> AbstractContextManager[None]:
    """A failing source as a BjobError; a denial names the permission it needs. A body that
    is not JSON (an HTML error page) is said in one line."""
    from botocore.exceptions import ClientError

    def denied(error: Exception) -> BjobError | None:
        translated = translate_error(error, service=service)
        if (
            translated is not None
            and translated.code is ExitCode.NOT_AUTHORIZED
            and isinstance(error, ClientError)
        ):
            return PermissionDenied(
                f"{service}: not authorized ({permission})", ExitCode.NOT_AUTHORIZED
            )
        return None

    return translated_errors(service=service, translate=denied)


def batch_quotas(client: Any) -> tuple[list[Quota] | BjobError, list[Quota] | BjobError]:
    """(applied, default) batch quotas of service code bedrock, every page of each; each
    source stands alone: the one that fails is its error, the other is still read."""

    def read(operation: str, permission: str, applied: bool) -> list[Quota] | BjobError:
        try:
            return _quotas(client, operation, permission, applied)
        except BjobError as error:
            return error

    return (
        read("list_service_quotas", "servicequotas:ListServiceQuotas", True),
        read("list_aws_default_service_quotas", "servicequotas:ListAWSDefaultServiceQuotas", False),
    )


def available_quotas(
    sources: tuple[list[Quota] | BjobError, list[Quota] | BjobError], warnings: list[str]
) -> list[Quota] | None:
    """Applied values where the account has them, AWS's defaults for the rest, from whichever
    source could be read (a warning for one that could not); None when neither could."""
    applied, defaults = sources
    for source, what in ((applied, "applied values"), (defaults, "AWS's defaults")):
        if isinstance(source, BjobError):
            warnings.append(f"{source.message}: {what} are not shown")
    if isinstance(applied, BjobError) and isinstance(defaults, BjobError):
        return None
    return merge_quotas(
        applied if not isinstance(applied, BjobError) else [],
        defaults if not isinstance(defaults, BjobError) else [],
    )


def _quotas(client: Any, operation: str, permission: str, applied: bool) -> list[Quota]:
    found = []
    with source_errors("Service Quotas", permission):
        pages = client.get_paginator(operation).paginate(
            ServiceCode=SERVICE_CODE, PaginationConfig={"PageSize": QUOTA_PAGE_SIZE}
        )
        for page in pages:
            for item in page.get("Quotas", []):
                name, value = item.get("QuotaName"), item.get("Value")
                known = classify_quota(name) if isinstance(name, str) else None
                if known is not None and isinstance(value, (int, float)):
                    found.append(Quota(name, known[0], known[1], float(value), applied))
    return found


def batch_metrics(client: Any, model_ids: Sequence[str], now: datetime) -> dict[str, ModelMetrics]:
    """The last hour of every batch metric for every model: one GetMetricData request (one
    per 500 queries), each metric's points oldest first."""
    queries, index = [], {}
    for number, model_id in enumerate(model_ids):
        for metric, metric_name in METRICS.items():
            query_id = f"m{number}_{metric}"
            index[query_id] = (model_id, metric)
            queries.append(
                {
                    "Id": query_id,
                    "MetricStat": {
                        "Metric": {
                            "Namespace": BATCH_NAMESPACE,
                            "MetricName": metric_name,
                            "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                        },
                        "Period": METRICS_PERIOD_SECONDS,
                        "Stat": "Average",
                    },
                    "ReturnData": True,
                }
            )
    series: dict[str, dict[str, list[tuple[datetime, float]]]] = {}
    with source_errors("CloudWatch", "cloudwatch:GetMetricData"):
        for start in range(0, len(queries), MAX_QUERIES):
            pages = client.get_paginator("get_metric_data").paginate(
                MetricDataQueries=queries[start : start + MAX_QUERIES],
                StartTime=now - METRICS_WINDOW,
                EndTime=now,
                ScanBy="TimestampAscending",
            )
            for page in pages:
                for result in page.get("MetricDataResults", []):
                    model_id, metric = index[result["Id"]]
                    points = zip(
                        result.get("Timestamps", []), result.get("Values", []), strict=False
                    )
                    bucket = series.setdefault(model_id, {}).setdefault(metric, [])
                    bucket += [(parse_moment(moment), float(value)) for moment, value in points]
    return {
        model_id: ModelMetrics(
            {metric: Series(tuple(sorted(points))) for metric, points in metrics.items()}
        )
        for model_id, metrics in series.items()
    }
