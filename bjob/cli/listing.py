"""bjob list: find jobs, for people (a table) or scripts (JSON, ARNs)."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from typing import Annotated

import typer

from bjob.cli.options import (
    ListQueryOption,
    complete_status,
    connection_options,
)
from bjob.cli.run import aws_clients, regions_asked, run_command
from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode

DEFAULT_LIMIT = 50


@connection_options(regions=True)
def list_jobs(
    ctx: typer.Context,
    *,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only jobs in this status (repeatable; any case): Submitted, Validating, "
            "Scheduled, InProgress, Stopping, Completed, PartiallyCompleted, Failed, Stopped, "
            "Expired.",
            autocompletion=complete_status,
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="Only jobs whose name contains this text.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only jobs submitted after this: a duration ago (24h, 7d) or an ISO "
            "date/time (2026-11-01, local time unless it has a zone).",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="WHEN",
            help="Only jobs submitted before this (as --since).",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            metavar="newest|oldest",
            help="newest or oldest first.",
            autocompletion=lambda: ["newest", "oldest"],
        ),
    ] = "newest",
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit", min=1, metavar="N", help="Show at most this many jobs (default 50)."
        ),
    ] = None,
    all_jobs: Annotated[
        bool, typer.Option("--all", help="Every matching job (no --limit).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print a JSON array of jobs (the show --json schema).")
    ] = False,
    ids: Annotated[
        bool,
        typer.Option(
            "--ids",
            help="Print one job ARN per line: bjob list --status Failed --ids | xargs bjob show",
        ),
    ] = False,
    query: ListQueryOption = None,
) -> None:
    """List batch inference jobs, newest first.

    Examples: bjob list --status InProgress; bjob list --since 7d --status failed --ids;
    bjob list --all --json --query 'length(@)'
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.render.output import progress_on_stderr
        from bjob.usecases.listing import list_filters, list_jobs
        from bjob.usecases.remember import remember_jobs

        now = env.now()
        if ids and (json_output or query is not None):
            raise BjobError("--ids cannot be used with --json or --query", ExitCode.USAGE)
        if limit is not None and all_jobs:
            raise BjobError("--limit and --all cannot be used together", ExitCode.USAGE)
        compiled = compile_query(query)
        filters = list_filters(
            statuses=status or (),
            name=name,
            since=since,
            until=until,
            sort=sort,
            limit=None if all_jobs else limit or DEFAULT_LIMIT,
            now=now,
        )
        regions = regions_asked(ctx)
        clients = aws_clients(ctx)
        with progress_on_stderr(env, "Listing jobs") as on_progress:
            jobs = list_jobs(clients, regions, filters, on_progress)
        remember_jobs(jobs)
        if ids:
            for job in jobs:
                print(job.arn or job.job_id or "", file=env.stdout)
        elif json_output or compiled is not None:
            from bjob.render.jsonout import job_to_dict, print_json

            documents = [job_to_dict(job, now) for job in jobs]
            print_json(env.stdout, documents, compiled, array_lines=True)
        elif jobs:
            from bjob.render.view import print_jobs_table

            print_jobs_table(env, jobs, now, regions=len(regions) > 1)
        else:
            print("no jobs match", file=env.stderr)
        return ExitCode.OK

    run_command(ctx, body)
