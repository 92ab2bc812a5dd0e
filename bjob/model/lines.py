"""Lines from a stream of bytes, holding at most one line in memory: output files reach a
gigabyte, and a file with no line ends must not become one line in memory."""

from __future__ import annotations

from collections.abc import Iterator

CHUNK_BYTES = 1 << 20  # read a megabyte at a time: few calls, little memory
BOM = b"\xef\xbb\xbf"  # UTF-8's byte-order mark, which a file may begin with


def split_lines(
    chunks: Iterator[bytes], max_line: int | None = None, crlf: bool = False
) -> Iterator[bytes]:
    """Lines from a stream of chunks, holding at most one line (or max_line + 1 bytes);
    with `crlf`, a line's \r before its \n is dropped too."""
    carry = b""
    skipping = False  # in the rest of a line already given, cut, as too long
    for chunk in chunks:
        lines = chunk.split(b"\n")  # (the carry joins only the first piece: no 1 MB copy)
        if carry:
            lines[0] = carry + lines[0]
        carry = lines.pop()
        if skipping and lines:
            skipping = False
            del lines[0]
        if crlf and (b"\r" in chunk or (lines and lines[0][-1:] == b"\r")):
            lines = [line.removesuffix(b"\r") for line in lines]
        yield from lines
        if max_line is not None and len(carry) > max_line:
            if not skipping:
                yield carry[: max_line + 1]
            carry, skipping = b"", True
    if carry and not skipping:
        yield carry.removesuffix(b"\r") if crlf else carry
