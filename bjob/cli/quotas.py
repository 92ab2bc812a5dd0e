"""bjob quotas: why jobs wait — each model's unfinished jobs against its quotas, and its queue."""

# Start-up: every command module is imported for shell completion and for its --help, so
# the use cases, the renderers (rich) and the model's larger tables are imported inside the
# functions that run the command; what is imported here is what the parameters need.

from __future__ import annotations

from typing import Annotated

import typer

from bjob.cli.options import (
    QuotasQueryOption,
    connection_options,
)
from bjob.cli.run import aws_clients, regions_asked, run_command
from bjob.model.environment import Environment
from bjob.support.exits import ExitCode


@connection_options(regions=True)
def quotas(
    ctx: typer.Context,
    *,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="TEXT",
            help="Only models whose id or name contains TEXT (any case).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print JSON: one object, or an array for several regions."),
    ] = False,
    query: QuotasQueryOption = None,
) -> None:
    """Say why jobs wait: each base model's unfinished jobs against its batch quotas, and its
    queue from CloudWatch.

    Examples: bjob quotas; bjob quotas --model haiku; bjob quotas --region us-east-1
    --region us-west-2 --json
    """

    def body(env: Environment) -> ExitCode:
        from bjob.render.jsonout import compile_query
        from bjob.render.output import print_warning
        from bjob.usecases.quotas import gather_queues

        compiled = compile_query(query)
        clients = aws_clients(ctx)
        regions = regions_asked(ctx)
        found = gather_queues(clients, regions, model, env.now())
        for queues in found:
            for warning in queues.warnings:
                print_warning(env.stderr, f"{queues.region}: {warning}")
        if json_output or compiled is not None:
            from bjob.render.jsonout import print_json
            from bjob.render.quotas import queues_to_dict

            documents = [queues_to_dict(queues) for queues in found]
            print_json(env.stdout, documents if len(regions) > 1 else documents[0], compiled)
        else:
            from bjob.render.quotas import print_queues

            print_queues(env, found)
        return ExitCode.OK

    run_command(ctx, body)
