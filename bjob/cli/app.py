"""The Typer app: the commands, --version, and the process entry point."""

from __future__ import annotations

import gc
from typing import Annotated

import typer

from bjob import __version__
from bjob.cli.check import check
from bjob.cli.listing import list_jobs
from bjob.cli.quotas import quotas
from bjob.cli.results import results
from bjob.cli.show import show
from bjob.cli.watch import watch

app = typer.Typer(
    name="bjob",
    help="Inspect Amazon Bedrock batch inference jobs: status, records, progress and timing."
    "\n\nExamples: bjob show abc123def456 --region us-east-1; bjob list --status InProgress; "
    "bjob watch $ARN && process-results",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)
# Short help given, not cut from the docstring (click cuts it at 45 characters, mid-word).
app.command("show", short_help="Show one or more batch inference jobs.")(show)
app.command("list", short_help="List batch inference jobs, newest first.")(list_jobs)
app.command("watch", short_help="Follow jobs until they end; exit with how they ended.")(watch)
app.command("results", short_help="What a finished job produced; failures, retries.")(results)
app.command("quotas", short_help="Why jobs wait: quotas, jobs in use, the queue.")(quotas)
app.command("check", short_help="Catch what would fail before a job is submitted.")(check)


def _version(value: bool) -> None:
    if value:
        print(f"bjob {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Inspect Amazon Bedrock batch inference jobs: status, records, progress and timing.

    Example: bjob show arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456
    """


def main() -> None:
    # show and list run for a second and make many objects that live until exit (botocore's
    # models, thousands of jobs): the cycle collector would rescan them over and over for
    # nothing (callgrind, `list --all` of 2,500 jobs: 5% of all instructions). watch, which
    # runs for hours, turns it back on.
    gc.disable()
    app(prog_name="bjob")
