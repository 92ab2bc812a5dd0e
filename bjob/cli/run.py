"""Running a command: the process's environment in, an exit code out. `run_command` is the
one place where every outcome (errors, Ctrl-C, a closed pipe, a bug) becomes an exit code;
`aws_clients` the one place the commands get their AWS clients.

Start-up: this module is imported by every command, so what only some paths need (the AWS
side, rendering, codecs, signals, logging) is imported inside the functions that use it.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NoReturn, TextIO

import typer

from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients, AwsOptions, MakeClient
    from bjob.model.identifiers import JobRef

Body = Callable[[Environment], ExitCode]


# What the views draw with, in ASCII, for a stream that cannot encode it (PYTHONIOENCODING=
# ascii, a cp1252 console): the output goes on, plainer, rather than stopping with an error.
_ASCII_SYMBOLS = {
    "●": "*",
    "━": "=",
    "—": "-",
    "·": "|",
    "→": "->",
    "…": "...",
    "─": "-",
    "│": "|",
    "✓": "+",
    "✗": "x",
    "×": "x",
    "–": "-",
    **dict(zip("▁▂▃▄▅▆▇█", "_.,-~=*#", strict=True)),
    **dict.fromkeys("╭╮╰╯┌┐└┘├┤┬┴┼", "+"),
}


def _ascii_symbols(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    unencodable = error.object[error.start : error.end]
    return "".join(_ASCII_SYMBOLS.get(char, "?") for char in unencodable), error.end


def _encode_what_it_can(stream: TextIO) -> None:
    import codecs

    encoding = getattr(stream, "encoding", None) or "utf-8"
    if codecs.lookup(encoding).name == "utf-8" or not isinstance(stream, io.TextIOWrapper):
        return
    codecs.register_error("bjob-ascii-symbols", _ascii_symbols)
    stream.reconfigure(errors="bjob-ascii-symbols")


class _Closed(io.StringIO):
    """Standard output that was closed before bjob started (`bjob ... >&-`)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def process_environment() -> Environment:
    """The real process: its streams, its environment variables, real time."""
    import random
    import time

    _encode_what_it_can(sys.stdout)
    _encode_what_it_can(sys.stderr)
    return Environment(
        stdin=sys.stdin or io.StringIO(),
        stdout=sys.stdout or _Closed(),
        stderr=sys.stderr or io.StringIO(),
        environ=os.environ,
        now=lambda: datetime.now(UTC),
        clock=time.monotonic,
        sleep=time.sleep,
        random=random.random,
    )


# Writing failures that mean the output has nowhere to go (a full disk, `> /dev/full`, a
# closed stream), not a bug of bjob's.
_CANNOT_WRITE = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.EROFS}


class Terminated(BaseException):
    """SIGTERM, raised in the main thread so that cleanup runs as for Ctrl-C."""


@dataclass(frozen=True)
class Given:
    """What a caller running the app in-process (a test) gives it in place of the process's
    own, as the app's `obj`: the environment, and who makes the AWS clients."""

    env: Environment
    make_client: MakeClient | None = None


def _given(ctx: typer.Context) -> Given:
    found = ctx.find_root().obj
    if isinstance(found, Given):
        return found
    return Given(found if isinstance(found, Environment) else process_environment())


def run_command(ctx: typer.Context, body: Body) -> NoReturn:
    """Run a command's body in the environment the app was given (a test's) or the process's,
    with --debug as the command was given it."""
    env = _given(ctx).env
    debug = bool(ctx.params.get("debug"))
    with _debug_log(env, debug), _terminate_like_interrupt():
        code = _outcome(env, debug, body, ctx.command_path)
    try:
        env.stdout.flush()
    except BrokenPipeError:
        _silence(env.stdout)
    except OSError as error:
        code = _cannot_write(env, error)
    raise typer.Exit(int(code))


