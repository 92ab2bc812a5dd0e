"""Exit codes, and the one exception type the rest of bjob raises to choose one."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every code bjob exits with; the README's table is the contract."""

    OK = 0
    INTERNAL_ERROR = 1
    USAGE = 2
    NOT_FOUND = 3
    NOT_AUTHORIZED = 4
    TEMPORARY = 5
    CONFIGURATION = 6
    INPUT_ERRORS = 7  # bjob check: the input would fail
    JOB_NOT_FINISHED = 8
    JOB_UNKNOWN_END = 9
    JOB_FAILED = 10
    JOB_PARTIALLY_COMPLETED = 11
    JOB_STOPPED = 12
    JOB_EXPIRED = 13
    CANNOT_WRITE = 14  # the output or a file cannot be written: a full disk, a closed stream
    QUOTA_FULL = 15  # submit: the model's concurrent-jobs quota left no room for every job
    INTERRUPTED = 130
    TERMINATED = 143  # SIGTERM


class BjobError(Exception):
    """A failure bjob can explain in one line; `code` is what the process exits with."""

    def __init__(self, message: str, code: ExitCode, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
