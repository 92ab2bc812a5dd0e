"""bjob quotas: jobs from the fake Bedrock server, quotas from its Service Quotas protocol,
model names from its ListFoundationModels, the queue from CloudWatch (moto's mock_aws
in-process; moto's server for the installed bjob)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jsonschema
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from bjob.model.models import base_model_id
from bjob.model.quotas import classify_quota
from tests.conftest import REPO, ClientHook, FakeClock, Result, invoke, run_bjob
from tests.fakebedrock import Fault, RunningFake, batch_quota, foundation_model, make_job

QUOTAS_SCHEMA = json.loads((REPO / "bjob" / "schemas" / "quotas.schema.json").read_text())
HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET = "anthropic.claude-sonnet-4-20250514-v1:0"
NOVA = "amazon.nova-lite-v1:0"
LLAMA = "meta.llama3-70b-instruct-v1:0"


@pytest.fixture
def cloudwatch() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def deny(client_hooks: list[ClientHook], service: str, operation: str) -> None:
    """The caller lacks the permission: the service answers AccessDenied."""

    def refuse(**_: Any) -> None:
        raise ClientError(
            {
                "Error": {"Code": "AccessDeniedException", "Message": "no"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            operation,
        )

    def denying(name: str, client: Any) -> None:
        if name == service:
            client.meta.events.register(f"before-call.*.{operation}", refuse)

    client_hooks.append(denying)


def setup(server: RunningFake) -> datetime:
    """Haiku: quotas and 3 unfinished jobs; Sonnet: quotas, no jobs; Llama: jobs, no quota;
    a quota for a model ListFoundationModels does not know; quotas on several pages."""
    now = datetime.now(UTC).replace(microsecond=0)
    fake = server.fake
    fake.foundation_models += [
        foundation_model(HAIKU, "Claude 3 Haiku"),
        foundation_model(SONNET, "Claude Sonnet 4"),
        foundation_model(LLAMA, "Llama 3 70B Instruct", "Meta"),
        foundation_model(NOVA, "Nova Lite", "Amazon"),
    ]
    fake.applied_quotas += [
        batch_quota(
            "Sum of in-progress and submitted batch inference jobs using a base model "
            "for Claude 3 Haiku",
            20,
        ),
        batch_quota("Records per batch inference job for Claude 3 Haiku", 50_000),
        batch_quota("Minimum number of records per batch inference job for Claude 3 Haiku", 100),
        batch_quota("On-demand model inference requests per minute for Claude 3 Haiku", 1000),
        batch_quota("Batch inference job size (in GB) for Claude Sonnet 4", 5),
        batch_quota(
            "Sum of in-progress and submitted batch inference jobs using a base model "
            "for Claude Sonnet 4",
            10,
        ),
        batch_quota(
            "Sum of in-progress and submitted batch inference jobs using a custom "
            "model for Claude 3 Haiku",
            3,
        ),
    ]
    fake.default_quotas += [
        batch_quota(
            "Sum of in-progress and submitted batch inference jobs using a base model "
            "for Claude 3 Haiku",
            10,
        ),  # the applied 20 wins
        batch_quota("Batch inference input file size (in GB) for Claude 3 Haiku", 1),
        batch_quota("Records per input file per batch inference job for Claude 3 Haiku", 50_000),
        batch_quota("Batch inference job size (in GB) for Mystery Model 9", 2),
    ]
    submitted = now - timedelta(hours=3)
    for index, status in enumerate(["InProgress", "Scheduled", "Scheduled", "Completed"]):
        fake.add_job(make_job(f"haiku0000{index:03d}", status, modelId=HAIKU, submitted=submitted))
    fake.add_job(make_job("llama0000001", "Submitted", modelId=f"us.{LLAMA}", submitted=submitted))
    fake.add_job(
        make_job("oldold000001", "InProgress", modelId=NOVA, submitted=now - timedelta(days=20))
    )
    return now


def put_queue(
    cloudwatch: Any,
    model_id: str,
    now: datetime,
    *,
    pending: float,
    input_tokens: list[float],
    tokens_pending: float | None = None,
) -> None:
    """Five-minute points over the last hour, oldest first; input tokens per point given."""
    data = []
    for index, value in enumerate(input_tokens):
        moment = now - timedelta(minutes=5 * (len(input_tokens) - index))
        dimensions = [{"Name": "ModelId", "Value": model_id}]
        data += [
            {
                "MetricName": "NumberOfInputTokensProcessedPerMinute",
                "Dimensions": dimensions,
                "Timestamp": moment,
                "Value": value,
            },
            {
                "MetricName": "NumberOfRecordsPendingProcessing",
                "Dimensions": dimensions,
                "Timestamp": moment,
                "Value": pending,
            },
        ]
        if tokens_pending is not None:
            data.append(
                {
                    "MetricName": "NumberOfTokensPendingProcessing",
                    "Dimensions": dimensions,
                    "Timestamp": moment,
                    "Value": tokens_pending,
                }
            )
    cloudwatch.put_metric_data(Namespace="AWS/Bedrock/Batch", MetricData=data)


def quotas(server: RunningFake, now: datetime, *args: str, **kw: Any) -> Result:
    env = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url, **kw.pop("env", {})}
    return invoke(
        "quotas",
        *args,
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env=env,
        clock=FakeClock(start=now),
        **kw,
    )


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {model["model_name"]: model for model in document["models"]}


def figures(metrics: dict[str, Any]) -> dict[str, Any]:
    """Each metric's latest value (and stalled), without when it was measured."""
    return {
        name: value["value"] if isinstance(value, dict) else value
        for name, value in metrics.items()
    }


