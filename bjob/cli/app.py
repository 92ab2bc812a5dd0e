"""The Typer app: the commands, --version, and the process entry point."""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Callable, Iterable
from typing import Annotated

import typer

from bjob.version import __version__

# Each command: its module and function, imported only when that command runs, and its
# short help (given, not cut from the docstring: click cuts it at 45 characters, mid-word).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "show": ("bjob.cli.show", "show", "Show one or more batch inference jobs."),
    "list": ("bjob.cli.listing", "list_jobs", "List batch inference jobs, newest first."),
    "watch": ("bjob.cli.watch", "watch", "Follow jobs until they end; exit with how they ended."),
    "results": ("bjob.cli.results", "results", "What a finished job produced; failures, retries."),
    "answers": ("bjob.cli.answers", "answers", "Every record's answer, in input order."),
    "quotas": ("bjob.cli.quotas", "quotas", "Why jobs wait: quotas, jobs in use, the queue."),
    "check": ("bjob.cli.check", "check", "Catch what would fail before a job is submitted."),
    "submit": ("bjob.cli.submit", "submit", "Submit an input as jobs: checked, split, idempotent."),
    "stop": ("bjob.cli.stop", "stop", "Stop jobs, after saying what will be stopped."),
    "retry": ("bjob.cli.retry", "retry", "Submit a job's failed and missing records again."),
}


def command_function(name: str) -> Callable[..., None]:
    module, function, _ = COMMANDS[name]
    found: Callable[..., None] = getattr(importlib.import_module(module), function)
    return found


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


def build_app(names: Iterable[str] = COMMANDS, *, listed_only: bool = False) -> typer.Typer:
    """The app with these commands (all of them by default). `listed_only`: each command
    only as the top-level help lists it (its name and short help), none of its modules
    imported — enough for `bjob --help`, `--version` and a mistyped command."""
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
        short_help = COMMANDS[name][2]
        function = _listed_only if listed_only else command_function(name)
        built.command(name, short_help=short_help)(function)
    return built


def _listed_only() -> None:
    """Never run: main() builds the real command when one is asked for."""


_app: typer.Typer | None = None


def __getattr__(name: str) -> typer.Typer:
    """`app`, every command built, made when first asked for (by tests, completion
    scripts), not when main() starts: `bjob --help` imports no command module."""
    global _app
    if name != "app":
        raise AttributeError(name)
    if _app is None:
        _app = build_app()
    return _app


def main() -> None:
    # show and list run for a second and make many objects that live until exit (botocore's
    # models, thousands of jobs): the cycle collector would rescan them over and over for
    # nothing (callgrind, `list --all` of 2,500 jobs: 5% of all instructions). watch, which
    # runs for hours, turns it back on.
    gc.disable()
    # Typer turns every command's signature into click options on every run (about 3 ms a
    # command): build just the command asked for; help, completion and typos get them all.
    asked = sys.argv[1:2]
    completing = "_BJOB_COMPLETE" in os.environ
    try:
        if asked and asked[0] in COMMANDS and not completing:
            build_app(asked)(prog_name="bjob")
        else:  # completion needs every command's options; help, --version and typos need none
            build_app(listed_only=not completing)(prog_name="bjob")
    finally:
        # At exit the interpreter looks for cycles once more, through every object still
        # alive (botocore's models...): 0.1-0.15 s of every run, for memory the process
        # gives back anyway. Frozen, they are left out of that pass (and freed as before).
        gc.freeze()
