"""The Typer app: parse, call the plain modules, print. Exits are chosen in one place (_run)."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bjob import __version__
from bjob.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws import AwsOptions
    from bjob.identifiers import JobRef
    from bjob.job import Job
    from bjob.jsonout import Query

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


def _complete_job(incomplete: str) -> list[tuple[str, str]]:
    from bjob.completion import complete_job

    return complete_job(incomplete)


def _complete_status(incomplete: str) -> list[str]:
    from bjob.completion import complete_status

    return complete_status(incomplete)


def _complete_region(incomplete: str) -> list[str]:
    from bjob.completion import complete_region

    return complete_region(incomplete)


def _complete_profile(incomplete: str) -> list[str]:
    from bjob.completion import complete_profile

    return complete_profile(incomplete)


JobArguments = Annotated[
    list[str],
    typer.Argument(
        metavar="JOB...",
        help="A job ARN, a 12-character job id, a job name, a saved response FILE.json, "
        "or - to read a saved response from stdin.",
        show_default=False,
        autocompletion=_complete_job,
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
        autocompletion=_complete_region,
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


def _timeout_option(flag: str, what: str) -> Any:
    return typer.Option(
        flag,
        metavar="SECONDS",
        min=0.001,
        help=f"Seconds to wait for {what}, per attempt (default 60).",
        show_default=False,
    )


ConnectTimeoutOption = Annotated[float | None, _timeout_option("--connect-timeout", "a connection")]
ReadTimeoutOption = Annotated[float | None, _timeout_option("--read-timeout", "an answer")]
QueryOption = Annotated[
    str | None,
    typer.Option(
        "--query",
        metavar="EXPR",
        help="A JMESPath expression applied to the JSON output, as in the AWS CLI; "
        "implies --json. Example: --query 'records.pending'",
        show_default=False,
    ),
]
DebugOption = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks and botocore's request log on stderr.")
]


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


@app.command()
def show(
    jobs: JobArguments,
    *,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="Print the normalized job as JSON (an array for several)."),
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Print the response as AWS returned it, as JSON.")
    ] = False,
    query: QueryOption = None,
    watch: Annotated[
        bool,
        typer.Option("--watch", "-w", help="Follow the jobs until they end (as bjob watch)."),
    ] = False,
    exit_status: Annotated[
        bool,
        typer.Option(
            "--exit-status",
            help="Exit with the job's state: 0 Completed, 8 not finished, 10 Failed, "
            "11 PartiallyCompleted, 12 Stopped, 13 Expired, 9 unknown (highest of several).",
        ),
    ] = False,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Show one or more batch inference jobs.

    Examples: bjob show abc123def456 --region us-east-1;
    bjob show my-job-name --json; bjob show examples/in-progress.json
    """

    def body() -> ExitCode:
        from bjob.aws import AwsOptions
        from bjob.show import load_jobs, parse_job_refs

        if json_output and raw:
            raise BjobError("--json and --raw cannot be used together", ExitCode.USAGE)
        compiled = _compile_query(query)
        refs = parse_job_refs(jobs)
        options = AwsOptions(profile, region, endpoint_url, connect_timeout, read_timeout)
        if watch:
            if raw:
                raise BjobError("--raw cannot be used with --watch", ExitCode.USAGE)
            return _watch(refs, options, WatchSettings(json_output=json_output, query=compiled))
        return _print_loaded(
            load_jobs(refs, options, sys.stdin),
            json_output=json_output or compiled is not None,
            raw=raw,
            query=compiled,
            exit_status=exit_status,
            many=len(refs) > 1,
        )

    _run(body, debug)


@dataclass(frozen=True)
class WatchSettings:
    json_output: bool = False
    query: Query | None = None
    interval: float = 30.0
    timeout: float | None = None
    give_up_after: float = 600.0
    bell: bool = False


