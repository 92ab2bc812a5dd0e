"""bjob retry: a job's failed and never-processed records, submitted again as a new job
like the original (as `bjob results --retry-file` finds them, and as `bjob submit` submits)."""

from __future__ import annotations

from typing import Annotated

import typer

from bjob.cli.options import (
    ActionJsonOption,
    ConnectTimeoutOption,
    DebugOption,
    DryRunOption,
    EndpointOption,
    ProfileOption,
    ReadTimeoutOption,
    RegionOption,
    SubmitQueryOption,
    UploadToOption,
    WatchAfterOption,
    YesOption,
    complete_job,
)
from bjob.cli.run import aws_options, report, run_command
from bjob.model.environment import Environment
from bjob.model.exits import ExitCode


def retry(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help="A job ARN, id or name (as show takes it).",
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
    """Submit a job's failed and never-processed records again, as a new job like it (model,
    role, output, type, timeout, KMS key, VPC, tags); as submit: checked, split, asked,
    safe to run twice.

    Examples: bjob retry abc123def456; bjob retry $ARN --yes --watch
    """

    def body(env: Environment) -> ExitCode:
        import tempfile
        from pathlib import Path

        from bjob.aws.session import AwsClients
        from bjob.cli.submit import run_submission
        from bjob.model.exits import BjobError
        from bjob.render.jsonout import compile_query
        from bjob.render.output import print_warning
        from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs
        from bjob.usecases.results import ResultsRequest, write_retry_file
        from bjob.usecases.submit import settings_of

        compiled = compile_query(query)
        refs = parse_job_refs([job])
        if refs[0].kind == "file":
            raise BjobError("retry takes a job, not a saved response", ExitCode.USAGE)
        clients = AwsClients(aws_options(ctx))
        [loaded] = load_jobs(refs, clients, env.stdin)
        if not isinstance(loaded, LoadedJob):
            return report(env, [loaded])
        original = loaded.job
        settings = settings_of(original, clients)
        with tempfile.TemporaryDirectory(prefix="bjob-retry-") as scratch:
            path = Path(scratch) / f"{original.job_id or 'job'}-retry.jsonl"
            # Exactly what `bjob results JOB --retry-file` writes: the same code.
            found, written = write_retry_file(original, clients, path, ResultsRequest())
            for warning in found.warnings:
                print_warning(env.stderr, warning)
            if not written.records:
                print(
                    "bjob: nothing to submit again: no failed or missing records", file=env.stderr
                )
                return ExitCode.OK
            base = name or f"{original.name or original.job_id}-retry"
            return run_submission(
                env,
                ctx,
                [str(path)],
                settings,
                base,
                upload_to,
                dry_run=dry_run,
                yes=yes,
                watch=watch,
                json_output=json_output,
                retry_of=None if name else base,
                query=compiled,
            )

    run_command(ctx, debug, body)
