"""bjob list: filter translation and paging (Stubber), then the installed command end to end
against the fake server holding thousands of jobs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import jsonschema
import pytest
from botocore.stub import Stubber

from bjob.aws.session import AwsClients
from bjob.usecases.listing import ListFilters, list_jobs
from tests.conftest import SCHEMA, invoke, read_pty, spawn_in_pty
from tests.fakebedrock import Fault, RecordedRequest, RunningFake, generate_jobs, make_job


def summary(index: int, status: str = "Completed") -> dict[str, object]:
    return {
        "jobArn": f"arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/{index:012d}",
        "jobName": f"job-{index}",
        "modelId": "amazon.nova-lite-v1:0",
        "roleArn": "arn:aws:iam::123456789012:role/R",
        "status": status,
        "submitTime": datetime(2026, 11, 1, tzinfo=UTC),
        "inputDataConfig": {"s3InputDataConfig": {"s3Uri": "s3://in/x.jsonl"}},
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://out/"}},
    }


def test_one_status_is_filtered_by_the_service_several_here() -> None:
    since = datetime(2026, 11, 1, tzinfo=UTC)
    one = ListFilters(statuses=("Failed",), name="eval", since=since, newest_first=False)
    assert one.request_parameters() == {
        "sortBy": "CreationTime",
        "sortOrder": "Ascending",
        "statusEquals": "Failed",
        "nameContains": "eval",
        "submitTimeAfter": since,
    }
    several = ListFilters(statuses=("Failed", "Stopped"))
    assert "statusEquals" not in several.request_parameters()
    assert several.keeps({"status": "Stopped"}) and not several.keeps({"status": "Completed"})
    assert several.page_size() == 1000  # filtering here: always the largest page
    assert ListFilters(limit=20).page_size() == 20
    assert ListFilters(limit=None).page_size() == 1000


def test_every_page_is_read_with_the_largest_page_size(
    clients: AwsClients, stubber: Stubber
) -> None:
    base = {"sortBy": "CreationTime", "sortOrder": "Descending", "maxResults": 1000}
    stubber.add_response(
        "list_model_invocation_jobs",
        {"invocationJobSummaries": [summary(i) for i in range(3)], "nextToken": "t1"},
        base,
    )
    stubber.add_response(
        "list_model_invocation_jobs",
        {"invocationJobSummaries": [summary(i) for i in range(3, 5)]},
        {**base, "nextToken": "t1"},
    )
    listing = list_jobs(clients, [None], ListFilters(limit=None))
    assert [job.name for job in listing] == [f"job-{i}" for i in range(5)]


def test_limit_stops_paging_once_enough_jobs_match(clients: AwsClients, stubber: Stubber) -> None:
    stubber.add_response(
        "list_model_invocation_jobs",
        {
            "invocationJobSummaries": [
                summary(i, "Failed" if i % 2 else "Completed") for i in range(10)
            ],
            "nextToken": "more",
        },
        {"sortBy": "CreationTime", "sortOrder": "Descending", "maxResults": 1000},
    )
    filters = ListFilters(statuses=("Failed", "Stopped"), limit=3)
    listing = list_jobs(clients, [None], filters)
    assert [job.name for job in listing] == ["job-1", "job-3", "job-5"]


@pytest.fixture(scope="module")
def crowded() -> Iterator[RunningFake]:
    """2,500 jobs in us-east-1 across every status, and 3 in eu-west-1."""
    with RunningFake() as running:
        for job in generate_jobs(2500):
            running.fake.add_job(job)
        for index in range(3):
            running.fake.add_job(
                make_job(
                    f"eeeeeeeeeee{index}", "Completed", region="eu-west-1", name=f"europe-{index}"
                )
            )
        yield running


def list_(server: RunningFake, *args: str) -> tuple[int, str, str, list[RecordedRequest]]:
    before = len(server.fake.requests)
    result = invoke("list", *args, "--endpoint-url", server.url, env={"AWS_REGION": "us-east-1"})
    return result.code, result.stdout, result.stderr, server.fake.requests[before:]


def test_all_as_json_is_every_job_newest_first_in_three_requests(crowded: RunningFake) -> None:
    code, out, err, requests = list_(crowded, "--all", "--json")
    assert code == 0, err
    jobs = json.loads(out)
    assert len(jobs) == 2500
    assert len(requests) == 3
    assert all(request.query["maxResults"] == ["1000"] for request in requests)
    submitted = [job["times"]["submitted"] for job in jobs]
    assert submitted == sorted(submitted, reverse=True)
    assert jobs[0]["name"] == "bulk-02499"
    jsonschema.validate(jobs[0], SCHEMA)


def test_one_status_filter_is_sent_to_the_service(crowded: RunningFake) -> None:
    code, out, _, requests = list_(crowded, "--status", "failed", "--all", "--ids")
    assert code == 0
    arns = out.split()
    assert len(arns) == 250 and all(arn.startswith("arn:aws:bedrock:us-east-1:") for arn in arns)
    assert requests[0].query["statusEquals"] == ["Failed"]


def test_several_statuses_are_filtered_client_side(crowded: RunningFake) -> None:
    code, out, _, requests = list_(
        crowded, "--status", "FAILED", "--status", "stopped", "--all", "--json"
    )
    assert code == 0
    statuses = {job["status"] for job in json.loads(out)}
    assert statuses == {"Failed", "Stopped"} and len(json.loads(out)) == 500
    assert "statusEquals" not in requests[0].query


def test_default_table_is_fifty_newest_with_the_columns(crowded: RunningFake) -> None:
    code, out, _, requests = list_(crowded)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "Name",
        "Status",
        "Progress",
        "OK",
        "Failed",
        "Submitted",
        "Duration",
        "Id",
        "Model",
    ]
    rows = [line for line in lines[1:] if line.startswith("bulk-")]
    assert len(rows) == 50 and rows[0].startswith("bulk-02499")
    assert "claude-3-haiku-20240307-v1" in rows[0] and "40.0%" in rows[0]
    assert len(requests) == 1 and requests[0].query["maxResults"] == ["50"]
    assert "\x1b" not in out


def test_limit_sort_and_ids(crowded: RunningFake) -> None:
    code, out, _, requests = list_(crowded, "--sort", "oldest", "--limit", "3", "--ids")
    assert code == 0
    assert [arn.rsplit("/", 1)[1] for arn in out.split()] == [
        "aaaaaaaaaaaa",
        "aaaaaaaaaaa1",
        "aaaaaaaaaaa2",
    ]
    assert requests[0].query["sortOrder"] == ["Ascending"]


def test_query_applies_jmespath_to_the_json(crowded: RunningFake) -> None:
    code, out, _, _ = list_(crowded, "--all", "--query", "[?status=='Expired'] | length(@)")
    assert code == 0 and json.loads(out) == 250
    code, out, _, _ = list_(crowded, "--limit", "2", "--json", "--query", "[].name")
    assert json.loads(out) == ["bulk-02499", "bulk-02498"]


def test_since_and_until_are_sent_and_respected(crowded: RunningFake) -> None:
    code, out, _, requests = list_(
        crowded, "--since", "2026-11-02T12:00:00Z", "--until", "2026-11-02T12:05:00+00:00", "--json"
    )
    assert code == 0
    assert requests[0].query["submitTimeAfter"] == ["2026-11-02T12:00:00Z"]
    assert requests[0].query["submitTimeBefore"] == ["2026-11-02T12:05:00Z"]
    names = [job["name"] for job in json.loads(out)]
    assert names == ["bulk-02164", "bulk-02163", "bulk-02162", "bulk-02161"]


def test_name_filter(crowded: RunningFake) -> None:
    code, out, _, requests = list_(crowded, "--name", "bulk-0012", "--json", "--all")
    assert code == 0
    assert requests[0].query["nameContains"] == ["bulk-0012"]
    assert len(json.loads(out)) == 10


def test_several_regions_are_listed_and_labelled(crowded: RunningFake) -> None:
    code, out, _, requests = list_(
        crowded, "--region", "eu-west-1", "--region", "us-east-1", "--limit", "5"
    )
    assert code == 0
    assert {request.signed_region for request in requests} == {"eu-west-1", "us-east-1"}
    assert "Region" in out.splitlines()[0]
    europe = [line for line in out.splitlines() if line.startswith("europe-")]
    assert europe and all("eu-west-1" in line for line in europe)


def test_throttling_mid_listing_is_retried(crowded: RunningFake) -> None:
    crowded.fake.fail_next(
        Fault(
            "error", 429, "ThrottlingException", "slow down", path_prefix="/model-invocation-jobs"
        ),
        after=1,
    )
    code, out, err, requests = list_(crowded, "--all", "--json")
    assert code == 0, err
    assert len(json.loads(out)) == 2500 and len(requests) == 4


def test_failure_half_way_prints_nothing_partial(crowded: RunningFake) -> None:
    crowded.fake.fail_next(
        Fault("error", 500, path_prefix="/model-invocation-jobs"), times=3, after=1
    )
    code, out, err, _ = list_(crowded, "--all", "--json")
    assert code == 5
    assert out == ""
    assert "did not answer" in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--status", "bogus"], "not a job status"),
        (["--since", "last tuesday"], "--since"),
        (["--sort", "sideways"], "--sort"),
        (["--query", "[[["], "JMESPath"),
        (["--ids", "--json"], "--ids"),
        (["--limit", "0"], "--limit"),
    ],
)
def test_bad_arguments_are_usage_errors_before_any_request(
    crowded: RunningFake, args: list[str], words: str
) -> None:
    code, out, err, requests = list_(crowded, *args)
    assert code == 2
    assert words in err and requests == [] and out == ""


def test_nothing_matches(crowded: RunningFake) -> None:
    code, out, err, _ = list_(crowded, "--name", "no-such-name")
    assert (code, out) == (0, "") and "no jobs match" in err
    code, out, _, _ = list_(crowded, "--name", "no-such-name", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_spinner_on_stderr_only_when_it_is_a_terminal(crowded: RunningFake) -> None:
    process, controller = spawn_in_pty(
        "list",
        "--all",
        "--json",
        "--endpoint-url",
        crowded.url,
        env={"AWS_REGION": "us-east-1"},
        stdout_on_pty=False,
    )
    out, _ = process.communicate(timeout=60)
    screen = read_pty(controller)
    assert process.returncode == 0
    assert len(json.loads(out)) == 2500  # stdout stays clean JSON
    assert "Listing jobs" in screen
    _, _, err, _ = list_(crowded, "--all", "--json")  # stderr not a terminal: nothing
    assert err == ""


def test_show_accepts_query_too(crowded: RunningFake) -> None:
    result = invoke(
        "show",
        "aaaaaaaaaaa1",
        "--query",
        "records.pending",
        "--endpoint-url",
        crowded.url,
        "--region",
        "us-east-1",
    )
    assert result.code == 0 and json.loads(result.stdout) == 600
