"""What a job will cost and what it cost: the model's batch prices from the AWS Price List
(cached a day per region), and its input tokens counted with CountTokens while the input is
read (every record up to 200; above, a sample of at most 1,000 spread through it).

For a caller that reads the input anyway (check, submit's plan):

    counter = CostCounter(sources, model_id, invocation_type, clients)
    report, lookup = check_input(sources, model_id, invocation_type, clients,
                                 observe=counter.observe)
    estimate = counter.finish(lookup)        # a CostEstimate: .to_json(), render.cost

or, reading the input for the estimate alone, `estimate_cost(...)`.
"""

from __future__ import annotations

import bisect
import hashlib
import queue
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from bjob.aws.bedrock import foundation_model_names
from bjob.aws.localconfig import aws_variable
from bjob.aws.pricing import CountTokensUnsupported, batch_price_entries, count_tokens
from bjob.aws.quotas import PermissionDenied, source_errors
from bjob.model.cost import (
    COUNT_ALL_AT_MOST,
    MAX_SAMPLE,
    CostEstimate,
    TokenEstimate,
    counted,
    from_bytes,
    max_tokens,
    sample_positions,
    size_weighted_estimate,
    uniform_estimate,
)
from bjob.model.models import base_model_id, resolve_model
from bjob.model.prices import (
    PERMISSION,
    PRICE_LIST_REGION,
    BatchPrices,
    PriceEntry,
    PriceLookup,
    entry_from_list,
    entry_to_list,
    select_prices,
)
from bjob.model.requestformats import format_for_model
from bjob.support.cache import cache_dir, read_json, write_private_json
from bjob.support.concurrent import Cancel, in_background, run_all
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.check import NOT_PARSED

if TYPE_CHECKING:
    from bjob.aws.session import AwsClients
    from bjob.usecases.check import Sources
    from bjob.usecases.modellookup import ModelLookup

PRICES_SECONDS = 24 * 3600  # how long a region's Price List is kept in the cache
PRICES_VERSION = 1
COUNTERS = 8  # CountTokens calls at once
COUNT_ATTEMPTS = 10  # per call, throttling included (botocore's standard back-off)
# A sample's first draws, counted while the input is read; more are counted, doubling up to
# MAX_SAMPLE, until the 99 % interval is within PRECISION of the estimate.
FIRST_DRAWS = 100
PRECISION = 0.02


# --- prices ---------------------------------------------------------------------------


def region_price_entries(
    clients: AwsClients, region: str, now: float | None = None
) -> tuple[list[PriceEntry] | None, str | None, list[str]]:
    """The region's batch price entries, the time they were read (ISO-8601), and warnings:
    from the cache when it is less than a day old, else from the Price List (and cached). A
    denial or a Price List that does not answer is a warning, and no entries."""
    moment = time.time() if now is None else now
    path = _prices_cache(region)
    cached = _read_cache(path, region, moment)
    if cached is not None:
        entries, at = cached
        return entries, _iso(at), []

    try:
        entries = batch_price_entries(clients.client("pricing", PRICE_LIST_REGION), region)
    except BjobError as error:
        if isinstance(error, PermissionDenied):
            why = f"the AWS Price List could not be read: {PERMISSION} was denied"
        elif error.code is ExitCode.TEMPORARY:
            why = f"the AWS Price List did not answer ({error.message})"
        else:  # a prices source is never what stops a check or a results
            why = f"the AWS Price List could not be read ({error.message})"
        return None, None, [f"{why}: prices and dollar figures are not known (or give --prices)"]
    document = {
        "version": PRICES_VERSION,
        "region": region,
        "at": moment,
        "entries": [entry_to_list(entry) for entry in entries],
    }
    write_private_json(path, document)
    return entries, _iso(moment), []


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _read_cache(path: Path, region: str, moment: float) -> tuple[list[PriceEntry], float] | None:
    """The cached entries and when they were read; None for a cache that is missing, old,
    for another region or damaged (it is then read anew and replaced)."""
    document = read_json(path)
    if not isinstance(document, dict) or document.get("version") != PRICES_VERSION:
        return None
    at = document.get("at")
    if document.get("region") != region or not isinstance(at, int | float):
        return None
    if not 0 <= moment - at < PRICES_SECONDS:
        return None
    items = document.get("entries")
    if not isinstance(items, list):
        return None
    try:
        return [entry_from_list(item) for item in items], float(at)
    except ValueError:
        return None


def _prices_cache(region: str) -> Path:
    """One file per region and Price List endpoint: prices are the same for every identity."""
    endpoint = aws_variable("AWS_ENDPOINT_URL_PRICING") or aws_variable("AWS_ENDPOINT_URL") or ""
    digest = hashlib.sha256(f"{region}\0{endpoint}".encode()).hexdigest()[:24]
    return cache_dir() / "prices" / f"{digest}.json"


