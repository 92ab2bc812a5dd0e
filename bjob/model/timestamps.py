"""Timestamps as the wire gives them: bjob's clients keep them unparsed (ISO-8601 strings in
JSON and XML, epoch seconds in CBOR), and this reads any of them."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_moment(value: object) -> datetime:
    """An aware UTC datetime from a datetime, an ISO-8601 string or epoch seconds."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, UTC)
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
