"""The README documents every command, option and exit code the app has (sqlite-utils' habit)."""

from __future__ import annotations

import re

import pytest
import typer

from bjob.cli.app import app
from bjob.support.exits import ExitCode
from tests.conftest import REPO, invoke

README = (REPO / "README.md").read_text()
COMMANDS = sorted(typer.main.get_group(app).commands)


def test_the_app_has_commands() -> None:
    assert {"show", "list", "watch"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_documented(command: str) -> None:
    assert f"## `bjob {command}`" in README
    help_text = invoke(command, "--help", env={"COLUMNS": "200"}).stdout
    options = set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}
    assert options, help_text
    missing = sorted(option for option in options if f"`{option}" not in README)
    assert not missing, f"not in README.md: {missing}"


def test_every_exit_code_is_documented() -> None:
    for code in ExitCode:
        assert re.search(rf"^\| {int(code)} \|", README, re.MULTILINE), code
