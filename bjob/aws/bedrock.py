"""The Bedrock control-plane calls bjob makes: GetModelInvocationJob and
ListModelInvocationJobs, and finding a job by its name."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from bjob.aws.errors import error_code, translated_errors
from bjob.aws.session import AwsClients
from bjob.model.identifiers import JobRef
from bjob.model.job import MalformedJobError
from bjob.support.concurrent import map_concurrently
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from mypy_boto3_bedrock import BedrockClient

Response = dict[str, Any]


def fetch_job(ref: JobRef, clients: AwsClients) -> Response:
    """The GetModelInvocationJob response (or a List summary) for an ARN, id or name."""
    with translated_errors(ref.text, clients.options.profile):
        client = clients.bedrock(ref.region)
        if ref.kind == "name":
            return _fetch_by_name(client, ref.text)
        try:
            with _malformed_is_temporary(ref.text):
                response = dict(client.get_model_invocation_job(jobIdentifier=ref.text))
        except Exception as error:
            if ref.maybe_name and error_code(error) == "ResourceNotFoundException":
                return _fetch_by_name(client, ref.text)
            raise
        response.pop("ResponseMetadata", None)
        return response


def fetch_jobs(refs: Sequence[JobRef], clients: AwsClients) -> list[Response | BjobError]:
    """Fetch several jobs concurrently; results (or each one's error) in argument order."""
    return map_concurrently(lambda ref: fetch_job(ref, clients), refs)


@contextmanager
def _malformed_is_temporary(subject: str) -> Iterator[None]:
    """A malformed answer names the job asked for; botocore's parser fails with plain Python
    errors on a body of the wrong JSON type."""
    try:
        yield
    except MalformedJobError as error:
        raise error.about(subject) from None
    except (AttributeError, TypeError, KeyError) as error:
        raise MalformedJobError(f"{type(error).__name__}: {error}", subject) from error


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


def foundation_model_names(client: BedrockClient) -> dict[str, str]:
    """Model id -> display name, for every foundation model in the region
    (ListFoundationModels): quota names carry the display name."""
    response = client.list_foundation_models()
    return {
        str(summary["modelId"]): str(summary["modelName"])
        for summary in response.get("modelSummaries", [])
        if summary.get("modelId") and summary.get("modelName")
    }


# What the service answers a stop of a job that has already ended (both are seen).
_NOT_STOPPABLE = {"ValidationException", "ConflictException"}


def stop_job(job_arn: str, region: str | None, clients: AwsClients) -> str | None:
    """StopModelInvocationJob: None when the stop was taken; the service's words when it
    refuses because the job cannot be stopped (it has ended, or is ending), which the
    caller checks by reading the job."""
    with translated_errors(job_arn, clients.options.profile):
        try:
            clients.bedrock(region).stop_model_invocation_job(jobIdentifier=job_arn)
        except Exception as error:
            if error_code(error) in _NOT_STOPPABLE:
                response = getattr(error, "response", {})
                return str(response.get("Error", {}).get("Message") or error_code(error))
            raise
    return None


def create_job(request: dict[str, Any], region: str | None, clients: AwsClients) -> str:
    """CreateModelInvocationJob: the job's ARN (the first job's, for a token used before).
    A full quota is exit 15; a role that cannot be passed names iam:PassRole."""

    def explain(error: Exception) -> BjobError | None:
        code = error_code(error)
        message = str(getattr(error, "response", {}).get("Error", {}).get("Message") or code)
        if code == "ServiceQuotaExceededException":
            return BjobError(f"the model's job quota is full: {message}", ExitCode.QUOTA_FULL)
        if code in ("AccessDeniedException", "AccessDenied") and "passrole" in message.lower():
            return BjobError(
                f"the role cannot be passed to Bedrock: {message}",
                ExitCode.NOT_AUTHORIZED,
                hint=f"you need iam:PassRole on {request.get('roleArn')}, and its trust policy "
                "must allow bedrock.amazonaws.com",
            )
        if code == "ResourceNotFoundException":
            return BjobError(f"{request.get('modelId')}: {message}", ExitCode.NOT_FOUND)
        return None

    with translated_errors(str(request.get("jobName")), clients.options.profile, translate=explain):
        response = clients.bedrock(region).create_model_invocation_job(**request)
    return str(response["jobArn"])


def job_tags(job_arn: str, region: str | None, clients: AwsClients) -> list[tuple[str, str]]:
    """The job's tags (ListTagsForResource): GetModelInvocationJob does not carry them."""
    with translated_errors(job_arn, clients.options.profile):
        response = clients.bedrock(region).list_tags_for_resource(resourceARN=job_arn)
    return [(str(tag["key"]), str(tag["value"])) for tag in response.get("tags", [])]
