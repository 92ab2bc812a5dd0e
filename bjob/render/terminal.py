"""What reaches a terminal: whether to style it, and making strings from AWS inert."""

from __future__ import annotations

import re
from typing import TextIO

from bjob.model.environment import Environment

# C0 and C1 controls (ESC, CSI, BEL, backspace...), DEL, and the Unicode marks that
# reorder or break lines (bidi overrides, line separators): each could move the cursor,
# recolour, plant a hyperlink or disguise text. Newline and tab are handled by the caller.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, *, multiline: bool = False) -> str:
    """The text with every control sequence shown as a visible escape (ESC -> \\x1b).

    Newlines survive only where `multiline` (a failure message); tabs become spaces.
    """
    text = text.replace("\t", "    ")
    if multiline:
        text = text.replace("\r\n", "\n")
    else:
        text = text.replace("\n", "\\n")
    return _UNSAFE.sub(_visible, text)


def wants_style(env: Environment, stream: TextIO) -> bool:
    """Colour and redraws only for a terminal, and never under NO_COLOR or TERM=dumb."""
    return env.wants_colour() and env.is_terminal(stream)
