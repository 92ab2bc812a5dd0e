"""The README documents every command and option the app has (sqlite-utils' habit)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO, run_bjob

README = (REPO / "README.md").read_text()


@pytest.mark.parametrize("command", ["show", "list", "watch"])
def test_every_option_is_documented(command: str) -> None:
    assert f"## `bjob {command}`" in README
    help_text = run_bjob(command, "--help", env={"COLUMNS": "200"}).stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    assert options, help_text
    missing = sorted(option for option in options if f"`{option}" not in README)
    assert not missing, f"not in README.md: {missing}"


def test_every_exit_code_is_documented() -> None:
    from bjob.exits import ExitCode

    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", README, re.MULTILINE), code
