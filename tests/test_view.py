"""The view for people, rendered in-process: content, plain vs styled, hostile strings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bjob.model.job import normalize_job
from bjob.render.terminal import inert, wants_style
from bjob.render.view import bar_cells, duration, percent, print_jobs, relative
from tests.conftest import NOW, environment, output
from tests.fakebedrock import make_job


def render(response: dict[str, Any], *, styled: bool = False) -> str:
    env = environment(tty=styled)
    print_jobs(env, [normalize_job(response)], NOW)
    return output(env.stdout)


def test_plain_view_has_every_section_and_no_escape_codes() -> None:
    text = render(
        make_job(
            "abc123def456",
            "InProgress",
            name="nightly",
            total=42_000,
            processed=26_845,
            failed=55,
            clientRequestToken="tok-9",
        )
    )
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "nightly  (abc123def456)  us-east-1"
    assert lines[1].startswith("● InProgress  Running")
    for expected in (
        "26,845 / 42,000  63.9%",
        "Outcome        26,790 succeeded  ·  55 failed  ·  15,155 pending",
        "Success rate   99.8%",
        "Submitted      2026-11-27 08:00:00 UTC  (2 h ago)",
        "Running for    2 h 0 m",
        "Expires        2026-11-28 08:00:00 UTC  (in 22 h 0 m)",
        "Timeout        24 h",
        "Model          anthropic.claude-3-haiku-20240307-v1:0",
        "Input          s3://in/abc123def456.jsonl  (JSONL)",
        "Client token   tok-9",
        "ARN            arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456",
    ):
        assert expected in text
    assert all(line == line.rstrip() for line in lines)


def test_long_values_stay_on_one_line_in_plain_output() -> None:
    uri = "s3://bucket/" + "deep/" * 25 + "records.jsonl"
    text = render(make_job("abc123def456", inputDataConfig={"s3InputDataConfig": {"s3Uri": uri}}))
    assert uri in text


def test_failure_message_is_prominent() -> None:
    text = render(make_job("abc123def456", "Failed", message="Role cannot read s3://in/"))
    assert "Failure" in text and "Role cannot read s3://in/" in text
    assert text.index("Failure") < text.index("Records")


def test_ended_job_says_how_long_it_ran() -> None:
    text = render(make_job("abc123def456", "Completed", processed=1000, failed=0))
    assert "Ran for        1 h 0 m" in text
    assert "Ended          2026-11-27 09:00:00 UTC  (1 h ago)" in text


def test_styled_view_colours_the_status() -> None:
    text = render(make_job("abc123def456", "Failed", message="boom"), styled=True)
    assert "\x1b[" in text
    assert "\x1b[1;31m● Failed" in text  # bold red


def test_hostile_strings_in_a_styled_view_are_inert() -> None:
    hostile = "\x1b[2J\x1b]8;;http://evil.example/\x07link\x1b]8;;\x07 [link=x]y[/link] \u202e"
    text = render(
        make_job("abc123def456", "Failed", name=hostile, message=hostile, modelId=hostile),
        styled=True,
    )
    assert "\x1b[2J" not in text and "\x1b]8" not in text and "\x07" not in text
    assert "\u202e" not in text
    assert "[link=x]y[/link]" in text
    assert "\\x1b[2J" in text


def test_inert_keeps_newlines_only_where_asked() -> None:
    assert inert("a\nb\tc\x1b[0m") == "a\\nb    c\\x1b[0m"
    assert inert("a\r\nb\x9b", multiline=True) == "a\nb\\x9b"


@pytest.mark.parametrize(
    ("environ", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
    ],
)
def test_wants_style(environ: dict[str, str], tty: bool, expected: bool) -> None:
    env = environment(tty=tty, env=environ)
    assert wants_style(env, env.stdout) is expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (42, "42 s"),
        (61, "1 m 1 s"),
        (7260, "2 h 1 m"),
        (90061, "1 d 1 h"),
        (3600, "1 h 0 m"),
    ],
)
def test_duration(seconds: float, text: str) -> None:
    assert duration(seconds) == text


def test_relative() -> None:
    assert relative(NOW - timedelta(seconds=10), NOW) == "just now"
    assert relative(NOW - timedelta(hours=3, minutes=5), NOW) == "3 h ago"
    assert relative(NOW + timedelta(days=2), NOW) == "in 2 d"


@pytest.mark.parametrize(
    ("fraction", "text"),
    [
        (1.0, "100.0%"),
        (0.0, "0.0%"),
        (0.5, "50.0%"),
        (49_990 / 50_000, "99.98%"),
        (49_999 / 50_000, "99.998%"),
        (1 / 50_000, "0.002%"),
        (0.99949, "99.9%"),
        (None, "—"),
    ],
)
def test_percent_never_rounds_to_all_or_nothing(fraction: float | None, text: str) -> None:
    assert percent(fraction) == text


def test_a_bar_is_full_only_when_the_job_is_done() -> None:
    assert bar_cells(49_999 / 50_000, 30) == 29
    assert bar_cells(1.0, 30) == 30 and bar_cells(0.0, 30) == 0
    text = render(make_job("abc123def456", "InProgress", total=50_000, processed=49_999, failed=10))
    assert "#" * 30 not in text and "99.998%" in text
    assert "Success rate   99.98%" in text  # 49,989 of 49,999


@pytest.mark.parametrize("status", ["PartiallyCompleted", "Stopped", "Expired", "Completed"])
def test_an_ended_job_has_records_not_processed_not_pending(status: str) -> None:
    text = render(make_job("abc123def456", status, total=50_000, processed=40_000))
    assert "10,000 not processed" in text and "pending" not in text


@pytest.mark.parametrize(
    ("status", "label"),
    [
        ("Submitted", "Waiting for"),
        ("Validating", "Waiting for"),
        ("Scheduled", "Waiting for"),
        ("InProgress", "Running for"),
        ("Stopping", "Running for"),
        ("Failed", "Ran for"),
    ],
)
def test_a_job_that_has_not_started_is_waiting_not_running(status: str, label: str) -> None:
    text = render(make_job("abc123def456", status))
    assert f"{label} " in text
    others = {"Waiting for", "Running for", "Ran for"} - {label}
    assert not any(f"{other} " in text for other in others)


def test_old_moments_are_said_in_years() -> None:
    assert relative(NOW - timedelta(days=1108), NOW) == "3 y ago"
    assert duration(400 * 86400) == "1 y 35 d"
