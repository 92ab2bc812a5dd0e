"""Messages on stderr: errors with their hints, and a progress spinner while paging."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from bjob.model.environment import Environment
from bjob.model.exits import BjobError
from bjob.render.terminal import inert, wants_style


def print_error(stream: TextIO, error: BjobError) -> None:
    """One line (a failure message may carry its own lines), and a hint where one helps."""
    print(f"bjob: {inert(error.message, multiline=True)}", file=stream)
    if error.hint:
        print(f"hint: {inert(error.hint)}", file=stream)


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
