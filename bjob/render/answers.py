"""What `bjob answers` says on stderr when it is done."""

from __future__ import annotations

from pathlib import Path

from bjob.model.answers import ANSWER_STATUSES, AnswersWritten
from bjob.model.words import counted
from bjob.render.terminal import inert


def answers_message(written: AnswersWritten, path: Path | None) -> str:
    """One line: how many answers went where, by status."""
    where = inert(str(path)) if path is not None else "standard output"
    counts = ", ".join(
        f"{written.statuses.get(status, 0):,} {status}"
        for status in ANSWER_STATUSES
        if written.statuses.get(status, 0) or status == "ok"
    )
    return f"bjob: {counted(written.lines, 'answer')} to {where} ({counts})"


def run_outcome_message(
    name: str, code: int, answered: int | None, records: int | None, jobs: int
) -> str:
    """How a watched run ended, judged on its records: one line on stderr."""
    where = f"bjob: run:{inert(name)} ({counted(jobs, 'job')})"
    if records is None:
        return f"{where}: its records cannot be counted; judged by its jobs (exit {code})"
    if answered == records:
        return f"{where}: every record has an answer ({counted(records, 'record')}; exit 0)"
    left = records - (answered or 0)
    return f"{where}: {left:,} of {counted(records, 'record')} have no answer (exit {code})"
