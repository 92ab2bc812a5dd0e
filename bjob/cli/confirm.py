"""Asking before anything that costs money (creating or stopping jobs), as gh and kubectl do:
in a terminal, a question; in a script, --yes or nothing happens."""

from __future__ import annotations

from bjob.model.environment import Environment
from bjob.support.exits import BjobError, ExitCode


def confirmed(env: Environment, question: str, *, yes: bool) -> bool:
    """True to go on. --yes goes on; a terminal is asked (anything but y or yes is no);
    without a terminal and without --yes, exit 2 saying to pass --yes."""
    if yes:
        return True
    if not (env.is_terminal(env.stdin) and env.is_terminal(env.stderr)):
        raise BjobError(
            "not a terminal, so nothing is asked and nothing is done",
            ExitCode.USAGE,
            hint="pass --yes to go ahead (or --dry-run to see what would happen)",
        )
    print(f"{question} [y/N] ", end="", file=env.stderr, flush=True)
    answer = env.stdin.readline()
    return answer.strip().lower() in ("y", "yes")
