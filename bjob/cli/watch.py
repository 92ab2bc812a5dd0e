"""bjob watch (and show --watch): follow jobs until they end; exit with how they ended."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

import gc
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    BellOption,
    GiveUpAfterOption,
    IntervalOption,
    OptionalJobArguments,
    QueryOption,
    WatchTimeoutOption,
    connection_options,
)
from bjob.cli.run import aws_clients, note_stdin, report, run_command
from bjob.model.durations import parse_duration
from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.identifiers import JobRef
    from bjob.model.job import Job
    from bjob.render.jsonout import Query
    from bjob.usecases.runs import RunOutcome
    from bjob.usecases.watch import Closing, WatchResult, WatchSettings


@connection_options()
def watch(
    ctx: typer.Context,
    jobs: OptionalJobArguments = None,
    *,
    active: Annotated[
        bool,
        typer.Option("--active", help="Follow every job in the region that has not ended."),
    ] = False,
    interval: IntervalOption = None,
    timeout: WatchTimeoutOption = None,
    give_up_after: GiveUpAfterOption = None,
    bell: BellOption = False,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="NDJSON: one job object (show --json schema) per change."),
    ] = False,
    query: QueryOption = None,
) -> None:
    """Follow jobs until they end; exit with how they ended (0 Completed, 10 Failed, ...).

    Examples: bjob watch abc123def456 && process-results;
    bjob watch --active --json | jq .status; bjob watch my-job --timeout 2h --bell
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.usecases.load import parse_job_refs

        if jobs and active:
            raise BjobError(
                "--active follows every active job: give JOBs or --active, not both", ExitCode.USAGE
            )
        if not jobs and not active:
            raise BjobError("give one or more JOBs to watch, or --active", ExitCode.USAGE)
        from bjob.model.runs import split_run_refs

        settings = watch_settings(interval, timeout, give_up_after)
        compiled = compile_query(query)
        runs, others = split_run_refs(jobs or [])
        refs = parse_job_refs(others)
        note_stdin(env, refs)
        clients = aws_clients(ctx)
        return run_watch(env, refs, clients, settings, json_output, compiled, bell, runs)

    run_command(ctx, body)


def watch_settings(
    interval: float | None, timeout: str | None, give_up_after: str | None
) -> WatchSettings:
    """The watch options as typed (None where not given), checked, with their defaults."""
    from bjob.usecases.watch import WatchSettings

    defaults = WatchSettings()
    return WatchSettings(
        interval=interval if interval is not None else defaults.interval,
        timeout=parse_duration(timeout, "--timeout") if timeout is not None else None,
        give_up_after=(
            parse_duration(give_up_after, "--give-up-after")
            if give_up_after is not None
            else defaults.give_up_after
        ),
    )


def run_watch(
    env: Environment,
    refs: Sequence[JobRef],
    clients: AwsClients,
    settings: WatchSettings,
    json_output: bool,
    query: Query | None,
    bell: bool,
    runs: Sequence[str] = (),
) -> ExitCode:
    """Load the jobs (or find the active ones), then follow them with the display that fits;
    a run's unfinished jobs are followed, and its outcome judged on its records. The code."""
    watched = _watch(env, refs, clients, settings, json_output, query, bell, False, None, runs)
    return watched.code


def follow_up(
    env: Environment,
    refs: Sequence[JobRef],
    clients: AwsClients,
    settings: WatchSettings,
    *,
    closing: Closing | None = None,
    on_stderr: bool = True,
    bell: bool = False,
) -> WatchResult:
    """A watch after another command (`stop --wait`, `submit --watch`): its view or lines on
    stderr (standard output stays the command's, one JSON document with --json), and the
    jobs as they ended with the code. `closing(watch_code)` is the code the command will
    exit with, which the closing line states; without it, the watch's own. Jobs that cannot
    be loaded are reported on stderr and their code returned, with no jobs; no refs is
    nothing to follow (not, as for `bjob watch`, every active job)."""
    from bjob.usecases.watch import WatchResult

    if not refs:
        return WatchResult((), ExitCode.OK, closing(ExitCode.OK) if closing else ExitCode.OK)
    return _watch(env, refs, clients, settings, False, None, bell, on_stderr, closing)


def _watch(
    env: Environment,
    refs: Sequence[JobRef],
    clients: AwsClients,
    settings: WatchSettings,
    json_output: bool,
    query: Query | None,
    bell: bool,
    on_stderr: bool,
    closing: Closing | None,
    runs: Sequence[str] = (),
) -> WatchResult:
    from bjob.render.watchview import print_retry, ring_bell, watch_display
    from bjob.usecases.remember import remember_jobs
    from bjob.usecases.watch import WatchResult, watch

    gc.enable()  # a watch lasts hours: collect cycles, but rarely (see app.main)
    gc.set_threshold(100_000, 50, 100)
    # The bell rings at the end of a watch that began (jobs followed, or runs judged), however
    # it ends; not for jobs that could not be loaded, nor for nothing to follow.
    began = False

    def following(jobs: Sequence[Job]) -> None:
        nonlocal began
        began = True
        remember_jobs(jobs)

    try:
        watched = watch(
            refs,
            runs,
            clients,
            env,
            settings,
            lambda: watch_display(env, json_output=json_output, query=query, on_stderr=on_stderr),
            on_retry=lambda error, delay: print_retry(env.stderr, env.now(), error, delay),
            on_run_outcome=lambda outcome: print(run_outcome_line(outcome), file=env.stderr),
            on_following=following,
            closing=closing,
        )
        began = began or (watched.result is not None and bool(runs))
    finally:
        if bell and began:
            ring_bell(env)
    if watched.result is None:
        code = report(env, watched.errors)
        return WatchResult((), code, code)
    if not watched.result.jobs and not runs:
        print("no active jobs to watch", file=env.stderr)
    return watched.result


def run_outcome_line(outcome: RunOutcome) -> str:
    from bjob.render.answers import run_outcome_message

    return run_outcome_message(
        outcome.run.name, outcome.code, outcome.answered, outcome.records, len(outcome.run.jobs)
    )
