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
    """The README's tour shows every picture; each command's page in docs/ shows its own."""
    readme = (REPO / "README.md").read_text()
    pictures = sorted(path.name for path in (REPO / "docs").glob("*.svg"))
    assert {"show.svg", "list.svg", "watch.svg", "check.svg", "submit.svg"} <= set(pictures)
    assert [name for name in pictures if f"](docs/{name})" not in readme] == []
    for name in ("show", "list", "watch", "check", "submit"):
        assert f"]({name}.svg)" in (REPO / "docs" / f"{name}.md").read_text(), name
