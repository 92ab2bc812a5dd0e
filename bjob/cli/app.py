"""The Typer app: the commands, --version, and the process entry point."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterable
from typing import Annotated

import typer

from bjob import __version__
from bjob.cli.check import check
from bjob.cli.listing import list_jobs
from bjob.cli.quotas import quotas
from bjob.cli.results import results
from bjob.cli.retry import retry
from bjob.cli.show import show
from bjob.cli.stop import stop
from bjob.cli.submit import submit
from bjob.cli.watch import watch

# Short help given, not cut from the docstring (click cuts it at 45 characters, mid-word).
COMMANDS: dict[str, tuple[Callable[..., None], str]] = {
    "show": (show, "Show one or more batch inference jobs."),
    "list": (list_jobs, "List batch inference jobs, newest first."),
    "watch": (watch, "Follow jobs until they end; exit with how they ended."),
    "results": (results, "What a finished job produced; failures, retries."),
    "quotas": (quotas, "Why jobs wait: quotas, jobs in use, the queue."),
    "check": (check, "Catch what would fail before a job is submitted."),
    "submit": (submit, "Submit an input as jobs: checked, split, idempotent."),
    "stop": (stop, "Stop jobs, after saying what will be stopped."),
    "retry": (retry, "Submit a job's failed and missing records again."),
}


def _version(value: bool) -> None:
    if value:
        print(f"bjob {__version__}")
        raise typer.Exit()


def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Inspect Amazon Bedrock batch inference jobs: status, records, progress and timing.

    Example: bjob show arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456
    """


def build_app(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """The app with these commands (all of them by default)."""
    built = typer.Typer(
        name="bjob",
        help="Inspect Amazon Bedrock batch inference jobs: status, records, progress and "
        "timing.\n\nExamples: bjob show abc123def456 --region us-east-1; bjob list --status "
        "InProgress; bjob watch $ARN && process-results",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
        rich_markup_mode=None,
    )
    built.callback()(_main)
    for name in names:
        function, short_help = COMMANDS[name]
        built.command(name, short_help=short_help)(function)
    return built


app = build_app()


def main() -> None:
    # show and list run for a second and make many objects that live until exit (botocore's
    # models, thousands of jobs): the cycle collector would rescan them over and over for
    # nothing (callgrind, `list --all` of 2,500 jobs: 5% of all instructions). watch, which
    # runs for hours, turns it back on.
    gc.disable()
    # Typer turns every command's signature into click options on every run (about 3 ms a
    # command): build just the command asked for; help, completion and typos get them all.
    asked = sys.argv[1:2]
    only = asked and asked[0] in COMMANDS and "_BJOB_COMPLETE" not in os.environ
    build_app(asked if only else COMMANDS)(prog_name="bjob")
