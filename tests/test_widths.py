"""The usual terminal is 80 columns: names never dropped, statuses and numbers never cut,
extra columns as the width allows, long values whole on a line of their own. In a real pty
(the installed bjob) and piped, at 80 and 120 columns."""

from __future__ import annotations

import re
import time

import pytest

from tests.conftest import invoke, read_pty, run_in_pty, spawn_in_pty
from tests.fakebedrock import RunningFake, make_job, progression

LONG_NAME = "support-tickets-summary-2026-11"
STATUSES = ["PartiallyCompleted", "InProgress", "Failed"]


def crowd(server: RunningFake) -> None:
    for index, status in enumerate(STATUSES):
        server.fake.add_job(
            make_job(
                f"abcdefabcde{index}",
                status,
                name=f"{LONG_NAME}-{index}",
                total=50_000,
                processed=40_000,
                failed=975,
            )
        )


def visible(screen: str) -> list[str]:
    """The screen's lines without escape sequences."""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)
    return [line.rstrip() for line in text.replace("\r", "").split("\n") if line.strip()]


@pytest.mark.parametrize(
    ("columns", "headers"),
    [
        (80, ["Name", "Status", "Progress", "OK", "Failed"]),
        (120, ["Name", "Status", "Progress", "OK", "Failed", "Submitted", "Duration"]),
        (140, ["Name", "Status", "Progress", "OK", "Failed", "Submitted", "Duration", "Id"]),
    ],
)
def test_list_in_a_terminal_keeps_names_and_statuses_whole(
    server: RunningFake, columns: int, headers: list[str]
) -> None:
    crowd(server)
    code, screen = run_in_pty(
        "list", "--endpoint-url", server.url, "--region", "us-east-1", columns=columns
    )
    assert code == 0
    lines = visible(screen)
    lines = lines[next(i for i, line in enumerate(lines) if line.startswith("Name")) :]
    assert lines[0].split() == headers  # (the spinner on stderr came before)
    rows = [line for line in lines if line.startswith(LONG_NAME)]
    assert len(rows) == 3  # one line a job: nothing folded
    for row in rows:
        status = STATUSES[int(row.split()[0][-1])]
        assert f" {status} " in row and "80.0%" in row and "39,025" in row
    assert all(len(line) <= columns for line in lines)
    assert not any("…" in line for line in lines)


@pytest.mark.parametrize("env", [{"COLUMNS": "80"}, {"COLUMNS": "80", "NO_COLOR": "1"}])
def test_list_piped_at_80_columns_has_one_line_a_job(
    server: RunningFake, env: dict[str, str]
) -> None:
    crowd(server)
    result = invoke("list", "--endpoint-url", server.url, "--region", "us-east-1", env=env)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Name", "Status", "Progress", "OK", "Failed"]
    assert len(lines) == 4 and all(line.strip() for line in lines)  # no blank lines


def test_show_at_80_columns_gives_an_arn_a_line_of_its_own(server: RunningFake) -> None:
    arn = server.fake.add_job(make_job("abcdefabcdef", "InProgress", name=LONG_NAME))
    code, screen = run_in_pty("show", arn, "--endpoint-url", server.url, columns=80)
    assert code == 0
    lines = visible(screen)
    assert arn in lines  # whole, alone on its line, for a double-click
    assert lines[lines.index(arn) - 1] == "ARN"
    assert "Model          anthropic.claude-3-haiku-20240307-v1:0" in lines  # short: beside


def test_show_piped_keeps_a_long_message_on_one_line(server: RunningFake) -> None:
    message = "Bedrock could not read the input: " + "the bucket policy denies access " * 6
    server.fake.add_job(make_job("abcdefabcdef", "Failed", message=message.strip()))
    for env in ({}, {"COLUMNS": "80"}):
        result = invoke(
            "show", "abcdefabcdef", "--endpoint-url", server.url, "--region", "us-east-1", env=env
        )
        assert f"Failure: {message.strip()}" in result.stdout.splitlines()


def test_the_live_view_at_80_columns_keeps_the_job_and_its_status(server: RunningFake) -> None:
    server.fake.add_job(*progression("abcdefabcdef", "Completed", name=LONG_NAME)[4:])
    server.fake.add_job(
        *progression("abcdefabcde1", "PartiallyCompleted", name=f"{LONG_NAME}-b")[4:]
    )
    process, controller = spawn_in_pty(
        "watch",
        "abcdefabcdef",
        "abcdefabcde1",
        "--interval",
        "1",
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        columns=80,
    )
    screen = read_pty(controller, time.monotonic() + 30)
    assert process.wait(timeout=30) == 11
    final = visible(screen)[-12:]
    assert any(line.startswith(LONG_NAME) and " Completed " in line for line in final)
    assert any(f"{LONG_NAME}-b" in line and "PartiallyCompleted" in line for line in final)
    assert any(line.startswith("Total (2)") for line in final)
    assert "InProgr…" not in screen
