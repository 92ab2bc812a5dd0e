"""The README's pictures are rendered from examples/ by docs/screenshots.py: stale ones fail."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_screenshots_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "docs" / "screenshots.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_readme_shows_every_picture() -> None:
    readme = (REPO / "README.md").read_text()
    for name in ("show.svg", "list.svg", "watch.svg"):
        assert f"docs/{name}" in readme
