"""A job's estimated cost in one line, for a person: "≈ $12.30 input (4.1 M tokens, counted)
+ at most $40.00 output". Scripts read CostEstimate.to_json()."""

from __future__ import annotations

from bjob.model.cost import CostEstimate, TokenEstimate
from bjob.model.environment import Environment


def tokens_text(count: int, digits: int = 1) -> str:
    """4,100,000 -> "4.1 M", 12,300 -> "12.3 k", 850 -> "850"."""
    if count >= 1_000_000:
        return f"{count / 1e6:,.{digits}f} M"
    if count >= 1_000:
        return f"{count / 1e3:.{digits}f} k"
    return str(count)


def usd_text(value: float) -> str:
    """$12.30; an amount under a cent keeps its first figures ($0.0042)."""
    if 0 < value < 0.01:
        return f"${value:.2g}"
    return f"${value:,.2f}"


def _how(tokens: TokenEstimate) -> str:
    if tokens.method == "sampled":
        low, high = tokens_text(tokens.low, 2), tokens_text(tokens.high, 2)
        return f"sampled: {low} to {high} at 99 %"
    if tokens.method == "bytes":
        return f"guessed from the size: {tokens_text(tokens.low)} to {tokens_text(tokens.high)}"
    return "counted"


def cost_line(estimate: CostEstimate) -> str:
    """The estimate in one line; without prices, the tokens alone (a warning says why)."""
    tokens = estimate.input_tokens
    if tokens is None:
        return "≈ $0.00: no records to send"
    amount_in, amount_out = estimate.input_usd, estimate.output_usd_max
    count_in = f"{tokens_text(tokens.value)} tokens, {_how(tokens)}"
    if amount_in is not None:
        first = f"≈ {usd_text(amount_in)} input ({count_in})"
    else:
        first = f"≈ ? input ({count_in})"
    if estimate.output_tokens_max is None:
        second = "output not bounded (no max-tokens field)"
    elif amount_out is not None:
        second = f"at most {usd_text(amount_out)} output"
    else:
        second = f"at most ? output ({tokens_text(estimate.output_tokens_max)} tokens)"
    line = f"{first} + {second}"
    if estimate.prices is None:
        line += "; no batch price known"
    return line


def print_cost_line(env: Environment, estimate: CostEstimate) -> None:
    print(f"Cost: {cost_line(estimate)}", file=env.stdout)
