"""bjob show: one or more jobs, for people or for scripts."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    BellOption,
    GiveUpAfterOption,
    IntervalOption,
    JobArguments,
    QueryOption,
    WatchTimeoutOption,
    connection_options,
)
from bjob.cli.run import aws_clients, note_stdin, report, run_command
from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from datetime import datetime

    from bjob.aws.session import AwsClients
    from bjob.model.job import Job
    from bjob.render.jsonout import Query


@connection_options()
def show(
    ctx: typer.Context,
    jobs: JobArguments,
    *,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print the normalized job as JSON (an array for several)."),
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the response as AWS returned it, as JSON.")
    ] = False,
    query: QueryOption = None,
    watch: Annotated[
        bool,
        typer.Option("--watch", "-w", help="Follow the jobs until they end (as bjob watch)."),
    ] = False,
    interval: IntervalOption = None,
    timeout: WatchTimeoutOption = None,
    give_up_after: GiveUpAfterOption = None,
    bell: BellOption = False,
    exit_status: Annotated[
        bool,
        typer.Option(
            "--exit-status",
            help="Exit with the job's state: 0 Completed, 8 not finished, 10 Failed, "
            "11 PartiallyCompleted, 12 Stopped, 13 Expired, 9 unknown (highest of several).",
        ),
    ] = False,
) -> None:
    """Show one or more batch inference jobs.

    Examples: bjob show abc123def456 --region us-east-1;
    bjob show my-job-name --json; bjob show examples/in-progress.json
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs
        from bjob.usecases.remember import remember_jobs

        if json_output and raw:
            raise BjobError("--json and --raw cannot be used together", ExitCode.USAGE)
        if watch and raw:
            raise BjobError("--raw cannot be used with --watch", ExitCode.USAGE)
        watch_only = {
            "--interval": interval,
            "--timeout": timeout,
            "--give-up-after": give_up_after,
            "--bell": bell or None,
        }
        given = [flag for flag, value in watch_only.items() if value is not None]
        if given and not watch:
            raise BjobError(f"{', '.join(given)} only apply with --watch", ExitCode.USAGE)
        from bjob.model.runs import split_run_refs

        compiled = compile_query(query)
        runs, others = split_run_refs(jobs)
        if runs and raw:
            raise BjobError("--raw takes jobs, not run:NAME", ExitCode.USAGE)
        refs = parse_job_refs(others)
        note_stdin(env, refs)
        clients = aws_clients(ctx)
        if watch:
            from bjob.cli.watch import run_watch, watch_settings

            settings = watch_settings(interval, timeout, give_up_after)
            return run_watch(env, refs, clients, settings, json_output, compiled, bell, runs)
        if runs:
            return _show_runs(env, jobs, clients, json_output, compiled, exit_status)
        results = load_jobs(refs, clients, env.stdin)
        loaded = [result for result in results if isinstance(result, LoadedJob)]
        errors = [result for result in results if isinstance(result, BjobError)]
        now = env.now()
        saved = [item.ref.kind == "file" for item in loaded]
        if json_output or raw or compiled is not None:
            from bjob.render.jsonout import job_to_dict, print_json

            documents = [
                item.raw if raw else job_to_dict(item.job, _as_of(item.job, now, flag), saved=flag)
                for item, flag in zip(loaded, saved, strict=True)
            ]
            if loaded or not errors:
                print_json(env.stdout, documents if len(refs) > 1 else documents[0], compiled)
        elif loaded:
            from bjob.render.view import print_jobs

            print_jobs(env, [item.job for item in loaded], now, saved)
        remember_jobs(item.job for item in loaded if item.ref.kind != "file")
        if errors:
            return report(env, errors)
        if exit_status:
            return max(item.job.state_exit_code() for item in loaded)
        return ExitCode.OK

    run_command(ctx, body)


def _as_of(job: Job, now: datetime, saved: bool) -> datetime:
    """The moment a job's figures are measured as of: its own for a saved response."""
    return (job.snapshot_moment() or now) if saved else now


def _show_runs(
    env: Environment,
    texts: list[str],
    clients: AwsClients,
    json_output: bool,
    query: Query | None,
    exit_status: bool,
) -> ExitCode:
    """JOBs and runs in argument order: for people, a run as one line for the whole of it
    and a line per job; for scripts, an array of every job (a run's, in its order)."""
    from bjob.render.output import print_warning
    from bjob.usecases.remember import remember_jobs
    from bjob.usecases.runs import Run, load_job_or_run

    found: list[Job | Run] = []
    errors: list[BjobError] = []
    for text in dict.fromkeys(texts):
        try:
            found.append(load_job_or_run(text, clients, env.stdin))
        except BjobError as error:
            errors.append(error)
    for item in found:
        for warning in item.warnings if isinstance(item, Run) else ():
            print_warning(env.stderr, warning)
    now = env.now()
    every = [job for item in found for job in (item.jobs if isinstance(item, Run) else [item])]
    if json_output or query is not None:
        from bjob.render.jsonout import job_to_dict, print_json

        if found or not errors:
            print_json(env.stdout, [job_to_dict(job, now) for job in every], query)
    elif found:
        from bjob.render.runs import print_runs

        shown = [(item.name, item.jobs) if isinstance(item, Run) else item for item in found]
        print_runs(env, shown, now)
    remember_jobs(every)
    if errors:
        return report(env, errors)
    if exit_status:
        return max(job.state_exit_code() for job in every)
    return ExitCode.OK
