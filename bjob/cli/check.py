"""bjob check: catch what would fail before a job is submitted."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

import io
from functools import cache
from typing import IO, TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    CheckQueryOption,
    InvocationTypeOption,
    checked_invocation_type,
    connection_options,
)
from bjob.cli.run import aws_clients, run_command
from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients


@connection_options()
def check(
    ctx: typer.Context,
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="A .jsonl file, a folder of them, - for standard input (or a FIFO, /dev/stdin, "
            "/dev/fd/N), or an s3:// URI of one object or a prefix.",
            show_default=False,
        ),
    ],
    *,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="MODEL",
            help="The model the job will use (an id, ARN, inference profile, or a name or "
            "part of one, such as haiku): its request format, and its quotas.",
            show_default=False,
        ),
    ] = None,
    invocation_type: InvocationTypeOption = "InvokeModel",
    cost: Annotated[
        bool,
        typer.Option(
            "--cost",
            help="Estimate what the job will cost: input tokens counted with CountTokens "
            "(a sample above 200 records), output tokens at most each record's max-tokens, "
            "at the model's batch prices from the AWS Price List. Needs --model.",
        ),
    ] = False,
    prices: Annotated[
        str | None,
        typer.Option(
            "--prices",
            metavar="IN,OUT",
            help="With --cost: USD per million input and output tokens, in place of the "
            "AWS Price List's batch prices.",
            show_default=False,
        ),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Warnings count as errors (exit 7).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the report as one JSON object.")
    ] = False,
    query: CheckQueryOption = None,
) -> None:
    """Check a job's input before it is submitted: each line, each request body against the
    model's format, and the job against its limits. Exit 7 when it would fail.

    Examples: bjob check records.jsonl;
    bjob check in/ --model anthropic.claude-3-haiku-20240307-v1:0;
    bjob check s3://bucket/prefix/ --json && aws bedrock create-model-invocation-job ...
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.render.output import print_warning
        from bjob.usecases.check import find_sources
        from bjob.usecases.checkcost import check_sources, cost_prices

        compiled = compile_query(query)
        checked_invocation_type(invocation_type)

        @cache
        def clients() -> AwsClients:
            # Only an S3 input or --model asks AWS: a local check imports no boto3.
            return aws_clients(ctx)

        if inputs.count("-") > 1:
            raise BjobError("- (standard input) can be given once", ExitCode.USAGE)
        if "-" in inputs:
            note_stdin_lines(env)
        override = cost_prices(cost, model, prices)
        sources = find_sources(inputs, clients, lambda: binary_stdin(env))
        checked = check_sources(
            sources, model, invocation_type, clients, cost=cost, prices=override
        )
        report, estimate = checked.report, checked.estimate
        for warning in checked.warnings:
            print_warning(env.stderr, warning)
        if json_output or compiled is not None:
            from bjob.render.check import report_to_dict
            from bjob.render.jsonout import print_json

            document = report_to_dict(report, strict)
            if estimate is not None:
                document["cost"] = estimate.to_json()
            print_json(env.stdout, document, compiled)
        else:
            from bjob.render.check import print_report

            print_report(env, report, strict)
            if estimate is not None:
                from bjob.render.cost import print_cost_line

                print_cost_line(env, estimate)
        return ExitCode.OK if report.ok(strict) else ExitCode.INPUT_ERRORS

    run_command(ctx, body)


def note_stdin_lines(env: Environment) -> None:
    if env.is_terminal(env.stdin):
        print("bjob: reading JSON lines from standard input (end with Ctrl-D)", file=env.stderr)


def binary_stdin(env: Environment) -> IO[bytes]:
    """Standard input as bytes: its binary side, or (a test's StringIO) its text encoded."""
    buffer = getattr(env.stdin, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]

    return io.BytesIO(env.stdin.read().encode())
