"""What a job will cost: batch prices from the AWS Price List (the fake's GetProducts, with
the real shapes side by side), input tokens counted with CountTokens (all, a sample, or
guessed from the size), the output bound, `bjob check --cost`."""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bjob.aws.session import AwsClients, AwsOptions
from bjob.model.cost import size_weighted_estimate
from bjob.model.prices import PriceEntry, dollars, parse_product, select_prices
from bjob.usecases.cost import batch_prices, region_price_entries
from tests.conftest import REPO, Result, invoke
from tests.fakebedrock import (
    GPT_OSS,
    HAIKU,
    SONNET4,
    Fault,
    RunningFake,
    bedrock_price_list,
    fake_token_count,
    foundation_model,
    price_product,
)

CHECK_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "check.schema.json").read_text())
LLAMA = "meta.llama3-70b-instruct-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
NAMES = {
    HAIKU: "Claude 3 Haiku",
    SONNET4: "Claude Sonnet 4",
    LLAMA: "Llama 3 70B Instruct",
    NOVA_PRO: "Nova Pro",
    GPT_OSS: "gpt-oss-120b",
}
GET_PRODUCTS = "/AWSPriceListService.GetProducts"


def entries() -> list[PriceEntry]:
    parsed = [parse_product(product, code) for code, product in bedrock_price_list()]
    return [entry for entry in parsed if entry is not None]


def priced(model_id: str, region: str = "us-east-1", name: str | None = "") -> Any:
    found = select_prices(
        entries(), model_id, NAMES.get(model_id) if name == "" else name, region, "t"
    )
    return found


# --- which product is the batch price ----------------------------------------------------


def test_only_batch_products_are_kept_from_the_price_list() -> None:
    kept = {entry.usage_type for entry in entries()}
    assert kept == {
        "USE1-Claude3Haiku-input-tokens-batch",
        "USE1-Claude3Haiku-output-tokens-batch",
        "USW2-Claude3Haiku-input-tokens-batch",
        "USW2-Claude3Haiku-output-tokens-batch",
        "USE1-NovaPro-input-tokens-batch",
        "USE1-NovaPro-output-tokens-batch",
        "USE1-openai.gpt-oss-120b-mantle-input-tokens-batch",
        "USE1-openai.gpt-oss-120b-mantle-output-tokens-batch",
        "USE1-MP:USE1_MillionBatchInputTokens-Units",
        "USE1-MP:USE1_MillionBatchOutputTokens-Units",
        "EUC1-MP:EUC1_MillionBatchInputTokens-Units",
        "USE1-Claude4Sonnet-input-tokens-cross-region-global-batch",
        "USE1-Claude4Sonnet-output-tokens-cross-region-global-batch",
    }


def test_a_model_named_in_the_price_list_gets_its_batch_price_per_million() -> None:
    found = priced(HAIKU)
    assert found.warnings == ()
    assert (found.prices.input.per_million, found.prices.output.per_million) == (0.125, 0.625)
    assert found.prices.input.usage_type == "USE1-Claude3Haiku-input-tokens-batch"
    assert found.prices.input.service_code == "AmazonBedrock"
    assert found.prices.input.effective_date == "2026-05-01T00:00:00Z"


def test_another_region_takes_its_own_price() -> None:
    found = priced(HAIKU, "us-west-2")
    assert (found.prices.input.per_million, found.prices.output.per_million) == (0.111, 0.555)


def test_a_marketplace_model_in_1m_tokens_by_its_servicename() -> None:
    found = priced(SONNET4)
    assert (found.prices.input.per_million, found.prices.output.per_million) == (1.5, 7.5)
    assert found.prices.input.service_code == "AmazonBedrockFoundationModels"
    assert found.prices.output.usage_type == "USE1-MP:USE1_MillionBatchOutputTokens-Units"


def test_a_global_profile_takes_the_cross_region_batch_price() -> None:
    found = priced("global." + SONNET4, name="Claude Sonnet 4")
    assert (found.prices.input.per_million, found.prices.output.per_million) == (1.65, 8.25)
    assert found.prices.input.service_code == "AmazonBedrockService"


def test_a_geography_profile_without_its_own_price_takes_the_regional_one() -> None:
    found = priced("us." + SONNET4, name="Claude Sonnet 4")
    assert (found.prices.input.per_million, found.prices.output.per_million) == (1.5, 7.5)


