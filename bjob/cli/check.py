"""bjob check: catch what would fail before a job is submitted."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Annotated

import typer

from bjob.cli.options import (
    CheckQueryOption,
    ConnectTimeoutOption,
    DebugOption,
    EndpointOption,
    InvocationTypeOption,
    ProfileOption,
    ReadTimeoutOption,
    RegionOption,
    checked_invocation_type,
)
from bjob.cli.run import aws_options, run_command
from bjob.model.environment import Environment
from bjob.model.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from collections.abc import Callable

    from bjob.aws.session import AwsClients
    from bjob.model.prices import BatchPrices


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
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Check a job's input before it is submitted: each line, each request body against the
    model's format, and the job against its limits. Exit 7 when it would fail.

    Examples: bjob check records.jsonl;
    bjob check in/ --model anthropic.claude-3-haiku-20240307-v1:0;
    bjob check s3://bucket/prefix/ --json && aws bedrock create-model-invocation-job ...
    """

    def body(env: Environment) -> ExitCode:
        from functools import cache

        from bjob.render.jsonout import compile_query
        from bjob.render.output import print_warning
        from bjob.usecases.check import check_input, find_sources

        compiled = compile_query(query)
        checked_invocation_type(invocation_type)

        @cache
        def clients() -> AwsClients:
            # Only an S3 input or --model asks AWS: a local check imports no boto3.
            from bjob.aws.session import AwsClients

            return AwsClients(aws_options(ctx))

        if inputs.count("-") > 1:
            raise BjobError("- (standard input) can be given once", ExitCode.USAGE)
        if "-" in inputs:
            note_stdin_lines(env)
        if prices is not None and not cost:
            raise BjobError("--prices goes with --cost", ExitCode.USAGE)
        if cost and model is None:
            raise BjobError(
                "--cost needs --model: the tokens and prices are the model's", ExitCode.USAGE
            )
        override = _parsed_prices(prices)
        sources = find_sources(inputs, clients, lambda: binary_stdin(env))
        counter = None
        model_text = model
        if cost and model is not None:
            from bjob.usecases.cost import CostCounter

            model_text = _model_id(model, clients)
            counter = CostCounter(sources, model_text, invocation_type, clients, override)
        try:
            report, lookup = check_input(
                sources,
                model_text,
                invocation_type,
                clients,
                observe=counter.observe if counter is not None else None,
            )
        except BaseException:
            if counter is not None:
                counter.close()
            raise
        estimate = counter.finish(lookup) if counter is not None else None
        for warning in lookup.warnings if lookup is not None else ():
            print_warning(env.stderr, warning)
        for warning in estimate.warnings if estimate is not None else ():
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

    run_command(ctx, debug, body)


def _parsed_prices(text: str | None) -> BatchPrices | None:
    if text is None:
        return None
    from bjob.model.prices import user_prices
    from bjob.model.results import parse_prices

    parsed = parse_prices(text)
    return user_prices(parsed.input, parsed.output)


def _model_id(text: str, clients: Callable[[], AwsClients]) -> str:
    """--model as an id: a name resolved with the region's model list (as check does)."""
    from bjob.model.models import looks_like_an_id
    from bjob.usecases.modellookup import lookup_model

    if looks_like_an_id(text):
        return text
    return lookup_model(text, clients).model.model_id


def note_stdin_lines(env: Environment) -> None:
    if env.is_terminal(env.stdin):
        print("bjob: reading JSON lines from standard input (end with Ctrl-D)", file=env.stderr)


def binary_stdin(env: Environment) -> IO[bytes]:
    """Standard input as bytes: its binary side, or (a test's StringIO) its text encoded."""
    buffer = getattr(env.stdin, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    import io

    return io.BytesIO(env.stdin.read().encode())
