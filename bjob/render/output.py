"""Messages on stderr: errors with their hints, and a progress spinner while paging."""

# Start-up: rich (and render.view, which stands on it) is imported inside the functions
# that draw, so that a command's JSON output never loads it.

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from bjob.model.environment import Environment
from bjob.render.terminal import inert, wants_style
from bjob.support.exits import BjobError


def print_error(stream: TextIO, error: BjobError) -> None:
    """One line (a failure message may carry its own lines), and a hint where one helps."""
    print(f"bjob: {inert(error.message, multiline=True)}", file=stream)
    if error.hint:
        print(f"hint: {inert(error.hint)}", file=stream)


def print_warning(stream: TextIO, warning: str) -> None:
    print(f"bjob: warning: {inert(warning)}", file=stream)


@contextmanager
def progress_on_stderr(env: Environment, label: str) -> Iterator[Callable[[int], None] | None]:
    """A spinner with a count on stderr while paging, only when stderr is a terminal."""
    if not wants_style(env, env.stderr):
        yield None
        return
    from bjob.render.view import make_console

    console = make_console(env.stderr, env, styled=True)
    with console.status(f"{label}…") as status:
        yield lambda count: status.update(f"{label}… {count:,} so far")


@contextmanager
def bytes_progress(
    env: Environment, label: str
) -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    """A bar of bytes copied on stderr, only when stderr is a terminal: (start(total),
    advance(bytes)) callbacks, safe to call from several threads."""
    if not wants_style(env, env.stderr):
        yield (lambda total: None), (lambda count: None)
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from bjob.render.view import make_console

    console = make_console(env.stderr, env, styled=True)
    columns = (
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield (
            lambda total: progress.update(task, total=total),
            lambda count: progress.advance(task, count),
        )