@app.command()
def watch(
    jobs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[JOB]...",
            help="A job ARN, a 12-character job id or a job name (as show).",
            show_default=False,
            autocompletion=_complete_job,
        ),
    ] = None,
    *,
    active: Annotated[
        bool,
        typer.Option("--active", help="Follow every job in the region that has not ended."),
    ] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval", min=1, metavar="SECONDS", help="Seconds between polls (a little jitter)."
        ),
    ] = 30.0,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout",
            metavar="DURATION",
            help="Stop after this long, exit 8 if jobs still run: 90s, 45m, 2h, or seconds.",
            show_default=False,
        ),
    ] = None,
    give_up_after: Annotated[
        str,
        typer.Option(
            "--give-up-after",
            metavar="DURATION",
            help="Exit 5 once Bedrock has been unreachable this long (throttling, 5xx, "
            "network); shorter outages are retried with back-off.",
        ),
    ] = "10m",
    bell: Annotated[
        bool, typer.Option("--bell", help="Ring the terminal bell at the end.")
    ] = False,
    json_output: Annotated[
        bool,
        typer.Option("--json", help="NDJSON: one job object (show --json schema) per change."),
    ] = False,
    query: QueryOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """Follow jobs until they end; exit with how they ended (0 Completed, 10 Failed, ...).

    Examples: bjob watch abc123def456 && process-results;
    bjob watch --active --json | jq .status; bjob watch my-job --timeout 2h --bell
    """

    def body() -> ExitCode:
        from bjob.aws import AwsOptions
        from bjob.durations import parse_duration
        from bjob.show import parse_job_refs

        if bool(jobs) == active:
            raise BjobError("give one or more JOBs, or --active", ExitCode.USAGE)
        settings = WatchSettings(
            json_output=json_output,
            query=_compile_query(query),
            interval=interval,
            timeout=parse_duration(timeout, "--timeout") if timeout else None,
            give_up_after=parse_duration(give_up_after, "--give-up-after"),
            bell=bell,
        )
        refs = parse_job_refs(jobs or [])
        options = AwsOptions(profile, region, endpoint_url, connect_timeout, read_timeout)
        return _watch(refs, options, settings)

    _run(body, debug)


def _watch(refs: Sequence[JobRef], options: AwsOptions, settings: WatchSettings) -> ExitCode:
    """Load the jobs (or find the active ones), then poll them until they end."""
    import random
    import time

    from bjob.aws import BedrockClients
    from bjob.polling import JobPoller, discover_active_jobs
    from bjob.show import LoadedJob, load_jobs
    from bjob.terminal import wants_style
    from bjob.watch import WatchDisplay, Watcher
    from bjob.watchview import LiveDisplay, LogDisplay, NdjsonDisplay

    gc.enable()  # a watch lasts hours: collect cycles, but rarely (see main)
    gc.set_threshold(100_000, 50, 100)
    if any(ref.kind == "file" for ref in refs):
        raise BjobError("a saved response cannot be watched: give the job's ARN or id",
                        ExitCode.USAGE)  # fmt: skip
    clients = BedrockClients(options)

    def now() -> datetime:
        return datetime.now(UTC)

    if refs:
        results = load_jobs(refs, options, sys.stdin, clients)
        errors = [result for result in results if isinstance(result, BjobError)]
        if errors:
            return _report(errors)
        unique = {item.job.arn: item.job for item in results if isinstance(item, LoadedJob)}
        jobs = list(unique.values())
    else:
        jobs = discover_active_jobs(clients, options.region, now())
        if not jobs:
            print("no active jobs to watch", file=sys.stderr)
            return ExitCode.OK

    _remember(jobs)
    display: WatchDisplay
    live: LiveDisplay | None = None
    if settings.json_output or settings.query is not None:
        display = NdjsonDisplay(sys.stdout, sys.stderr, now, settings.query)
    elif wants_style(sys.stdout, os.environ):
        display = live = LiveDisplay(sys.stdout, now, time.monotonic)
    else:
        display = LogDisplay(sys.stdout, sys.stderr, now)
    watcher = Watcher(
        fetch=JobPoller(clients),
        display=display,
        clock=time.monotonic,
        now=now,
        sleep=time.sleep,
        jitter=random.random,
        interval=settings.interval,
        timeout=settings.timeout,
        give_up_after=settings.give_up_after,
    )
    try:
        if live is not None:
            with live:
                code = watcher.run(jobs)
        else:
            code = watcher.run(jobs)
    finally:
        if settings.bell:
            bell_stream = sys.stdout if sys.stdout.isatty() else sys.stderr
            bell_stream.write("\a")
            bell_stream.flush()
    return code


