"""Batch prices from the AWS Price List: which of a region's Bedrock products is a model's
batch price for input and output tokens, normalised to USD per million tokens. Pure
functions over the products as GetProducts gives them (../shared/DOMAIN.md, "Prices").

The Price List names the billed dimension only in the usage type, in two grammars:
- `AmazonBedrock` and `AmazonBedrockService` (unit `1K tokens`): `USE1-NovaPro-input-tokens-
  batch`, `USE1-Claude4Sonnet-input-tokens-cross-region-global-batch`, `USE1-openai.gpt-oss-
  120b-mantle-output-tokens-batch`; the model is the `model` attribute, or the id embedded.
- `AmazonBedrockFoundationModels` (Marketplace, unit `1M tokens`): `USE1-MP:USE1_Million
  BatchInputTokens-Units`, `..._InputTokenCount_Batch-Units`, `..._input_tokens_batch-Units`;
  the model is `servicename` less " (Amazon Bedrock Edition)".
A dimension is read as words; a batch price is one whose words are all known (direction,
"tokens", "batch", cross-region markers): any other word (cache, latency-optimized, flex,
priority, reserved, long-context...) makes it some other price, skipped rather than guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from bjob.model.models import base_model_id

SERVICE_CODES = ("AmazonBedrock", "AmazonBedrockFoundationModels", "AmazonBedrockService")
PERMISSION = "pricing:GetProducts"
PRICE_LIST_REGION = "us-east-1"  # the Price List's endpoint bjob asks
_EDITION = " (Amazon Bedrock Edition)"
_UNITS = {"1k tokens": 1000, "1m tokens": 1}  # unit -> how many of it make a million tokens

Direction = Literal["input", "output"]
Scope = Literal["regional", "geo", "global"]

# Words a batch token price's dimension may hold besides its model: anything else is a
# different price (cache, latency-optimized, flex, priority, provisioned, long context...).
_DIRECTIONS = {"input": "input", "output": "output"}
_PLAIN_WORDS = frozenset({"tokens", "token", "count", "million", "units", "batch"})
_SCOPE_WORDS = frozenset({"cross", "region", "global", "geo"})
# Words that, in the model part of a kebab usage type, make it another price than batch tokens.
_NOT_A_MODEL = frozenset(
    {"cache", "cached", "read", "write", "latency", "optimized", "flex", "priority"}
    | {"provisioned", "reserved", "custom", "training", "long", "context", "batch"}
)
_KEBAB_DIMENSION = re.compile(r"-(?=(?:input|output)-tokens?\b)")
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")
_MARKETPLACE = re.compile(r"^[A-Z0-9]+-MP:[A-Z0-9]+_(?P<dimension>.+?)(?:-Units)?$")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|[A-Z]+|\d+")
_PROFILE = re.compile(r"^(?P<geo>us|eu|apac|global|jp|au|ca|us-gov)\.")
_VERSION_TAIL = re.compile(r"(?:-v\d+)?(?::\d+)?$|-\d+:\d+$")


@dataclass(frozen=True)
class PriceEntry:
    """One product that is a batch token price: what it prices and where it comes from."""

    service_code: str
    usage_type: str
    region_code: str
    direction: Direction
    scope: Scope
    model_id: str | None  # the id the usage type embeds (e.g. openai.gpt-oss-120b)
    model_name: str | None  # the `model` attribute, or servicename less its edition
    per_million: float  # USD per million tokens
    effective_date: str | None


@dataclass(frozen=True)
class PriceQuote:
    """A price with its source."""

    per_million: float
    service_code: str | None  # None: typed by the user (--prices)
    usage_type: str | None
    effective_date: str | None


@dataclass(frozen=True)
class BatchPrices:
    """A model's batch prices, USD per million tokens; `as_of`: when they were read."""

    input: PriceQuote
    output: PriceQuote
    as_of: str | None  # ISO-8601 time the Price List was read; None for --prices
    from_price_list: bool = True


@dataclass(frozen=True)
class PriceLookup:
    """The prices found for a model, or None with the warnings that say why."""

    prices: BatchPrices | None
    warnings: tuple[str, ...] = ()


def user_prices(input_per_million: float, output_per_million: float) -> BatchPrices:
    """--prices IN,OUT (already checked finite and not negative)."""
    return BatchPrices(
        PriceQuote(input_per_million, None, None, None),
        PriceQuote(output_per_million, None, None, None),
        None,
        from_price_list=False,
    )


