"""The one translation of AWS-side failures into `BjobError`, and so into exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from bjob.aws.localconfig import aws_variable
from bjob.model.exits import BjobError, ExitCode

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
    "SlowDown",
}


def no_region() -> BjobError:
    return BjobError(
        "no AWS region is configured",
        ExitCode.CONFIGURATION,
        hint="pass --region, set AWS_REGION, or set a region in your AWS profile",
    )


def error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


Translator = Callable[[Exception], "BjobError | None"]


@contextmanager
def translated_errors(
    subject: str | None = None,
    profile: str | None = None,
    service: str = "Bedrock",
    translate: Translator | None = None,
) -> Iterator[None]:
    """Turn botocore exceptions raised inside into BjobError: the one mapping to exits.
    `translate` says more for a service's own errors (S3's buckets, a permission); what it
    leaves (None) goes to translate_error; what neither knows is a bug, raised as it is."""
    try:
        yield
    except (BjobError, KeyboardInterrupt):
        raise
    except Exception as error:
        translated = translate(error) if translate is not None else None
        if translated is None:
            translated = translate_error(error, subject, profile, service)
        if translated is None:
            raise
        raise translated from error


def translate_error(
    error: BaseException,
    subject: str | None = None,
    profile: str | None = None,
    service: str = "Bedrock",
) -> BjobError | None:
    """The BjobError for an AWS-side exception, or None for one that is a bug of ours."""
    from botocore import exceptions as bx

    about = f" ({subject})" if subject else ""
    if isinstance(error, bx.ClientError):
        code = error_code(error) or "Unknown"
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
        profile = profile or aws_variable("AWS_PROFILE")
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
        return no_region()
    if isinstance(error, (bx.ConfigParseError, bx.InvalidConfigError)):
        return BjobError(f"invalid AWS configuration: {error}", ExitCode.CONFIGURATION)
    if isinstance(error, bx.ProfileNotFound):
        return BjobError(
            str(error), ExitCode.CONFIGURATION, hint="see `aws configure list-profiles`"
        )
    if isinstance(error, (bx.ReadTimeoutError, bx.ConnectTimeoutError)):
        return BjobError(
            f"timed out talking to {service}{about}: {error}",
            ExitCode.TEMPORARY,
            hint="--connect-timeout and --read-timeout set the limits, in seconds",
        )
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectionError, bx.HTTPClientError)):
        return BjobError(f"could not reach {service}{about}: {error}", ExitCode.TEMPORARY)
    if isinstance(error, bx.ParamValidationError):
        return BjobError(f"invalid request{about}: {error}", ExitCode.USAGE)
    if isinstance(error, bx.BotoCoreError):
        return BjobError(f"AWS request failed{about}: {error}", ExitCode.TEMPORARY)
    return None
