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