def test_models_jobs_quotas_and_the_queue(
    server: RunningFake, cloudwatch: Any, aws_calls: list[str]
) -> None:
    now = setup(server)
    put_queue(
        cloudwatch,
        HAIKU,
        now,
        pending=12_000,
        tokens_pending=3_000_000,
        input_tokens=[900, 1200, 800, 0, 0, 0, 0, 0, 0],
    )
    result = quotas(server, now, "--json")
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    jsonschema.validate(document, QUOTAS_SCHEMA)
    assert document["region"] == "us-east-1" and document["warnings"] == []
    models = by_name(document)
    haiku = models["Claude 3 Haiku"]
    assert haiku["model_id"] == HAIKU
    assert haiku["active_jobs"] == 3
    assert haiku["jobs_by_status"] == {"InProgress": 1, "Scheduled": 2}
    assert haiku["quotas"] == {
        "concurrent_jobs": 20,
        "records_per_job": 50_000,
        "min_records_per_job": 100,
        "records_per_input_file": 50_000,
        "input_file_gb": 1,
        "job_size_gb": None,
    }
    assert figures(haiku["metrics"]) == {
        "records_pending": 12_000,
        "tokens_pending": 3_000_000,
        "input_tokens_per_minute": 0,
        "output_tokens_per_minute": None,
        "stalled": True,
    }
    latest = (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert haiku["metrics"]["records_pending"]["as_of"] == latest
    assert haiku["metrics"]["records_pending"]["stale"] is False
    sonnet = models["Claude Sonnet 4"]  # quotas, no jobs
    assert sonnet["active_jobs"] == 0 and sonnet["quotas"]["concurrent_jobs"] == 10
    assert sonnet["quotas"]["job_size_gb"] == 5
    llama = models["Llama 3 70B Instruct"]  # jobs (through a profile), no quota
    assert llama["model_id"] == LLAMA and llama["jobs_by_status"] == {"Submitted": 1}
    assert set(llama["quotas"].values()) == {None}
    mystery = models["Mystery Model 9"]  # a quota bjob cannot match to a model
    assert mystery["model_id"] is None and mystery["quotas"]["job_size_gb"] == 2
    assert "Nova Lite" not in models  # its only job is older than any job can run
    assert list(models)[0] == "Claude 3 Haiku"  # the busiest first
    # One listing looking back 14 days; every page of both quota lists; one GetMetricData.
    [listing] = [r for r in server.fake.requests if r.path == "/model-invocation-jobs"]
    after = datetime.fromisoformat(listing.query["submitTimeAfter"][0].replace("Z", "+00:00"))
    assert after == now - timedelta(days=14)
    pages = [
        r.body.get("NextToken")
        for r in server.fake.requests
        if r.path.endswith(".ListServiceQuotas")
    ]
    assert pages == [None, "2", "4", "6"]
    assert aws_calls.count("cloudwatch.GetMetricData") == 1


def test_the_table_for_people(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    put_queue(cloudwatch, HAIKU, now, pending=12_000, input_tokens=[900, 1200, 800])
    result = quotas(server, now, env={"COLUMNS": "120"})
    assert result.code == 0, result.stderr
    queue, limits = result.stdout.split("\nLimits")
    rows = {line.split("  ")[0]: line for line in queue.splitlines()}
    assert "3 of 20" in rows["Claude 3 Haiku"] and "12,000" in rows["Claude 3 Haiku"]
    assert "1 InProgress · 2 Scheduled" in rows["Claude 3 Haiku"]
    assert "0 of 10" in rows["Claude Sonnet 4"]
    assert "100–50,000" in limits  # records a job, the fewest to the most


def test_no_metrics_at_all(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    document = json.loads(quotas(server, now, "--json").stdout)
    haiku = by_name(document)["Claude 3 Haiku"]
    assert figures(haiku["metrics"]) == {
        "records_pending": None,
        "tokens_pending": None,
        "input_tokens_per_minute": None,
        "output_tokens_per_minute": None,
        "stalled": False,
    }


def test_a_queue_that_moves_is_not_stalled(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    put_queue(cloudwatch, HAIKU, now, pending=500, input_tokens=[0, 0, 0, 0, 0, 4000])
    haiku = by_name(json.loads(quotas(server, now, "--json").stdout))["Claude 3 Haiku"]
    assert haiku["metrics"]["stalled"] is False
    assert haiku["metrics"]["records_pending"]["value"] == 500


@pytest.mark.parametrize(
    ("service", "operation", "permission", "missing"),
    [
        ("service-quotas", "ListServiceQuotas", "servicequotas:ListServiceQuotas", "quotas"),
        ("cloudwatch", "GetMetricData", "cloudwatch:GetMetricData", "metrics"),
        ("bedrock", "ListFoundationModels", "bedrock:ListFoundationModels", "model_name"),
    ],
)
def test_a_source_without_permission_is_a_warning(
    server: RunningFake,
    cloudwatch: Any,
    client_hooks: list[ClientHook],
    service: str,
    operation: str,
    permission: str,
    missing: str,
) -> None:
    now = setup(server)
    deny(client_hooks, service, operation)
    result = quotas(server, now, "--json")
    assert result.code == 0, result.stderr
    assert "warning: us-east-1: " in result.stderr and permission in result.stderr
    document = json.loads(result.stdout)
    assert len(document["warnings"]) == 1 and permission in document["warnings"][0]
    models = document["models"]
    haiku = next(model for model in models if model["model_id"] == HAIKU)
    assert haiku["active_jobs"] == 3  # the rest is still shown
    if missing == "quotas":  # the applied values are not read; AWS's defaults still are
        assert haiku["quotas"] == {
            "concurrent_jobs": 10,
            "records_per_job": None,
            "min_records_per_job": None,
            "records_per_input_file": 50_000,
            "input_file_gb": 1,
            "job_size_gb": None,
        }
    elif missing == "metrics":
        assert haiku["metrics"] is None
    else:
        assert haiku["model_name"] is None


def test_throttling_past_retries_is_a_warning(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.fail_next(
        Fault("error", 429, "ThrottlingException", "Rate exceeded", path_prefix="/ServiceQuotas"),
        times=3,
    )
    result = quotas(server, now, "--json")
    assert result.code == 0
    assert "Rate exceeded" in result.stderr and "applied values are not shown" in result.stderr


def test_the_job_listing_failing_is_an_error(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.fail_next(
        Fault(
            "error",
            403,
            "AccessDeniedException",
            "no listing",
            path_prefix="/model-invocation-jobs",
        )
    )
    result = quotas(server, now)
    assert result.code == 4 and "no listing" in result.stderr and result.stdout == ""


def test_model_filter_and_several_regions(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.add_job(
        make_job(
            "westhaiku001",
            "Scheduled",
            region="us-west-2",
            modelId=HAIKU,
            submitted=now - timedelta(hours=1),
        )
    )
    result = invoke(
        "quotas",
        "--model",
        "HAIKU",
        "--json",
        "--region",
        "us-east-1",
        "--region",
        "us-west-2",
        "--endpoint-url",
        server.url,
        clock=FakeClock(now),
        env={"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url},
    )
    assert result.code == 0, result.stderr
    documents = json.loads(result.stdout)
    assert [document["region"] for document in documents] == ["us-east-1", "us-west-2"]
    assert [model["model_id"] for model in documents[0]["models"]] == [HAIKU]
    assert documents[1]["models"][0]["jobs_by_status"] == {"Scheduled": 1}


def test_quota_names_in_their_varying_word_orders() -> None:
    assert classify_quota("Records per batch inference job for Claude 3 Haiku") == (
        "records_per_job",
        "Claude 3 Haiku",
    )
    assert classify_quota("Batch inference input file size (in GB) for Nova Pro") == (
        "input_file_gb",
        "Nova Pro",
    )
    assert classify_quota("Records per input file per batch inference job for Llama 3.1 8B") == (
        "records_per_input_file",
        "Llama 3.1 8B",
    )
    assert classify_quota("Minimum number of records per batch inference job for Titan") == (
        "min_records_per_job",
        "Titan",
    )
    assert classify_quota("Batch inference job size (in GB) for Mistral Large") == (
        "job_size_gb",
        "Mistral Large",
    )
    assert classify_quota("On-demand InvokeModel requests per minute for Claude") is None
    assert base_model_id(f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}") == HAIKU
    assert base_model_id(f"eu.{HAIKU}") == HAIKU and base_model_id(HAIKU) == HAIKU


def test_show_of_a_waiting_job_points_to_quotas(server: RunningFake) -> None:
    server.fake.add_job(make_job("haiku0000001", "Scheduled", modelId=f"us.{HAIKU}"))
    result = invoke("show", "haiku0000001", "--endpoint-url", server.url, "--region", "us-east-1")
    assert result.stdout.splitlines()[-1].startswith("Scheduled, waiting for 2 h 0 m; what holds")
    assert result.stdout.splitlines()[-1].endswith(f"bjob quotas --model {HAIKU}")
    assert len(server.fake.requests) == 1  # no extra request


def test_the_installed_bjob_reads_cloudwatch_through_a_moto_server(server: RunningFake) -> None:
    from tests.s3proxy import moto_server

    endpoint = moto_server()
    now = setup(server)
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1", endpoint_url=endpoint)
    put_queue(cloudwatch, HAIKU, now, pending=7, input_tokens=[10, 20])
    endpoints = {
        "AWS_ENDPOINT_URL_CLOUDWATCH": endpoint,
        "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url,
    }

    def quotas(*args: str) -> Any:
        connection = ("--endpoint-url", server.url, "--region", "us-east-1")
        return run_bjob("quotas", *args, *connection, env=endpoints)

    result = quotas("--json")
    assert result.code == 0, result.stderr
    haiku = by_name(json.loads(result.stdout))["Claude 3 Haiku"]
    assert haiku["metrics"]["records_pending"]["value"] == 7
    assert haiku["quotas"]["concurrent_jobs"] == 20
    queried = quotas("--query", "models[?metrics.records_pending.value > `0`].model_id")
    assert queried.code == 0, queried.stderr
    assert json.loads(queried.stdout) == [HAIKU]


def test_hostile_names_from_aws_are_shown_not_obeyed(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.foundation_models[0]["modelName"] = "Claude\x1b[2J 3 \u202eHaiku[bold]x[/]"
    server.fake.applied_quotas.append(
        batch_quota("Records per batch inference job for Claude\x1b[2J 3 \u202eHaiku[bold]x[/]", 9)
    )
    result = quotas(server, now, tty=True, env={"COLUMNS": "200"})
    assert result.code == 0, result.stderr
    for control in ("\x1b[2J", "\u202e"):
        assert control not in result.stdout
    assert "\\x1b[2J" in result.stdout and "[bold]x[/]" in result.stdout


def put_points(
    cloudwatch: Any, model_id: str, metric: str, points: list[tuple[datetime, float]]
) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/Bedrock/Batch",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                "Timestamp": moment,
                "Value": value,
            }
            for moment, value in points
        ],
    )


def test_old_figures_are_stale_and_never_stalled(server: RunningFake, cloudwatch: Any) -> None:
    """Metrics that stopped 40 minutes ago: shown with their age, not as current, and a
    queue whose figures stopped is not called stalled."""
    now = setup(server)
    old = [(now - timedelta(minutes=minutes), 800.0) for minutes in (58, 50, 45, 40)]
    put_points(cloudwatch, HAIKU, "NumberOfRecordsPendingProcessing", old)
    put_points(
        cloudwatch, HAIKU, "NumberOfInputTokensProcessedPerMinute", [(t, 0.0) for t, _ in old]
    )
    document = json.loads(quotas(server, now, "--json").stdout)
    pending = by_name(document)["Claude 3 Haiku"]["metrics"]
    assert pending["records_pending"]["value"] == 800 and pending["records_pending"]["stale"]
    assert pending["stalled"] is False
    table = quotas(server, now, env={"COLUMNS": "160"}).stdout
    assert "800 (stale, 40 min old)" in table


def test_a_queue_that_drained_is_not_stalled(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    moments = [now - timedelta(minutes=minutes) for minutes in range(50, 0, -5)]
    pending = [(moment, 0.0 if index == 5 else 300.0) for index, moment in enumerate(moments)]
    put_points(cloudwatch, HAIKU, "NumberOfRecordsPendingProcessing", pending)
    put_points(
        cloudwatch, HAIKU, "NumberOfInputTokensProcessedPerMinute", [(m, 0.0) for m in moments]
    )
    haiku = by_name(json.loads(quotas(server, now, "--json").stdout))["Claude 3 Haiku"]
    assert haiku["metrics"]["stalled"] is False  # it emptied within the last 30 minutes


def test_the_latest_value_is_the_latest_minute(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    points = [(now - timedelta(minutes=3), 5000.0), (now - timedelta(minutes=2), 40.0)]
    put_points(cloudwatch, HAIKU, "NumberOfRecordsPendingProcessing", points)
    put_points(cloudwatch, HAIKU, "NumberOfInputTokensProcessedPerMinute", [(points[1][0], 1234.6)])
    metrics = by_name(json.loads(quotas(server, now, "--json").stdout))["Claude 3 Haiku"]["metrics"]
    assert metrics["records_pending"]["value"] == 40  # not the 5,000 of the same 5 minutes
    assert metrics["input_tokens_per_minute"]["value"] == 1235  # a whole number of tokens


def test_variants_and_profiles_are_one_row(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.foundation_models.append(foundation_model(f"{HAIKU}:48k", "Claude 3 Haiku"))
    server.fake.add_job(
        make_job(
            "haiku0000999", "Submitted", modelId=f"{HAIKU}:48k", submitted=now - timedelta(hours=1)
        )
    )
    server.fake.add_job(
        make_job(
            "haiku0000998", "Submitted", modelId=f"eu.{HAIKU}", submitted=now - timedelta(hours=1)
        )
    )
    document = json.loads(quotas(server, now, "--json").stdout)
    rows = [model for model in document["models"] if model["model_name"] == "Claude 3 Haiku"]
    assert len(rows) == 1 and rows[0]["model_id"] == HAIKU
    assert rows[0]["jobs_by_status"] == {"InProgress": 1, "Scheduled": 2, "Submitted": 2}


@pytest.mark.parametrize("given", ["claude 3 haiku", f"us.{HAIKU}", f"{HAIKU}:48k", "3 Haik"])
def test_model_takes_what_check_takes(server: RunningFake, cloudwatch: Any, given: str) -> None:
    now = setup(server)
    result = quotas(server, now, "--model", given, "--json")
    assert result.code == 0, result.stderr
    assert [model["model_id"] for model in json.loads(result.stdout)["models"]] == [HAIKU]


def test_a_model_that_matches_nothing_is_a_usage_error(
    server: RunningFake, cloudwatch: Any
) -> None:
    now = setup(server)
    result = quotas(server, now, "--model", "Claude Sonet 4")
    assert result.code == 2 and result.stdout == ""
    assert "no foundation model in the region is called that" in result.stderr
    assert "did you mean 'claude sonnet 4'" in result.stderr


def test_narrow_terminals_say_what_they_leave_out(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    put_queue(cloudwatch, HAIKU, now, pending=12, input_tokens=[5, 5, 5])
    narrow = quotas(server, now, env={"COLUMNS": "80"}).stdout
    assert "columns: widen the terminal or use --json" in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 80


def test_no_color_keeps_the_sparklines(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    put_queue(cloudwatch, HAIKU, now, pending=12, input_tokens=[100, 500, 900])
    shown = quotas(server, now, tty=True, env={"NO_COLOR": "1", "COLUMNS": "160"}).stdout
    assert "\x1b[" not in shown and any(spark in shown for spark in "▁▂▃▄▅▆▇█")


def test_a_repeated_region_is_one_region(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    result = quotas(server, now, "--region", "us-east-1", "--json")
    document = json.loads(result.stdout)
    assert isinstance(document, dict) and document["region"] == "us-east-1"


def test_an_html_error_page_is_one_line(server: RunningFake, cloudwatch: Any) -> None:
    now = setup(server)
    server.fake.fail_next(
        Fault(
            "html",
            502,
            body="<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>",
            path_prefix="/ServiceQuotas",
        ),
        times=3,
    )
    result = quotas(server, now, "--json")
    assert result.code == 0
    [warning] = [
        line
        for line in result.stderr.splitlines()
        if "Service Quotas" in line
        or "ListServiceQuotas" in line
        or "service did not answer" in line
    ]
    assert "<html>" not in warning and "\n" not in warning
