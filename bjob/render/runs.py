"""A run for people: one line for the whole of it, then a line per job."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Group, RenderableType
from rich.text import Text

from bjob.model.environment import Environment
from bjob.model.job import Job
from bjob.model.runjobs import RunProgress, run_progress
from bjob.model.words import counted
from bjob.render.terminal import inert
from bjob.render.view import (
    DASH,
    duration,
    job_view,
    jobs_table,
    percent,
    print_renderables,
    stdout_shape,
)


def run_line(name: str, progress: RunProgress) -> Text:
    """run:NAME  3 jobs, 1 running · 1,200 of 1,500 records (80.00%) · 240 rec/min ·
    25m left (the slowest job)."""
    line = Text(f"run:{inert(name)}", style="bold")
    jobs = counted(progress.jobs, "job")
    line.append(
        f"  {jobs}, {progress.unfinished:,} not ended"
        if progress.unfinished
        else f"  {jobs}, all ended"
    )
    if progress.processed is not None and progress.total:
        fraction = progress.processed / progress.total
        line.append(
            f"  ·  {progress.processed:,} of {counted(progress.total, 'record')} processed "
            f"({percent(fraction)})"
        )
    else:
        line.append(f"  ·  records {DASH}")
    if progress.records_per_minute is not None:
        rate = progress.records_per_minute
        line.append(f"  ·  {rate:,.0f} rec/min" if rate >= 10 else f"  ·  {rate:.2g} rec/min")
    if progress.seconds_left is not None:
        line.append(f"  ·  {duration(progress.seconds_left)} left (the slowest job)")
    elif progress.unfinished:
        line.append(f"  ·  time left {DASH}")
    return line


def print_runs(
    env: Environment, items: Sequence[Job | tuple[str, Sequence[Job]]], now: datetime
) -> None:
    """Jobs in full (as show), and runs as their line and a table of their jobs."""
    styled, width = stdout_shape(env)
    views: list[RenderableType] = []
    for item in items:
        if isinstance(item, Job):
            views.append(job_view(item, now, styled=styled, width=width))
            continue
        name, jobs = item
        table = jobs_table(jobs, now, styled=styled, regions=False, width=width)
        views.append(Group(run_line(name, run_progress(name, jobs, now)), table))
    print_renderables(env, views, styled=styled, width=width)