def batch_prices(
    clients: AwsClients,
    model_id: str,
    model_name: str | None,
    region: str,
    now: float | None = None,
) -> PriceLookup:
    """The model's batch prices in the region (USD per million tokens, with their source),
    or None and warnings that say why."""
    entries, as_of, warnings = region_price_entries(clients, region, now)
    if entries is None:
        return PriceLookup(None, tuple(warnings))
    return select_prices(entries, model_id, model_name, region, as_of)


def job_batch_prices(clients: AwsClients, model_id: str, region: str | None) -> PriceLookup:
    """A job's batch prices: by the id its usage types embed, else by the model's display
    name (ListFoundationModels, asked only then)."""
    region = region or clients.default_region()
    entries, as_of, warnings = region_price_entries(clients, region)
    if entries is None:
        return PriceLookup(None, tuple(warnings))
    return _choose(clients, entries, model_id, None, region, as_of)


def _choose(
    clients: AwsClients,
    entries: list[PriceEntry],
    model_id: str,
    name: str | None,
    region: str,
    as_of: str | None,
) -> PriceLookup:
    """select_prices, with the model's name looked up when it is not known and a price
    listed by name is all that could match."""
    found = select_prices(entries, model_id, name, region, as_of)
    if found.prices is not None or name is not None:
        return found
    if not any(entry.model_name and entry.region_code == region for entry in entries):
        return found
    name = _display_name(clients, model_id, region)
    return select_prices(entries, model_id, name, region, as_of) if name is not None else found


def _display_name(clients: AwsClients, model_id: str, region: str) -> str | None:
    """The model's name as the region's model list gives it; None when it cannot be read."""
    try:
        with source_errors("Bedrock", "bedrock:ListFoundationModels"):
            names = foundation_model_names(clients.client("bedrock", region, attempts=1))
        return resolve_model(base_model_id(model_id), names).name
    except BjobError:
        return None


# --- input tokens -----------------------------------------------------------------------


@dataclass
class _Record:
    body: dict[str, Any]
    size: int
    picks: int
    draws: tuple[int, ...] = ()  # the draws (in the order drawn) that landed on it
    sent: bool = False

    @property
    def first_draw(self) -> int:
        return min(self.draws, default=MAX_SAMPLE)


