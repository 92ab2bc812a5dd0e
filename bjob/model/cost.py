"""What a job will cost, before it is submitted: its input tokens (counted, sampled or guessed
from the size), an upper bound on its output tokens (each record's max-tokens field), and the
dollars at the batch prices. Pure state and arithmetic; the calls are the use case's.

A sample is drawn in proportion to size: target byte positions spread at random through the
input, each picking the record line it falls in (a record twice the size is twice as likely).
Each pick contributes tokens/bytes of its record, and the total is bytes x their mean
(Hansen-Hurwitz): unbiased whatever the records' lengths, with a variance that shrinks as the
tokens-per-byte ratio steadies. The 99 % interval is the normal one on that mean.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bjob.model.prices import BatchPrices, PriceQuote, dollars

COUNT_ALL_AT_MOST = 200  # records: every one counted
MAX_SAMPLE = 1000  # CountTokens calls at most for a larger input
Z_99 = 2.5758293035489  # the normal quantile of a two-sided 99 % interval
BYTES_PER_TOKEN = 4.0  # a guess from the size: about 4 bytes of JSON a token ...
BYTES_PER_TOKEN_RANGE = (8.0, 2.0)  # ... and somewhere between 8 and 2

Method = Literal["counted", "sampled", "bytes"]

# Where each family's body says the most it may write (the Bedrock model parameter pages);
# embeddings write no tokens.
MAX_TOKENS_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "anthropic-messages": (("max_tokens",),),
    "amazon-nova": (("inferenceConfig", "maxTokens"), ("inferenceConfig", "max_new_tokens")),
    "converse": (("inferenceConfig", "maxTokens"),),
    "titan-text": (("textGenerationConfig", "maxTokenCount"),),
    "meta-llama": (("max_gen_len",),),
    "mistral-text": (("max_tokens",),),
    "mistral-chat": (("max_tokens",),),
    "openai-chat": (("max_completion_tokens",), ("max_tokens",)),
    "cohere-command": (("max_tokens",),),
    "cohere-command-r": (("max_tokens",),),
}
NO_OUTPUT = frozenset(
    {"titan-embeddings", "titan-embeddings-v1", "titan-multimodal-embeddings", "cohere-embed"}
)


def max_tokens(body: Mapping[str, Any], family: str | None) -> int | None:
    """The most tokens the record's answer may have, by its family's field; 0 for an
    embedding; None when the family is not known or the body does not say."""
    if family in NO_OUTPUT:
        return 0
    for path in MAX_TOKENS_PATHS.get(family or "", ()):
        value: Any = body
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if type(value) is int and value >= 0:
            return value
    return None


@dataclass(frozen=True)
class TokenEstimate:
    value: int
    low: int
    high: int
    method: Method


def counted(total: int) -> TokenEstimate:
    return TokenEstimate(total, total, total, "counted")


def from_bytes(size: int) -> TokenEstimate:
    """A guess from the records' size, for a model CountTokens does not count."""
    slow, fast = BYTES_PER_TOKEN_RANGE
    return TokenEstimate(
        round(size / BYTES_PER_TOKEN), math.floor(size / slow), math.ceil(size / fast), "bytes"
    )


def sample_positions(
    total_bytes: int, count: int = MAX_SAMPLE, seed: int = 0, ordered: bool = True
) -> list[int]:
    """`count` byte positions drawn at random (with replacement) in [0, total_bytes), sorted
    (or, `ordered=False`, in the order drawn: any first n are a sample too); seeded, so that
    the same input draws the same sample."""
    if total_bytes <= 0:
        return []
    draw = random.Random(seed)
    drawn = [draw.randrange(total_bytes) for _ in range(count)]
    return sorted(drawn) if ordered else drawn


def size_weighted_estimate(space: int, ratios: Sequence[float]) -> TokenEstimate:
    """The total from picks in proportion to size: `space` (the bytes the positions were
    drawn in) x the mean of tokens/bytes over the picks (0 for a pick that is no record),
    with its 99 % interval."""
    n = len(ratios)
    if n == 0:
        raise ValueError("no picks")
    mean = sum(ratios) / n
    variance = sum((ratio - mean) ** 2 for ratio in ratios) / (n - 1) if n > 1 else mean**2
    half = Z_99 * space * math.sqrt(variance / n)
    value = space * mean
    return TokenEstimate(
        round(value), max(0, math.floor(value - half)), math.ceil(value + half), "sampled"
    )


def uniform_estimate(records: int, counts: Sequence[int]) -> TokenEstimate:
    """The total from a simple random sample of `counts` among `records` (a stream, whose
    size is not known in advance): records x the mean, with its 99 % interval."""
    n = len(counts)
    if n == 0:
        raise ValueError("no sample")
    if n >= records:
        return counted(sum(counts))
    mean = sum(counts) / n
    variance = sum((count - mean) ** 2 for count in counts) / (n - 1) if n > 1 else mean**2
    half = Z_99 * records * math.sqrt(variance / n * (1 - n / records))
    value = records * mean
    return TokenEstimate(
        round(value), max(0, math.floor(value - half)), math.ceil(value + half), "sampled"
    )


@dataclass(frozen=True)
class CostEstimate:
    """A job's cost before it runs: one computation, shown in a terminal line and in JSON."""

    prices: BatchPrices | None
    input_tokens: TokenEstimate | None  # None: nothing to count (no records)
    output_tokens_max: int | None  # None: some record's family or field is not known
    records: int
    warnings: tuple[str, ...] = field(default=())
    calls: int = 0  # CountTokens calls made

    @property
    def input_usd(self) -> float | None:
        if self.input_tokens is None or self.prices is None:
            return None
        return dollars(self.input_tokens.value, self.prices.input.per_million)

    @property
    def output_usd_max(self) -> float | None:
        if self.prices is None:
            return None
        return dollars(self.output_tokens_max, self.prices.output.per_million)

    def to_json(self) -> dict[str, Any]:
        """The `"cost"` object of `bjob check --cost --json` (and submit's plan)."""
        tokens = self.input_tokens
        return {
            "currency": "USD",
            "prices": prices_to_json(self.prices),
            "input_tokens": (
                {
                    "value": tokens.value,
                    "low": tokens.low,
                    "high": tokens.high,
                    "method": tokens.method,
                }
                if tokens is not None
                else None
            ),
            "output_tokens_max": self.output_tokens_max,
            "input_usd": self.input_usd,
            "output_usd_max": self.output_usd_max,
            "warnings": list(self.warnings),
        }


def _quote_to_json(quote: PriceQuote) -> dict[str, Any] | None:
    if quote.service_code is None:
        return None
    return {
        "service_code": quote.service_code,
        "usage_type": quote.usage_type,
        "effective_date": quote.effective_date,
    }


def prices_to_json(prices: BatchPrices | None) -> dict[str, Any] | None:
    """{"input_per_million", "output_per_million", "source", "as_of"}: the source says where
    each price comes from (the Price List's service code, usage type and effective date), or
    that the user typed them (--prices)."""
    if prices is None:
        return None
    return {
        "input_per_million": prices.input.per_million,
        "output_per_million": prices.output.per_million,
        "source": {
            "kind": "price-list" if prices.from_price_list else "--prices",
            "input": _quote_to_json(prices.input),
            "output": _quote_to_json(prices.output),
        },
        "as_of": prices.as_of,
    }
