"""The AWS side: sessions and clients, fetching and resolving jobs, translating errors.

botocore (boto3's client layer) is imported inside the functions that need it, so `--help`,
`--version`, completions and saved-file views never pay for them.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bjob import __version__
from bjob.exits import BjobError, ExitCode
from bjob.identifiers import JobRef
from bjob.job import MalformedJobError

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

T = TypeVar("T")

Response = dict[str, Any]

_NOT_AUTHORIZED_CODES = {
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
}
_TEMPORARY_CODES = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalServerException",
    "InternalFailure",
    "RequestTimeout",
    "RequestTimeoutException",
}


@dataclass(frozen=True)
class AwsOptions:
    """The connection options every command shares (as in the AWS CLI)."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    connect_timeout: float | None = None
    read_timeout: float | None = None


class BedrockClients:
    """One botocore session, and one bedrock client per region made from it on demand.

    Clients are made under a lock: sessions are not thread-safe, clients are.
    """

    def __init__(self, options: AwsOptions) -> None:
        self.options = options
        self._lock = threading.Lock()
        self._clients: dict[str, BedrockClient] = {}
        self._session: Any = None

    def _botocore_session(self) -> Any:
        if self._session is None:
            import botocore.session

            # botocore's session, as boto3.client() uses underneath: the same credential
            # chain, profiles, SSO and config, without the 40 ms of importing boto3's
            # resource layer that bjob does not use.
            session = botocore.session.Session(profile=self.options.profile)
            # Keep timestamps as the wire's strings (the AWS CLI does the same): the job
            # model parses them, and dateutil's parser is slow across thousands of jobs.
            session.get_component("response_parser_factory").set_parser_defaults(
                timestamp_parser=_keep_timestamp
            )
            self._session = session
        return self._session

    def default_region(self) -> str:
        """--region, then AWS_REGION, then what botocore finds (AWS_DEFAULT_REGION, profile)."""
        region = (
            self.options.region
            or os.environ.get("AWS_REGION")
            or self._botocore_session().get_config_variable("region")
        )
        if not region:
            raise _no_region()
        return str(region)

    def client(self, region: str | None = None) -> BedrockClient:
        with self._lock, translated_errors(profile=self.options.profile):
            region = region or self.default_region()
            if region not in self._clients:
                from botocore.config import Config

                retry_mode = os.environ.get("AWS_RETRY_MODE")
                config = Config(
                    retries={"mode": "adaptive" if retry_mode == "adaptive" else "standard"},
                    connect_timeout=self.options.connect_timeout or 60,
                    read_timeout=self.options.read_timeout or 60,
                    user_agent_extra=f"bjob/{__version__}",
                )
                try:
                    client = self._botocore_session().create_client(
                        "bedrock",
                        region_name=region,
                        endpoint_url=self.options.endpoint_url,
                        config=config,
                    )
                except ValueError as error:  # botocore's word for a bad endpoint URL
                    raise BjobError(str(error), ExitCode.CONFIGURATION) from None
                client.meta.events.register(
                    "before-parse.bedrock.ListModelInvocationJobs", _decode_summaries_directly
                )
                self._clients[region] = client
            return self._clients[region]


def _no_region() -> BjobError:
    return BjobError(
        "no AWS region is configured",
        ExitCode.CONFIGURATION,
        hint="pass --region, set AWS_REGION, or set a region in your AWS profile",
    )


def _keep_timestamp(value: Any) -> Any:
    return value


