"""bjob submit: an input checked, split to the quotas, uploaded and submitted as jobs;
safe to run twice."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    ActionJsonOption,
    ConnectTimeoutOption,
    DebugOption,
    DryRunOption,
    EndpointOption,
    InvocationTypeOption,
    ProfileOption,
    ReadTimeoutOption,
    RegionOption,
    SubmitQueryOption,
    UploadToOption,
    WatchAfterOption,
    YesOption,
    checked_invocation_type,
)
from bjob.cli.run import aws_options, run_command
from bjob.model.environment import Environment
from bjob.model.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.model.submit import JobSettings
    from bjob.render.jsonout import Query


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
    dry_run: DryRunOption = False,
    yes: YesOption = False,
    watch: WatchAfterOption = False,
    json_output: ActionJsonOption = False,
    query: SubmitQueryOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Submit an input as batch jobs: checked as bjob check checks it, split to the model's
    quotas, uploaded, created; a second run finds the jobs the first one made.

    Examples: bjob submit tickets.jsonl --model haiku --role $ROLE --output s3://b/out/;
    bjob submit in/ --model haiku --role $ROLE --output s3://b/out/ --yes | xargs bjob watch
    """

    def body(env: Environment) -> ExitCode:
        from bjob.model.submit import JobSettings, default_name, parse_tags
        from bjob.render.jsonout import compile_query

        settings = JobSettings(
            model_id=model,
            role_arn=role,
            output_uri=_s3_uri(output, "--output"),
            invocation_type=checked_invocation_type(invocation_type),
            timeout_hours=timeout_hours,
            kms_key=kms_key,
            subnets=tuple(subnet or ()),
            security_groups=tuple(security_group or ()),
            tags=parse_tags(tag or []),
        )
        if upload_to is not None:
            _s3_uri(upload_to, "--upload-to")
        job_name = name or default_name(inputs[0])
        compiled = compile_query(query)
        return run_submission(
            env,
            ctx,
            inputs,
            settings,
            job_name,
            upload_to,
            dry_run=dry_run,
            yes=yes,
            watch=watch,
            json_output=json_output,
            query=compiled,
        )

    run_command(ctx, debug, body)


def _s3_uri(text: str, option: str) -> str:
    from bjob.model.locations import parse_s3_uri

    try:
        where = parse_s3_uri(text)
    except BjobError:
        raise BjobError(f"{option}: not an S3 URI: {text!r}", ExitCode.USAGE) from None
    return where.uri if not where.key or where.key.endswith("/") else where.uri + "/"


def run_submission(
    env: Environment,
    ctx: typer.Context,
    inputs: list[str],
    settings: JobSettings,
    name: str,
    upload_to: str | None,
    *,
    dry_run: bool,
    yes: bool,
    watch: bool,
    json_output: bool,
    retry_of: str | None = None,
    query: Query | None = None,
) -> ExitCode:
    """Check, plan, ask, upload, create, report: `submit`'s steps, and `retry`'s (named
    <retry_of>-1, -2... as earlier retries leave room)."""
    from functools import cache

    from bjob.aws.session import AwsClients
    from bjob.cli.confirm import confirmed
    from bjob.model.words import counted
    from bjob.render.output import bytes_progress, print_warning
    from bjob.render.submit import outcome_lines, plan_lines, submission_to_dict
    from bjob.usecases.check import find_sources
    from bjob.usecases.submit import (
        GateClosed,
        check_regions,
        create_jobs,
        existing_jobs,
        prepare,
        slots_in_use,
        upload_inputs,
    )

    @cache
    def clients() -> AwsClients:
        return AwsClients(aws_options(ctx))

    def no_stdin() -> IO[bytes]:
        raise BjobError("submit reads files, folders and S3 URIs", ExitCode.USAGE)

    sources = find_sources(inputs, clients, no_stdin)
    try:
        submission = prepare(sources, inputs, settings, name, upload_to, clients)
    except GateClosed as closed:  # check's report, on stderr: stdout is for job ARNs
        from bjob.render.check import report_lines

        for text in report_lines(closed.report, strict=False):
            print(text.plain, file=env.stderr)
        raise
    for warning in submission.warnings:
        print_warning(env.stderr, warning)
    if retry_of is not None:
        from bjob.usecases.submit import retry_named

        submission = retry_named(
            submission, retry_of, settings, clients(), clients().default_region()
        )
    model = submission.lookup.model
    label = f"{model.name} ({model.model_id})" if model.name else model.model_id
    for line in plan_lines(submission.jobs, label, settings.output_uri, dry_run):
        print(line, file=env.stderr)
    json_output = json_output or query is not None
    if dry_run:
        if json_output:
            _print_json(env, submission_to_dict(submission.jobs, True, submission.warnings), query)
        return ExitCode.OK
    aws = clients()
    region = aws.default_region()
    check_regions(submission, settings, aws, region)
    existing = existing_jobs(submission, aws, region)
    slots = slots_in_use(submission, aws, region, env.now())
    to_create = sum(job.token not in existing for job in submission.jobs)
    if to_create and slots.free > 0:  # (no room at all: nothing to ask, upload or create)
        question = f"Upload and submit {counted(to_create, 'job')}?"
        if not confirmed(env, question, yes=yes):
            print("bjob: nothing was uploaded or submitted", file=env.stderr)
            return ExitCode.OK
        with bytes_progress(env, "Uploading") as (on_start, on_bytes):
            upload_inputs(submission, aws, region, on_start, on_bytes)
    done, not_made = create_jobs(submission, aws, region, existing, slots)
    for line in outcome_lines(done, not_made):
        print(line, file=env.stderr)
    if json_output:
        _print_json(env, submission_to_dict(done, False, submission.warnings), query)
    else:
        for job in done:
            if job.arn is not None:
                print(job.arn, file=env.stdout)
    if not_made is not None:
        return ExitCode.QUOTA_FULL
    if not watch:
        return ExitCode.OK
    from bjob.cli.watch import run_watch, watch_settings
    from bjob.model.identifiers import parse_job_ref

    refs = [parse_job_ref(job.arn) for job in done if job.arn]
    return run_watch(
        env, refs, aws_options(ctx), watch_settings(None, None, None), False, None, False
    )


def _print_json(env: Environment, document: object, query: Query | None) -> None:
    from bjob.render.jsonout import print_json

    print_json(env.stdout, document, query)
