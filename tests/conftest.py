"""Shared fixtures and helpers: an environment that can never reach real AWS, one fake
Bedrock server for the session (reset for every test), the command layer run in-process with
an injected environment and clock, the installed `bjob` as a subprocess, and a pty reader."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.hooks import EVENT_ALIASES, EventAliaser
from botocore.stub import Stubber
from typer.testing import CliRunner

from bjob.aws.session import AwsClients, AwsOptions
from bjob.cli.run import Given
from bjob.model.environment import Environment
from tests.fakebedrock import RunningFake

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
BJOB = Path(sys.executable).parent / "bjob"
SCHEMA = json.loads((REPO / "bjob" / "schemas" / "job.schema.json").read_text())
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)

_AWS_VARIABLES_TO_DROP = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_BEDROCK",
    "AWS_ENDPOINT_URL_S3",
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
    "XDG_CACHE_HOME",
)


def pytest_configure(config: pytest.Config) -> None:
    """bjob and the tests' helpers compiled to bytecode once, before the workers start: the
    installed `bjob` the tests run as a subprocess then loads it rather than compiling every
    module on every run (PYTHONDONTWRITEBYTECODE, set on this machine, keeps Python from
    writing it itself). Each worker may also keep pytest's rewritten test modules: without
    them every worker parses and rewrites all of them again, about 2.5 s of every run."""
    sys.dont_write_bytecode = False
    if not hasattr(config, "workerinput"):  # the controller (or a run without workers)
        import compileall

        compileall.compile_dir(REPO / "bjob", quiet=1)
        for helper in ("__init__.py", "fakebedrock.py", "s3proxy.py"):
            compileall.compile_file(REPO / "tests" / helper, quiet=1)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is loaded by now (pytest, the tests, boto3, moto, hypothesis) lives to the end:
    moved out of the cycle collector's sight, and the collector run rarely, as `bjob watch`
    runs it (bjob's main() turns it off). Each worker otherwise spent about 15% of its time
    rescanning the same objects."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


@pytest.fixture(autouse=True, scope="session")
def children_hear_ctrl_c() -> None:
    """The tests that press Ctrl-C on a bjob (SIGINT) need it to reach the child: a suite
    started in the background (`pytest &`, nohup) runs with SIGINT ignored, which every
    child would inherit, and then wait for a process that never stops. A handler here is
    reset to the default at each child's exec."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def offline_aws(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
    shared_server: RunningFake,
) -> None:
    """Fake credentials, no instance metadata, no user config: nothing can reach real AWS.
    The Price List and CountTokens (asked by results and check --cost) are the fake's."""
    home = tmp_path_factory.mktemp("home")
    for name in _AWS_VARIABLES_TO_DROP:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_PRICING", shared_server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", shared_server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTESTING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws-credentials"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture(scope="session")
def shared_server() -> Iterator[RunningFake]:
    with RunningFake() as running:
        yield running


@pytest.fixture
def server(shared_server: RunningFake) -> RunningFake:
    """The session's fake server with no jobs, faults or recorded requests."""
    shared_server.fake.reset()
    return shared_server


