"""The AWS calls behind a cost: the Price List's Bedrock products for a region (every page of
the three service codes), and bedrock-runtime's CountTokens for one request body."""

# Start-up: boto3 and botocore are imported inside the functions that need them, so that
# help, completion and a saved response's view never load them.

from __future__ import annotations

import json
from typing import Any

from bjob.aws.errors import error_code
from bjob.aws.quotas import source_errors
from bjob.model.prices import PERMISSION, SERVICE_CODES, PriceEntry, parse_product
from bjob.support.concurrent import map_all
from bjob.support.exits import BjobError, ExitCode

PAGE_SIZE = 100  # the most GetProducts gives a page
MAX_PAGES = 200  # per service code: a loop of NextTokens cannot go on for ever


def batch_price_entries(client: Any, region: str) -> list[PriceEntry]:
    """Every product of the three Bedrock service codes in `region` that is a batch token
    price; the service codes read at once. A denial is a PermissionDenied naming
    pricing:GetProducts; any other failure a BjobError."""

    def read(service_code: str) -> list[PriceEntry]:
        entries: list[PriceEntry] = []
        token: str | None = None
        with source_errors("the AWS Price List", PERMISSION):
            for _ in range(MAX_PAGES):
                request: dict[str, Any] = {
                    "ServiceCode": service_code,
                    "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                    "FormatVersion": "aws_v1",
                    "MaxResults": PAGE_SIZE,
                }
                if token:
                    request["NextToken"] = token
                page = client.get_products(**request)
                for text in page.get("PriceList") or ():
                    entry = _entry(text, service_code)
                    if entry is not None:
                        entries.append(entry)
                token = page.get("NextToken")
                if not token:
                    return entries
        raise BjobError(
            f"the AWS Price List gave more than {MAX_PAGES} pages for {service_code}",
            ExitCode.TEMPORARY,
        )

    pages = map_all(read, SERVICE_CODES, max_workers=len(SERVICE_CODES))
    return [entry for entries in pages for entry in entries]


def _entry(text: Any, service_code: str) -> PriceEntry | None:
    """A PriceList item is a JSON document in a string (or, from some SDKs, already a map)."""
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return None
    return parse_product(document, service_code) if isinstance(document, dict) else None


class CountTokensUnsupported(BjobError):
    """The model does not count tokens (ValidationException), or the body cannot be sent."""


def count_tokens(client: Any, model_id: str, body: dict[str, Any], converse: bool) -> int:
    """The input tokens the model would bill for one record's body (InvokeModel's JSON bytes,
    or Converse's messages, system and toolConfig)."""
    from botocore.exceptions import ClientError, ParamValidationError

    if converse:
        request: dict[str, Any] = {
            "converse": {
                key: body[key]
                for key in ("messages", "system", "toolConfig", "additionalModelRequestFields")
                if key in body
            }
        }
    else:
        request = {"invokeModel": {"body": json.dumps(body, ensure_ascii=False).encode()}}
    with source_errors("Bedrock CountTokens", "bedrock:CountTokens"):
        try:
            answer = client.count_tokens(modelId=model_id, input=request)
        except ParamValidationError as error:
            raise CountTokensUnsupported(str(error), ExitCode.USAGE) from None
        except ClientError as error:
            if error_code(error) != "ValidationException":
                raise
            message = error.response.get("Error", {}).get("Message") or "not supported"
            raise CountTokensUnsupported(str(message), ExitCode.USAGE) from None
    value = answer.get("inputTokens")
    if type(value) is not int or value < 0:
        raise BjobError(f"CountTokens answered {value!r}, not a count", ExitCode.TEMPORARY)
    return value
