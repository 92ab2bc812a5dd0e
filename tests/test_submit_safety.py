"""bjob submit where money and data are at stake: the model sent is the model resolved, no S3
object bjob did not write is replaced, a name is a handle, reruns find every part, files stay
apart, uploads are encrypted as asked, the gate says what check says, a dry run is the real
run minus the writes, and every outcome is reported (an interruption included)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.conftest import BJOB, invoke
from tests.fakebedrock import Fault, RunningFake, make_job
from tests.test_check import records, write_jsonl
from tests.test_submit import (
    BODY,
    HAIKU,
    OUTPUT,
    ROLE,
    SUBMIT_SCHEMA,
    key_of,
    model_listed,
    submit,
    uploaded,
)


def creations(server: RunningFake) -> int:
    return sum(
        1
        for request in server.fake.requests
        if request.method == "POST" and request.path == "/model-invocation-job"
    )


def test_the_model_sent_is_the_model_resolved(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    for typed in ("haiku", "Claude 3 Haiku", "HAIKU", f"{HAIKU}:48k"):
        dry = submit(server, str(path), "--model", typed, "--dry-run", "--json")
        assert dry.code == 0, dry.stderr
        document = json.loads(dry.stdout)
        assert document["model_id"] == HAIKU
        assert document["jobs"][0]["request"]["modelId"] == HAIKU, typed
    # An inference profile is what the job runs through: sent as given.
    profile = f"us.{HAIKU}"
    dry = submit(server, str(path), "--model", profile, "--dry-run", "--json")
    assert json.loads(dry.stdout)["jobs"][0]["request"]["modelId"] == profile
    real = submit(server, str(path), "--model", "haiku", "--yes")
    assert real.code == 0, real.stderr
    assert [request["modelId"] for request in server.fake.created] == [HAIKU]


def test_an_object_bjob_did_not_write_is_never_replaced(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server)
    # The case: an input of finished jobs where a naive upload would put its own.
    s3.put_object(Bucket="batch-in", Key="prompts/batch1.jsonl", Body=b"precious\n")
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    upload_to = ("--upload-to", "s3://batch-in/prompts/", "--name", "batch1")
    result = submit(server, str(path), *upload_to, "--yes", "--json")
    assert result.code == 0, result.stderr
    stored = s3.get_object(Bucket="batch-in", Key="prompts/batch1.jsonl")["Body"].read()
    assert stored == b"precious\n"
    [job] = json.loads(result.stdout)["jobs"]
    assert job["objects"][0]["uri"].startswith("s3://batch-in/prompts/batch1/")
    # A changed input under the same name: its own folder, the first upload left as it was.
    changed = write_jsonl(tmp_path / "in.jsonl", records(BODY, 121))
    assert submit(server, str(changed), *upload_to, "--dry-run", "--json").code == 2  # name


def test_a_stray_object_in_the_job_folder_is_refused(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    dry = submit(server, str(path), "--dry-run", "--json")
    folder = json.loads(dry.stdout)["jobs"][0]["input_uri"]
    stray = key_of(folder) + "notes.jsonl"
    s3.put_object(Bucket="batch-out", Key=stray, Body=b"someone else's\n")
    for args in (("--dry-run",), ("--yes",)):  # the dry run says what the real run says
        refused = submit(server, str(path), *args)
        assert refused.code == 6, refused.stderr
        assert f"s3://batch-out/{stray} already exists" in refused.stderr
        assert "another --upload-to or --name" in refused.stderr
    assert uploaded(s3) == {stray: b"someone else's\n"} and server.fake.created == []
    # The planned object itself, with other bytes: refused the same way.
    s3.delete_object(Bucket="batch-out", Key=stray)
    s3.put_object(Bucket="batch-out", Key=key_of(folder) + "in.jsonl", Body=b"old\n")
    assert submit(server, str(path), "--yes").code == 6
    assert server.fake.created == []


def test_a_name_is_a_handle(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    first = submit(server, str(path), "--name", "dupe", "--yes")
    assert first.code == 0, first.stderr
    # The same submission again is itself: found, nothing created.
    again = submit(server, str(path), "--name", "dupe", "--yes")
    assert again.code == 0 and "1 job from an earlier run" in again.stderr
    # One setting differs: another submission, refused before any upload.
    objects = uploaded(s3)
    other = submit(server, str(path), "--name", "dupe", "--timeout-hours", "48", "--yes")
    assert other.code == 2
    assert "the name 'dupe' is taken: the job dupe" in other.stderr
    assert "give another --name" in other.stderr
    assert uploaded(s3) == objects and len(server.fake.created) == 1
    # A job of any origin holding a planned name is refused too.
    server.fake.add_job(make_job("handmade0001", "Completed", name="mine"))
    taken = submit(server, str(path), "--name", "mine", "--dry-run")
    assert taken.code == 2 and "the job mine" in taken.stderr


def test_reruns_find_every_part_and_ask_only_about_the_rest(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server, records_per_job=100, min_records=40)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    # The service fails the second creation (each of botocore's 3 tries).
    server.fake.fail_next(
        Fault("error", 500, path_prefix="/model-invocation-job", method="POST"), times=3, after=1
    )
    assert submit(server, str(path), "--yes").code == 5
    asked = submit(server, str(path), tty=True, stdin="n\n")
    assert (
        "3 jobs: 250 records" in asked.stderr and "1 exists already; will create 2" in asked.stderr
    )
    # (The first run uploaded every part before its creations: nothing to upload now.)
    assert "Create 2 of 3 jobs? [y/N]" in asked.stderr
    assert "in-1" in asked.stderr and "exists (Submitted)" in asked.stderr
    assert submit(server, str(path), "--yes").code == 0
    assert len(server.fake.created) == 3
    before = creations(server)
    third = submit(server, str(path), "--yes", "--json")
    assert third.code == 0 and creations(server) == before  # no CreateModelInvocationJob at all
    assert [job["state"] for job in json.loads(third.stdout)["jobs"]] == ["exists"] * 3


def test_a_rerun_that_finds_its_job_ended(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    first = submit(server, str(path), "--yes")
    arn = first.stdout.strip()
    job = dict(server.fake.jobs[arn][0])
    server.fake.add_job({**job, "status": "Stopped", "endTime": job["lastModifiedTime"]})
    again = submit(server, str(path), "--yes")
    assert again.code == 12, again.stderr  # as `bjob watch` says of a Stopped job
    assert f"has ended Stopped: `bjob retry {arn}`" in again.stderr
    assert again.stdout.strip() == arn


def test_files_stay_apart(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    # Two files that reuse recordIds: legitimate to Bedrock (each file has its own .out).
    write_jsonl(tmp_path / "in" / "a.jsonl", records(BODY, 60))
    write_jsonl(tmp_path / "in" / "b.jsonl", records({**BODY, "max_tokens": 9}, 60))
    result = submit(server, str(tmp_path / "in"), "--name", "two", "--yes", "--json")
    assert result.code == 0, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    folder = key_of(job["input_uri"])
    assert uploaded(s3) == {
        folder + "a.jsonl": (tmp_path / "in" / "a.jsonl").read_bytes(),
        folder + "b.jsonl": (tmp_path / "in" / "b.jsonl").read_bytes(),
    }
    assert [item["records"] for item in job["objects"]] == [60, 60]


def test_a_file_is_cut_only_where_a_limit_says(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server, records_per_job=100, min_records=40)
    write_jsonl(tmp_path / "in" / "a.jsonl", records(BODY, 70))
    write_jsonl(tmp_path / "in" / "b.jsonl", records(BODY, 90, start=70))
    result = submit(server, str(tmp_path / "in"), "--name", "cut", "--yes", "--json")
    document = json.loads(result.stdout)
    jsonschema.validate(document, SUBMIT_SCHEMA)
    # 160 records: two jobs, each file whole in its own.
    assert [[o["records"] for o in job["objects"]] for job in document["jobs"]] == [[70], [90]]
    write_jsonl(tmp_path / "three" / "c.jsonl", records(BODY, 150))
    cut = submit(server, str(tmp_path / "three"), "--name", "cut3", "--yes", "--json")
    # One file past the job's 100 records: cut in two, evenly.
    jobs = json.loads(cut.stdout)["jobs"]
    assert [[o["records"] for o in job["objects"]] for job in jobs] == [[75], [75]]


def test_kms_key_encrypts_the_uploads(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    key = "arn:aws:kms:us-east-1:123456789012:key/k9"
    result = submit(server, str(path), "--kms-key", key, "--yes", "--json")
    assert result.code == 0, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    stored = s3.head_object(Bucket="batch-out", Key=key_of(job["objects"][0]["uri"]))
    assert stored["ServerSideEncryption"] == "aws:kms" and stored["SSEKMSKeyId"].endswith("k9")
    assert "  kms key  " + key in result.stderr


def test_the_gate_says_what_check_says(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    body = {**BODY, "temprature": 0.5}
    path = write_jsonl(tmp_path / "in.jsonl", records(body, 200))
    result = submit(server, str(path), "--yes", "--json")
    assert result.code == 0, result.stderr
    assert "temprature" in result.stderr
    assert any("temprature" in text for text in json.loads(result.stdout)["warnings"])
    strict = submit(server, str(path), "--name", "strict", "--strict", "--yes")
    assert strict.code == 7 and "temprature" in strict.stderr
    assert len(server.fake.created) == 1


def test_a_byte_order_mark_is_left_out_of_the_upload(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server)
    lines = [json.dumps(line).encode() for line in records(BODY, 120)]
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines) + b"\n")
    result = submit(server, str(path), "--yes")
    assert result.code == 0, result.stderr
    assert "byte-order mark is left out of the upload" in result.stderr
    [stored] = uploaded(s3).values()
    assert stored == b"\n".join(lines) + b"\n"


class _ChangesTheFile:
    """A terminal that answers y, and changes the input while the question is asked."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        self.path.write_bytes(self.path.read_bytes().replace(b"rec-00007", b"rec-99999"))
        return "y\n"


