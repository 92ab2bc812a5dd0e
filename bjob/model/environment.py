"""What the process hands the program: streams, environment variables, clocks and sleep.

The command layer makes one from the real process (or a test makes one with StringIO and a
fake clock) and passes it down, so nothing below the commands reads sys.stdout, os.environ
or the time directly (httpie's Environment, gh's IOStreams).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TextIO


@dataclass(frozen=True, kw_only=True)
class Environment:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    environ: Mapping[str, str]
    now: Callable[[], datetime]  # wall time, aware (UTC): what people read
    clock: Callable[[], float]  # monotonic seconds: what waits are measured with
    sleep: Callable[[float], None]
    random: Callable[[], float]  # in [0, 1): jitter

    def is_terminal(self, stream: TextIO) -> bool:
        isatty = getattr(stream, "isatty", None)
        return bool(isatty and isatty())

    def wants_colour(self) -> bool:
        """NO_COLOR and TERM=dumb turn colour off (https://no-color.org)."""
        return not (self.environ.get("NO_COLOR") or self.environ.get("TERM") == "dumb")
