"""One check of an input as `bjob check` makes it: every line against the model's format
and the job against its limits, with, if asked, what the job will cost (its tokens counted
while the lines are read, the model's prices read meanwhile)."""

from __future__ import annotations

from dataclasses import dataclass

from bjob.model.check import CheckReport
from bjob.model.cost import CostEstimate
from bjob.model.models import looks_like_an_id
from bjob.model.prices import BatchPrices, user_prices
from bjob.model.results import Prices, parse_prices
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.check import Sources, check_input
from bjob.usecases.modellookup import ClientsFactory, ModelLookup, lookup_model


@dataclass(frozen=True)
class Checked:
    """The report, the model's lookup (None without a model), the estimate (None unless
    asked)."""

    report: CheckReport
    lookup: ModelLookup | None
    estimate: CostEstimate | None

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the lookup and the estimate could not find out (beside the report)."""
        return (
            *(self.lookup.warnings if self.lookup is not None else ()),
            *(self.estimate.warnings if self.estimate is not None else ()),
        )


def cost_prices(cost: bool, model: str | None, prices: str | Prices | None) -> BatchPrices | None:
    """--cost and --prices (IN,OUT: USD per million tokens) checked before anything is read:
    the prices given, if any."""
    if prices is not None and not cost:
        raise BjobError("--prices goes with --cost", ExitCode.USAGE)
    if cost and model is None:
        raise BjobError(
            "--cost needs --model: the tokens and prices are the model's", ExitCode.USAGE
        )
    if prices is None:
        return None
    parsed = parse_prices(prices) if isinstance(prices, str) else prices
    return user_prices(parsed.input, parsed.output)


def check_sources(
    sources: Sources,
    model: str | None,
    invocation_type: str,
    clients: ClientsFactory,
    *,
    cost: bool = False,
    prices: BatchPrices | None = None,
) -> Checked:
    """Check the sources (cost_prices has checked `cost` and `prices`); with `cost`, the
    estimate counted alongside."""
    from bjob.usecases.cost import CostCounter

    counter = None
    model_text = model
    if cost and model is not None:
        model_text = model_id(model, clients)
        counter = CostCounter(sources, model_text, invocation_type, clients, prices)
    try:
        report, lookup = check_input(
            sources,
            model_text,
            invocation_type,
            clients,
            observe=counter.observe if counter is not None else None,
        )
    except BaseException:
        if counter is not None:
            counter.close()
        raise
    estimate = counter.finish(lookup) if counter is not None else None
    return Checked(report, lookup, estimate)


def model_id(text: str, clients: ClientsFactory) -> str:
    """--model as an id: a name resolved with the region's model list (as check does)."""
    if looks_like_an_id(text):
        return text
    return lookup_model(text, clients).model.model_id
