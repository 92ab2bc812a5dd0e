"""How a Bedrock client reads Bedrock's answers: botocore event handlers that every Bedrock
client bjob makes carries (session.py registers them), a layer under the calls (bedrock.py)."""

from __future__ import annotations

import json
from typing import Any

from bjob.model.job import MalformedJobError


def register_handlers(client: Any) -> None:
    events = client.meta.events
    events.register("before-parse.bedrock.GetModelInvocationJob", _require_json_object)
    events.register("before-parse.bedrock.ListModelInvocationJobs", _decode_summaries_directly)


def _decoded_page(response_dict: dict[str, Any]) -> dict[str, Any] | None:
    """The body of a 200 answer as a JSON object, or None for an error answer (botocore's to
    parse); a 200 body that is not a JSON object is malformed, and botocore would take it
    silently for an empty answer."""
    if response_dict.get("status_code") != 200:
        return None
    body = response_dict.get("body") or b""
    try:
        page = json.loads(body)
    except (ValueError, TypeError):
        preview = bytes(body[:40]).decode("utf-8", "replace")
        raise MalformedJobError(f"the answer is not JSON: {preview!r}") from None
    if not isinstance(page, dict):
        raise MalformedJobError(f"the answer is a JSON {type(page).__name__}, not an object")
    return page


def _require_json_object(response_dict: dict[str, Any], **_: Any) -> None:
    _decoded_page(response_dict)


def _decode_summaries_directly(
    response_dict: dict[str, Any], customized_response_dict: dict[str, Any], **_: Any
) -> None:
    """Hand a listing page's job summaries over as JSON decoded them.

    botocore walks every member of every summary against the service model, which for
    thousands of jobs costs several times the JSON decoding itself; the summaries are plain
    JSON values already (timestamps stay wire strings), and normalize_job checks each
    member's type. botocore's own handlers use this event the same way (S3's 200 errors).
    Error answers, and pages without a list of summaries, are left to botocore.
    """
    page = _decoded_page(response_dict)
    if page is None or not isinstance(page.get("invocationJobSummaries"), list):
        return
    customized_response_dict["invocationJobSummaries"] = page.pop("invocationJobSummaries")
    response_dict["body"] = json.dumps(page).encode()
