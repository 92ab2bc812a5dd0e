"""Sessions and clients: one botocore session per command, wrapped in a boto3 session, and
one client per service and region made from it on demand."""

# Start-up: boto3 and botocore are imported inside the functions that need them, so that
# help, completion and a saved response's view never load them.

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bjob.aws.bedrockparsing import register_handlers
from bjob.aws.errors import no_region, translated_errors
from bjob.aws.localconfig import aws_variable
from bjob.support.exits import BjobError, ExitCode
from bjob.version import __version__

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

# botocore's own default retry mode depends on its version (legacy before 1.44); bjob
# defaults to standard (3 attempts, throttling included) under the same config chain:
# AWS_RETRY_MODE, then the profile's retry_mode.
_SESSION_VARIABLES = {"retry_mode": ("retry_mode", "AWS_RETRY_MODE", "standard", None)}


@dataclass(frozen=True, kw_only=True)
class AwsOptions:
    """The connection options every command shares (as in the AWS CLI)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None  # Bedrock's; other services use the SDK's configuration
    connect_timeout: float | None = None
    read_timeout: float | None = None


# make_client(service, region, attempts, made): the client to use; made() is the one bjob
# itself would make (a caller may wrap it, watch its calls, or answer with one of its own).
MakeClient = Callable[[str, str, int | None, Callable[[], Any]], Any]


def bjobs_own_client(
    service: str, region: str, attempts: int | None, made: Callable[[], Any]
) -> Any:
    return made()


class AwsClients:
    """One boto3 session (on a botocore session bjob tunes), and clients made from it.

    Clients are made under a lock: sessions are not thread-safe, clients are. A caller that
    wants to give the clients (a test; a program with clients of its own) passes
    `make_client`: every client, once per service, region and attempts, comes from it.
    """

    def __init__(self, options: AwsOptions, *, make_client: MakeClient = bjobs_own_client) -> None:
        self.options = options
        self.make_client = make_client
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, int | None], Any] = {}
        self._core: Any = None  # the botocore session under it
        self._session: Any = None

    def _boto3_session(self) -> Any:
        if self._session is None:
            import boto3.session
            import botocore.session

            core = botocore.session.Session(
                session_vars=_SESSION_VARIABLES, profile=self.options.profile
            )
            # Keep timestamps as the wire's strings (the AWS CLI does the same): the model
            # parses them, and dateutil's parser is slow across thousands of jobs.
            core.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=_keep_timestamp
            )
            self._session = boto3.session.Session(botocore_session=core)
            self._core = core
        return self._session

    def in_region(self, region: str | None) -> AwsClients:
        """Clients whose default region is `region` (when given), made the same way."""
        if region is None or region == self.options.region:
            return self
        return AwsClients(replace(self.options, region=region), make_client=self.make_client)

    def _core_session(self) -> Any:
        self._boto3_session()
        return self._core

    def default_region(self) -> str:
        """--region, then AWS_REGION, then what botocore finds (AWS_DEFAULT_REGION, profile)."""
        with translated_errors(profile=self.options.profile):
            region = (
                self.options.region
                or aws_variable("AWS_REGION")  # other SDKs read it; botocore does not
                or self._core_session().get_config_variable("region")
            )
        if not region:
            raise no_region()
        return str(region)

    def bedrock(self, region: str | None = None) -> BedrockClient:
        client: BedrockClient = self.client("bedrock", region)
        return client

    def client(self, service: str, region: str | None = None, attempts: int | None = None) -> Any:
        """A client of `service` in `region`; `attempts` caps the retries (a lookup with a
        fallback asks once: an endpoint that never answers costs one timeout)."""
        with self._lock, translated_errors(profile=self.options.profile):
            region = region or self.default_region()
            key = (service, region, attempts)
            if key not in self._clients:
                made = partial(self._make_client, service, region, attempts)
                self._clients[key] = self.make_client(service, region, attempts, made)
            return self._clients[key]

    def _make_client(self, service: str, region: str, attempts: int | None = None) -> Any:
        from botocore.config import Config

        endpoint_url = self.options.endpoint_url if service == "bedrock" else None
        if endpoint_url is not None and urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise BjobError(
                f"--endpoint-url: expected an http:// or https:// URL, not {endpoint_url!r}",
                ExitCode.CONFIGURATION,
            )
        config = Config(
            connect_timeout=self.options.connect_timeout or 60,
            read_timeout=self.options.read_timeout or 60,
            user_agent_extra=f"bjob/{__version__}",
            retries={"total_max_attempts": attempts} if attempts is not None else None,
        )
        try:
            client = self._boto3_session().client(
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                config=config,
            )
        except ValueError as error:  # a bad endpoint URL, or a setting that is not a number
            raise BjobError(
                f"invalid AWS configuration: {error}",
                ExitCode.CONFIGURATION,
                hint="check --endpoint-url, AWS_MAX_ATTEMPTS and the profile's settings",
            ) from None
        if service == "bedrock":
            register_handlers(client)
        return client


def _keep_timestamp(value: Any) -> Any:
    return value
