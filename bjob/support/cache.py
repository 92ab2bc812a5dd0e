"""bjob's cache: a folder of small JSON files the user alone can read (the jobs seen, for
completion; regions; model lookups; prices). A convenience: a cache file that cannot be read
or written is skipped without a word.

The folder is platformdirs' user cache folder: $XDG_CACHE_HOME/bjob or ~/.cache/bjob on Linux,
~/Library/Caches/bjob on macOS, %LOCALAPPDATA%\\bjob\\Cache on Windows.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from bjob.support.exits import BjobError
from bjob.support.localfiles import atomic_file


def cache_dir() -> Path:
    if sys.platform.startswith("linux"):
        # The XDG rule platformdirs follows (a relative $XDG_CACHE_HOME is ignored), without
        # its import: ~3 ms of every `show`'s start-up.
        base = os.environ.get("XDG_CACHE_HOME", "")
        return Path(base if os.path.isabs(base) else os.path.expanduser("~/.cache")) / "bjob"
    from platformdirs import user_cache_dir  # start-up: only where a cache is used

    return Path(user_cache_dir("bjob", appauthor=False))


def write_private_json(path: Path, document: Any) -> None:
    """A cache file: written whole (atomic_file), readable by the user only, in a folder
    made for the user only; one that cannot be written is skipped without a word."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with atomic_file(path, replace=True, private=True) as file:
            file.write(json.dumps(document).encode())
    except (OSError, BjobError):
        pass


def read_json(path: Path) -> Any:
    """A cache file's document; None when it cannot be read."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
