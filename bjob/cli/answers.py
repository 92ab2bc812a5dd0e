"""bjob answers: every input record's answer, in input order, as JSON lines or CSV."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bjob.cli.options import (
    complete_job,
    connection_options,
)
from bjob.cli.results import binary_stdout
from bjob.cli.run import aws_clients, note_stdin, run_command
from bjob.model.environment import Environment
from bjob.model.identifiers import parse_job_ref
from bjob.model.runs import run_name_of_ref
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import check_new_file

FORMATS = ("jsonl", "csv")


@connection_options()
def answers(
    ctx: typer.Context,
    job: Annotated[
        str,
        typer.Argument(
            metavar="JOB|run:NAME",
            help="A job ARN, id or name, a saved response FILE.json, - (as show), or "
            "run:NAME for every job of a submission.",
            show_default=False,
            autocompletion=complete_job,
        ),
    ],
    *,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the answers to FILE (whole, or not at all); - or none: standard output.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="With --output FILE: replace an existing FILE.")
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="jsonl|csv",
            help="JSON lines (default), or CSV (RFC 4180, with a header).",
            autocompletion=lambda: list(FORMATS),
        ),
    ] = "jsonl",
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Add each answer's whole modelOutput (key or column)."),
    ] = False,
) -> None:
    """Every input record's answer, in input order (input files in order, then lines), by
    its latest attempt: ok, failed, missing or pending; the answer's text, stop reason,
    tokens, error and job.

    Examples: bjob answers abc123def456 -o answers.jsonl;
    bjob answers run:tickets --format csv -o answers.csv;
    bjob answers $ARN | jq -r 'select(.status == "ok") | .text'
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.answers import answers_message
        from bjob.render.output import print_warning
        from bjob.usecases.answers import write_answers
        from bjob.usecases.runs import Run, load_job_or_run

        if output_format not in FORMATS:
            raise BjobError(f"--format: jsonl or csv, not {output_format!r}", ExitCode.USAGE)
        path = Path(output) if output not in (None, "-") else None
        if force and path is None:
            raise BjobError("--force goes with --output FILE", ExitCode.USAGE)
        if path is not None:
            check_new_file(path, force=force, option="--output")
        if run_name_of_ref(job) is None:
            note_stdin(env, [parse_job_ref(job)])
        clients = aws_clients(ctx)
        found = load_job_or_run(job, clients, env.stdin)
        parts, retries = (found.parts, found.retries) if isinstance(found, Run) else ([found], ())
        if isinstance(found, Run):
            for warning in found.warnings:
                print_warning(env.stderr, warning)
        target = path if path is not None else binary_stdout(env)
        written = write_answers(parts, retries, clients, target, output_format, raw)
        for warning in written.warnings:
            print_warning(env.stderr, warning)
        print(answers_message(written, path), file=env.stderr)
        return ExitCode.OK

    run_command(ctx, body)
