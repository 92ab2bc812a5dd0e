"""Shared fixtures: an environment that can never reach real AWS, the fake server, and a
runner for the installed `bjob` executable."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakebedrock import RunningFake

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
BJOB = Path(sys.executable).parent / "bjob"

_AWS_VARIABLES_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_RETRY_MODE",
    "AWS_MAX_ATTEMPTS",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "NO_COLOR",
    "FORCE_COLOR",
    "COLUMNS",
    "LINES",
)


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Fake credentials, no instance metadata, no user config: nothing can reach real AWS."""
    home = tmp_path_factory.mktemp("home")
    for name in _AWS_VARIABLES_TO_DROP:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws-credentials"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture
def server() -> Iterator[RunningFake]:
    with RunningFake() as running:
        yield running


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run_bjob(
    *args: str, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> Result:
    """Run the installed `bjob` as a user would, in the (offline) test environment."""
    environ = dict(os.environ)
    environ.update(env or {})
    environ = {key: value for key, value in environ.items() if value is not None}
    completed = subprocess.run(
        [str(BJOB), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=timeout,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


def read_pty(controller: int, deadline: float | None = None) -> str:
    """Everything written to a pseudo-terminal until its other end closes (or the deadline)."""
    import time

    chunks = []
    while deadline is None or time.monotonic() < deadline:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks).decode(errors="replace")