def test_a_model_is_matched_by_the_id_in_its_usage_type_without_a_name() -> None:
    found = priced(GPT_OSS, name=None)
    assert (found.prices.input.per_million, found.prices.output.per_million) == (0.075, 0.3)


def test_flex_and_standard_prices_never_stand_in_for_batch() -> None:
    found = priced(NOVA_PRO)
    assert (found.prices.input.per_million, found.prices.output.per_million) == (0.4, 1.6)


def test_a_model_without_a_batch_price_has_none_and_a_warning() -> None:
    found = priced(LLAMA)
    assert found.prices is None
    assert "no batch price for Llama 3 70B Instruct" in found.warnings[0]


def test_half_a_price_is_no_price() -> None:
    found = priced(SONNET4, "eu-central-1")
    assert found.prices is None
    assert "no batch output price" in found.warnings[0]


def test_two_different_batch_prices_are_reported_not_chosen() -> None:
    rival = price_product("USE1-Claude3Haiku-input-tokens-batch", "0.0002", model="Claude 3 Haiku")
    parsed = parse_product(rival, "AmazonBedrockService")
    assert parsed is not None
    found = select_prices([*entries(), parsed], HAIKU, "Claude 3 Haiku", "us-east-1", None)
    assert found.prices is None
    assert "2 different batch input prices" in found.warnings[0]
    assert "AmazonBedrockService" in found.warnings[0] and "$0.2" in found.warnings[0]


@pytest.mark.parametrize("usd", ["-0.1", "NaN", "Infinity", "abc"])
def test_a_price_that_is_not_a_finite_number_is_skipped(usd: str) -> None:
    product = price_product("USE1-Claude3Haiku-input-tokens-batch", usd, model="Claude 3 Haiku")
    assert parse_product(product, "AmazonBedrock") is None


def test_dollars_never_overflow_to_infinity() -> None:
    assert dollars(10**30, 1e300) is None
    assert dollars(2 * 10**6, 0.125) == 0.25
    assert dollars(None, 1.0) is None


# --- the Price List over HTTP, and its cache --------------------------------------------