def words(text: str) -> list[str]:
    """ "MillionBatchInputTokens" -> million, batch, input, tokens; "input_tokens_batch" and
    "input-tokens-cross-region-global-batch" split on their separators."""
    found: list[str] = []
    for part in re.split(r"[-_\s]+", text):
        found += [word.lower() for word in _CAMEL.findall(part)]
    return found


def parse_product(document: Mapping[str, Any], service_code: str) -> PriceEntry | None:
    """The batch token price a product is, or None (another tier, another unit, several
    price dimensions, a price that is not a finite number 0 or more)."""
    product = document.get("product")
    attributes = product.get("attributes") if isinstance(product, Mapping) else None
    if not isinstance(attributes, Mapping):
        return None
    usage_type = attributes.get("usagetype")
    region = attributes.get("regionCode")
    if not isinstance(usage_type, str) or not isinstance(region, str):
        return None
    kind = _classify(usage_type)
    if kind is None:
        return None
    direction, scope, embedded = kind
    quote = _on_demand_price(document.get("terms"))
    if quote is None:
        return None
    per_million, effective = quote
    name = _model_name(attributes)
    return PriceEntry(
        service_code, usage_type, region, direction, scope, embedded, name, per_million, effective
    )


def _classify(usage_type: str) -> tuple[Direction, Scope, str | None] | None:
    """(direction, scope, the model id the usage type embeds) of a batch token price."""
    marketplace = _MARKETPLACE.match(usage_type)
    embedded: str | None = None
    if marketplace is not None:
        dimension = words(marketplace["dimension"])
    else:
        rest = _REGION_PREFIX.sub("", usage_type)
        split = _KEBAB_DIMENSION.split(rest, maxsplit=1)
        if len(split) != 2:
            return None
        model_part, tail = split
        if _NOT_A_MODEL & set(words(model_part)):
            return None
        if "." in model_part:  # an id: "openai.gpt-oss-120b-mantle"
            embedded = model_part.removesuffix("-mantle").lower()
        dimension = words(tail)
    if "batch" not in dimension:
        return None
    directions = {_DIRECTIONS[word] for word in dimension if word in _DIRECTIONS}
    others = set(dimension) - _PLAIN_WORDS - _SCOPE_WORDS - set(_DIRECTIONS)
    if len(directions) != 1 or others:
        return None
    scope: Scope = "regional"
    if "global" in dimension:
        scope = "global"
    elif "geo" in dimension or "cross" in dimension:
        scope = "geo"
    return directions.pop(), scope, embedded  # type: ignore[return-value]


def _model_name(attributes: Mapping[str, Any]) -> str | None:
    service_name = attributes.get("servicename")
    if isinstance(service_name, str) and service_name.endswith(_EDITION):
        return service_name.removesuffix(_EDITION).strip()
    model = attributes.get("model")
    return model.strip() if isinstance(model, str) and model.strip() else None


def _on_demand_price(terms: Any) -> tuple[float, str | None] | None:
    """The one price dimension of the product's OnDemand term, per million tokens."""
    on_demand = terms.get("OnDemand") if isinstance(terms, Mapping) else None
    if not isinstance(on_demand, Mapping) or len(on_demand) != 1:
        return None
    [term] = on_demand.values()
    dimensions = term.get("priceDimensions") if isinstance(term, Mapping) else None
    if not isinstance(dimensions, Mapping) or len(dimensions) != 1:
        return None
    [dimension] = dimensions.values()
    if not isinstance(dimension, Mapping):
        return None
    unit = str(dimension.get("unit", "")).strip().lower()
    price = dimension.get("pricePerUnit")
    usd = price.get("USD") if isinstance(price, Mapping) else None
    if unit not in _UNITS or not isinstance(usd, str):
        return None
    try:
        value = Decimal(usd) * _UNITS[unit]
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0:
        return None
    effective = term.get("effectiveDate")
    return float(value) + 0.0, effective if isinstance(effective, str) else None


def id_stem(model_id: str) -> str:
    """ "anthropic.claude-3-haiku-20240307-v1:0" -> "anthropic.claude-3-haiku-20240307";
    "openai.gpt-oss-120b-1:0" -> "openai.gpt-oss-120b"."""
    return _VERSION_TAIL.sub("", base_model_id(model_id), count=1).lower()


def profile_scope(model_id: str) -> Scope:
    """The price scope a job's model id calls for: an inference profile's cross-region one
    ("global." -> global, "us."/"eu."... -> geo), a foundation model's regional one."""
    name = model_id.rsplit("/", 1)[-1] if model_id.startswith("arn:") else model_id
    match = _PROFILE.match(name)
    if match is None:
        return "regional"
    return "global" if match["geo"] == "global" else "geo"


