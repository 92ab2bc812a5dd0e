"""The one translation of AWS-side failures into `BjobError`, and so into exit codes."""

# Start-up: boto3 and botocore are imported inside the functions that need them, so that
# help, completion and a saved response's view never load them.

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from bjob.aws.localconfig import aws_variable
from bjob.support.exits import BjobError, ExitCode

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
# Codes that refuse the credentials themselves (not a permission): no policy would help.
_BAD_CREDENTIALS_CODES = _NOT_AUTHORIZED_CODES - {"AccessDeniedException", "AccessDenied"}
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


def operation_name(error: BaseException) -> str | None:
    """The API operation that failed (botocore's ClientError carries it)."""
    name = getattr(error, "operation_name", None)
    return str(name) if name else None


def service_message(error: BaseException) -> str | None:
    """The service's own words for a failure, when it gave some: the message of the
    ClientError behind a translated error."""
    seen: BaseException | None = error
    while seen is not None:
        response = getattr(seen, "response", None)
        if isinstance(response, Mapping):
            message = response.get("Error", {}).get("Message") or response.get("Error", {}).get(
                "Code"
            )
            return str(message) if message else None
        seen = seen.__cause__ or seen.__context__
    return None


# The IAM action an operation needs where it is not "bedrock:<Operation>" (Bedrock's
# actions are named after their operations; so are the other services' but for S3's).
_S3_ACTIONS = {
    "GetObject": "s3:GetObject",
    "HeadObject": "s3:GetObject",
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadBucket": "s3:ListBucket",
    "GetBucketLocation": "s3:GetBucketLocation",
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
}
S3_WRITES = {"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"}
_OTHER_SERVICES = {
    "ListServiceQuotas": "servicequotas",
    "ListAWSDefaultServiceQuotas": "servicequotas",
    "GetServiceQuota": "servicequotas",
    "GetMetricData": "cloudwatch",
    "ListMetrics": "cloudwatch",
    "GetProducts": "pricing",
    "GetCallerIdentity": "sts",
}
# "User: arn:... is not authorized to perform: iam:PassRole on resource: ..."
_REFUSED_ACTION = re.compile(r"not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9*]+)")


def iam_action(operation: str | None, message: str | None = None) -> str | None:
    """The IAM permission a refused call needs: the one the service's message names, else
    the operation's (bedrock:StopModelInvocationJob, s3:PutObject for an UploadPart...)."""
    named = _REFUSED_ACTION.search(message or "")
    if named:
        return named.group(1)
    if not operation:
        return None
    if operation in _S3_ACTIONS:
        return _S3_ACTIONS[operation]
    return f"{_OTHER_SERVICES.get(operation, 'bedrock')}:{operation}"


def denial_hint(action: str | None, resource: str | None = None) -> str:
    """What to allow, and on what."""
    if action is None:
        return "check the credentials and their IAM permissions"
    # A job's ARN or an S3 URI says where; a job's name or id would not.
    on = f" on {resource}" if resource and resource.startswith(("arn:", "s3://")) else ""
    return f"the credentials need {action}{on}: allow it in their IAM policy"


def underlying_error(error: Exception) -> Exception:
    """The botocore error behind boto3's transfer wrappers: S3UploadFailedError (upload_file)
    carries the ClientError of the PutObject or multipart call that failed only as its
    context, and names the local file (perhaps a temporary one, gone by now) in its text."""
    from botocore import exceptions as bx

    if type(error).__name__ not in ("S3UploadFailedError", "S3TransferFailedError"):
        return error
    behind = error.__cause__ or error.__context__
    if isinstance(behind, (bx.ClientError, bx.BotoCoreError)):
        return behind
    # No chained error: the text still says "An error occurred (Code) when calling the
    # Op operation: message".
    found = re.search(
        r"An error occurred \(([^)]+)\) when calling the (\w+) operation: (.*)$", str(error)
    )
    if not found:
        return error
    code, operation, message = found.groups()
    response: Any = {"Error": {"Code": code, "Message": message}}
    return bx.ClientError(response, operation)


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
    except Exception as raised:
        error = underlying_error(raised)
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
        if code in _BAD_CREDENTIALS_CODES:
            return BjobError(
                f"not authorized{about}: the credentials were refused: {message}",
                ExitCode.NOT_AUTHORIZED,
                hint="check them (aws sts get-caller-identity), renew them, or pass --profile",
            )
        if code in _NOT_AUTHORIZED_CODES or status in (401, 403):
            operation = operation_name(error)
            calling = f" to call {operation}" if operation else ""
            return BjobError(
                f"not authorized{calling}{about}: {message}",
                ExitCode.NOT_AUTHORIZED,
                hint=denial_hint(iam_action(operation, message), subject),
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
