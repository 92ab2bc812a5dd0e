"""The connection options, defined once, reach every command; AwsClients takes the clients a
caller gives it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bjob.aws.session import AwsClients, AwsOptions
from bjob.cli.app import COMMANDS
from tests.conftest import invoke

CONNECTION = ("--profile", "--region", "--endpoint-url", "--connect-timeout", "--read-timeout")


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_takes_the_connection_options(command: str) -> None:
    result = invoke(command, "--help", env={"COLUMNS": "200"})
    assert result.code == 0
    for flag in (*CONNECTION, "--debug"):
        assert flag in result.stdout, (command, flag)


def test_a_command_reads_them_back() -> None:
    # A bad --endpoint-url is refused when the first client is made (exit 6), as before the
    # options moved: the value reached AwsOptions.
    result = invoke("show", "abc123def456", "--region", "us-east-1", "--endpoint-url", "ftp://x")
    assert result.code == 6 and "--endpoint-url" in result.stderr
    nan = invoke("show", "x", "--read-timeout", "nan")
    assert nan.code == 2 and "--read-timeout" in nan.stderr and "not nan" in nan.stderr


def test_given_clients_are_used_once_per_service_and_region() -> None:
    made: list[tuple[str, str, int | None]] = []
    given = object()

    def make_client(
        service: str, region: str, attempts: int | None, bjobs: Callable[[], Any]
    ) -> Any:
        made.append((service, region, attempts))
        return given

    clients = AwsClients(AwsOptions(region="us-east-1"), make_client=make_client)
    assert clients.client("s3") is given and clients.client("s3") is given
    assert clients.client("s3", "eu-west-1", attempts=1) is given
    assert made == [("s3", "us-east-1", None), ("s3", "eu-west-1", 1)]
    elsewhere = clients.in_region("us-west-2")
    assert elsewhere.default_region() == "us-west-2" and elsewhere.make_client is make_client
    assert clients.in_region(None) is clients