def aws_env(server: RunningFake, monkeypatch: pytest.MonkeyPatch) -> AwsClients:
    for service in ("PRICING", "BEDROCK_RUNTIME", "SERVICE_QUOTAS", "BEDROCK"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", server.url)
    return AwsClients(AwsOptions(region="us-east-1"))


def test_get_products_is_paged_per_service_code_and_filtered_to_the_region(
    server: RunningFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.fake.products += bedrock_price_list()
    clients = aws_env(server, monkeypatch)
    found, as_of, warnings = region_price_entries(clients, "us-east-1", now=1_800_000_000)
    assert warnings == [] and as_of == "2027-01-15T08:00:00Z"
    assert found is not None and {entry.region_code for entry in found} == {"us-east-1"}
    asked = server.fake.requests_to(GET_PRODUCTS)
    codes = [request.body["ServiceCode"] for request in asked]
    assert set(codes) == {"AmazonBedrock", "AmazonBedrockFoundationModels", "AmazonBedrockService"}
    assert codes.count("AmazonBedrock") == 6  # 16 products in us-east-1, 3 a page
    assert all(
        request.body["Filters"]
        == [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"}]
        and request.signed_region == "us-east-1"
        for request in asked
    )
    assert any("NextToken" in request.body for request in asked)


def test_prices_are_cached_a_day_and_a_damaged_cache_is_rebuilt(
    server: RunningFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.fake.products += bedrock_price_list()
    clients = aws_env(server, monkeypatch)
    start = 1_800_000_000.0
    first = batch_prices(clients, HAIKU, "Claude 3 Haiku", "us-east-1", now=start)
    asked = len(server.fake.requests_to(GET_PRODUCTS))
    again = batch_prices(clients, HAIKU, "Claude 3 Haiku", "us-east-1", now=start + 3600)
    assert again == first and len(server.fake.requests_to(GET_PRODUCTS)) == asked
    [cache] = (Path.home() / ".cache" / "bjob" / "prices").iterdir()
    cache.write_text('{"version": 1, "region": "us-east-1", "at": 1800000000, "entries": [[1]]}')
    rebuilt = batch_prices(clients, HAIKU, "Claude 3 Haiku", "us-east-1", now=start + 7200)
    assert rebuilt.prices is not None and first.prices is not None
    assert rebuilt.prices.input == first.prices.input
    assert rebuilt.prices.as_of == "2027-01-15T10:00:00Z"  # read anew, two hours later
    assert len(server.fake.requests_to(GET_PRODUCTS)) == 2 * asked
    batch_prices(clients, HAIKU, "Claude 3 Haiku", "us-east-1", now=start + 7200 + 86400)
    assert len(server.fake.requests_to(GET_PRODUCTS)) == 3 * asked  # a day old: read anew


# --- the sample's arithmetic ---------------------------------------------------------------


def test_the_99_percent_interval_holds_the_truth_about_99_times_in_100() -> None:
    """Draws in proportion to size from a population of known total: the interval misses
    it in about 1 % of repeated samples."""
    draw = random.Random(7)
    sizes = [draw.randint(50, 5000) for _ in range(5000)]
    tokens = [size // 4 + draw.randint(0, 40) for size in sizes]
    space, truth = sum(sizes), sum(tokens)
    bounds = [0]
    for size in sizes:
        bounds.append(bounds[-1] + size)
    import bisect

    misses = 0
    for _ in range(300):
        picks = [bisect.bisect_right(bounds, draw.randrange(space)) - 1 for _ in range(300)]
        found = size_weighted_estimate(space, [tokens[i] / sizes[i] for i in picks])
        misses += not found.low <= truth <= found.high
    assert misses <= 9  # 1 % of 300 is 3; more than 9 would mean the interval is too narrow


# --- bjob check --cost ----------------------------------------------------------------------


def body(text: str, max_tokens: int = 300) -> dict[str, Any]:
    return {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": max_tokens,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }


def write_records(path: Path, bodies: list[dict[str, Any]]) -> Path:
    with path.open("w") as file:
        for index, item in enumerate(bodies):
            file.write(json.dumps({"recordId": f"r{index:06d}", "modelInput": item}) + "\n")
    return path


def check_cost(server: RunningFake, *args: str, **kw: Any) -> Result:
    env = {
        f"AWS_ENDPOINT_URL_{service}": server.url
        for service in ("SERVICE_QUOTAS", "PRICING", "BEDROCK_RUNTIME")
    }
    aws = ("--endpoint-url", server.url, "--region", "us-east-1")
    return invoke("check", *args, *aws, env={**env, **kw.pop("env", {})}, **kw)


@pytest.fixture
def bedrock(server: RunningFake) -> RunningFake:
    server.fake.products += bedrock_price_list()
    server.fake.product_page_size = 100
    server.fake.foundation_models += [foundation_model(m, n) for m, n in NAMES.items()]
    server.fake.token_counting_models.add(HAIKU)
    return server


def cost_of(result: Result) -> dict[str, Any]:
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, CHECK_SCHEMA)
    cost: dict[str, Any] = document["cost"]
    return cost


def sentences(count: int, seed: int = 1, longest: int = 400) -> list[str]:
    draw = random.Random(seed)
    words = ["ticket", "refund", "late", "parcel", "why?", "agent", "it's", "broken", "order"]
    return [" ".join(draw.choices(words, k=draw.randint(3, longest))) for _ in range(count)]


def test_every_record_is_counted_up_to_200(bedrock: RunningFake, tmp_path: Path) -> None:
    bodies = [body(text, max_tokens=100 + index) for index, text in enumerate(sentences(150))]
    path = write_records(tmp_path / "in.jsonl", bodies)
    cost = cost_of(check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json"))
    truth = sum(fake_token_count(item) for item in bodies)
    assert cost["input_tokens"] == {
        "value": truth,
        "low": truth,
        "high": truth,
        "method": "counted",
    }
    assert cost["output_tokens_max"] == sum(100 + index for index in range(150))
    assert cost["prices"]["input_per_million"] == 0.125
    assert cost["prices"]["source"]["input"]["usage_type"] == "USE1-Claude3Haiku-input-tokens-batch"
    assert cost["input_usd"] == pytest.approx(truth * 0.125 / 1e6)
    assert cost["output_usd_max"] == pytest.approx(cost["output_tokens_max"] * 0.625 / 1e6)
    assert cost["currency"] == "USD" and cost["warnings"] == []
    calls = bedrock.fake.requests_to(f"/model/{HAIKU}/count-tokens")
    assert len(calls) == 150
    sent = json.loads(__import__("base64").b64decode(calls[0].body["input"]["invokeModel"]["body"]))
    assert sent in bodies


def test_a_large_input_is_sampled_and_its_range_holds_the_true_count(
    bedrock: RunningFake, tmp_path: Path
) -> None:
    bodies = [body(text) for text in sentences(20_000, seed=3, longest=80)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    cost = cost_of(check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json"))
    truth = sum(fake_token_count(item) for item in bodies)
    tokens = cost["input_tokens"]
    assert tokens["method"] == "sampled"
    assert tokens["low"] <= truth <= tokens["high"]
    assert tokens["low"] <= tokens["value"] <= tokens["high"]
    assert (tokens["high"] - tokens["low"]) / truth < 0.1  # a sample that says something
    assert len(bedrock.fake.requests_to("/model/")) <= 1000
    assert cost["output_tokens_max"] == 300 * 20_000


def test_a_stream_is_sampled_too(bedrock: RunningFake, tmp_path: Path) -> None:
    bodies = [body(text) for text in sentences(1500, seed=5)]
    text = write_records(tmp_path / "in.jsonl", bodies).read_text()
    cost = cost_of(check_cost(bedrock, "-", "--model", HAIKU, "--cost", "--json", stdin=text))
    truth = sum(fake_token_count(item) for item in bodies)
    assert cost["input_tokens"]["method"] == "sampled"
    assert cost["input_tokens"]["low"] <= truth <= cost["input_tokens"]["high"]
    assert len(bedrock.fake.requests_to("/model/")) == 1000


def test_throttled_counts_are_retried(bedrock: RunningFake, tmp_path: Path) -> None:
    bodies = [body(text) for text in sentences(100)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    bedrock.fake.fail_next(
        Fault("error", 429, "ThrottlingException", "Too many requests", path_prefix="/model/"), 5
    )
    cost = cost_of(check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json"))
    truth = sum(fake_token_count(item) for item in bodies)
    assert cost["input_tokens"]["value"] == truth and cost["input_tokens"]["method"] == "counted"
    assert len(bedrock.fake.requests_to("/model/")) == 105


def test_a_model_countTokens_does_not_count_is_guessed_from_the_size(
    bedrock: RunningFake, tmp_path: Path
) -> None:
    bodies = [{"prompt": text, "max_gen_len": 512} for text in sentences(300)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    result = check_cost(bedrock, str(path), "--model", LLAMA, "--cost", "--json")
    cost = cost_of(result)
    size = path.stat().st_size
    assert cost["input_tokens"] == {
        "value": round(size / 4),
        "low": math.floor(size / 8),
        "high": math.ceil(size / 2),
        "method": "bytes",
    }
    assert cost["output_tokens_max"] == 512 * 300
    # Llama 3 70B has no batch price: the tokens stay, the dollars do not.
    assert cost["prices"] is None and cost["input_usd"] is None and cost["output_usd_max"] is None
    assert any("CountTokens does not count" in warning for warning in cost["warnings"])
    assert any("no batch price for Llama 3 70B" in warning for warning in cost["warnings"])
    assert "no batch price" in result.stderr


def test_a_denied_get_products_is_a_warning_naming_the_permission(
    bedrock: RunningFake, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "in.jsonl", [body(text) for text in sentences(100)])
    denied = Fault("error", 403, "AccessDeniedException", "no", path_prefix=GET_PRODUCTS)
    bedrock.fake.fail_next(denied, times=3)
    result = check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json")
    cost = cost_of(result)
    assert cost["prices"] is None and cost["input_usd"] is None
    assert cost["input_tokens"]["method"] == "counted" and cost["output_tokens_max"] == 30_000
    assert any("pricing:GetProducts" in warning for warning in cost["warnings"])
    assert "pricing:GetProducts" in result.stderr


def test_prices_given_override_the_price_list(bedrock: RunningFake, tmp_path: Path) -> None:
    path = write_records(tmp_path / "in.jsonl", [body(text) for text in sentences(100)])
    result = check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--prices", "1,2", "--json")
    cost = cost_of(result)
    assert cost["prices"] == {
        "input_per_million": 1.0,
        "output_per_million": 2.0,
        "source": {"kind": "--prices", "input": None, "output": None},
        "as_of": None,
    }
    assert cost["output_usd_max"] == pytest.approx(30_000 * 2 / 1e6)
    assert bedrock.fake.requests_to(GET_PRODUCTS) == []


@pytest.mark.parametrize("given", ["1,inf", "nan,1", "-1,2", "1", "1,2,3"])
def test_bad_prices_are_a_usage_error(bedrock: RunningFake, tmp_path: Path, given: str) -> None:
    path = write_records(tmp_path / "in.jsonl", [body("hello")])
    result = check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--prices", given)
    assert result.code == 2 and "--prices" in result.stderr


def test_cost_needs_a_model_and_prices_need_cost(tmp_path: Path) -> None:
    path = write_records(tmp_path / "in.jsonl", [body("hello")])
    assert invoke("check", str(path), "--cost").code == 2
    assert invoke("check", str(path), "--prices", "1,2").code == 2


def test_the_terminal_line(bedrock: RunningFake, tmp_path: Path) -> None:
    bodies = [body(text, max_tokens=4000) for text in sentences(100)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    result = check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--prices", "3,15")
    assert result.code == 0, result.stderr
    truth = sum(fake_token_count(item) for item in bodies)
    amount = f"${truth * 3 / 1e6:.2f}"
    expected = (
        f"Cost: ≈ {amount} input ({truth / 1e3:.1f} k tokens, counted) + at most $6.00 output"
    )
    assert expected in result.stdout.splitlines()


def test_converse_bodies_are_counted_as_converse(bedrock: RunningFake, tmp_path: Path) -> None:
    converse = {
        "messages": [{"role": "user", "content": [{"text": "Where is my parcel?"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 64},
    }
    path = write_records(tmp_path / "in.jsonl", [converse] * 100)
    args = ("--model", HAIKU, "--type", "Converse", "--cost", "--json")
    cost = cost_of(check_cost(bedrock, str(path), *args))
    assert cost["input_tokens"]["value"] == 100 * fake_token_count(
        {key: converse[key] for key in ("messages", "system")}
    )
    assert cost["output_tokens_max"] == 100 * 64
    sent = bedrock.fake.requests_to("/model/")[0].body["input"]
    assert set(sent) == {"converse"} and set(sent["converse"]) == {"messages", "system"}


# --- bjob results: what it cost ----------------------------------------------------------


def finished_job(server: RunningFake, s3: Any, model_id: str, with_manifest: bool = True) -> None:
    from tests.test_results import FOLDER, OUT, add_job, answer, jsonl, manifest

    add_job(server, total=2, processed=2, modelId=model_id)
    s3.put_object(Bucket=OUT, Key=FOLDER + "r.jsonl.out", Body=jsonl([answer(0), answer(1)]))
    if with_manifest:
        manifest(s3, successRecordCount=2, errorRecordCount=0)  # 1,200,000 in, 300,000 out


def results_json(server: RunningFake, *args: str) -> tuple[dict[str, Any], Result]:
    from tests.test_results import RESULTS_SCHEMA, results

    result = results(server, "--json", *args)
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, RESULTS_SCHEMA)
    return document, result


def test_results_cost_at_the_price_lists_batch_prices(bedrock: RunningFake, s3: Any) -> None:
    finished_job(bedrock, s3, HAIKU)
    document, _ = results_json(bedrock)
    assert document["cost"]["input"] == 0.15 and document["cost"]["output"] == 0.1875
    assert document["cost"]["total"] == 0.3375
    prices = document["cost"]["prices"]
    assert prices["source"]["kind"] == "price-list"
    assert prices["source"]["output"]["usage_type"] == "USE1-Claude3Haiku-output-tokens-batch"
    from tests.test_results import results

    shown = results(bedrock)
    assert "$0.34" in shown.stdout and "at the AWS Price List's batch prices" in shown.stdout


def test_results_by_name_for_a_marketplace_model(bedrock: RunningFake, s3: Any) -> None:
    finished_job(bedrock, s3, "global." + SONNET4)
    document, _ = results_json(bedrock)
    assert document["cost"]["input"] == pytest.approx(1.2 * 1.65)  # the global batch price
    assert document["cost"]["prices"]["source"]["input"]["service_code"] == "AmazonBedrockService"


def test_results_without_a_manifest_cost_the_answers_usage(bedrock: RunningFake, s3: Any) -> None:
    finished_job(bedrock, s3, HAIKU, with_manifest=False)
    document, _ = results_json(bedrock)
    assert document["tokens"] == {"input": 20, "output": 10}
    assert document["cost"]["total"] == pytest.approx((20 * 0.125 + 10 * 0.625) / 1e6)


def test_results_of_a_model_without_a_batch_price(bedrock: RunningFake, s3: Any) -> None:
    finished_job(bedrock, s3, LLAMA)
    document, result = results_json(bedrock)
    assert document["cost"] is None and document["tokens"]["input"] == 1_200_000
    assert any("no batch price for Llama 3 70B" in warning for warning in document["warnings"])
    assert "no batch price" in result.stderr


def test_results_with_get_products_denied(bedrock: RunningFake, s3: Any) -> None:
    finished_job(bedrock, s3, HAIKU)
    denied = Fault("error", 403, "AccessDeniedException", "no", path_prefix=GET_PRODUCTS)
    bedrock.fake.fail_next(denied, times=3)
    document, result = results_json(bedrock)
    assert document["cost"] is None and document["tokens"]["output"] == 300_000
    assert "pricing:GetProducts" in result.stderr


def test_a_runs_cost_is_its_jobs_added_up_or_unknown() -> None:
    from bjob.model.prices import user_prices
    from bjob.model.results import Tokens, cost_at, summed_costs

    prices = user_prices(1.0, 2.0)
    first = cost_at(Tokens(1_000_000, 500_000), prices)
    second = cost_at(Tokens(3_000_000, 0), prices)
    run = summed_costs([first, second])
    assert run is not None and (run.input, run.output, run.total) == (4.0, 1.0, 5.0)
    assert run.prices == prices
    assert summed_costs([first, None]) is None  # a job whose cost is unknown: the run's too
    half = cost_at(Tokens(None, 500_000), prices)
    mixed = summed_costs([first, half])
    assert mixed is not None and mixed.input is None and mixed.output == 2.0


def test_results_prices_near_the_float_maximum_give_no_infinity(
    bedrock: RunningFake, s3: Any
) -> None:
    finished_job(bedrock, s3, HAIKU)
    document, result = results_json(bedrock, "--prices", "1.7e308,1")
    assert "Infinity" not in result.stdout
    assert document["cost"]["input"] is None and document["cost"]["total"] is None
    assert document["cost"]["output"] == 0.3
    assert bedrock.fake.requests_to(GET_PRODUCTS) == []  # --prices: the Price List not asked


def test_a_denied_count_tokens_falls_back_to_the_size_and_names_the_permission(
    bedrock: RunningFake, tmp_path: Path
) -> None:
    path = write_records(tmp_path / "in.jsonl", [body(text) for text in sentences(100)])
    denied = Fault("error", 403, "AccessDeniedException", "no", path_prefix="/model/")
    bedrock.fake.fail_next(denied, times=100)
    cost = cost_of(check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json"))
    assert cost["input_tokens"]["method"] == "bytes"
    assert any("bedrock:CountTokens" in warning for warning in cost["warnings"])
    assert cost["prices"]["input_per_million"] == 0.125  # the prices are still known


def test_estimate_cost_reads_the_input_itself_for_a_caller_that_has_not(
    bedrock: RunningFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one call submit's plan makes: sources in, a CostEstimate out."""
    from bjob.model.cost import CostEstimate
    from bjob.render.cost import cost_line
    from bjob.usecases.check import find_sources
    from bjob.usecases.cost import estimate_cost

    bodies = [body(text, max_tokens=10) for text in sentences(250, seed=9)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    clients = aws_env(bedrock, monkeypatch)
    sources = find_sources([str(path)], lambda: clients, io.BytesIO)  # no standard input here
    estimate = estimate_cost(sources, HAIKU, "InvokeModel", lambda: clients)
    assert isinstance(estimate, CostEstimate) and estimate.records == 250
    truth = sum(fake_token_count(item) for item in bodies)
    assert estimate.input_tokens is not None and estimate.input_tokens.method == "sampled"
    assert estimate.input_tokens.low <= truth <= estimate.input_tokens.high
    assert estimate.to_json()["output_tokens_max"] == 2500
    assert cost_line(estimate).startswith("≈ $0.0")
    assert "at most $0.0016 output" in cost_line(estimate)


def test_a_sample_stops_once_its_interval_is_narrow(bedrock: RunningFake, tmp_path: Path) -> None:
    """Records alike in tokens per byte: the first 100 draws already pin the total within 2 %
    (99 % interval), so no more calls are made; the range still holds the truth."""
    bodies = [body("the same question, asked again and again") for _ in range(5_000)]
    path = write_records(tmp_path / "in.jsonl", bodies)
    cost = cost_of(check_cost(bedrock, str(path), "--model", HAIKU, "--cost", "--json"))
    truth = sum(fake_token_count(item) for item in bodies)
    tokens = cost["input_tokens"]
    assert tokens["method"] == "sampled" and tokens["low"] <= truth <= tokens["high"]
    assert len(bedrock.fake.requests_to("/model/")) <= 100