def _simple(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def select_prices(
    entries: Iterable[PriceEntry],
    model_id: str,
    model_name: str | None,
    region: str,
    as_of: str | None,
) -> PriceLookup:
    """The batch prices of the model in the region: the entries whose usage type embeds its
    id, else those named as ListFoundationModels names it (`model_name`); for an inference
    profile its cross-region price where one is listed, else the regional one. Different
    prices for one dimension are ambiguous: reported, not chosen between."""
    base = base_model_id(model_id).lower()
    stem = id_stem(model_id)
    in_region = [entry for entry in entries if entry.region_code == region]
    by_id = [entry for entry in in_region if entry.model_id in (base, stem)]
    matched = by_id
    if not matched and model_name is not None:
        wanted = _simple(model_name)
        matched = [
            entry
            for entry in in_region
            if entry.model_id is None
            and entry.model_name is not None
            and _simple(entry.model_name) == wanted
        ]
    about = f"{model_name} ({base_model_id(model_id)})" if model_name else base_model_id(model_id)
    if not matched:
        hint = "" if model_name else " (its name is not known: bedrock:ListFoundationModels)"
        return PriceLookup(
            None,
            (
                f"the AWS Price List has no batch price for {about} in {region}{hint}: the "
                "cost is not estimated (give --prices IN,OUT)",
            ),
        )
    scope = profile_scope(model_id)
    preferred: Sequence[Scope] = ("regional",) if scope == "regional" else (scope, "regional")
    quotes: dict[Direction, PriceQuote] = {}
    warnings: list[str] = []
    for direction in ("input", "output"):
        for wanted_scope in preferred:
            candidates = [
                entry
                for entry in matched
                if entry.direction == direction and entry.scope == wanted_scope
            ]
            if not candidates:
                continue
            values = sorted({entry.per_million for entry in candidates})
            if len(values) > 1:
                listed = ", ".join(
                    f"{entry.usage_type} ({entry.service_code}) ${entry.per_million:g}"
                    for entry in sorted(candidates, key=lambda e: (e.usage_type, e.service_code))
                )
                warnings.append(
                    f"the AWS Price List has {len(values)} different batch {direction} prices "
                    f"for {about} in {region}: {listed}; none is chosen (give --prices IN,OUT)"
                )
                break
            first = min(candidates, key=lambda e: (e.service_code, e.usage_type))
            quotes[direction] = PriceQuote(
                first.per_million, first.service_code, first.usage_type, first.effective_date
            )
            break
    if warnings:
        return PriceLookup(None, tuple(warnings))
    missing = [direction for direction in ("input", "output") if direction not in quotes]
    if missing:
        return PriceLookup(
            None,
            (
                f"the AWS Price List has no batch {' or '.join(missing)} price for {about} in "
                f"{region}: the cost is not estimated (give --prices IN,OUT)",
            ),
        )
    return PriceLookup(BatchPrices(quotes["input"], quotes["output"], as_of))


def dollars(tokens: int | float | None, per_million: float | None) -> float | None:
    """tokens x price, in USD; None when either is unknown or the product is not a finite
    number (a price near the float maximum)."""
    if tokens is None or per_million is None:
        return None
    try:
        value = per_million / 1e6 * tokens + 0.0  # + 0.0: no -0
    except OverflowError:
        return None
    # Rounded to a billionth of a dollar: no 0.0010037499999999999 in the JSON.
    return round(value, 9) + 0.0 if math.isfinite(value) else None


def entry_to_list(entry: PriceEntry) -> list[Any]:
    """An entry as the price cache keeps it."""
    return [
        entry.service_code,
        entry.usage_type,
        entry.region_code,
        entry.direction,
        entry.scope,
        entry.model_id,
        entry.model_name,
        entry.per_million,
        entry.effective_date,
    ]


def entry_from_list(item: Any) -> PriceEntry:
    """An entry the price cache kept; ValueError for one that is not (a damaged cache)."""
    if not isinstance(item, list) or len(item) != 9:
        raise ValueError("not a price entry")
    code, usage, region, direction, scope, model_id, name, price, effective = item
    strings = (code, usage, region)
    if not all(isinstance(value, str) for value in strings):
        raise ValueError("not a price entry")
    if direction not in ("input", "output") or scope not in ("regional", "geo", "global"):
        raise ValueError("not a price entry")
    if not all(value is None or isinstance(value, str) for value in (model_id, name, effective)):
        raise ValueError("not a price entry")
    if type(price) not in (int, float) or not (0 <= price < math.inf):
        raise ValueError("not a price entry")
    return PriceEntry(
        code, usage, region, direction, scope, model_id, name, float(price), effective
    )
