"""What --model means: the model the region's list names, the batch limits its Service
Quotas set and how many of its jobs may run at once; read at most every few minutes per
region and identity (the user's cache folder), a source that cannot be read a warning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bjob.model.check import DEFAULT_LIMITS, DOCUMENTED, Limit, Limits, limits_from_quotas
from bjob.model.models import ResolvedModel, looks_like_an_id, resolve_model
from bjob.support.cache import cache_dir, read_json, write_private_json
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.model.quotas import Quota

ClientsFactory = Callable[[], "AwsClients"]


DEFAULT_CONCURRENT_JOBS = Limit(20, DOCUMENTED)  # submitted and in-progress jobs, per model


@dataclass(frozen=True)
class ModelLookup:
    """What --model resolved to, the limits its quotas set, and how many of its jobs may be
    submitted or in progress at once."""

    model: ResolvedModel
    limits: Limits
    warnings: tuple[str, ...]
    concurrent_jobs: Limit = DEFAULT_CONCURRENT_JOBS


LOOKUP_SECONDS = 600  # how long the region's model list and quotas are kept in the cache
LOOKUP_VERSION = 1


def lookup_model(text: str, clients: ClientsFactory, now: float | None = None) -> ModelLookup:
    """The model `text` means, from the region's model list, and its batch limits from
    Service Quotas: read at most every LOOKUP_SECONDS per region and identity (kept in the
    user's cache folder: Service Quotas takes several pages for Bedrock). A source the
    credentials may not read, or that does not answer, is a warning (an id still resolves;
    the limits fall back to the documented defaults); missing credentials or configuration
    are errors, as for every command."""
    import time

    aws = clients()
    moment = time.time() if now is None else now
    path = _lookup_cache(aws)
    cached = _cached_lookups(read_json(path), moment) if path is not None else None
    unread: BjobError | None = None
    names: dict[str, str] | None
    quotas: list[Quota] | None
    if cached is not None:
        names, quotas = cached
        warnings: list[str] = []
    else:
        names, quotas, warnings, unread = _read_lookups(aws)
        if path is not None and names is not None and quotas is not None and not warnings:
            document = {
                "version": LOOKUP_VERSION,
                "at": moment,
                "names": names,
                "quotas": [list(astuple(quota)) for quota in quotas],
            }
            write_private_json(path, document)
    if names is None and unread is not None and not looks_like_an_id(text):
        # A name needs the model list: say why it could not be read (exit 5 for a
        # Bedrock that did not answer, 4 for a denial), not that the name is wrong.
        raise BjobError(
            f"--model {text!r}: a name needs the region's model list "
            f"(bedrock:ListFoundationModels), which could not be read: {unread.message}",
            unread.code,
            hint=unread.hint or "give the model id, e.g. anthropic.claude-3-haiku-20240307-v1:0",
        )
    model = resolve_model(text, names)
    if model.name is None:
        unlisted = f"{model.model_id} is not a foundation model the region lists"
        return ModelLookup(model, replace(DEFAULT_LIMITS, note=unlisted), tuple(warnings))
    found: dict[str, tuple[float, bool]] = {
        quota.kind: (quota.value, quota.applied)
        for quota in quotas or ()
        if quota.model_name == model.name
    }
    note: str | None = None
    if quotas is None:
        note = "Service Quotas could not be read"
    elif not found:
        note = f"Service Quotas lists no batch quotas for {model.name}"
    concurrent = found.get("concurrent_jobs")
    slots = (
        Limit(
            concurrent[0],
            "Service Quotas, applied" if concurrent[1] else "Service Quotas, AWS default",
        )
        if concurrent is not None
        else DEFAULT_CONCURRENT_JOBS
    )
    return ModelLookup(model, limits_from_quotas(found, note), tuple(warnings), slots)


def _cached_lookups(cached: Any, moment: float) -> tuple[dict[str, str], list[Quota]] | None:
    """The cache's model names and quotas while fresh; None for anything else: a file that
    is missing, old, or damaged (not JSON, or JSON of another shape), which is then read
    again from AWS and written anew."""
    from bjob.model.quotas import Quota

    if not isinstance(cached, dict) or cached.get("version") != LOOKUP_VERSION:
        return None
    at, names, items = cached.get("at"), cached.get("names"), cached.get("quotas")
    if not isinstance(at, int | float) or not 0 <= moment - at < LOOKUP_SECONDS:
        return None
    if not isinstance(names, dict) or not isinstance(items, list):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in names.items()):
        return None
    quotas = []
    for item in items:
        if not (
            isinstance(item, list)
            and len(item) == 5
            and all(isinstance(part, str) for part in item[:3])
            and isinstance(item[3], int | float)
            and isinstance(item[4], bool)
        ):
            return None
        quotas.append(Quota(*item))
    return names, quotas


def _read_lookups(
    aws: AwsClients,
) -> tuple[dict[str, str] | None, list[Quota] | None, list[str], BjobError | None]:
    """The region's model names and batch quotas, each source on its own (one attempt);
    and why the model names could not be read, when they could not."""
    from bjob.aws.bedrock import foundation_model_names
    from bjob.aws.quotas import PermissionDenied, available_quotas, batch_quotas, source_errors

    warnings: list[str] = []
    names: dict[str, str] | None = None
    try:
        with source_errors("Bedrock", "bedrock:ListFoundationModels"):
            names = foundation_model_names(aws.client("bedrock", attempts=1))
    except BjobError as error:
        if not _optional(error, PermissionDenied):
            raise
        warnings.append(f"{error.message}: the model's name and quotas are not known")
        return None, None, warnings, error
    try:
        quotas = available_quotas(batch_quotas(aws.client("service-quotas", attempts=1)), warnings)
    except BjobError as error:
        if not _optional(error, PermissionDenied):
            raise
        warnings.append(error.message)
        quotas = None
    return names, quotas, warnings, None


def _lookup_cache(aws: AwsClients) -> Path | None:
    """Where this region and identity's lookups are kept; None when the region is not known
    without asking botocore (the cache is to save its start-up too)."""
    import hashlib

    from bjob.aws.localconfig import aws_variable

    options = aws.options
    region = options.region or aws_variable("AWS_REGION") or aws_variable("AWS_DEFAULT_REGION")
    if region is None:
        return None
    identity = [
        region,
        options.profile or aws_variable("AWS_PROFILE") or "",
        aws_variable("AWS_ACCESS_KEY_ID") or "",
        options.endpoint_url or "",
        aws_variable("AWS_ENDPOINT_URL_SERVICE_QUOTAS") or aws_variable("AWS_ENDPOINT_URL") or "",
    ]
    digest = hashlib.sha256("\0".join(identity).encode()).hexdigest()[:24]
    return cache_dir() / "lookups" / f"{digest}.json"


def _optional(error: BjobError, denied: type[BjobError]) -> bool:
    """A lookup failure to work around: a denial, or a service that did not answer; not
    missing credentials, an unknown profile or no region."""
    return isinstance(error, denied) or error.code is ExitCode.TEMPORARY
