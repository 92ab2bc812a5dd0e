"""Completions in the real shells (bash always; zsh and fish where installed, as .ci/run
does), the committed scripts kept current, and the job cache they complete from."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bjob.model.job import normalize_job
from bjob.usecases.remember import MAX_JOBS, cache_path, remember_jobs, remembered_jobs
from tests.conftest import BJOB, REPO, invoke
from tests.fakebedrock import RunningFake, make_job

COMPLETIONS = REPO / "completions"
SCRIPTS = {"bash": "bjob.bash", "zsh": "_bjob", "fish": "bjob.fish", "powershell": "bjob.ps1"}
STATUSES = [
    "Submitted",
    "Validating",
    "Scheduled",
    "InProgress",
    "Stopping",
    "Completed",
    "PartiallyCompleted",
    "Failed",
    "Stopped",
    "Expired",
]


def shell_env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BJOB.parent}{os.pathsep}{os.environ['PATH']}"}


def bash_complete(line: str) -> list[str]:
    words = line.split(" ")
    script = (
        f"source {COMPLETIONS / 'bjob.bash'}\n"
        f"COMP_WORDS=({' '.join(repr(word) for word in words)}); COMP_CWORD={len(words) - 1}\n"
        '_bjob_completion bjob; printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(
        ["bash", "--norc", "-c", script],
        capture_output=True,
        text=True,
        env=shell_env(),
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


def zsh_complete(line: str) -> str:
    """What the zsh completion function hands to _arguments, in the real zsh."""
    words = line.split(" ")
    script = (
        "compdef() { : }\n"  # compinit's registration, not needed to call the function
        '_arguments() { print -r -- "$@" }\n'
        f"source {COMPLETIONS / '_bjob'}\n"
        f"words=({' '.join(repr(word) for word in words)}); CURRENT={len(words)}\n"
        "_bjob_completion\n"
    )
    done = subprocess.run(
        ["zsh", "-f", "-c", script], capture_output=True, text=True, env=shell_env(), timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def fish_complete(line: str) -> list[str]:
    script = f"source {COMPLETIONS / 'bjob.fish'}; complete -C {line!r}"
    done = subprocess.run(
        ["fish", "--no-config", "-c", script],
        capture_output=True,
        text=True,
        env=shell_env(),
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return [entry.split("\t")[0] for entry in done.stdout.splitlines()]


def seen_job(server: RunningFake) -> None:
    """Show a job against the fake server, as a user would before completing it."""
    server.fake.add_job(make_job("abc123def456", name="nightly-eval"))
    result = invoke("show", "abc123def456", "--endpoint-url", server.url, "--region", "us-east-1")
    assert result.code == 0, result.stderr


@pytest.mark.parametrize("shell", sorted(SCRIPTS))
def test_committed_scripts_match_what_the_app_generates(shell: str) -> None:
    generated = subprocess.run(
        [str(BJOB)],
        env={**os.environ, "_BJOB_COMPLETE": f"source_{shell}"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (COMPLETIONS / SCRIPTS[shell]).read_text()
    assert committed == generated, "run: python completions/generate.py"


def test_bash_completes_commands_statuses_regions_profiles(tmp_path: Path) -> None:
    assert bash_complete("bjob sh") == ["show"]
    assert bash_complete("bjob s") == ["show", "submit", "stop"]  # in the app's order
    assert bash_complete("bjob re") == ["results", "retry"]
    assert "--retry-file" in bash_complete("bjob results abc --re")
    assert {"--dry-run", "--yes", "--watch"} <= set(bash_complete("bjob submit x --"))
    assert bash_complete("bjob submit x --type ") == ["InvokeModel", "Converse"]
    assert bash_complete("bjob list --status ") == STATUSES
    assert bash_complete("bjob list --status Fa") == ["Failed"]  # typer filters by case
    regions = bash_complete("bjob show --region us-")
    assert "us-east-1" in regions and "us-west-2" in regions
    assert all(region.startswith("us-") for region in regions)
    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.write_text("[default]\nregion = us-east-1\n[profile work]\n[profile home]\n")
    assert bash_complete("bjob show --profile ") == ["default", "home", "work"]


def test_bash_completes_a_job_bjob_has_seen(server: RunningFake) -> None:
    assert bash_complete("bjob show abc") == []
    seen_job(server)
    assert bash_complete("bjob show abc") == ["abc123def456"]
    assert bash_complete("bjob watch night") == ["nightly-eval"]
    assert bash_complete("bjob stop night") == ["nightly-eval"]
    assert bash_complete("bjob retry abc") == ["abc123def456"]
    assert server.fake.requests and len(server.fake.requests) == 1  # completing sent nothing


@pytest.mark.skipif(
    shutil.which("zsh") is None, reason="zsh is not installed (.ci/run installs it)"
)
def test_zsh(server: RunningFake) -> None:
    assert '"show":"Show one or more batch inference jobs."' in zsh_complete("bjob sh")
    assert '"retry":"Submit a job' in zsh_complete("bjob re")
    statuses = zsh_complete("bjob list --status ")  # one completion offers them all
    assert all(f'"{status}"' in statuses for status in STATUSES)
    seen_job(server)
    assert "abc123def456" in zsh_complete("bjob show abc")


@pytest.mark.skipif(
    shutil.which("fish") is None, reason="fish is not installed (.ci/run installs it)"
)
def test_fish(server: RunningFake) -> None:
    assert fish_complete("bjob sh") == ["show"]
    assert fish_complete("bjob sto") == ["stop"] and fish_complete("bjob sub") == ["submit"]
    assert sorted(fish_complete("bjob list --status Sto")) == ["Stopped", "Stopping"]  # fish sorts
    seen_job(server)
    assert fish_complete("bjob show abc") == ["abc123def456"]


def test_completion_imports_no_botocore() -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bjob"],
        env={
            **os.environ,
            "_BJOB_COMPLETE": "complete_bash",
            "COMP_WORDS": "bjob show --region u",
            "COMP_CWORD": "3",
        },
        capture_output=True,
        text=True,
    )
    assert "us-east-1" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
    assert "bjob.cli.completion" in imported
    assert not {"boto3", "botocore", "rich.console"} & imported


def test_cache_is_private_bounded_and_most_recent_first(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "jobs.json"
    jobs = [normalize_job(make_job(f"{index:012d}")) for index in range(MAX_JOBS + 20)]
    remember_jobs(jobs[:10], path)
    remember_jobs(jobs[5:], path)
    remembered = remembered_jobs(path)
    assert len(remembered) == MAX_JOBS
    assert remembered[0]["id"] == jobs[5].job_id  # the latest batch comes first
    assert len({job["arn"] for job in remembered}) == MAX_JOBS  # no duplicates
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_broken_or_unwritable_cache_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    path.write_text("{not json")
    assert remembered_jobs(path) == []
    remember_jobs([normalize_job(make_job("abc123def456"))], path)
    assert [job["id"] for job in remembered_jobs(path)] == ["abc123def456"]
    blocked = tmp_path / "file-not-dir" / "jobs.json"
    (tmp_path / "file-not-dir").write_text("")
    remember_jobs([normalize_job(make_job("abc123def456"))], blocked)  # no exception


def test_cache_follows_xdg_cache_home(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/cache")
    assert cache_path() == Path("/x/cache/bjob/jobs.json")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_path() == Path(os.environ["HOME"]) / ".cache" / "bjob" / "jobs.json"


@pytest.mark.parametrize("xdg_cache_home", [None, "", "  ", "/x/cache", "relative/cache"])
def test_cache_folder_follows_the_xdg_rule(
    monkeypatch: pytest.MonkeyPatch, xdg_cache_home: str | None
) -> None:
    """bjob works out the folder itself on Linux (platformdirs' import slows every start-up):
    $XDG_CACHE_HOME when it is an absolute path (the XDG spec ignores any other), else
    ~/.cache — the folder the installed platformdirs names too."""
    from platformdirs import user_cache_dir

    if xdg_cache_home is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", xdg_cache_home)
    home_cache = Path.home() / ".cache/bjob"
    expected = Path("/x/cache/bjob") if xdg_cache_home == "/x/cache" else home_cache
    assert cache_path().parent == expected == Path(user_cache_dir("bjob", appauthor=False))


def test_durations_and_intervals_offer_values_not_file_names() -> None:
    assert bash_complete("bjob watch --interval ") == ["30", "60", "300"]
    assert bash_complete("bjob watch --timeout 4") == ["45m"]
    assert bash_complete("bjob show --give-up-after ") == ["10m", "30m", "1h"]