def test_a_file_changed_after_the_check_is_not_submitted(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from bjob.cli.app import app
    from tests.conftest import environment, output

    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    env = environment(tty=True)
    env = type(env)(**{**env.__dict__, "stdin": _ChangesTheFile(path)})
    args = ["submit", str(path), "--model", HAIKU, "--role", ROLE, "--output", OUTPUT]
    args += ["--endpoint-url", server.url, "--region", "us-east-1"]
    overrides = {"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url}
    outcome = CliRunner().invoke(app, args, obj=env, env=overrides)
    assert outcome.exit_code == 7, output(env.stderr)
    assert "the input changed after it was checked" in output(env.stderr)
    assert uploaded(s3) == {} and server.fake.created == []


def test_a_dry_run_checks_what_the_real_run_checks(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    model_listed(server, records_per_job=100, min_records=40, concurrent=3)
    s3.create_bucket(
        Bucket="eu-outputs", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    missing = submit(server, str(path), "--output", "s3://no-bucket/x/", "--dry-run")
    assert missing.code == 3 and "no such bucket: no-bucket" in missing.stderr
    elsewhere = submit(server, str(path), "--output", "s3://eu-outputs/x/", "--dry-run")
    assert elsewhere.code == 6
    server.fake.add_job(make_job("busy00000001", "InProgress", modelId=HAIKU))
    server.fake.add_job(make_job("busy00000002", "Scheduled", modelId=HAIKU))
    args = ("--timeout-hours", "48", "--tag", "team=ml", "--subnet", "subnet-1")
    full = submit(server, str(path), *args, "--security-group", "sg-1", "--dry-run")
    assert full.code == 15, full.stderr  # as the real run: 1 of 3 jobs has room
    assert "would create 1 (the quota has room for 1)" in full.stderr
    for words in (
        "  region   us-east-1",
        f"  role     {ROLE}",
        "  timeout  48 h",
        "  vpc      subnet-1 / sg-1",
        "  tags     team=ml, bjob:run=in",
        "  type     InvokeModel",
        "  kms key  none",
        "no room now",
    ):
        assert words in full.stderr, words
    asked = submit(server, str(path), *args, "--security-group", "sg-1", tty=True, stdin="n\n")
    assert "Upload and create 1 of 3 jobs? [y/N]" in asked.stderr
    assert uploaded(s3) == {} and server.fake.created == []


def test_json_with_watch_is_one_document(server: RunningFake, s3: Any, tmp_path: Path) -> None:
    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    from tests.conftest import FakeClock

    result = submit(
        server, str(path), "--yes", "--watch", "--json", "--interval", "5", clock=FakeClock()
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)  # stdout parses: the follow-up went to stderr
    assert document["jobs"][0]["state"] == "created" and "Completed" in result.stderr
    refused = submit(server, str(path), "--interval", "5")
    assert refused.code == 2 and "--interval and --timeout go with --watch" in refused.stderr


def test_sigint_after_the_first_creation_names_what_was_made(
    server: RunningFake, tmp_path: Path
) -> None:
    """Through the installed bjob: interrupted while the second job is being created, it
    prints the first one's ARN (stdout and stderr) and how to finish; the same command then
    creates only the rest."""
    from tests.s3proxy import moto_s3_behind_a_proxy

    model_listed(server, records_per_job=100, min_records=40)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 250))
    with moto_s3_behind_a_proxy() as (moto_url, _proxy):
        import boto3

        boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url).create_bucket(
            Bucket="batch-out"
        )
        # The first creation answers; the second hangs.
        server.fake.fail_next(
            Fault("slow", seconds=20, path_prefix="/model-invocation-job", method="POST"), after=1
        )
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL_S3": moto_url,
            "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url,
        }
        args = [str(BJOB), "submit", str(path), "--model", HAIKU, "--role", ROLE]
        args += ["--output", OUTPUT, "--yes", "--endpoint-url", server.url]
        args += ["--region", "us-east-1"]
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
        )
        assert process.stdout is not None
        first = process.stdout.readline().strip()  # the first job's ARN, as it is made
        assert first.startswith("arn:aws:bedrock:us-east-1:")
        deadline = time.monotonic() + 20
        while creations(server) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        assert process.returncode == 130, stderr
        assert "interrupted after creating 1 job:" in stderr and first in stderr
        assert "`bjob submit` creates the rest" in stderr
        assert "in-2 was being created: it may exist" in stderr  # the request under way
    assert len(server.fake.created) >= 1


