"""In a real pseudo-terminal: colour for people, nothing hostile reaching the screen, and
start-up that does not import boto3 for help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES, run_in_pty
from tests.fakebedrock import make_job


def test_terminal_gets_colour() -> None:
    code, screen = run_in_pty("show", str(EXAMPLES / "failed.json"))
    assert code == 0
    assert "\x1b[" in screen
    assert "eval-run-42" in screen and "Failure" in screen
    code, screen = run_in_pty("show", str(EXAMPLES / "in-progress.json"))
    assert code == 0
    assert "━" in screen and "[####" not in screen  # the coloured bar, not the plain one


def test_no_color_and_dumb_terminal_get_none() -> None:
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        code, screen = run_in_pty("show", str(EXAMPLES / "failed.json"), env=env)
        assert code == 0
        assert "\x1b" not in screen
        assert "eval-run-42" in screen


def test_hostile_message_cannot_reach_the_terminal(tmp_path: Path) -> None:
    saved = tmp_path / "hostile.json"
    message = "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
    saved.write_text(
        json.dumps(make_job("abc123def456", "Failed", message=message, name="\x1b[31mred"))
    )
    code, screen = run_in_pty("show", str(saved))
    assert code == 0
    for sequence in ("\x1b[2J", "\x1b[H", "\x1b]0;", "\x1b]8;", "\x07", "\x1b[31mred"):
        assert sequence not in screen
    assert "\\x1b[2J" in screen


def test_help_and_version_do_not_import_boto3() -> None:
    for args in (["--help"], ["--version"], ["show", "--help"]):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "bjob", *args],
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0
        imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
        assert "bjob.cli" in imported
        assert not {"boto3", "botocore"} & imported, args


def test_saved_file_view_does_not_import_boto3() -> None:
    completed = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bjob", "show", str(EXAMPLES / "failed.json")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0
    imported = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
    assert "bjob.render.view" in imported and "botocore" not in imported
