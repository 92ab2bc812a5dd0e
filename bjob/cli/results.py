"""bjob results: what a finished job produced, for people or scripts; its failed lines, a
file to submit again, or its outputs downloaded."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    ConnectTimeoutOption,
    DebugOption,
    EndpointOption,
    ProfileOption,
    ReadTimeoutOption,
    RegionOption,
    complete_job,
)
from bjob.cli.run import aws_options, note_stdin, report, run_command
from bjob.model.environment import Environment
from bjob.model.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.job import Job
    from bjob.model.results import Prices


def results(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help="A job ARN, id or name, a saved response FILE.json, or - (as show).",
            show_default=False,
            autocompletion=complete_job,
        ),
    ],
    *,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the results as one JSON object.")
    ] = False,
    failed: Annotated[
        bool,
        typer.Option(
            "--failed",
            help="Print every failed record's line as it is in the output file (JSON lines).",
        ),
    ] = False,
    retry_file: Annotated[
        Path | None,
        typer.Option(
            "--retry-file",
            metavar="FILE",
            help="Write the failed and missing records, as input lines, to FILE.",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --retry-file: replace an existing FILE.")
    ] = False,
    download: Annotated[
        Path | None,
        typer.Option(
            "--download",
            metavar="DIR",
            help="Copy every output file to DIR/<job id>/ (skipping those already there).",
            show_default=False,
            file_okay=False,
        ),
    ] = None,
    prices: Annotated[
        str | None,
        typer.Option(
            "--prices",
            metavar="IN,OUT",
            help="USD per million input and output tokens, for an estimated cost.",
            show_default=False,
        ),
    ] = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Say what a job produced: records succeeded, failed and missing, why they failed,
    tokens and cost; its failed lines, a file to submit again, or a download.

    Examples: bjob results abc123def456 --region us-east-1;
    bjob results $ARN --failed | jq -r .error.errorMessage | sort | uniq -c;
    bjob results $ARN --retry-file retry.jsonl
    """

    def body(env: Environment) -> ExitCode:
        from bjob.aws.session import AwsClients
        from bjob.model.results import parse_prices
        from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs
        from bjob.usecases.results import refuse_existing

        modes = {
            "--json": json_output,
            "--failed": failed,
            "--retry-file": retry_file is not None,
            "--download": download is not None,
        }
        chosen = [flag for flag, on in modes.items() if on]
        if len(chosen) > 1:
            raise BjobError(f"{' and '.join(chosen)} cannot be used together", ExitCode.USAGE)
        if force and retry_file is None:
            raise BjobError("--force goes with --retry-file", ExitCode.USAGE)
        price_list = parse_prices(prices) if prices is not None else None
        if retry_file is not None:
            refuse_existing(retry_file, force)
        refs = parse_job_refs([job])
        note_stdin(env, refs)
        clients = AwsClients(aws_options(ctx))
        [loaded] = load_jobs(refs, clients, env.stdin)
        if not isinstance(loaded, LoadedJob):
            return report(env, [loaded])
        if download is not None:
            return _download(env, loaded.job, clients, download)
        # The next commands name the job as it was given, or by its ARN when it came from a file.
        job_arg = (loaded.job.arn or job) if loaded.ref.kind == "file" else job
        return _results(
            env, loaded.job, clients, job_arg, price_list, json_output, failed, retry_file, force
        )

    run_command(ctx, debug, body)


def _results(
    env: Environment,
    job: Job,
    clients: AwsClients,
    job_arg: str,
    prices: Prices | None,
    json_output: bool,
    failed: bool,
    retry_file: Path | None,
    force: bool,
) -> ExitCode:
    from bjob.render.output import print_warning
    from bjob.render.terminal import inert
    from bjob.usecases.results import gather_results, write_retry_file

    on_failed_line = None
    if failed:
        terminal = env.is_terminal(env.stdout)

        def on_failed_line(line: bytes) -> None:
            text = line.decode("utf-8", "replace")
            print(inert(text) if terminal else text, file=env.stdout)

    gathered = gather_results(
        job,
        clients,
        prices=prices,
        on_failed_line=on_failed_line,
        read_input=True if retry_file is not None else None,
    )
    for warning in gathered.warnings:
        print_warning(env.stderr, warning)
    if retry_file is not None:
        written = write_retry_file(job, clients, gathered, retry_file, force)
        if written is None:
            print("bjob: nothing to submit again: no failed or missing records", file=env.stderr)
        else:
            print(
                f"bjob: wrote {written.records:,} records to {inert(str(written.path))} "
                f"({written.failed:,} failed, {written.missing:,} missing)",
                file=env.stderr,
            )
    elif json_output:
        from bjob.render.jsonout import dumps
        from bjob.render.results import results_to_dict

        print(dumps(results_to_dict(gathered)), file=env.stdout)
    elif not failed:
        from bjob.render.results import print_results

        print_results(env, job, gathered, job_arg)
    return ExitCode.OK


def _download(env: Environment, job: Job, clients: AwsClients, directory: Path) -> ExitCode:
    from bjob.render.output import bytes_progress
    from bjob.render.results import size_text
    from bjob.render.terminal import inert
    from bjob.usecases.results import download_outputs

    with bytes_progress(env, "Downloading") as (on_start, on_bytes):
        done = download_outputs(job, clients, directory, on_start, on_bytes)
    print(
        f"bjob: {done.copied:,} files ({size_text(done.bytes)}) copied to "
        f"{inert(str(done.folder))}; {done.skipped:,} already there",
        file=env.stderr,
    )
    return ExitCode.OK