def _decode_summaries_directly(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Hand a listing page's job summaries over as JSON decoded them.

    botocore walks every member of every summary against the service model, which for
    thousands of jobs costs several times the JSON decoding itself; the summaries are plain
    JSON values already (timestamps stay wire strings), and normalize_job checks each
    member's type. botocore's own handlers use this event the same way (S3's 200 errors).
    Anything but a well-formed 200 page is left to botocore's parser and error handling.
    """
    if response_dict.get("status_code") != 200:
        return
    try:
        page = json.loads(response_dict["body"])
    except (ValueError, TypeError, KeyError):
        return
    if not isinstance(page, dict) or not isinstance(page.get("invocationJobSummaries"), list):
        return
    customized_response_dict["invocationJobSummaries"] = page.pop("invocationJobSummaries")
    response_dict["body"] = json.dumps(page).encode()


def fetch_job(ref: JobRef, clients: BedrockClients) -> Response:
    """The GetModelInvocationJob response (or a List summary) for an ARN, id or name."""
    with translated_errors(ref.text, clients.options.profile):
        client = clients.client(ref.region)
        if ref.kind == "name":
            return _fetch_by_name(client, ref.text)
        try:
            with _malformed_is_temporary(ref.text):
                response = dict(client.get_model_invocation_job(jobIdentifier=ref.text))
        except Exception as error:
            if ref.maybe_name and _error_code(error) == "ResourceNotFoundException":
                return _fetch_by_name(client, ref.text)
            raise
        response.pop("ResponseMetadata", None)
        return response


@contextmanager
def _malformed_is_temporary(subject: str) -> Iterator[None]:
    """botocore's parser fails with plain Python errors on a body of the wrong JSON type."""
    try:
        yield
    except (AttributeError, TypeError, KeyError) as error:
        raise MalformedJobError(f"{subject}: {type(error).__name__}: {error}") from error


def fetch_jobs(refs: Sequence[JobRef], clients: BedrockClients) -> list[Response | BjobError]:
    """Fetch several jobs concurrently; results (or each one's error) in argument order."""
    return map_concurrently(lambda ref: fetch_job(ref, clients), refs)


def map_concurrently(work: Callable[[Any], T], items: Sequence[Any]) -> list[T | BjobError]:
    def attempt(item: Any) -> T | BjobError:
        try:
            return work(item)
        except BjobError as error:
            return error

    if len(items) <= 1:
        return [attempt(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(len(items), 8)) as pool:
        return list(pool.map(attempt, items))


def iter_job_summaries(
    client: BedrockClient, page_size: int = 1000, **filters: Any
) -> Iterator[Response]:
    """Every summary ListModelInvocationJobs returns for the filters, page by page."""
    paginator = client.get_paginator("list_model_invocation_jobs")
    pages = paginator.paginate(**filters, PaginationConfig={"PageSize": page_size})
    with _malformed_is_temporary("ListModelInvocationJobs"):
        for page in pages:
            yield from cast(list[Response], page.get("invocationJobSummaries", []))


def _fetch_by_name(client: BedrockClient, name: str) -> Response:
    matches = [
        summary
        for summary in iter_job_summaries(client, nameContains=name)
        if summary.get("jobName") == name
    ]
    if not matches:
        raise BjobError(f"no job with the name or id {name!r}", ExitCode.NOT_FOUND)
    if len(matches) > 1:
        listed = "\n".join(
            f"  {m.get('jobArn')}  {m.get('status')}  submitted {m.get('submitTime')}"
            for m in matches
        )
        raise BjobError(
            f"{len(matches)} jobs are named {name!r}:\n{listed}",
            ExitCode.USAGE,
            hint="give the job's ARN or id instead of its name",
        )
    return dict(matches[0])


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


@contextmanager
def translated_errors(subject: str | None = None, profile: str | None = None) -> Iterator[None]:
    """Turn botocore exceptions raised inside into BjobError: the one mapping to exits."""
    try:
        yield
    except (BjobError, KeyboardInterrupt):
        raise
    except Exception as error:
        translated = translate_error(error, subject, profile)
        if translated is None:
            raise
        raise translated from error


def translate_error(
    error: BaseException, subject: str | None = None, profile: str | None = None
) -> BjobError | None:
    """The BjobError for an AWS-side exception, or None for one that is a bug of ours."""
    from botocore import exceptions as bx

    about = f" ({subject})" if subject else ""
    if isinstance(error, bx.ClientError):
        code = _error_code(error) or "Unknown"
        message = error.response.get("Error", {}).get("Message") or code
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code == "ResourceNotFoundException":
            return BjobError(f"job not found{about}: {message}", ExitCode.NOT_FOUND)
        if code in _NOT_AUTHORIZED_CODES or status in (401, 403):
            return BjobError(
                f"not authorized{about}: {message}",
                ExitCode.NOT_AUTHORIZED,
                hint="check the credentials and the IAM permissions for bedrock:"
                "GetModelInvocationJob and bedrock:ListModelInvocationJobs",
            )
        if code in _TEMPORARY_CODES or status >= 500 or status == 429:
            return BjobError(
                f"the service did not answer{about}: {code}: {message}",
                ExitCode.TEMPORARY,
                hint="this is usually temporary; try again shortly",
            )
        return BjobError(f"invalid request{about}: {code}: {message}", ExitCode.CONFIGURATION)
    sso_errors = (bx.SSOTokenLoadError, bx.UnauthorizedSSOTokenError, bx.TokenRetrievalError)
    if isinstance(error, sso_errors) or isinstance(error, bx.SSOError):
        profile = profile or os.environ.get("AWS_PROFILE")
        login = f"aws sso login --profile {profile}" if profile else "aws sso login"
        return BjobError(
            f"the SSO session has expired or is invalid: {error}",
            ExitCode.NOT_AUTHORIZED,
            hint=f"run `{login}`",
        )
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return BjobError(
            "no AWS credentials were found",
            ExitCode.NOT_AUTHORIZED,
            hint="run `aws configure`, set AWS_PROFILE, or pass --profile",
        )
    if isinstance(error, (bx.CredentialRetrievalError, bx.NoAuthTokenError)):
        return BjobError(f"could not get AWS credentials: {error}", ExitCode.NOT_AUTHORIZED)
    if isinstance(error, bx.NoRegionError):
        return _no_region()
    if isinstance(error, bx.ProfileNotFound):
        return BjobError(
            str(error), ExitCode.CONFIGURATION, hint="see `aws configure list-profiles`"
        )
    if isinstance(error, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        return BjobError(
            f"timed out talking to Bedrock{about}: {error}",
            ExitCode.TEMPORARY,
            hint="--connect-timeout and --read-timeout set the limits, in seconds",
        )
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectionError, bx.HTTPClientError)):
        return BjobError(f"could not reach Bedrock{about}: {error}", ExitCode.TEMPORARY)
    if isinstance(error, bx.ParamValidationError):
        return BjobError(f"invalid request{about}: {error}", ExitCode.USAGE)
    if isinstance(error, bx.BotoCoreError):
        return BjobError(f"AWS request failed{about}: {error}", ExitCode.TEMPORARY)
    return None