class CostCounter:
    """Counts a job's input tokens while its input is read elsewhere: `observe` is given
    every line (from several reading threads); `finish` waits for the counts and gives the
    estimate. The model's prices are read in the background meanwhile."""

    def __init__(
        self,
        sources: Sources,
        model_id: str,
        invocation_type: str,
        clients: Callable[[], AwsClients],
        prices: BatchPrices | None = None,
        now: float | None = None,
    ) -> None:
        self._model_given = model_id
        self._count_id = base_model_id(model_id)
        self._converse = invocation_type == "Converse"
        fmt = format_for_model(self._count_id, invocation_type)
        self._family = fmt.name if fmt is not None else None
        self._clients = clients
        self._override = prices
        self._lock = threading.Lock()
        sizes = [source.size for source in sources.items]
        self._sized = all(size is not None for size in sizes)
        self._starts: list[int] = []
        space = 0
        for size in sizes:
            self._starts.append(space)
            space += size or 0
        self._space = space
        # The positions in the order drawn: any first n of them are a sample of their own, so
        # the counting can stop once the estimate is precise enough (FIRST_DRAWS at least).
        drawn = sample_positions(space, MAX_SAMPLE, seed=space, ordered=False)
        drawn = drawn if self._sized else []
        ranked = sorted((position, rank) for rank, position in enumerate(drawn))
        self._positions = [position for position, _ in ranked]
        self._ranks = [rank for _, rank in ranked]
        self._drawn = len(drawn)
        self._draws_used = self._drawn
        self.records = 0
        self.bytes = 0
        self._output_max = 0
        self._no_max = 0
        self._first: dict[tuple[int, int], _Record] = {}  # the first records, until > 200
        self._picked: dict[tuple[int, int], _Record] = {}
        self._big = False
        self._seen_for_reservoir = 0

        self._draw = random.Random(0)
        self._reservoir: list[tuple[tuple[int, int], _Record]] = []
        self._tokens: dict[tuple[int, int], int] = {}
        self._failures: list[str] = []
        self._stop_reason: str | None = None  # unsupported or denied: the rest is not asked
        self._queue: queue.Queue[tuple[tuple[int, int], dict[str, Any]] | None] = queue.Queue()
        self._workers: Callable[[], object] | None = None
        self._prices_result: Callable[[], tuple[list[PriceEntry] | None, str | None, list[str]]]
        self._prices_result = lambda: (None, None, [])
        self._now = now
        if prices is None:
            self._prices_result = in_background(self._read_prices)

    def _read_prices(self) -> tuple[list[PriceEntry] | None, str | None, list[str]]:
        aws = self._clients()
        return region_price_entries(aws, aws.default_region(), self._now)

    # -- reading ------------------------------------------------------------------------

    def observe(self, index: int, offset: int, raw: bytes, document: Any = NOT_PARSED) -> None:
        """One line of source `index`, starting `offset` bytes into it (and the JSON the
        reader parsed it into, if it did)."""
        if document is NOT_PARSED:
            try:
                document = orjson.loads(raw)
            except (ValueError, RecursionError):
                return
        body = document.get("modelInput") if isinstance(document, dict) else None
        if not isinstance(body, dict):
            return  # no record: a pick that lands here counts 0 tokens
        size = len(raw) + 1
        cap = max_tokens(body, self._family)
        key = (index, offset)
        picks = 0
        draws: tuple[int, ...] = ()
        if self._sized:
            start = self._starts[index] + offset
            low = bisect.bisect_left(self._positions, start)
            high = bisect.bisect_left(self._positions, start + size)
            picks, draws = high - low, tuple(self._ranks[low:high])
        with self._lock:
            self.records += 1
            self.bytes += size
            if cap is None:
                self._no_max += 1
            else:
                self._output_max += cap
            if self._big and not picks:  # most lines of a large input: nothing to keep
                return
            record = _Record(body, size, picks, draws)
            if not self._sized:
                self._keep_in_reservoir(key, record)
                return
            if picks:
                self._picked[key] = record
            if self._big:
                self._submit_drawn(key, record, FIRST_DRAWS)
            elif self.records <= COUNT_ALL_AT_MOST:
                self._first[key] = record
            else:  # more than 200: the sample, from now on; the first records' picks now
                self._big = True
                for early, kept in self._first.items():
                    self._submit_drawn(early, kept, FIRST_DRAWS)
                self._first.clear()
                self._submit_drawn(key, record, FIRST_DRAWS)

    def _keep_in_reservoir(self, key: tuple[int, int], record: _Record) -> None:
        """A stream's records: a uniform sample of MAX_SAMPLE kept (algorithm R), counted at
        the end (a stream's size is not known in advance)."""
        self._seen_for_reservoir += 1
        if len(self._reservoir) < MAX_SAMPLE:
            self._reservoir.append((key, record))
            return
        slot = self._draw.randrange(self._seen_for_reservoir)
        if slot < MAX_SAMPLE:
            self._reservoir[slot] = (key, record)

    def _submit_drawn(self, key: tuple[int, int], record: _Record, draws: int) -> None:
        """Count the record now if one of the first `draws` draws landed on it."""
        if not record.sent and record.first_draw < draws:
            record.sent = True
            self._submit(key, record.body)

    def _submit(self, key: tuple[int, int], body: dict[str, Any]) -> None:
        if self._workers is None:
            self._workers = in_background(self._run_workers)
        self._queue.put((key, body))

    def _run_workers(self) -> object:
        return run_all(self._work, range(COUNTERS), workers=COUNTERS)

    def _work(self, _: int, cancel: Cancel) -> None:
        client: list[Any] = []  # the worker's own client, made on its first call
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                cancel.check()
                self._count_one(item, client)
            finally:
                self._queue.task_done()

    def _count_one(self, item: tuple[tuple[int, int], dict[str, Any]], client: list[Any]) -> None:
        """One CountTokens call; an unsupported model or a denial stops the rest."""
        from bjob.aws.quotas import PermissionDenied

        key, body = item
        if self._stop_reason is not None:
            return
        try:
            if not client:
                client.append(self._clients().client("bedrock-runtime", attempts=COUNT_ATTEMPTS))
            tokens = count_tokens(client[0], self._count_id, body, self._converse)
        except CountTokensUnsupported as error:
            self._stop_reason = f"CountTokens does not count {self._count_id} ({error.message})"
            return
        except PermissionDenied as error:
            self._stop_reason = f"bedrock:CountTokens was denied ({error.message})"
            return
        except BjobError as error:
            with self._lock:
                self._failures.append(error.message)
            return
        with self._lock:
            self._tokens[key] = tokens

    # -- the end --------------------------------------------------------------------------

    def close(self) -> None:
        """Let the counting threads end once the calls queued are made (and wait for them);
        for a caller whose reading failed, too."""
        workers, self._workers = self._workers, None
        if workers is not None:
            for _ in range(COUNTERS):
                self._queue.put(None)
            workers()

    def finish(self, lookup: ModelLookup | None = None) -> CostEstimate:
        """Wait for the counts and the prices: the estimate (`lookup`, check's model lookup,
        gives the model's display name, which some prices are listed by)."""
        warnings: list[str] = []
        if self._sized and not self._big:  # at most 200 records: each counted
            for key, record in self._first.items():
                self._submit(key, record.body)
        elif not self._sized:
            for key, record in self._reservoir:
                self._submit(key, record.body)
        else:
            self._draws_used = self._enough_draws()
        self.close()
        tokens = self._input_estimate(warnings)
        if self._no_max:
            family = self._family or "this model's request format"
            warnings.append(
                f"{self._no_max:,} of {self.records:,} records set no max-tokens field "
                f"({family}): the output tokens have no upper bound"
            )
        prices = self._prices(lookup, warnings)
        return CostEstimate(
            prices,
            tokens,
            self._output_max if not self._no_max else None,
            self.records,
            tuple(warnings),
            calls=len(self._tokens) + len(self._failures),
        )

    def _input_estimate(self, warnings: list[str]) -> TokenEstimate | None:
        if not self.records:
            return None
        if self._stop_reason is not None:
            warnings.append(f"{self._stop_reason}: the input tokens are guessed from its size")
            return from_bytes(self.bytes)
        if self._failures:
            warnings.append(
                f"{len(self._failures):,} CountTokens calls failed (the first: "
                f"{self._failures[0]}): the estimate leaves those records out"
            )
        if not self._tokens:
            warnings.append("no CountTokens call succeeded: the input tokens are guessed")
            return from_bytes(self.bytes)
        if not self._sized:
            counts = [self._tokens[key] for key, _ in self._reservoir if key in self._tokens]
            return uniform_estimate(self.records, counts)
        if not self._big:
            if len(self._tokens) == self.records:
                return counted(sum(self._tokens.values()))
            return uniform_estimate(self.records, list(self._tokens.values()))
        return self._sampled(self._draws_used) or from_bytes(self.bytes)

    def _enough_draws(self) -> int:
        """The first FIRST_DRAWS draws' records are counted while the input is read; then
        more, doubling, until the estimate's 99 % interval is within PRECISION of it, or
        every draw is counted: how many draws the estimate rests on."""
        draws = min(FIRST_DRAWS, self._drawn)
        while True:
            self._queue.join()  # the calls asked for so far
            estimate = self._sampled(draws)
            if draws >= self._drawn or self._stop_reason is not None or estimate is None:
                return draws
            if estimate.high - estimate.low <= 2 * PRECISION * max(estimate.value, 1):
                return draws
            draws = min(2 * draws, self._drawn)
            with self._lock:
                for key, record in self._picked.items():
                    self._submit_drawn(key, record, draws)

    def _sampled(self, draws: int) -> TokenEstimate | None:
        """The estimate from the first `draws` draws (None when no record they landed on was
        counted): tokens/bytes of the record each landed on, 0 for one on no record."""
        ratios: list[float] = []
        dropped = on_records = 0
        with self._lock:
            for key, record in self._picked.items():
                landed = sum(rank < draws for rank in record.draws)
                on_records += landed
                if key in self._tokens:
                    ratios += [self._tokens[key] / record.size] * landed
                else:
                    dropped += landed
        ratios += [0.0] * (draws - on_records)  # draws that fell on no record
        if not ratios or dropped == on_records:
            return None
        return size_weighted_estimate(self._space, ratios)

    def _prices(self, lookup: ModelLookup | None, warnings: list[str]) -> BatchPrices | None:
        if self._override is not None:
            return self._override
        entries, as_of, found_warnings = self._prices_result()
        warnings += found_warnings
        if entries is None:
            return None
        name = lookup.model.name if lookup is not None else None
        aws = self._clients()
        region = aws.default_region()
        if lookup is not None and name is None:  # the lookup could not name it: no second try
            chosen = select_prices(entries, self._model_given, None, region, as_of)
        else:
            chosen = _choose(aws, entries, self._model_given, name, region, as_of)
        warnings += chosen.warnings
        return chosen.prices


def estimate_cost(
    sources: Sources,
    model_id: str,
    invocation_type: str,
    clients: Callable[[], AwsClients],
    prices: BatchPrices | None = None,
    lookup: ModelLookup | None = None,
) -> CostEstimate:
    """The estimate for a caller that has not read the input: every source read once (the
    counting overlapping the reading)."""
    counter = CostCounter(sources, model_id, invocation_type, clients, prices)
    for index, source in enumerate(sources.items):
        offset = 0
        for raw in source.lines():
            counter.observe(index, offset, raw)
            offset += len(raw) + 1
    return counter.finish(lookup)