def _outcome(env: Environment, debug: bool, body: Body, command: str) -> ExitCode:
    from bjob.support.localfiles import remove_partial_files

    try:
        return body(env)
    except BjobError as error:
        code = report(env, [error])
        if code is ExitCode.USAGE:  # a mistake in the command line: where to read how it goes
            print(f"hint: see '{command} --help'", file=env.stderr)
        return code
    except (KeyboardInterrupt, Terminated) as stop:
        remove_partial_files()
        print("bjob: interrupted", file=env.stderr)
        return ExitCode.INTERRUPTED if isinstance(stop, KeyboardInterrupt) else ExitCode.TERMINATED
    except BrokenPipeError:
        # The reader went away (bjob list --ids | head -1): it has all it wanted.
        _silence(env.stdout)
        return ExitCode.OK
    except OSError as error:
        if error.errno not in _CANNOT_WRITE:
            return _internal_error(env, debug, error)
        return _cannot_write(env, error)
    except Exception as error:
        return _internal_error(env, debug, error)


def _internal_error(env: Environment, debug: bool, error: Exception) -> ExitCode:
    """A bug of ours: say so briefly, unless asked for more."""
    if debug:
        raise error
    print(
        f"bjob: internal error: {type(error).__name__}: {error}\n"
        "hint: run again with --debug for the traceback, and report it",
        file=env.stderr,
    )
    return ExitCode.INTERNAL_ERROR


def _cannot_write(env: Environment, error: OSError) -> ExitCode:
    """The output cannot be written: one line, and the stream quieted so that Python's own
    flush at exit does not fail again."""
    _silence(env.stdout)
    try:
        print(f"bjob: cannot write the output: {error.strerror or error}", file=env.stderr)
    except (OSError, ValueError):
        pass
    return ExitCode.CANNOT_WRITE


@contextmanager
def _terminate_like_interrupt() -> Iterator[None]:
    """SIGTERM raises Terminated in the main thread (and only there), so that files being
    written are removed as on Ctrl-C; the previous handler comes back afterwards."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _debug_log(env: Environment, debug: bool) -> Iterator[None]:
    """With --debug, every log record (botocore's requests among them) on stderr."""
    if not debug:
        yield
        return
    import logging

    root = logging.getLogger()
    handler = logging.StreamHandler(env.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def aws_clients(ctx: typer.Context, region: str | None = None) -> AwsClients:
    """The AWS clients of a command, from its connection options (`region` in place of its
    --region), made by whoever the app was given to make them, or by bjob."""
    from bjob.aws.session import AwsClients

    options = aws_options(ctx)
    make_client = _given(ctx).make_client
    clients = (
        AwsClients(options) if make_client is None else AwsClients(options, make_client=make_client)
    )
    return clients.in_region(region)


def regions_asked(ctx: typer.Context) -> list[str | None]:
    """A command whose --region repeats: its regions, each once, in order; [None] (the
    configured one) when none is given."""
    given = ctx.params.get("region")
    if isinstance(given, str):
        return [given]
    return list(dict.fromkeys(given)) if given else [None]


def aws_options(ctx: typer.Context) -> AwsOptions:
    """The connection options every command takes, from its parsed parameters (a command
    whose --region repeats lists its regions itself)."""
    from bjob.aws.session import AwsOptions

    params = ctx.params
    region = params.get("region")
    return AwsOptions(
        profile=params.get("profile"),
        region=region if isinstance(region, str) else None,
        endpoint_url=params.get("endpoint_url"),
        connect_timeout=params.get("connect_timeout"),
        read_timeout=params.get("read_timeout"),
    )


def report(env: Environment, errors: Sequence[BjobError]) -> ExitCode:
    """A line (and hint) for each error on stderr; the highest code."""
    from bjob.render.output import print_error

    for error in errors:
        print_error(env.stderr, error)
    return max(error.code for error in errors)


def note_stdin(env: Environment, refs: Sequence[JobRef]) -> None:
    """Say so when waiting on a terminal for a saved response, rather than wait silently."""
    if any(ref.text == "-" for ref in refs) and env.is_terminal(env.stdin):
        print(
            "bjob: reading a saved response from standard input (end it with Ctrl-D)",
            file=env.stderr,
            flush=True,
        )


def _silence(stream: object) -> None:
    """After a closed pipe, point the stream's descriptor at /dev/null so that Python's
    flush at exit stays quiet."""
    fileno = getattr(stream, "fileno", None)
    try:
        descriptor = fileno() if fileno else None
    except (OSError, ValueError):
        descriptor = None
    if descriptor is not None:
        os.dup2(os.open(os.devnull, os.O_WRONLY), descriptor)