@app.command("list")
def list_command(
    *,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            help="Only jobs in this status (repeatable; any case): Submitted, Validating, "
            "Scheduled, InProgress, Stopping, Completed, PartiallyCompleted, Failed, Stopped, "
            "Expired.",
            autocompletion=_complete_status,
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="Only jobs whose name contains this text.",
            show_default=False,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Only jobs submitted after this: a duration ago (24h, 7d) or an ISO "
            "date/time (2026-11-01, local time unless it has a zone).",
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="WHEN",
            help="Only jobs submitted before this (as --since).",
            show_default=False,
        ),
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            metavar="newest|oldest",
            help="newest or oldest first.",
            autocompletion=lambda: ["newest", "oldest"],
        ),
    ] = "newest",
    limit: Annotated[
        int, typer.Option("--limit", min=1, metavar="N", help="Show at most this many jobs.")
    ] = 50,
    all_jobs: Annotated[
        bool, typer.Option("--all", help="Every matching job (no --limit).")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print a JSON array of jobs (the show --json schema).")
    ] = False,
    ids: Annotated[
        bool,
        typer.Option(
            "--ids",
            help="Print one job ARN per line: bjob list --status Failed --ids | xargs bjob show",
        ),
    ] = False,
    query: QueryOption = None,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region",
            metavar="REGION",
            help="The AWS region (repeatable: several regions are listed concurrently). "
            "Default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region.",
            show_default=False,
            autocompletion=_complete_region,
        ),
    ] = None,
    profile: ProfileOption = None,
    endpoint_url: EndpointOption = None,
    connect_timeout: ConnectTimeoutOption = None,
    read_timeout: ReadTimeoutOption = None,
    debug: DebugOption = False,
) -> None:
    """List batch inference jobs, newest first.

    Examples: bjob list --status InProgress; bjob list --since 7d --status failed --ids;
    bjob list --all --json --query 'length(@)'
    """

    def body() -> ExitCode:
        from bjob.aws import AwsOptions, BedrockClients
        from bjob.durations import parse_moment
        from bjob.job import canonical_status
        from bjob.listing import ListFilters, list_jobs

        now = datetime.now(UTC)
        if sort not in ("newest", "oldest"):
            raise BjobError(f"--sort: expected newest or oldest, not {sort!r}", ExitCode.USAGE)
        if ids and (json_output or query is not None):
            raise BjobError("--ids cannot be used with --json or --query", ExitCode.USAGE)
        compiled = _compile_query(query)
        filters = ListFilters(
            statuses=tuple(dict.fromkeys(canonical_status(text) for text in status or ())),
            name=name,
            since=parse_moment(since, "--since", now) if since else None,
            until=parse_moment(until, "--until", now) if until else None,
            newest_first=sort == "newest",
            limit=None if all_jobs else limit,
        )
        regions: list[str | None] = list(dict.fromkeys(region)) if region else [None]
        clients = BedrockClients(
            AwsOptions(profile, None, endpoint_url, connect_timeout, read_timeout)
        )
        with _progress_on_stderr("Listing jobs") as on_progress:
            jobs = list_jobs(clients, regions, filters, on_progress)
        _remember(jobs)
        if ids:
            for job in jobs:
                print(job.arn or job.job_id or "")
        elif json_output or compiled is not None:
            from bjob.jsonout import job_to_dict

            _print_json([job_to_dict(job, now) for job in jobs], compiled, array_lines=True)
        else:
            from bjob.terminal import wants_style
            from bjob.view import jobs_table, print_renderables

            styled = wants_style(sys.stdout, os.environ)
            if jobs:
                table = jobs_table(jobs, now, styled=styled, regions=len(regions) > 1)
                print_renderables(sys.stdout, [table], styled=styled)
            else:
                print("no jobs match", file=sys.stderr)
        return ExitCode.OK

    _run(body, debug)


