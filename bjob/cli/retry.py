"""bjob retry: a job's failed and never-processed records, submitted again as a new job
like the original (as `bjob results --retry-file` finds them, and as `bjob submit` submits)."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

import tempfile
from pathlib import Path
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
from bjob.model.runs import run_name_of_ref
from bjob.support.exits import BjobError, ExitCode


@connection_options()
def retry(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help=(
                "A job ARN, id or name (as show takes it), or run:NAME (what no attempt answered)."
            ),
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
        from bjob.usecases.retry import prepare_retry
        from bjob.usecases.runs import Run, load_job_or_run

        compiled = compile_query(query)
        follow = follow_settings(watch, interval, timeout)
        from bjob.usecases.load import parse_job_refs

        if run_name_of_ref(job) is None and parse_job_refs([job])[0].kind == "file":
            raise BjobError("retry takes a job, not a saved response", ExitCode.USAGE)
        original = load_job_or_run(job, aws_clients(ctx), env.stdin)
        # The new job runs where the original ran: the ARN's region, not the configured one.
        first = original.parts[0] if isinstance(original, Run) else original
        clients = aws_clients(ctx, region=first.region)
        region = clients.default_region()
        with tempfile.TemporaryDirectory(prefix="bjob-retry-") as scratch:
            prepared = prepare_retry(
                original, clients, Path(scratch), name=name, upload_to=upload_to, strict=strict
            )
            for warning in prepared.warnings:
                print_warning(env.stderr, warning)
            if prepared.request is None:
                print(
                    "bjob: nothing to submit again: no failed or missing records", file=env.stderr
                )
                return ExitCode.OK
            return run_submission(
                env,
                clients,
                prepared.request,
                region,
                dry_run=dry_run,
                yes=yes,
                follow=follow,
                json_output=json_output,
                query=compiled,
                again=f"bjob retry {job if isinstance(original, Run) else original.arn}",
            )

    run_command(ctx, body)