@pytest.fixture(scope="session", autouse=True)
def shared_botocore_data() -> Iterator[None]:
    """One botocore data loader for every in-process command: each command makes its own
    session, as a process does, but the service models and endpoint rules (megabytes of
    JSON, about 90 ms a session) are parsed once for the whole suite."""
    import botocore.session
    from botocore.loaders import Loader, create_loader

    loaders: dict[str, Loader] = {}

    def shared(search_path: str | None = None) -> Loader:
        key = str(search_path)
        if key not in loaders:
            loaders[key] = create_loader(search_path)
        return loaders[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        patch.setattr(EventAliaser, "__init__", _aliases_worked_out_once)
        yield


_ALIASED: dict[str, str] = {}  # event name -> its name under botocore's standard aliases
_aliaser_init = EventAliaser.__init__


def _aliases_worked_out_once(self: Any, event_emitter: Any, event_aliases: Any = None) -> None:
    """botocore works out each event's aliased name once per session and client (a loop of
    string splits, for a few hundred handlers each time): one process's worth, kept for
    the suite. The answer depends on nothing but the name and the standard alias table."""
    _aliaser_init(self, event_emitter, event_aliases)
    if self._event_aliases == EVENT_ALIASES:
        self._alias_name_cache = _ALIASED


@pytest.fixture(scope="session", autouse=True)
def one_click_command_per_app() -> Iterator[None]:
    """Typer's CliRunner turns the app into click's command on every invoke: every
    command's signature read again, its string annotations evaluated (about 20 ms, a third
    of an in-process test's time). The app never changes, so each is built once."""
    import typer.testing

    built: dict[int, tuple[object, Any]] = {}  # id(app) -> (app, command): the app kept alive
    get_command = typer.testing._get_command

    def once(app: Any) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, get_command(app))
        return built[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", once)
        yield


@pytest.fixture(autouse=True)
def instant_botocore_retries(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's retry back-off, in-process, without the wait: the delays it asked for."""
    import botocore.endpoint

    delays: list[float] = []

    class _Time:
        @staticmethod
        def sleep(seconds: float) -> None:
            delays.append(seconds)

        def __getattr__(self, name: str) -> object:
            import time

            return getattr(time, name)

    monkeypatch.setattr(botocore.endpoint, "time", _Time())
    return delays


@pytest.fixture
def s3() -> Iterator[Any]:
    """moto's S3 in-process, with the buckets a job's outputs and inputs live in."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="batch-out")
        client.create_bucket(Bucket="batch-in")
        yield client


@pytest.fixture
def clients() -> AwsClients:
    return AwsClients(AwsOptions(region="us-east-1"), make_client=hooked_client)


@pytest.fixture
def stubber(clients: AwsClients) -> Iterator[Stubber]:
    """botocore's Stubber on the clients' Bedrock client: requests and responses checked
    against the service model, and every response queued used up by the end of the test."""
    with Stubber(clients.bedrock()) as stub:
        yield stub
        stub.assert_no_pending_responses()


# What each AWS client the in-process commands make passes through, before it is used:
# (service, client) -> None. Tests watch the calls, or break or refuse some, through botocore's
# events; the commands get their clients from AwsClients' public make_client (see invoke).
ClientHook = Callable[[str, Any], None]
_client_hooks: list[ClientHook] = []


@pytest.fixture(autouse=True)
def client_hooks() -> Iterator[list[ClientHook]]:
    """The hooks of this test's clients (none unless a test adds one)."""
    _client_hooks.clear()
    yield _client_hooks
    _client_hooks.clear()


def hooked_client(service: str, region: str, attempts: int | None, made: Callable[[], Any]) -> Any:
    """AwsClients' make_client for the tests: bjob's own client, through the test's hooks."""
    client = made()
    for hook in _client_hooks:
        hook(service, client)
    return client


@pytest.fixture
def aws_calls(client_hooks: list[ClientHook]) -> list[str]:
    """Every AWS operation the command calls, as "service.Operation", in order."""
    calls: list[str] = []

    def counting(service: str, client: Any) -> None:
        client.meta.events.register(
            "before-call", lambda model, **_: calls.append(f"{service}.{model.name}")
        )

    client_hooks.append(counting)
    return calls


class FakeClock:
    """Monotonic and wall time that move only when slept: a watch of hours in no time."""

    def __init__(self, start: datetime = NOW) -> None:
        self.start = start
        self.seconds = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds - 1000.0)

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.seconds += seconds


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def environment(
    *,
    stdin: str = "",
    tty: bool = False,
    env: dict[str, str] | None = None,
    clock: FakeClock | None = None,
) -> Environment:
    """An Environment of StringIO streams (all three terminals if `tty`), the test's
    environment variables with `env` over them, and a fake clock."""
    clock = clock or FakeClock()
    return Environment(
        stdin=_Terminal(stdin) if tty else io.StringIO(stdin),
        stdout=_Terminal() if tty else io.StringIO(),
        stderr=_Terminal() if tty else io.StringIO(),
        environ={key: value for key, value in {**os.environ, **(env or {})}.items() if value},
        now=clock.now,
        clock=clock.monotonic,
        sleep=clock.sleep,
        random=lambda: 0.5,
    )


def output(stream: object) -> str:
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


def invoke(
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
    clock: FakeClock | None = None,
    tty: bool = False,
) -> Result:
    """The command layer in-process, as `bjob ARGS` would run it, with its streams captured,
    the given environment variables, and a fake clock (real time is never waited on)."""
    from bjob.cli.app import app

    environment_ = environment(stdin=stdin, tty=tty, env=env, clock=clock)

    # CliRunner sets the variables in os.environ for botocore, and catches the exit; click's
    # own usage errors are written to its stderr.
    overrides: dict[str, str | None] = {key: value or None for key, value in (env or {}).items()}
    given = Given(environment_, make_client=hooked_client)
    outcome = CliRunner().invoke(app, list(args), obj=given, env=overrides)
    if outcome.exception is not None and not isinstance(outcome.exception, SystemExit):
        raise outcome.exception
    stdout, stderr = output(environment_.stdout), output(environment_.stderr)
    return Result(outcome.exit_code, stdout + outcome.stdout, stderr + outcome.stderr)


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


PTY_SECONDS = 60  # the longest a pty read waits: a child that never closes cannot hang the suite


def read_pty(controller: int, deadline: float | None = None) -> str:
    """Everything written to a pseudo-terminal until its other end closes, or the deadline
    (by default PTY_SECONDS from now) passes."""
    import select
    import time

    deadline = deadline if deadline is not None else time.monotonic() + PTY_SECONDS
    chunks = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    return b"".join(chunks).decode(errors="replace")


def spawn_in_pty(
    *args: str,
    env: dict[str, str] | None = None,
    columns: int = 120,
    stdout_on_pty: bool = True,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the installed bjob with stderr (and stdout, unless piped) on a pseudo-terminal
    of the given width, in its own session; return the process and the pty's controller."""
    import pty

    controller, terminal = pty.openpty()
    environ = {**os.environ, "COLUMNS": str(columns), "LINES": "40", **(env or {})}
    process = subprocess.Popen(
        [str(BJOB), *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal if stdout_on_pty else subprocess.PIPE,
        stderr=terminal,
        env=environ,
        start_new_session=True,
    )
    os.close(terminal)
    return process, controller


def run_in_pty(
    *args: str, env: dict[str, str] | None = None, columns: int = 120
) -> tuple[int, str]:
    """Run the installed bjob in a terminal until it exits: (exit code, screen text)."""
    process, controller = spawn_in_pty(*args, env=env, columns=columns)
    screen = read_pty(controller)
    return process.wait(timeout=30), screen