@pytest.mark.parametrize("denied", ["AccessDeniedException"])
def test_retry_runs_in_the_jobs_region_and_goes_on_without_tags(
    server: RunningFake, s3: Any, denied: str
) -> None:
    from tests.fakebedrock import job_arn
    from tests.test_retry import JOB, SETTINGS, a_job

    a_job(server, s3)
    # The job is in eu-west-1; the configured region is us-east-1.
    job = dict(server.fake.jobs[job_arn(JOB)][0])
    del server.fake.jobs[job_arn(JOB)]
    eu = job_arn(JOB, "eu-west-1")
    server.fake.add_job({**job, "jobArn": eu})
    assert SETTINGS["modelId"] == HAIKU
    server.fake.fail_next(
        Fault(
            "error",
            403,
            denied,
            "not authorized: bedrock:ListTagsForResource",
            path_prefix="/listTagsForResource",
        )
    )
    result = invoke(
        "retry",
        eu,
        "--dry-run",
        "--json",
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env={"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url},
    )
    # The buckets are us-east-1's in moto: the dry run says so, naming the job's region.
    assert "eu-west-1" in result.stderr, result.stderr
    assert "bedrock:ListTagsForResource" in result.stderr
    lists = [r for r in server.fake.requests if r.path == "/model-invocation-jobs"]
    assert lists and all(r.signed_region == "eu-west-1" for r in lists)


def test_the_readmes_first_submission(server: RunningFake, s3: Any) -> None:
    """examples/first-submission.jsonl: ready under --strict, and submitted whole."""
    from tests.conftest import REPO

    example = REPO / "examples" / "first-submission.jsonl"
    checked = invoke("check", str(example), "--strict")
    assert checked.code == 0, checked.stdout + checked.stderr
    model_listed(server)
    result = submit(server, str(example), "--model", "haiku", "--yes", "--json")
    assert result.code == 0, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    assert job["name"] == "first-submission" and job["records"] == 120
    assert uploaded(s3) == {key_of(job["objects"][0]["uri"]): example.read_bytes()}


def test_an_s3_input_that_needs_a_split_is_dealt_from_s3(server: RunningFake, s3: Any) -> None:
    model_listed(server, records_per_job=100, min_records=40)
    lines = [json.dumps(line).encode() for line in records(BODY, 250)]
    s3.put_object(Bucket="batch-in", Key="big/in.jsonl", Body=b"\n".join(lines) + b"\n")
    result = submit(server, "s3://batch-in/big/in.jsonl", "--yes", "--json")
    assert result.code == 0, result.stderr
    jobs = json.loads(result.stdout)["jobs"]
    assert [job["records"] for job in jobs] == [84, 83, 83]
    objects = uploaded(s3)
    parts = [objects[key_of(job["objects"][0]["uri"])] for job in jobs]
    assert b"".join(parts) == b"\n".join(lines) + b"\n"  # every record once, in order
    assert s3.get_object(Bucket="batch-in", Key="big/in.jsonl")["Body"].read().count(b"\n") == 250


def test_through_the_installed_bjob(server: RunningFake, tmp_path: Path) -> None:
    """The installed bjob against the fake Bedrock and moto's S3 server: a run cut off
    between two creations, the rerun that finishes it, a third that creates nothing, a name
    another submission holds, and two files that reuse recordIds, kept apart."""
    import boto3

    from tests.conftest import run_bjob
    from tests.s3proxy import moto_s3_behind_a_proxy

    model_listed(server, records_per_job=100, min_records=40)
    write_jsonl(tmp_path / "in" / "a.jsonl", records(BODY, 125))
    write_jsonl(tmp_path / "in" / "b.jsonl", records(BODY, 125))  # the same recordIds
    with moto_s3_behind_a_proxy() as (moto_url, _proxy):
        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
        s3.create_bucket(Bucket="batch-out")
        env = {"AWS_ENDPOINT_URL_S3": moto_url, "AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url}

        def bjob(*args: str) -> Any:
            base = ["submit", str(tmp_path / "in"), "--model", "haiku", "--role", ROLE]
            base += ["--output", OUTPUT, "--endpoint-url", server.url, "--region", "us-east-1"]
            return run_bjob(*base, *args, env=env)

        # The first creation passes; the second fails (3 tries).
        server.fake.fail_next(
            Fault("error", 500, path_prefix="/model-invocation-job", method="POST"),
            times=3,
            after=1,
        )
        cut = bjob("--yes")
        assert cut.code == 5 and len(server.fake.created) == 1
        again = bjob("--yes", "--json")
        assert again.code == 0, again.stderr
        document = json.loads(again.stdout)
        assert [job["state"] for job in document["jobs"]] == ["exists", "created", "created"]
        assert [request["modelId"] for request in server.fake.created] == [HAIKU] * 3
        before = creations(server)
        third = bjob("--yes")
        assert third.code == 0 and creations(server) == before
        assert len(third.stdout.split()) == 3
        # Each file its own object: 250 records in three jobs of 84, 83, 83; b.jsonl's
        # records never share an object with a.jsonl's.
        shapes = [
            [key_of(item["uri"]).rsplit("/", 1)[1] for item in job["objects"]]
            for job in document["jobs"]
        ]
        assert shapes == [["a.jsonl"], ["a.jsonl", "b.jsonl"], ["b.jsonl"]]
        taken = bjob("--timeout-hours", "48", "--yes")
        assert taken.code == 2 and "the name 'in' is taken" in taken.stderr
        assert len(server.fake.created) == 3


def test_the_plan_says_what_the_input_will_cost(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    """The same estimate as `check --cost` (the same code): tokens counted with CountTokens,
    the batch prices from the Price List, in the plan and in the JSON."""
    from tests.fakebedrock import bedrock_price_list

    model_listed(server)
    server.fake.products += bedrock_price_list()
    server.fake.product_page_size = 100
    server.fake.token_counting_models.add(HAIKU)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    dry = submit(server, str(path), "--dry-run", "--json")
    assert dry.code == 0, dry.stderr
    cost = json.loads(dry.stdout)["cost"]
    assert cost["input_tokens"]["method"] == "counted"
    assert cost["prices"]["input_per_million"] == 0.125
    assert cost["output_tokens_max"] == 120 * BODY["max_tokens"]
    checked = invoke(
        "check",
        str(path),
        "--model",
        HAIKU,
        "--cost",
        "--json",
        "--endpoint-url",
        server.url,
        "--region",
        "us-east-1",
        env={"AWS_ENDPOINT_URL_SERVICE_QUOTAS": server.url},
    )
    assert json.loads(checked.stdout)["cost"]["input_tokens"] == cost["input_tokens"]
    line = next(text for text in dry.stderr.splitlines() if text.startswith("  cost     "))
    assert "input" in line and "counted" in line and "at most $" in line


def test_an_upload_begun_before_the_check_is_taken_back_when_the_plan_differs(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    """With --yes a lone file is uploaded while it is checked, as the one object its bytes
    promise; a line of spaces (not a record: left out) makes the plan another object, and
    the early one is removed: only what the plan says is left."""
    model_listed(server)
    lines = [json.dumps(line).encode() for line in records(BODY, 120)]
    path = tmp_path / "spaced.jsonl"
    path.write_bytes(b"\n".join(lines[:60]) + b"\n   \n" + b"\n".join(lines[60:]) + b"\n")
    result = submit(server, str(path), "--yes", "--json")
    assert result.code == 0, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    assert uploaded(s3) == {key_of(job["objects"][0]["uri"]): b"\n".join(lines) + b"\n"}
    # A gate that refuses: nothing is left either (test_submit's gate test, with --yes).
    bad = write_jsonl(tmp_path / "bad.jsonl", [*records(BODY, 119), {"recordId": "x"}])
    refused = submit(server, str(bad), "--yes")
    assert refused.code == 7 and len(uploaded(s3)) == 1


def test_a_file_changed_while_its_early_upload_runs_is_taken_back(
    server: RunningFake, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--yes: the upload begins before the check; the file changes before the check reads
    it (here: as the check starts). The run stops with exit 7 and nothing is left in S3."""
    import bjob.usecases.submit as submitting

    model_listed(server)
    path = write_jsonl(tmp_path / "in.jsonl", records(BODY, 120))
    real = submitting.check_input

    def changing_first(*args: Any, **kw: Any) -> Any:
        path.write_bytes(path.read_bytes().replace(b"rec-00007", b"rec-99999"))
        return real(*args, **kw)

    monkeypatch.setattr(submitting, "check_input", changing_first)
    result = submit(server, str(path), "--yes")
    assert result.code == 7, result.stderr
    assert "the input changed after it was checked" in result.stderr
    assert uploaded(s3) == {} and server.fake.created == []


def test_pieces_of_a_file_never_take_another_files_name() -> None:
    """x.jsonl cut by the per-file limit within one job beside an input called
    x.part2.jsonl: each object keeps a name of its own (one key each, no record lost)."""
    from bjob.model.submit import Dealer, ShardLimits, object_names

    names = object_names(["a/x.jsonl", "b/x.part2.jsonl"])
    limits = ShardLimits(100, 10**9, 1, 3, 10**9)
    dealer = Dealer(7, 1, limits, names)
    for source, count in ((0, 5), (1, 2)):
        for index in range(count):
            dealer.add(source, b'{"recordId": "r%d"}' % index)
    made = [(item.name, item.records) for item in dealer.done()]
    assert len({name for name, _ in made}) == len(made)
    assert sum(records for _, records in made) == 7


def test_the_same_tags_in_another_order_are_the_same_submission() -> None:
    from bjob.model.submit import JobSettings, job_digest

    one = JobSettings(HAIKU, ROLE, OUTPUT, tags=(("a", "1"), ("b", "2")))
    other = JobSettings(HAIKU, ROLE, OUTPUT, tags=(("b", "2"), ("a", "1")))
    assert job_digest("n", one, "s3://x/", "0") == job_digest("n", other, "s3://x/", "0")


def test_a_dealt_object_carries_the_crc32_of_its_bytes(
    server: RunningFake, s3: Any, tmp_path: Path, client_hooks: list[Any]
) -> None:
    """Records dealt line by line (here: CRLF ends) go with the CRC-32 of the bytes the
    check passed, as the whole object's checksum: S3 refuses a body without it (moto does
    not check it, so the request sent is what this asserts)."""
    import base64
    import zlib

    sent: list[dict[str, Any]] = []

    def recording(service: str, client: Any) -> None:
        if service == "s3":
            client.meta.events.register(
                "provide-client-params.s3.PutObject", lambda params, **_: sent.append(params)
            )

    client_hooks.append(recording)
    model_listed(server)
    lines = [json.dumps(line).encode() for line in records(BODY, 120)]
    path = tmp_path / "windows.jsonl"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    result = submit(server, str(path), "--yes", "--json")
    assert result.code == 0, result.stderr
    [job] = json.loads(result.stdout)["jobs"]
    body = s3.get_object(Bucket="batch-out", Key=key_of(job["objects"][0]["uri"]))["Body"].read()
    assert body == b"\n".join(lines) + b"\n"
    [put] = sent
    assert put["ChecksumCRC32"] == base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()


def test_an_early_upload_that_cannot_be_taken_back_is_said(
    server: RunningFake, s3: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gate refuses after the early upload finished, and the delete is denied: the
    refusal is still the news (exit 7), and the object left behind is named."""
    import bjob.aws.s3 as s3_side
    from bjob.support.exits import BjobError, ExitCode

    def denied(client: Any, location: Any) -> None:
        raise BjobError("not authorized to call DeleteObject", ExitCode.NOT_AUTHORIZED)

    monkeypatch.setattr(s3_side, "remove_object", denied)
    model_listed(server)
    bad = write_jsonl(tmp_path / "bad.jsonl", [*records(BODY, 119), {"recordId": "x"}])
    refused = submit(server, str(bad), "--yes")
    assert refused.code == 7, refused.stderr
    [key] = uploaded(s3)  # left behind, and said so
    assert f"s3://batch-out/{key}, uploaded while the input was checked, could not be" in (
        refused.stderr.replace("\n", " ")
    )


def test_the_quick_handovers_during_a_check_and_upload_end_with_them() -> None:
    """submit --yes hands the interpreter between threads every 0.5 ms while it checks
    beside an upload; the process's own interval comes back, whatever stopped it."""
    import sys

    from bjob.support.concurrent import BRISK_SWITCH_SECONDS, brisk_switching

    before = sys.getswitchinterval()
    with pytest.raises(KeyboardInterrupt), brisk_switching():
        assert sys.getswitchinterval() == BRISK_SWITCH_SECONDS
        raise KeyboardInterrupt
    assert sys.getswitchinterval() == before
    # Two submissions at once (a library caller's threads), ending in either order.
    first, second = brisk_switching(), brisk_switching()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == BRISK_SWITCH_SECONDS  # the second still checks
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == before


def test_a_denied_listing_does_not_hide_the_inputs_errors(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    """submit --yes asks for the run's jobs and the slots while it still reads the file; a
    refusal there waits for the check: a broken input is reported as broken first."""
    model_listed(server)
    lines: list[Any] = records(BODY, 120)
    lines[7] = {"recordId": "bad", "modelInput": {**BODY, "modelId": HAIKU}}
    path = write_jsonl(tmp_path / "in.jsonl", lines)
    server.fake.deny("ListModelInvocationJobs")
    result = submit(server, str(path), "--yes")
    assert result.code == 7, result.stderr
    assert "modelInput.modelId" in result.stderr and "in.jsonl:8" in result.stderr
    assert "ListModelInvocationJobs" not in result.stderr
    assert uploaded(s3) == {} and server.fake.created == []
    # A valid input: the refusal is what stops it, named.
    good = write_jsonl(tmp_path / "good.jsonl", records(BODY, 120))
    refused = submit(server, str(good), "--yes")
    assert refused.code == 4 and "ListModelInvocationJobs" in refused.stderr
    assert uploaded(s3) == {} and server.fake.created == []


def test_what_was_asked_while_the_file_was_read_is_not_asked_again(
    server: RunningFake, s3: Any, tmp_path: Path
) -> None:
    """A file that cannot go up before the check (CRLF line ends: its bytes are not the
    job's as they are) is planned with the listings made while it was read."""
    model_listed(server)
    lines = [json.dumps(line).encode() for line in records(BODY, 120)]
    plain = tmp_path / "lf.jsonl"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(b"\r\n".join(lines) + b"\r\n")
    counts = []
    for path, name in ((plain, "lf"), (crlf, "crlf")):
        before = len(server.fake.requests_to("/model-invocation-jobs"))
        result = submit(server, str(path), "--name", name, "--yes")
        assert result.code == 0, result.stderr
        counts.append(len(server.fake.requests_to("/model-invocation-jobs")) - before)
    assert counts[0] == counts[1]
    assert len(server.fake.created) == 2


def test_a_files_facts_read_ahead_stop_when_nobody_wants_them(tmp_path: Path) -> None:
    import hashlib
    import threading
    import zlib

    from bjob.usecases.submitinput import read_facts

    path = tmp_path / "big.jsonl"
    body = b'{"recordId":"r","modelInput":{}}\n' * 100_000  # 3.3 MB: several chunks
    path.write_bytes(body)
    facts = read_facts(str(path))
    assert facts is not None and facts.complete
    assert facts.digest.hexdigest() == hashlib.sha256(body).hexdigest()
    assert facts.crc32 == zlib.crc32(body) and facts.newlines == 100_000
    stopped = threading.Event()
    stopped.set()
    assert read_facts(str(path), stopped) is None