@contextmanager
def _progress_on_stderr(label: str) -> Iterator[Callable[[int], None] | None]:
    """A spinner with a count on stderr while paging, only when stderr is a terminal."""
    from bjob.terminal import wants_style

    if not wants_style(sys.stderr, os.environ):
        yield None
        return
    from rich.console import Console

    console = Console(file=sys.stderr, markup=False, highlight=False)
    with console.status(f"{label}…") as status:
        yield lambda count: status.update(f"{label}… {count:,} so far")


def _print_loaded(
    results: Sequence[object],
    *,
    json_output: bool,
    raw: bool,
    query: Query | None,
    exit_status: bool,
    many: bool,
) -> ExitCode:
    from bjob.show import LoadedJob

    loaded = [result for result in results if isinstance(result, LoadedJob)]
    errors = [result for result in results if isinstance(result, BjobError)]
    now = datetime.now(UTC)
    if json_output or raw:
        from bjob.jsonout import job_to_dict

        documents = [item.raw if raw else job_to_dict(item.job, now) for item in loaded]
        if loaded or not errors:
            _print_json(documents if many else documents[0], query)
    elif loaded:
        from bjob.terminal import wants_style
        from bjob.view import print_jobs

        styled = wants_style(sys.stdout, os.environ)
        print_jobs(sys.stdout, [item.job for item in loaded], now, styled=styled)
    _remember([item.job for item in loaded if item.ref.kind != "file"])
    if errors:
        return _report(errors)
    if exit_status:
        return max(item.job.state_exit_code() for item in loaded)
    return ExitCode.OK


def _compile_query(expression: str | None) -> Query | None:
    if expression is None:
        return None
    from bjob.jsonout import Query

    return Query(expression)


def _print_json(document: object, query: Query | None, *, array_lines: bool = False) -> None:
    from bjob.jsonout import dumps, dumps_array

    if query is not None:
        document = query.apply(document)
    elif array_lines and isinstance(document, list):
        print(dumps_array(document))
        return
    print(dumps(document))


def _remember(jobs: Sequence[Job]) -> None:
    """Remember jobs seen for shell completion (best effort, never fails a command)."""
    from bjob.cache import remember_jobs

    remember_jobs(jobs)


def _report(errors: Sequence[BjobError]) -> ExitCode:
    """A line (and hint) for each job that could not be loaded; the highest code."""
    for error in errors:
        _print_error(error)
    return max(error.code for error in errors)


def _print_error(error: BjobError) -> None:
    from bjob.terminal import inert

    print(f"bjob: {inert(error.message, multiline=True)}", file=sys.stderr)
    if error.hint:
        print(f"hint: {inert(error.hint)}", file=sys.stderr)


def _run(body: Callable[[], ExitCode], debug: bool) -> None:
    """Run a command's body; the one place that turns every outcome into an exit code."""
    if debug:
        import logging

        logging.basicConfig(
            level=logging.DEBUG, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s"
        )
    try:
        code = body()
    except BjobError as error:
        _print_error(error)
        code = error.code
    except KeyboardInterrupt:
        print("bjob: interrupted", file=sys.stderr)
        code = ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (bjob list --ids | head -1): it has all it wanted.
        _silence_stdout()
        code = ExitCode.OK
    except Exception as error:  # a bug of ours: say so briefly, unless asked for more
        if debug:
            raise
        print(
            f"bjob: internal error: {type(error).__name__}: {error}\n"
            "hint: run again with --debug for the traceback, and report it",
            file=sys.stderr,
        )
        code = ExitCode.INTERNAL_ERROR
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    raise typer.Exit(int(code))


def _silence_stdout() -> None:
    """After a closed pipe, point stdout at /dev/null so Python's exit flush stays quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def main() -> None:
    # show and list run for a second and make many objects that live until exit (botocore's
    # models, thousands of jobs): the cycle collector would rescan them over and over for
    # nothing (callgrind, `list --all` of 2,500 jobs: 5% of all instructions). watch, which
    # runs for hours, turns it back on.
    gc.disable()
    app(prog_name="bjob")
