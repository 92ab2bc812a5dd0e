"""`bjob quotas` for people (a table a region) and scripts (quotas.schema.json)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rich.console import RenderableType
from rich.text import Text

from bjob.model.environment import Environment
from bjob.model.quotas import (
    METRICS,
    QUOTA_KINDS,
    ModelQueue,
    QuotaKind,
    RegionQueues,
)
from bjob.model.words import counted
from bjob.render.jsonout import iso_moment
from bjob.render.terminal import inert
from bjob.render.view import DASH, Column, fitted_table, print_renderables, stdout_shape

SPARKS = "▁▂▃▄▅▆▇█"
STATUS_ORDER = ("InProgress", "Stopping", "Scheduled", "Validating", "Submitted")


def queues_to_dict(queues: RegionQueues) -> dict[str, Any]:
    """Every key always present, null where unknown (quotas.schema.json)."""
    return {
        "region": queues.region,
        "models": [_model_to_dict(model, queues) for model in queues.models],
        "warnings": list(queues.warnings),
    }


def _model_to_dict(model: ModelQueue, queues: RegionQueues) -> dict[str, Any]:
    metrics: dict[str, Any] | None = None
    if model.metrics is not None:
        now = queues.observed_at
        metrics = {}
        for name in METRICS:
            series = model.metrics.get(name)
            value = series.latest
            metrics[name] = {
                # Records are counted; rates are per minute, to the token.
                "value": round(value) if value is not None else None,
                "as_of": iso_moment(series.as_of),
                "stale": series.stale(now),
            }
        metrics["stalled"] = model.metrics.stalled(now)
    return {
        "model_id": model.model_id,
        "model_name": model.model_name,
        "active_jobs": model.active_jobs,
        "jobs_by_status": dict(model.jobs_by_status),
        "quotas": {kind: _number(model.quotas.get(kind)) for kind in QUOTA_KINDS},
        "metrics": metrics,
    }


def _number(value: float | None) -> float | int | None:
    return int(value) if value is not None and value.is_integer() else value


def print_queues(env: Environment, regions: Sequence[RegionQueues]) -> None:
    styled, width = stdout_shape(env)
    shapes = env.is_terminal(env.stdout)  # colour is not shape: NO_COLOR keeps sparklines
    parts: list[RenderableType] = []
    for queues in regions:
        heading = Text(queues.region, style="bold")
        if not queues.models:
            heading.append("  no batch quotas or unfinished jobs", style="dim")
            parts.append(heading)
            continue
        heading.append(
            f"  {counted(len(queues.models), 'model')} · the queue over the last hour", style="dim"
        )
        parts += [
            heading,
            _queue_table(queues, styled, width, shapes),
            _limits_table(queues, styled, width),
        ]
    print_renderables(env, parts, styled=styled, width=width)


def _label(model: ModelQueue) -> Text:
    return Text(inert(model.model_name or model.model_id or DASH))


def _queue_table(queues: RegionQueues, styled: bool, width: int, shapes: bool) -> RenderableType:
    models = queues.models

    def metric(name: str) -> list[Text]:
        return [_metric(model, name, queues.observed_at, shapes) for model in models]

    def by_status(model: ModelQueue) -> Text:
        counts = sorted(
            model.jobs_by_status.items(),
            key=lambda item: (
                STATUS_ORDER.index(item[0]) if item[0] in STATUS_ORDER else len(STATUS_ORDER)
            ),
        )
        return Text(" · ".join(f"{count} {inert(status)}" for status, count in counts) or DASH)

    columns = [
        Column("Model", [_label(model) for model in models], keep=True, fold=True),
        Column("Jobs", [_jobs(model) for model in models], justify="right", keep=True),
        Column("Records pending", metric("records_pending"), keep=True),
        Column(
            "Stalled",
            [
                Text("stalled", style="bold red")
                if model.metrics is not None and model.metrics.stalled(queues.observed_at)
                else Text()
                for model in models
            ],
        ),
        Column("Input tok/min", metric("input_tokens_per_minute")),
        Column("Output tok/min", metric("output_tokens_per_minute")),
        Column("Tokens pending", metric("tokens_pending")),
        Column("By status", [by_status(model) for model in models]),
        Column("Model id", [Text(inert(model.model_id or DASH)) for model in models]),
    ]
    extras = [
        "Stalled",
        "By status",
        "Input tok/min",
        "Output tok/min",
        "Tokens pending",
        "Model id",
    ]
    return fitted_table(columns, extras, width, styled=styled, say_dropped=True)


def _jobs(model: ModelQueue) -> Text:
    """ "8 of 20": unfinished jobs against the concurrency quota; full in red."""
    limit = model.quotas.get("concurrent_jobs")
    if limit is None:
        return Text(f"{model.active_jobs}")
    full = model.active_jobs >= limit
    return Text(f"{model.active_jobs} of {limit:,.0f}", style="bold red" if full else "")


def _metric(model: ModelQueue, name: str, now: datetime, shapes: bool) -> Text:
    """The latest figure (marked stale, with its age, when it is old) and, where the output
    has room for shapes (a terminal, colour or not), the hour as a sparkline."""
    if model.metrics is None:
        return Text(DASH)
    series = model.metrics.get(name)
    latest = series.latest
    text = Text(f"{latest:,.0f}" if latest is not None else DASH)
    if series.as_of is not None and series.stale(now):
        text.append(f" (stale, {_age(now - series.as_of)} old)", style="yellow")
    if shapes and len(series.points) > 1:
        text.append(" " + sparkline(series.values()), style="cyan")
    return text


def _age(age: timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h"


def sparkline(values: Sequence[float]) -> str:
    """The hour at a glance, scaled to its own largest value."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(
        SPARKS[min(int(value / top * (len(SPARKS) - 1) + 0.5), len(SPARKS) - 1)] for value in values
    )


def _limits_table(queues: RegionQueues, styled: bool, width: int) -> RenderableType:
    models = [model for model in queues.models if any(model.quotas.values())]
    if not models:
        return Text("no batch quotas listed", style="dim")

    def limit(model: ModelQueue, kind: QuotaKind, unit: str = "") -> Text:
        value = model.quotas.get(kind)
        return Text(f"{value:,.0f}{unit}" if value is not None else DASH)

    columns = [
        Column("Limits", [_label(model) for model in models], keep=True, fold=True),
        Column(
            "Records a job", [_records_a_job(model) for model in models], justify="right", keep=True
        ),
        Column(
            "Records a file",
            [limit(model, "records_per_input_file") for model in models],
            justify="right",
        ),
        Column("File", [limit(model, "input_file_gb", " GB") for model in models], justify="right"),
        Column("Job", [limit(model, "job_size_gb", " GB") for model in models], justify="right"),
    ]
    return fitted_table(
        columns, ["Records a file", "File", "Job"], width, styled=styled, say_dropped=True
    )


def _records_a_job(model: ModelQueue) -> Text:
    """ "100–50,000": the fewest and the most records a job may have."""
    least, most = model.quotas.get("min_records_per_job"), model.quotas.get("records_per_job")
    if least is not None and most is not None:
        return Text(f"{least:,.0f}–{most:,.0f}")
    if most is not None:
        return Text(f"≤ {most:,.0f}")
    return Text(f"≥ {least:,.0f}" if least is not None else DASH)
