"""Counts in words: "1 record", "2 records", "1,200 records"."""

from __future__ import annotations

# Words whose plural is not the word and an "s".
_PLURALS = {
    "is": "are",
    "was": "were",
    "has": "have",
    "query": "queries",
    "names": "name",
    "repeats": "repeat",
    "matches": "match",
}


def plural(count: int, word: str) -> str:
    """The word as `count` of it is said."""
    if count == 1:
        return word
    return _PLURALS.get(word, word + "s")


def counted(count: int, word: str) -> str:
    """ "1 record", "12,000 records" (a phrase's last word is the one counted)."""
    head, _, last = word.rpartition(" ")
    return f"{count:,} {head + ' ' if head else ''}{plural(count, last)}"
