"""The options the commands share, as `Annotated` types, with their shell completion; the
connection options every command takes, added to each by one decorator."""

# Start-up: completion's functions import bjob.cli.completion when a Tab asks for them.

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

import typer


def complete_job(incomplete: str) -> list[tuple[str, str]]:
    from bjob.cli.completion import complete_job

    return complete_job(incomplete)


def complete_status(incomplete: str) -> list[str]:
    from bjob.cli.completion import complete_status

    return complete_status(incomplete)


def complete_region(incomplete: str) -> list[str]:
    from bjob.cli.completion import complete_region

    return complete_region(incomplete)


def _complete_profile(incomplete: str) -> list[str]:
    from bjob.cli.completion import complete_profile

    return complete_profile(incomplete)


JOB_HELP = (
    "A job ARN, a 12-character job id, a job name, a saved response FILE.json, "
    "- to read a saved response from stdin, or run:NAME (every job of a submission)."
)
JobArguments = Annotated[
    list[str],
    typer.Argument(
        metavar="JOB...", help=JOB_HELP, show_default=False, autocompletion=complete_job
    ),
]
OptionalJobArguments = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="[JOB]...",
        help="A job ARN, a 12-character job id, a job name or run:NAME (as show).",
        show_default=False,
        autocompletion=complete_job,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        metavar="PROFILE",
        help="The AWS profile to use (as in the AWS CLI).",
        show_default=False,
        autocompletion=_complete_profile,
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="The AWS region; not needed for an ARN. Default: AWS_REGION, "
        "AWS_DEFAULT_REGION, then the profile's region.",
        show_default=False,
        autocompletion=complete_region,
    ),
]
RegionsOption = Annotated[
    list[str] | None,
    typer.Option(
        "--region",
        metavar="REGION",
        help="The AWS region (repeatable: several regions are asked concurrently). "
        "Default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.",
        show_default=False,
        autocompletion=complete_region,
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        metavar="URL",
        help="Send requests to this URL instead of Bedrock's (e.g. http://127.0.0.1:8080).",
        show_default=False,
    ),
]


def finite(value: float | None) -> float | None:
    """Typer's float accepts nan and inf, which no wait or timeout can mean."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a number of seconds, not {value}")
    return value


def _timeout_option(flag: str, what: str) -> Any:
    return typer.Option(
        flag,
        metavar="SECONDS",
        min=0.001,
        callback=finite,
        help=f"Seconds to wait for {what}, per attempt (default 60).",
        show_default=False,
    )


ConnectTimeoutOption = Annotated[float | None, _timeout_option("--connect-timeout", "a connection")]
ReadTimeoutOption = Annotated[float | None, _timeout_option("--read-timeout", "an answer")]


Command = TypeVar("Command", bound=Callable[..., None])


def connection_options(*, regions: bool = False) -> Callable[[Command], Command]:
    """Give a command the connection options every command takes (--profile, --region,
    --endpoint-url, --connect-timeout, --read-timeout, --debug), after its own: typer reads
    them from the signature; the command reads them back from its context (`aws_clients`,
    `run_command`). `regions`: --region repeats (several regions asked at once)."""
    added = {
        "profile": ProfileOption,
        "region": RegionsOption if regions else RegionOption,
        "endpoint_url": EndpointOption,
        "connect_timeout": ConnectTimeoutOption,
        "read_timeout": ReadTimeoutOption,
        "debug": DebugOption,
    }

    def decorate(command: Command) -> Command:
        signature = inspect.signature(command, eval_str=True)
        parameters = list(signature.parameters.values())
        parameters += [
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=False if name == "debug" else None,
                annotation=annotation,
            )
            for name, annotation in added.items()
        ]

        @functools.wraps(command)
        def with_connection(*args: Any, **kwargs: Any) -> None:
            for name in added:
                kwargs.pop(name, None)
            command(*args, **kwargs)

        cast(Any, with_connection).__signature__ = signature.replace(parameters=parameters)
        return cast(Command, with_connection)

    return decorate


def _query_option(example: str) -> Any:
    return typer.Option(
        "--query",
        metavar="EXPR",
        help="A JMESPath expression applied to the JSON output, as in the AWS CLI; "
        f"implies --json. Example: --query {example}",
        show_default=False,
    )


QueryOption = Annotated[str | None, _query_option("'records.pending'")]
ListQueryOption = Annotated[str | None, _query_option("'[].[name, records.failed]'")]
ResultsQueryOption = Annotated[str | None, _query_option("'errors[0].message'")]
CheckQueryOption = Annotated[str | None, _query_option("'problems[?severity==`error`].message'")]
QuotasQueryOption = Annotated[str | None, _query_option("'models[?metrics.stalled].model_id'")]
SubmitQueryOption = Annotated[str | None, _query_option("'jobs[].arn'")]
StopQueryOption = Annotated[str | None, _query_option("'[?action==`stopped`].arn'")]


def _suggest(*values: str) -> Any:
    """Completion that offers typical values (rather than the shell's file names)."""
    return lambda incomplete: [value for value in values if value.startswith(incomplete)]


DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks and botocore's request log on stderr.")
]
IntervalOption = Annotated[
    float | None,
    typer.Option(
        "--interval",
        min=1,
        callback=finite,
        metavar="SECONDS",
        help="Seconds between polls, at least 1 (default 30; a little jitter).",
        autocompletion=_suggest("30", "60", "300"),
        show_default=False,
    ),
]
WatchTimeoutOption = Annotated[
    str | None,
    typer.Option(
        "--timeout",
        metavar="DURATION",
        help="Stop after this long, exit 8 if jobs still run: 90s, 45m, 2h, or seconds.",
        autocompletion=_suggest("45m", "2h", "24h"),
        show_default=False,
    ),
]
GiveUpAfterOption = Annotated[
    str | None,
    typer.Option(
        "--give-up-after",
        metavar="DURATION",
        help="Exit 5 once Bedrock has been unreachable this long (throttling, 5xx, "
        "network; default 10m); shorter outages are retried with back-off.",
        autocompletion=_suggest("10m", "30m", "1h"),
        show_default=False,
    ),
]
BellOption = Annotated[bool, typer.Option("--bell", help="Ring the terminal bell at the end.")]


# What the commands that act (submit, retry, stop) share.
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Go ahead without asking (in a script, required).")
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Say what would happen; upload, create, stop nothing.")
]
ActionJsonOption = Annotated[
    bool, typer.Option("--json", help="Print what happened (or would) as JSON.")
]
UploadToOption = Annotated[
    str | None,
    typer.Option(
        "--upload-to",
        metavar="S3URI",
        help="Where the jobs' inputs are uploaded (default: <output>/bjob-inputs/).",
        show_default=False,
    ),
]
WatchAfterOption = Annotated[
    bool, typer.Option("--watch", help="Then follow the jobs as bjob watch does.")
]


INVOCATION_TYPES = ("InvokeModel", "Converse")
InvocationTypeOption = Annotated[
    str,
    typer.Option(
        "--type",
        metavar="InvokeModel|Converse",
        help="The job's model invocation type (Converse: the Converse request format).",
        autocompletion=lambda: list(INVOCATION_TYPES),
    ),
]


def checked_invocation_type(text: str) -> str:
    """--type as given, checked (a usage error in bjob's words, not click's)."""
    from bjob.model.submit import checked_invocation_type

    return checked_invocation_type(text)
