"""Durations and moments as people type them: 90s, 45m, 2h, 7d, 2w, a bare number of seconds,
or an ISO-8601 date or date-time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bjob.support.exits import BjobError, ExitCode

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str, option: str) -> float:
    """Seconds in "90s", "45m", "2h", "7d", "2w" or "30" (seconds); a usage error otherwise."""
    match = _DURATION_RE.match(text)
    if match is None:
        raise BjobError(
            f"{option}: not a duration: {text!r}",
            ExitCode.USAGE,
            hint="use a number with s, m, h, d or w: 90s, 45m, 2h, 7d",
        )
    return float(match[1]) * _UNIT_SECONDS[match[2].lower()]


def parse_moment(text: str, option: str, now: datetime) -> datetime:
    """A point in time: a duration ago ("24h", "7d"), or an ISO date/time (local if no zone)."""
    if _DURATION_RE.match(text):
        return now - timedelta(seconds=parse_duration(text, option))
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BjobError(
            f"{option}: not a duration or an ISO date/time: {text!r}",
            ExitCode.USAGE,
            hint="e.g. 24h, 7d, 2026-11-01 or 2026-11-01T09:30",
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a date/time with no zone is the user's local time
    return moment.astimezone(UTC)
