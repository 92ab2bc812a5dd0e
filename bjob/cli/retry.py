"""bjob retry: a job's failed and never-processed records, submitted again as a new job
like the original (as `bjob results --retry-file` finds them, and as `bjob submit` submits)."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from typing import Annotated

import typer

from bjob.cli.options import (
    ActionJsonOption,
    DryRunOption,
    IntervalOption,
    SubmitQueryOption,
    UploadToOption,
    WatchAfterOption,
    WatchTimeoutOption,
    YesOption,
    complete_job,
    connection_options,
)
from bjob.cli.run import aws_clients, run_command
from bjob.cli.submit import follow_settings, run_submission
from bjob.model.environment import Environment
from bjob.support.exits import ExitCode


@connection_options()
def retry(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help="A job ARN, id or name (as show takes it), or run:NAME "
            "(what no attempt answered).",
            show_default=False,
            autocompletion=complete_job,
        ),
    ],
    *,
    upload_to: UploadToOption = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="The new job's name (default: <name>-retry-1, then -2...).",
            show_default=False,
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
    """Submit a job's failed and never-processed records again, as a new job like it (model,
    role, output, type, timeout, KMS key, VPC, tags); as submit: checked, split, asked,
    safe to run twice.

    Examples: bjob retry abc123def456; bjob retry $ARN --yes --watch
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.render.output import print_warning
        from bjob.usecases.retry import retry_of
        from bjob.usecases.runs import Run

        compiled = compile_query(query)
        follow = follow_settings(watch, interval, timeout)
        clients = aws_clients(ctx)
        with retry_of(
            job, clients, env.stdin, name=name, upload_to=upload_to, strict=strict
        ) as retrying:
            prepared, original = retrying.prepared, retrying.original
            for warning in prepared.warnings:
                print_warning(env.stderr, warning)
            if prepared.request is None:
                print(
                    "bjob: nothing to submit again: no failed or missing records", file=env.stderr
                )
                return ExitCode.OK
            return run_submission(
                env,
                retrying.clients,
                prepared.request,
                retrying.region,
                dry_run=dry_run,
                yes=yes,
                follow=follow,
                json_output=json_output,
                query=compiled,
                again=f"bjob retry {job if isinstance(original, Run) else original.arn}",
            )

    run_command(ctx, body)
