"""bjob stop: stop jobs, after saying what will be stopped and asking."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.confirm import confirmed
from bjob.cli.options import (
    ActionJsonOption,
    DryRunOption,
    GiveUpAfterOption,
    IntervalOption,
    StopQueryOption,
    WatchTimeoutOption,
    YesOption,
    complete_job,
    connection_options,
)
from bjob.cli.run import aws_clients, report, run_command
from bjob.cli.watch import follow_up, watch_settings
from bjob.model.environment import Environment
from bjob.model.identifiers import parse_job_ref
from bjob.model.words import counted
from bjob.support.exits import ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.stop import StopOutcome, StopPlan, StopReport
    from bjob.render.jsonout import Query
    from bjob.usecases.watch import WatchSettings


@connection_options()
def stop(
    ctx: typer.Context,
    jobs: Annotated[
        list[str],
        typer.Argument(
            metavar="JOB...",
            help="Job ARNs, ids or names (as show takes them), or run:NAME (its unfinished jobs).",
            show_default=False,
            autocompletion=complete_job,
        ),
    ],
    *,
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Then follow the jobs until they have ended.")
    ] = False,
    json_output: ActionJsonOption = False,
    query: StopQueryOption = None,
    interval: IntervalOption = None,
    timeout: WatchTimeoutOption = None,
    give_up_after: GiveUpAfterOption = None,
) -> None:
    """Stop jobs (StopModelInvocationJob): says what will be stopped and asks; a job that has
    already ended, or is stopping, is left as it is (not an error). Only processed tokens
    are charged.

    Examples: bjob stop abc123def456; bjob stop $ARN --yes --wait;
    bjob list --status InProgress --ids | xargs bjob stop --yes
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.render.stop import report_to_list
        from bjob.usecases.stop import stop, stop_targets

        compiled = compile_query(query)
        as_json = json_output or compiled is not None
        settings = watch_settings(interval, timeout, give_up_after)
        clients = aws_clients(ctx)
        targets, notes = stop_targets(jobs, clients)
        for note in notes:
            print(f"bjob: {note}", file=env.stderr)
        done = stop(
            targets,
            clients,
            dry_run=dry_run,
            confirm=lambda plans: _confirmed(env, plans, yes),
            on_plan=lambda plans: _print_plan(env, plans),
            on_outcome=lambda outcome: _print_outcome(env, outcome),
        )
        if done.errors:  # a job that does not exist: nothing is stopped
            return report(env, done.errors)
        if done.dry_run:
            if as_json:
                _print(env, report_to_list(done), compiled)
            return ExitCode.OK
        if done.declined:
            print("bjob: nothing was stopped", file=env.stderr)
            return ExitCode.OK
        _print_summary(env, done)
        if not wait:
            if as_json:
                _print(env, report_to_list(done), compiled)
            return done.code
        return _wait(env, clients, done, settings, as_json, compiled)

    run_command(ctx, body)


_ENDED = {
    ExitCode.OK,
    ExitCode.JOB_FAILED,
    ExitCode.JOB_PARTIALLY_COMPLETED,
    ExitCode.JOB_STOPPED,
    ExitCode.JOB_EXPIRED,
    ExitCode.JOB_UNKNOWN_END,
}


def _confirmed(env: Environment, plans: Sequence[StopPlan], yes: bool) -> bool:
    to_stop = sum(plan.action == "stop" for plan in plans)
    return confirmed(env, f"Stop {counted(to_stop, 'job')}?", yes=yes)


def _print_plan(env: Environment, plans: Sequence[StopPlan]) -> None:
    from bjob.render.stop import plan_text

    for line in plan_text([(plan.job, plan.action) for plan in plans]):
        print(line, file=env.stderr)


def _print_outcome(env: Environment, outcome: StopOutcome) -> None:
    from bjob.render.stop import outcome_lines

    for line in outcome_lines(outcome):
        print(line, file=env.stderr, flush=True)


def _print_summary(env: Environment, done: StopReport) -> None:
    from bjob.render.stop import summary_line

    line = summary_line(done.outcomes)
    if line is not None:
        print(line, file=env.stderr)


def _wait(
    env: Environment,
    clients: AwsClients,
    done: StopReport,
    settings: WatchSettings,
    as_json: bool,
    query: Query | None,
) -> ExitCode:
    """Follow the jobs stopped (or stopping, or ended) until each has ended: exit 0 once
    they all have, Stopped or ended their own way first, unless a stop failed (its code);
    the watch's code otherwise (8 timed out, 5 an outage). A job whose stop failed is not
    followed: it runs on. With --json, the watch is on stderr and the one document, after
    it, carries the statuses the jobs ended with."""
    from bjob.render.stop import report_to_list

    def closing(watch_code: ExitCode) -> ExitCode:
        return max(done.code, ExitCode.OK if watch_code in _ENDED else watch_code)

    refs = [parse_job_ref(o.job.arn) for o in done.outcomes if o.failure is None and o.job.arn]
    try:
        result = follow_up(env, refs, clients, settings, closing=closing, on_stderr=as_json)
    except BaseException:  # Ctrl-C, SIGTERM, an outage: what was stopped is said all the same
        if as_json:
            _print(env, report_to_list(done), query)
        raise
    if as_json:
        _print(env, report_to_list(done, {job.arn: job.status for job in result.jobs}), query)
    return result.code if result.jobs else max(done.code, result.code)


def _print(env: Environment, document: object, query: Query | None) -> None:
    from bjob.render.jsonout import print_json

    print_json(env.stdout, document, query)
