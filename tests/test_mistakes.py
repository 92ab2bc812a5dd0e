"""A user's mistake is a usage (2) or configuration (6) error in one line, never "internal
error" (1) or "temporary trouble" (5); a hostile or broken input never hangs or crashes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, invoke, run_bjob
from tests.fakebedrock import RunningFake, make_job

JOB = "abc123def456"


def assert_one_line(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert len(stderr.strip().splitlines()) <= 2  # the message, and perhaps a hint


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("nosuch(@)", "Unknown function: nosuch()"),
        ("length(records.total)", "length() expects string or array or object, not number"),
        ("sort_by(@, &name)", "sort_by() expects array, not object"),
    ],
)
def test_a_query_that_cannot_apply_is_a_usage_error(query: str, words: str) -> None:
    result = invoke("show", str(EXAMPLES / "completed.json"), "--query", query)
    assert result.code == 2
    assert f"--query: {words}" in result.stderr
    assert "product-descriptions-fr" not in result.stderr  # the job is not dumped
    assert result.stdout == ""
    assert_one_line(result.stderr)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
@pytest.mark.parametrize("option", ["--interval", "--connect-timeout", "--read-timeout"])
def test_numbers_that_are_not_numbers_are_usage_errors(
    server: RunningFake, option: str, value: str
) -> None:
    result = invoke(
        "watch", JOB, option, value, "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 2
    assert option in result.stderr
    assert server.fake.requests == []


def test_a_deeply_nested_saved_file_is_a_usage_error(tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000)
    result = invoke("show", str(nested))
    assert result.code == 2 and "nested too deeply" in result.stderr
    assert_one_line(result.stderr)


def test_an_endless_saved_file_is_cut_off(tmp_path: Path) -> None:
    endless = tmp_path / "zero.json"
    endless.symlink_to("/dev/zero")
    result = invoke("show", str(endless))
    assert result.code == 2 and "larger than 16 MB" in result.stderr


def test_output_that_cannot_be_encoded_falls_back_to_ascii() -> None:
    for args in (["show", str(EXAMPLES / "failed.json")], ["show", "-", "--json"]):
        result = run_bjob(
            *args,
            stdin=(EXAMPLES / "in-progress.json").read_text(),
            env={"PYTHONIOENCODING": "ascii"},
        )
        assert result.code == 0, result.stderr
        assert result.stderr == ""
    people = run_bjob("show", str(EXAMPLES / "in-progress.json"), env={"PYTHONIOENCODING": "ascii"})
    assert "* InProgress" in people.stdout and "63.9%" in people.stdout


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:1/", "file:///etc/passwd", "127.0.0.1:8080"])
def test_an_endpoint_that_is_not_http_is_a_configuration_error(url: str) -> None:
    result = invoke("show", JOB, "--endpoint-url", url, "--region", "us-east-1")
    assert result.code == 6
    assert "--endpoint-url" in result.stderr
    assert_one_line(result.stderr)


def test_an_unparsable_aws_config_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text("[default\nregion = us-east-1\n")
    result = invoke("show", JOB, "--region", "us-east-1", env={"AWS_CONFIG_FILE": str(config)})
    assert result.code == 6
    assert "invalid AWS configuration" in result.stderr
    assert_one_line(result.stderr)


def test_a_bad_max_attempts_is_a_configuration_error(server: RunningFake) -> None:
    result = invoke(
        "show",
        JOB,
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env={"AWS_MAX_ATTEMPTS": "lots"},
    )
    assert result.code == 6
    assert "lots" in result.stderr
    assert server.fake.requests == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["watch", JOB, "--timeout", ""], "--timeout"),
        (["watch", JOB, "--active"], "not both"),
        (["watch"], "give one or more JOBs"),
        (["list", "--limit", "5", "--all"], "--limit and --all"),
        (["list", "--since", "2026-11-02", "--until", "2026-11-01"], "is not before --until"),
    ],
)
def test_options_that_clash_are_usage_errors(
    server: RunningFake, args: list[str], words: str
) -> None:
    result = invoke(*args, "--endpoint-url", server.url, "--region", "us-east-1")
    assert result.code == 2
    assert words in result.stderr
    assert server.fake.requests == []


def test_list_all_alone_is_not_a_clash(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB))
    result = invoke(
        "list", "--all", "--json", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 0, result.stderr
    assert [job["id"] for job in json.loads(result.stdout)] == [JOB]


def test_help_examples_fit_their_command_and_no_description_is_cut() -> None:
    assert "records.pending" not in invoke("list", "--help").stdout
    assert "[].[name, records.failed]" in invoke("list", "--help").stdout
    top = invoke("--help", env={"COLUMNS": "100"}).stdout
    assert "Follow jobs until they end; exit with how they ended." in top
    assert not re.search(r"[a-z]\.\.\.$", top, re.MULTILINE)  # nothing cut mid-word


def test_show_dash_on_a_terminal_says_it_reads_stdin() -> None:
    saved = (EXAMPLES / "completed.json").read_text()
    result = invoke("show", "-", stdin=saved, tty=True)
    assert result.code == 0
    assert "reading a saved response from standard input" in result.stderr
    piped = invoke("show", "-", stdin=saved)
    assert piped.code == 0 and piped.stderr == ""


def test_a_job_that_is_also_a_file_here_gets_a_hint(
    server: RunningFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "saved-job").write_text((EXAMPLES / "completed.json").read_text())
    result = invoke("show", "saved-job", "--endpoint-url", server.url)
    assert result.code == 2
    assert "is a file here" in result.stderr and "bjob show - < saved-job" in result.stderr
    assert server.fake.requests == []


def test_a_job_given_twice_is_fetched_and_shown_once(server: RunningFake) -> None:
    server.fake.add_job(make_job(JOB, "Completed"))
    result = invoke(
        "show", JOB, JOB, "--json", "--endpoint-url", server.url, "--region", "us-east-1"
    )
    assert result.code == 0
    assert len(server.fake.requests) == 1
    assert json.loads(result.stdout)["id"] == JOB  # one job: an object, as for one JOB
