"""bjob results: what a finished job produced, for people or scripts; its failed lines, a
file to submit again, or its outputs downloaded."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bjob.cli.options import (
    ResultsQueryOption,
    complete_job,
    connection_options,
)
from bjob.cli.run import aws_clients, note_stdin, report, run_command
from bjob.model.environment import Environment
from bjob.model.runs import run_name_of_ref
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import check_new_file

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.job import Job
    from bjob.model.results import Prices
    from bjob.render.jsonout import Query


@connection_options()
def results(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB",
            help="A job ARN, id or name, a saved response FILE.json, - (as show), or "
            "run:NAME: every record of a submission, by its latest attempt.",
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
        str | None,
        typer.Option(
            "--retry-file",
            metavar="FILE",
            help="Write the failed and missing records, as input lines, to FILE (- for "
            "standard output).",
            show_default=False,
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
    query: ResultsQueryOption = None,
) -> None:
    """Say what a job produced: records succeeded, failed and missing, why they failed,
    tokens and cost; its failed lines, a file to submit again, or a download.

    Examples: bjob results abc123def456 --region us-east-1;
    bjob results $ARN --failed | jq -r .error.errorMessage | sort | uniq -c;
    bjob results $ARN --retry-file retry.jsonl
    """

    def body(env: Environment) -> ExitCode:
        from bjob.model.results import parse_prices
        from bjob.render.jsonout import compile_query
        from bjob.usecases.load import LoadedJob, load_jobs, parse_job_refs

        compiled = compile_query(query)
        modes = {
            "--json": json_output or compiled is not None,
            "--failed": failed,
            "--retry-file": retry_file is not None,
            "--download": download is not None,
        }
        chosen = [flag for flag, on in modes.items() if on]
        if len(chosen) > 1:
            raise BjobError(f"{' and '.join(chosen)} cannot be used together", ExitCode.USAGE)
        if force and (retry_file is None or retry_file == "-"):
            raise BjobError("--force goes with --retry-file FILE", ExitCode.USAGE)
        price_list = parse_prices(prices) if prices is not None else None
        retry_path = Path(retry_file) if retry_file not in (None, "-") else None
        run_name = run_name_of_ref(job)
        if run_name is not None and (failed or download is not None):
            flag = "--failed" if failed else "--download"
            raise BjobError(f"{flag} takes a job, not run:NAME", ExitCode.USAGE)
        if retry_path is not None:
            check_new_file(retry_path, force=force, option="--retry-file")
        asked = _Asked(
            price_list, json_output, failed, retry_file is not None, retry_path, compiled
        )
        if run_name is not None:
            return _run_results(env, run_name, aws_clients(ctx), job, asked)
        refs = parse_job_refs([job])
        note_stdin(env, refs)
        clients = aws_clients(ctx)
        [loaded] = load_jobs(refs, clients, env.stdin)
        if not isinstance(loaded, LoadedJob):
            return report(env, [loaded])
        if download is not None:
            return _download(env, loaded.job, clients, download)
        return _results(
            env, loaded.job, clients, _next_ref(loaded.job, job, clients.options.profile), asked
        )

    run_command(ctx, body)


@dataclass(frozen=True)
class _Asked:
    """What the command line asked `results` for."""

    prices: Prices | None
    json_output: bool
    failed: bool
    retry: bool
    retry_path: Path | None  # None with retry: standard output
    query: Query | None = None


def _next_ref(job: Job, given: str, profile: str | None) -> str:
    """How the next commands bjob suggests name the job: by its ARN (right whatever the
    region), with the profile it was read with."""
    ref = shlex.quote(job.arn or given)
    return f"{ref} --profile {shlex.quote(profile)}" if profile else ref


def _results(
    env: Environment, job: Job, clients: AwsClients, job_ref: str, asked: _Asked
) -> ExitCode:
    from bjob.render.output import print_warning
    from bjob.usecases.results.gather import ResultsRequest, gather_results
    from bjob.usecases.results.retryfile import write_retry_file

    request = ResultsRequest(
        prices=asked.prices, failed_lines=_line_printer(env) if asked.failed else None
    )
    if asked.retry:
        target = asked.retry_path if asked.retry_path is not None else binary_stdout(env)
        gathered, written = write_retry_file(job, clients, target, request)
    else:
        gathered = gather_results(job, clients, request)
    for warning in gathered.warnings:
        print_warning(env.stderr, warning)
    if asked.retry:
        from bjob.render.results import retry_message

        print(retry_message(gathered, written), file=env.stderr)
    elif asked.json_output or asked.query is not None:
        from bjob.render.jsonout import print_json
        from bjob.render.results import results_to_dict

        print_json(env.stdout, results_to_dict(gathered), asked.query)
    elif not asked.failed:
        from bjob.render.results import print_results

        print_results(env, job, gathered, job_ref)
    return ExitCode.OK


def _run_results(
    env: Environment, name: str, clients: AwsClients, given: str, asked: _Asked
) -> ExitCode:
    """results run:NAME: every record of the submission once, by its latest attempt."""
    from bjob.render.output import print_warning
    from bjob.usecases.runs import find_run, gather_run_results, write_run_retry_file

    run = find_run(name, clients, clients.options.region)
    if asked.retry:
        target = asked.retry_path if asked.retry_path is not None else binary_stdout(env)
        gathered, written = write_run_retry_file(run, clients, target, asked.prices)
    else:
        gathered = gather_run_results(run, clients, asked.prices)
    for warning in gathered.warnings:
        print_warning(env.stderr, warning)
    if asked.retry:
        from bjob.render.results import retry_message

        print(retry_message(gathered, written), file=env.stderr)
    elif asked.json_output or asked.query is not None:
        from bjob.render.jsonout import print_json
        from bjob.render.results import results_to_dict

        print_json(env.stdout, results_to_dict(gathered), asked.query)
    else:
        from bjob.render.results import print_results

        print_results(env, None, gathered, shlex.quote(given))
    return ExitCode.OK


def _line_printer(env: Environment) -> Callable[[bytes], None]:
    """Output lines as they are, on a pipe; shown, not obeyed, on a terminal."""
    from bjob.render.terminal import inert

    terminal = env.is_terminal(env.stdout)

    def print_line(line: bytes) -> None:
        text = line.decode("utf-8", "replace")
        print(inert(text) if terminal else text, file=env.stdout)

    return print_line


class _LinesToText:
    """Bytes written as text lines, for a stdout with no binary side (or a terminal)."""

    def __init__(self, env: Environment) -> None:
        self._print = _line_printer(env)

    def write(self, data: bytes) -> None:
        for line in data.rstrip(b"\n").split(b"\n"):
            self._print(line.removesuffix(b"\r"))

    def flush(self) -> None:
        pass


def binary_stdout(env: Environment) -> Any:
    """Standard output for exact bytes: its binary side, unless it is a terminal."""
    buffer = getattr(env.stdout, "buffer", None)
    if buffer is None or env.is_terminal(env.stdout):
        return _LinesToText(env)
    env.stdout.flush()
    return buffer


def _download(env: Environment, job: Job, clients: AwsClients, directory: Path) -> ExitCode:
    from bjob.render.output import bytes_progress, print_warning
    from bjob.render.results import download_message
    from bjob.usecases.results.download import download_outputs

    with bytes_progress(env, "Downloading") as (on_start, on_bytes):
        done = download_outputs(job, clients, directory, on_start, on_bytes)
    for warning in done.warnings:
        print_warning(env.stderr, warning)
    print(download_message(done), file=env.stderr)
    return ExitCode.OK
