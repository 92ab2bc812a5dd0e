"""bjob stop: stop jobs, after saying what will be stopped and asking."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    ActionJsonOption,
    ConnectTimeoutOption,
    DebugOption,
    DryRunOption,
    EndpointOption,
    GiveUpAfterOption,
    IntervalOption,
    ProfileOption,
    ReadTimeoutOption,
    RegionOption,
    StopQueryOption,
    WatchTimeoutOption,
    YesOption,
    complete_job,
)
from bjob.cli.run import aws_options, report, run_command
from bjob.model.environment import Environment
from bjob.model.exits import ExitCode

if TYPE_CHECKING:
    from bjob.render.jsonout import Query


def stop(
    ctx: typer.Context,
    jobs: Annotated[
        list[str],
        typer.Argument(
            metavar="JOB...",
            help="Job ARNs, ids or names (as show takes them).",
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
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Stop jobs (StopModelInvocationJob): says what will be stopped and asks; a job that has
    already ended, or is stopping, is left as it is (not an error). Only processed tokens
    are charged.

    Examples: bjob stop abc123def456; bjob stop $ARN --yes --wait;
    bjob list --status InProgress --ids | xargs bjob stop --yes
    """

    def body(env: Environment) -> ExitCode:
        from bjob.aws.session import AwsClients
        from bjob.cli.confirm import confirmed
        from bjob.cli.watch import run_watch, watch_settings
        from bjob.render.jsonout import compile_query
        from bjob.render.stop import outcome_to_dict, plan_text
        from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs
        from bjob.usecases.stop import plan_stops, stop_jobs

        compiled = compile_query(query)
        as_json = json_output or compiled is not None
        refs = parse_job_refs(jobs)
        if any(ref.kind == "file" for ref in refs):
            from bjob.model.exits import BjobError

            raise BjobError("stop takes jobs, not saved responses", ExitCode.USAGE)
        settings = watch_settings(interval, timeout, give_up_after)
        clients = AwsClients(aws_options(ctx))
        loaded = load_jobs(refs, clients, env.stdin)
        errors = [item for item in loaded if not isinstance(item, LoadedJob)]
        if errors:  # a job that does not exist: nothing is stopped
            return report(env, errors)
        plans = plan_stops([item.job for item in loaded if isinstance(item, LoadedJob)])
        for line in plan_text([(plan.job, plan.action) for plan in plans]):
            print(line, file=env.stderr)
        to_stop = sum(plan.action == "stop" for plan in plans)
        if dry_run:
            if as_json:
                would = [outcome_to_dict(p.job, f"would-{p.action}", p.job.status) for p in plans]
                _print(env, would, compiled)
            return ExitCode.OK
        if to_stop and not confirmed(
            env, f"Stop {to_stop} job{'s' if to_stop != 1 else ''}?", yes=yes
        ):
            print("bjob: nothing was stopped", file=env.stderr)
            return ExitCode.OK
        outcomes = stop_jobs(plans, clients)
        for outcome in outcomes:
            if outcome.action == "stopped":
                print(f"bjob: stopping {outcome.job.arn}", file=env.stderr)
        if as_json:
            _print(env, [outcome_to_dict(o.job, o.action, o.status) for o in outcomes], compiled)
        if not wait:
            return ExitCode.OK
        from bjob.model.identifiers import parse_job_ref

        arns = [parse_job_ref(o.job.arn) for o in outcomes if o.job.arn]
        code = run_watch(env, arns, aws_options(ctx), settings, False, None, False)
        # Every job ended (Stopped, or ended its own way first): what was asked is done.
        return ExitCode.OK if code in _ENDED else code

    run_command(ctx, debug, body)


_ENDED = {
    ExitCode.OK,
    ExitCode.JOB_FAILED,
    ExitCode.JOB_PARTIALLY_COMPLETED,
    ExitCode.JOB_STOPPED,
    ExitCode.JOB_EXPIRED,
    ExitCode.JOB_UNKNOWN_END,
}


def _print(env: Environment, document: object, query: Query | None) -> None:
    from bjob.render.jsonout import print_json

    print_json(env.stdout, document, query)
