"""bjob submit: an input checked, split to the quotas, uploaded and submitted as jobs;
safe to run twice."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.confirm import confirmed
from bjob.cli.options import (
    ActionJsonOption,
    DryRunOption,
    IntervalOption,
    InvocationTypeOption,
    SubmitQueryOption,
    UploadToOption,
    WatchAfterOption,
    WatchTimeoutOption,
    YesOption,
    connection_options,
)
from bjob.cli.run import aws_clients, run_command
from bjob.cli.watch import run_watch, watch_settings
from bjob.model.environment import Environment
from bjob.model.identifiers import parse_job_ref
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.submit import SubmissionPlan, SubmittedJob
    from bjob.render.jsonout import Query
    from bjob.usecases.submit import SubmitRequest
    from bjob.usecases.watch import WatchSettings


@connection_options()
def submit(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="A .jsonl file, a folder of them, or an s3:// URI of one object or a prefix.",
            show_default=False,
        ),
    ],
    *,
    model: Annotated[
        str,
        typer.Option(
            "--model",
            metavar="MODEL",
            help="The model: an id, ARN, inference profile, or a name or part of one.",
            show_default=False,
        ),
    ],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            metavar="ROLE_ARN",
            help="The IAM role Bedrock runs the jobs as.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            metavar="S3URI",
            help="Where the jobs write their outputs.",
            show_default=False,
        ),
    ],
    upload_to: UploadToOption = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="The job name (NAME-1, NAME-2... when split); default: the input's name.",
            show_default=False,
        ),
    ] = None,
    invocation_type: InvocationTypeOption = "InvokeModel",
    timeout_hours: Annotated[
        int | None,
        typer.Option("--timeout-hours", metavar="N", help="24 to 168.", show_default=False),
    ] = None,
    kms_key: Annotated[
        str | None,
        typer.Option(
            "--kms-key",
            metavar="KEY",
            help="Encrypt the outputs with this KMS key.",
            show_default=False,
        ),
    ] = None,
    subnet: Annotated[
        list[str] | None,
        typer.Option(
            "--subnet",
            metavar="ID",
            help="A VPC subnet (repeat; with --security-group).",
            show_default=False,
        ),
    ] = None,
    security_group: Annotated[
        list[str] | None,
        typer.Option(
            "--security-group",
            metavar="ID",
            help="A VPC security group (repeat).",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", metavar="KEY=VALUE", help="A tag for the jobs (repeat).", show_default=False
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Warnings stop the submission too (exit 7), as in check."),
    ] = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    watch: WatchAfterOption = False,
    interval: IntervalOption = None,
    timeout: WatchTimeoutOption = None,
    json_output: ActionJsonOption = False,
    query: SubmitQueryOption = None,
) -> None:
    """Submit an input as batch jobs: checked as bjob check checks it, split to the model's
    quotas, uploaded, created; a second run finds the jobs the first one made.

    Examples: bjob submit tickets.jsonl --model haiku --role $ROLE --output s3://b/out/;
    bjob submit in/ --model haiku --role $ROLE --output s3://b/out/ --yes | xargs bjob watch
    """

    def body(env: Environment) -> ExitCode:
        from bjob.model.submit import parse_tags
        from bjob.render.jsonout import compile_query
        from bjob.usecases.submit import new_submission

        request = new_submission(
            inputs,
            model=model,
            role=role,
            output=output,
            invocation_type=invocation_type,
            timeout_hours=timeout_hours,
            kms_key=kms_key,
            subnets=subnet or (),
            security_groups=security_group or (),
            tags=parse_tags(tag or []),
            name=name,
            upload_to=upload_to,
            strict=strict,
            # Nothing will be asked (--yes): the upload may begin while the input is checked.
            early=yes and not dry_run,
        )
        clients = aws_clients(ctx)
        follow = follow_settings(watch, interval, timeout)
        return run_submission(
            env,
            clients,
            request,
            clients.default_region(),
            dry_run=dry_run,
            yes=yes,
            follow=follow,
            json_output=json_output,
            query=compile_query(query),
            again="bjob submit",
        )

    run_command(ctx, body)


def follow_settings(
    watch: bool, interval: float | None, timeout: str | None
) -> WatchSettings | None:
    if not watch:
        if interval is not None or timeout is not None:
            raise BjobError("--interval and --timeout go with --watch", ExitCode.USAGE)
        return None
    return watch_settings(interval, timeout, None)


def run_submission(
    env: Environment,
    clients: AwsClients,
    request: SubmitRequest,
    region: str,
    *,
    dry_run: bool,
    yes: bool,
    follow: WatchSettings | None,
    json_output: bool,
    query: Query | None,
    again: str,
) -> ExitCode:
    """Plan, show, ask, carry out, report: `submit`'s steps, and `retry`'s. `again` is the
    command that finishes an interrupted run."""
    from bjob.render.output import bytes_progress, print_warning
    from bjob.render.submit import interrupted_lines, outcome_lines, plan_lines, question
    from bjob.usecases.submit import CREATING, GateClosed, submit_jobs

    json_output = json_output or query is not None
    made: list[SubmittedJob] = []

    def on_plan(about: SubmissionPlan) -> None:
        for warning in about.warnings:
            print_warning(env.stderr, _labelled(warning, request))
        for line in plan_lines(about, dry_run):
            print(line, file=env.stderr)

    under_way: list[SubmittedJob] = []  # the creation begun and not answered yet

    def on_job(job: SubmittedJob) -> None:
        under_way[:] = [job] if job.status == CREATING else []
        if job.created:
            made.append(job)
        if not json_output and job.arn is not None:
            print(job.arn, file=env.stdout, flush=True)

    try:
        done = submit_jobs(
            request,
            clients,
            region,
            env.now(),
            dry_run=dry_run,
            on_plan=on_plan,
            confirm=lambda about: confirmed(env, question(about), yes=yes),
            progress=lambda: bytes_progress(env, "Uploading"),
            on_job=on_job,
        )
    except GateClosed as closed:  # check's report, on stderr: stdout is for job ARNs
        from bjob.render.check import report_lines

        for text in report_lines(closed.report, strict=request.strict):
            print(_labelled(text.plain, request), file=env.stderr)
        raise
    except BaseException:  # Ctrl-C, SIGTERM or a failure after some jobs were made
        if made or under_way:
            for line in interrupted_lines(made, again, under_way):
                print(line, file=env.stderr)
        raise
    about, outcome = done.plan.about, done.outcome
    code = done.exit_code()
    if outcome is None and not dry_run:
        print("bjob: nothing was uploaded or created", file=env.stderr)
        return code
    if outcome is not None:
        for line in outcome_lines(about, outcome.jobs, outcome.quota_stop, again):
            print(line, file=env.stderr)
    _print_json(env, json_output, about, outcome.jobs if outcome else None, dry_run, code, query)
    if outcome is None or follow is None or code is ExitCode.QUOTA_FULL:
        return _closing(env, code)

    refs = [parse_job_ref(job.arn) for job in outcome.jobs if job.arn]
    # With --json, stdout holds one document already: the follow-up goes to stderr.
    watching = replace(env, stdout=env.stderr) if json_output else env
    return run_watch(watching, refs, clients, follow, False, None, False)


def _labelled(text: str, request: SubmitRequest) -> str:
    return request.labelled(text)


def _closing(env: Environment, code: ExitCode) -> ExitCode:
    if code is not ExitCode.OK:
        print(f"bjob: exit {int(code)} ({code.name.lower().replace('_', ' ')})", file=env.stderr)
    return code


def _print_json(
    env: Environment,
    wanted: bool,
    about: SubmissionPlan,
    jobs: Sequence[SubmittedJob] | None,
    dry_run: bool,
    code: ExitCode,
    query: Query | None,
) -> None:
    if not wanted:
        return
    from bjob.render.jsonout import print_json
    from bjob.render.submit import submission_to_dict

    print_json(env.stdout, submission_to_dict(about, jobs, dry_run, int(code)), query)
