"""A fake Amazon Bedrock control plane on 127.0.0.1 that speaks the real rest-json wire format.

moto has no batch-inference API, so end-to-end tests and bench/ run the real botocore client against
this. It serves GetModelInvocationJob, ListModelInvocationJobs and StopModelInvocationJob,
errors with the `x-amzn-ErrorType` header as the service sends them, and scripted faults
(throttling, 5xx, malformed bodies, slow answers, dropped connections). It records every
request so tests can assert what was sent, and to which region it was signed.

Run it on its own (for bench/ or by hand):  python tests/fakebedrock.py [--port N] [--jobs N]
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "123456789012"
TERMINAL = ("Completed", "PartiallyCompleted", "Failed", "Stopped", "Expired")
ID_RE = re.compile(r"^[a-z0-9]{12}$")
ARN_RE = re.compile(
    r"^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:model-invocation-job/[a-z0-9]{12}$"
)
JOB_NAME_RE = re.compile(r"^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}$")
ROLE_ARN_RE = re.compile(r"^arn:aws(-[^:]+)?:iam::([0-9]{12})?:role/.+$")
_SCOPE_RE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


def _base_model(model_id: str) -> str:
    name = model_id.rsplit("/", 1)[-1]
    return re.sub(r"^(us|eu|apac|global)\.", "", name)


def job_arn(job_id: str, region: str = "us-east-1") -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:model-invocation-job/{job_id}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def make_job(
    job_id: str,
    status: str = "InProgress",
    *,
    region: str = "us-east-1",
    name: str | None = None,
    total: int = 1000,
    processed: int = 400,
    failed: int = 4,
    submitted: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A GetModelInvocationJob response on the wire (timestamps as ISO-8601 strings)."""
    submitted = submitted or datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    job: dict[str, Any] = {
        "jobArn": job_arn(job_id, region),
        "jobName": name or f"job-{job_id}",
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/BatchRole",
        "status": status,
        "submitTime": iso(submitted),
        "lastModifiedTime": iso(submitted + timedelta(minutes=30)),
        "inputDataConfig": {
            "s3InputDataConfig": {"s3InputFormat": "JSONL", "s3Uri": f"s3://in/{job_id}.jsonl"}
        },
        "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://out/"}},
        "timeoutDurationInHours": 24,
        "jobExpirationTime": iso(submitted + timedelta(hours=24)),
        "modelInvocationType": "InvokeModel",
        "totalRecordCount": total,
        "processedRecordCount": processed,
        "successRecordCount": processed - failed,
        "errorRecordCount": failed,
    }
    if status in ("Completed", "Failed", "Stopped", "PartiallyCompleted", "Expired"):
        job["endTime"] = iso(submitted + timedelta(hours=1))
    job.update(extra)
    return {key: value for key, value in job.items() if value is not None}


@dataclass
class Fault:
    """What the next matching request gets instead of a normal answer."""

    kind: str  # "error", "malformed", "html", "slow", "drop"; "pass" answers normally
    status: int = 500
    code: str = "InternalServerException"
    message: str = "Internal server error"
    body: str = ""
    seconds: float = 0.0
    path_prefix: str = "/"
    method: str | None = None  # only requests of this method (POST: a creation, not a list)


@dataclass
class RecordedRequest:
    method: str
    path: str  # for a JSON-protocol request (Service Quotas): "/" and its X-Amz-Target
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)  # a JSON-protocol request's

    @property
    def signed_region(self) -> str | None:
        match = _SCOPE_RE.search(self.headers.get("authorization", ""))
        return match["region"] if match else None


@dataclass
class FakeBedrock:
    """The server's state. Each job is a list of responses: every Get moves one step on."""

    jobs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    steps: dict[str, int] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    # ListFoundationModels' summaries; Service Quotas' applied and default quotas.
    foundation_models: list[dict[str, Any]] = field(default_factory=list)
    applied_quotas: list[dict[str, Any]] = field(default_factory=list)
    default_quotas: list[dict[str, Any]] = field(default_factory=list)
    quota_page_size: int = 2
    stops: list[str] = field(default_factory=list)  # the ARNs StopModelInvocationJob took
    created: list[dict[str, Any]] = field(default_factory=list)  # CreateModelInvocationJob's
    tokens: dict[str, str] = field(default_factory=dict)  # clientRequestToken -> ARN
    tags: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # ARN -> its tags
    concurrent_limit: int | None = None  # submitted and in-progress jobs per base model
    # Denials: (operation, ARN or None for any) -> AccessDeniedException (see deny()).
    denials: dict[tuple[str, str | None], str] = field(default_factory=dict)
    # The AWS Price List (service code, product) and CountTokens (see _price_list, _count).
    products: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    product_page_size: int = 3
    token_counting_models: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """No jobs, no faults, no requests: a server shared by many tests, made new."""
        with self.lock:
            self.jobs.clear()
            self.steps.clear()
            self.faults.clear()
            self.requests.clear()
            self.foundation_models.clear()
            self.applied_quotas.clear()
            self.default_quotas.clear()
            self.stops.clear()
            self.created.clear()
            self.tokens.clear()
            self.tags.clear()
            self.concurrent_limit = None
            self.denials.clear()
        self.reset_costs()

    def reset_costs(self) -> None:
        with self.lock:
            self.products.clear()
            self.product_page_size = 3
            self.token_counting_models.clear()

    def add_job(self, response: dict[str, Any], *later: dict[str, Any]) -> str:
        arn = str(response["jobArn"])
        with self.lock:
            self.jobs[arn] = [response, *later]
            self.steps[arn] = 0
        return arn

    def fail_next(self, fault: Fault, times: int = 1, after: int = 0) -> None:
        """The next `times` requests (after `after` normal ones) under the fault's path fail."""
        passing = Fault("pass", path_prefix=fault.path_prefix, method=fault.method)
        with self.lock:
            self.faults.extend([passing] * after + [fault] * times)

    def throttle_next(self, times: int = 1) -> None:
        self.fail_next(Fault("error", 429, "ThrottlingException", "Too many requests"), times)

    # --- denials: an IAM policy that refuses one operation (on one job) ---------------------

    def deny(self, operation: str, arn: str | None = None) -> None:
        """`operation` (e.g. "StopModelInvocationJob"), on the job `arn` or on any, answers
        403 AccessDeniedException with the service's wording, which names the action."""
        resource = arn or f"arn:aws:bedrock:us-east-1:{ACCOUNT}:*"
        with self.lock:
            self.denials[(operation, arn)] = (
                f"User: arn:aws:iam::{ACCOUNT}:user/tester is not authorized to perform: "
                f"bedrock:{operation} on resource: {resource} because no identity-based "
                f"policy allows the bedrock:{operation} action"
            )

    def denial(self, operation: str, arn: str | None) -> str | None:
        with self.lock:
            return self.denials.get((operation, arn)) or self.denials.get((operation, None))

    def requests_to(self, prefix: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path.startswith(prefix)]

    # --- what the handler calls -------------------------------------------------------

    def take_fault(self, path: str, method: str = "GET") -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if path.startswith(fault.path_prefix) and fault.method in (None, method):
                    return self.faults.pop(index)
        return None

    def find(self, identifier: str, region: str | None) -> str | None:
        """A job is found in the region the request was signed for, as in AWS."""
        for arn in self.jobs:
            in_region = region is None or arn.split(":")[3] == region
            if in_region and (identifier == arn or arn.endswith("/" + identifier)):
                return arn
        return None

    def current(self, arn: str, advance: bool) -> dict[str, Any]:
        with self.lock:
            states = self.jobs[arn]
            step = self.steps[arn]
            if advance:
                self.steps[arn] = min(step + 1, len(states) - 1)
            return states[step]

    def summaries_now(self, region: str | None) -> list[dict[str, Any]]:
        """Every job's current state, moving none on."""
        with self.lock:
            return [
                states[self.steps[arn]]
                for arn, states in self.jobs.items()
                if region is None or arn.split(":")[3] == region
            ]

    def summaries(self, region: str | None) -> list[dict[str, Any]]:
        """Every job's current state; a listing moves each scripted job one step on too."""
        with self.lock:
            listed = []
            for arn, states in self.jobs.items():
                if region is None or arn.split(":")[3] == region:
                    step = self.steps[arn]
                    listed.append(states[step])
                    self.steps[arn] = min(step + 1, len(states) - 1)
            return listed


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: without TCP_NODELAY, each answer on a kept-alive
    # connection waits out the client's delayed ACK (40 ms), which hides CountTokens' speed.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target")
        request = RecordedRequest(
            method,
            f"/{target}" if target else unquote(url.path),  # JSON protocol: the operation
            parse_qs(url.query),
            {key.lower(): value for key, value in self.headers.items()},
            json.loads(body) if body and (target or method == "POST") else {},
        )
        with fake.lock:
            fake.requests.append(request)
        fault = fake.take_fault(request.path, method)
        if fault is not None:
            if fault.kind == "drop":
                self.close_connection = True
                self.connection.close()
                return
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault.kind == "malformed":
                self._send(200, fault.body.encode())
                return
            elif fault.kind == "html":  # a proxy's error page, not the service's JSON
                self._send(fault.status, fault.body.encode(), {"Content-Type": "text/html"})
                return
            elif fault.kind == "error":
                self._error(fault.status, fault.code, fault.message)
                return
        region = request.signed_region
        if target and target.startswith("AWSPriceListService."):
            self._price_list(target, request.body)
        elif target:
            self._service_quotas(target, request.body)
        elif method == "POST" and request.path.endswith("/count-tokens"):
            self._count(request.path, request.body)
        elif method == "GET" and request.path == "/foundation-models":
            self._json({"modelSummaries": list(fake.foundation_models)})
        elif method == "GET" and request.path == "/model-invocation-jobs":
            if denied := fake.denial("ListModelInvocationJobs", None):
                self._error(403, "AccessDeniedException", denied)
                return
            self._list(request.query, region)
        elif method == "GET" and request.path.startswith("/model-invocation-job/"):
            self._get(request.path.removeprefix("/model-invocation-job/"), region)
        elif method == "POST" and request.path == "/listTagsForResource":
            arn = str(request.body.get("resourceARN"))
            if denied := fake.denial("ListTagsForResource", arn):
                self._error(403, "AccessDeniedException", denied)
                return
            self._json({"tags": fake.tags.get(arn, [])})
        elif method == "POST" and request.path == "/model-invocation-job":
            self._create(request.body, region)
        elif method == "POST" and request.path.endswith("/stop"):
            identifier = request.path.removeprefix("/model-invocation-job/").removesuffix("/stop")
            self._stop(identifier, region)
        else:
            self._error(404, "UnknownOperationException", f"no route for {method} {url.path}")

    def _get(self, identifier: str, region: str | None) -> None:
        fake = self.server.fake
        if not (ID_RE.match(identifier) or ARN_RE.match(identifier)):
            self._error(
                400, "ValidationException", f"1 validation error: jobIdentifier {identifier!r}"
            )
            return
        arn = fake.find(identifier, region)
        if arn is None:
            self._error(404, "ResourceNotFoundException", f"Job {identifier} not found")
            return
        self._json(fake.current(arn, advance=True))

    def _create(self, body: dict[str, Any], region: str | None) -> None:
        """CreateModelInvocationJob as the service checks it: the documented patterns and
        ranges, a repeated clientRequestToken answered with the first job, and the model's
        concurrent-jobs quota."""
        fake = self.server.fake
        name, role = str(body.get("jobName", "")), str(body.get("roleArn", ""))
        hours = body.get("timeoutDurationInHours")
        problems = []
        if not JOB_NAME_RE.match(name):
            problems.append(f"jobName {name!r}")
        if not ROLE_ARN_RE.match(role):
            problems.append(f"roleArn {role!r}")
        if hours is not None and not 24 <= hours <= 168:
            problems.append(f"timeoutDurationInHours {hours}")
        if (
            not body.get("modelId")
            or "inputDataConfig" not in body
            or "outputDataConfig" not in body
        ):
            problems.append("a required member")
        if problems:
            self._error(400, "ValidationException", "1 validation error: " + ", ".join(problems))
            return
        token = body.get("clientRequestToken")
        with fake.lock:
            if token and token in fake.tokens:
                self._json({"jobArn": fake.tokens[token]})
                return
        base = _base_model(str(body["modelId"]))
        active = [
            job
            for job in fake.summaries_now(region)
            if job.get("status") not in TERMINAL and _base_model(str(job.get("modelId"))) == base
        ]
        if fake.concurrent_limit is not None and len(active) >= fake.concurrent_limit:
            self._error(
                400,
                "ServiceQuotaExceededException",
                f"Sum of in-progress and submitted batch inference jobs for {base} is at its "
                f"quota ({fake.concurrent_limit})",
            )
            return
        with fake.lock:
            fake.created.append(body)
            job_id = f"new{len(fake.created):09d}"
        job = make_job(
            job_id,
            "Submitted",
            region=region or "us-east-1",
            name=name,
            total=0,
            processed=0,
            failed=0,
            modelId=body["modelId"],
            roleArn=role,
            clientRequestToken=token,
            inputDataConfig=body["inputDataConfig"],
            outputDataConfig=body["outputDataConfig"],
        )
        # Each later Get moves it on: validated, running, done (for --watch to follow).
        running = {**job, "status": "InProgress"}
        done = {**job, "status": "Completed", "endTime": job["lastModifiedTime"]}
        arn = fake.add_job(job, running, done)
        with fake.lock:
            if token:
                fake.tokens[token] = arn
            fake.tags[arn] = list(body.get("tags", []))
        self._json({"jobArn": arn})

    def _stop(self, identifier: str, region: str | None) -> None:
        fake = self.server.fake
        arn = fake.find(identifier, region)
        if arn is None:
            self._error(404, "ResourceNotFoundException", f"Job {identifier} not found")
            return
        denied = fake.denial("StopModelInvocationJob", arn)
        if denied is not None:
            self._error(403, "AccessDeniedException", denied)
            return
        state = dict(fake.current(arn, advance=False))
        if state.get("status") in TERMINAL:
            self._error(400, "ValidationException", f"Job {arn} is already {state['status']}")
            return
        if state.get("status") == "Stopping":
            self._error(400, "ConflictException", f"Job {arn} is already being stopped")
            return
        with fake.lock:
            fake.stops.append(arn)
        stopping = {**state, "status": "Stopping"}
        stopped = {**state, "status": "Stopped", "endTime": state.get("lastModifiedTime")}
        fake.add_job(stopping, stopped)  # the next Get says Stopping, the one after Stopped
        self._json({})

    def _list(self, query: dict[str, list[str]], region: str | None) -> None:
        def one(name: str) -> str | None:
            return query.get(name, [None])[0]

        jobs = self.server.fake.summaries(region)
        if one("statusEquals"):
            jobs = [job for job in jobs if job.get("status") == one("statusEquals")]
        if one("nameContains"):
            needle = str(one("nameContains")).lower()
            jobs = [job for job in jobs if needle in str(job.get("jobName", "")).lower()]
        if one("submitTimeAfter"):
            after = _parse_time(str(one("submitTimeAfter")))
            jobs = [job for job in jobs if _parse_time(job["submitTime"]) > after]
        if one("submitTimeBefore"):
            before = _parse_time(str(one("submitTimeBefore")))
            jobs = [job for job in jobs if _parse_time(job["submitTime"]) < before]
        jobs.sort(
            key=lambda job: str(job.get("submitTime", "")), reverse=one("sortOrder") != "Ascending"
        )
        max_results = int(one("maxResults") or 1000)
        if not 1 <= max_results <= 1000:
            self._error(400, "ValidationException", "maxResults must be between 1 and 1000")
            return
        start = int(one("nextToken") or 0)
        page = jobs[start : start + max_results]
        body: dict[str, Any] = {"invocationJobSummaries": page}
        if start + max_results < len(jobs):
            body["nextToken"] = str(start + max_results)
        self._json(body)

    def _service_quotas(self, target: str, body: dict[str, Any]) -> None:
        """ListServiceQuotas and ListAWSDefaultServiceQuotas, paged by quota_page_size."""
        fake = self.server.fake
        operation = target.rsplit(".", 1)[-1]
        quotas = {
            "ListServiceQuotas": fake.applied_quotas,
            "ListAWSDefaultServiceQuotas": fake.default_quotas,
        }.get(operation)
        if quotas is None:
            self._error(400, "UnknownOperationException", f"no operation {target}")
            return
        if body.get("ServiceCode") != "bedrock":
            self._json({"Quotas": []})
            return
        start = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or 100), fake.quota_page_size)
        page: dict[str, Any] = {"Quotas": quotas[start : start + size]}
        if start + size < len(quotas):
            page["NextToken"] = str(start + size)
        self._json(page)

    # --- the AWS Price List and CountTokens ------------------------------------------------

    def _price_list(self, target: str, body: dict[str, Any]) -> None:
        """GetProducts: the products of the service code that every TERM_MATCH filter
        matches, as JSON strings, product_page_size a page (NextToken)."""
        fake = self.server.fake
        if target != "AWSPriceListService.GetProducts":
            self._error(400, "UnknownOperationException", f"no operation {target}")
            return
        matching = [
            product
            for code, product in fake.products
            if code == body.get("ServiceCode")
            and all(
                product["product"]["attributes"].get(item["Field"]) == item["Value"]
                for item in body.get("Filters", [])
            )
        ]
        start = int(body.get("NextToken") or 0)
        size = min(int(body.get("MaxResults") or 100), fake.product_page_size)
        page: dict[str, Any] = {
            "FormatVersion": "aws_v1",
            "PriceList": [json.dumps(product) for product in matching[start : start + size]],
        }
        if start + size < len(matching):
            page["NextToken"] = str(start + size)
        self._json(page)

    def _count(self, path: str, body: dict[str, Any]) -> None:
        """CountTokens for the models that support it (ValidationException for the others):
        a count of the body's words and signs, so that records differ."""
        import base64

        model_id = unquote(path.removeprefix("/model/").removesuffix("/count-tokens"))
        if model_id not in self.server.fake.token_counting_models:
            self._error(
                400,
                "ValidationException",
                f"The provided model {model_id} doesn't support counting tokens",
            )
            return
        given = body.get("input", {})
        if "invokeModel" in given:
            document = json.loads(base64.b64decode(given["invokeModel"]["body"]))
        else:
            document = given.get("converse", {})
        self._json({"inputTokens": fake_token_count(document)})

    def _json(self, body: Any) -> None:
        self._send(200, json.dumps(body).encode())

    def _error(self, status: int, code: str, message: str) -> None:
        self._send(
            status,
            json.dumps({"__type": code, "message": message}).encode(),
            {"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/"},
        )

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeBedrock) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a test's Ctrl-C, a timeout) is not the server's error:
        socketserver would print a traceback to whatever sys.stderr is at that moment,
        which may be another in-process test's captured stderr."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class RunningFake:
    """A FakeBedrock served on an ephemeral loopback port, in a background thread."""

    def __init__(self, fake: FakeBedrock | None = None) -> None:
        self.fake = fake or FakeBedrock()
        self._server = _Server(self.fake)
        # A short poll: shutdown() waits for serve_forever to notice, at most this long.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RunningFake:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def progression(job_id: str, *ending: str, total: int = 1000, **extra: Any) -> list[dict[str, Any]]:
    """A job's states as it moves Submitted -> Validating -> Scheduled -> InProgress (twice,
    with records processed) -> the given ending statuses."""
    states = [
        make_job(job_id, "Submitted", total=0, processed=0, failed=0, **extra),
        make_job(job_id, "Validating", total=0, processed=0, failed=0, **extra),
        make_job(job_id, "Scheduled", total=total, processed=0, failed=0, **extra),
        make_job(job_id, "InProgress", total=total, processed=total // 4, failed=2, **extra),
        make_job(job_id, "InProgress", total=total, processed=total // 2, failed=5, **extra),
    ]
    for status in ending:
        done = total if status == "Completed" else total // 2
        states.append(make_job(job_id, status, total=total, processed=done, failed=5, **extra))
    return states


def batch_quota(name: str, value: float, code: str = "L-00000000") -> dict[str, Any]:
    """A Service Quotas quota of service code bedrock, as the API gives it."""
    return {
        "ServiceCode": "bedrock",
        "ServiceName": "Amazon Bedrock",
        "QuotaCode": code,
        "QuotaName": name,
        "Value": value,
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def foundation_model(model_id: str, name: str, provider: str = "Anthropic") -> dict[str, Any]:
    return {
        "modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        "modelId": model_id,
        "modelName": name,
        "providerName": provider,
        "inputModalities": ["TEXT"],
        "outputModalities": ["TEXT"],
        "inferenceTypesSupported": ["ON_DEMAND"],
    }


def fake_token_count(document: Any) -> int:
    """What the fake's CountTokens answers: 8, and one a word or sign of every string."""
    strings: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return 8 + sum(len(re.findall(r"\w+|[^\w\s]", text)) for text in strings)


def price_product(
    usage_type: str,
    usd: str,
    *,
    unit: str = "1K tokens",
    region: str = "us-east-1",
    model: str | None = None,
    servicename: str | None = None,
    inference_type: str = "Input tokens",
    feature: str | None = None,
    effective: str = "2026-05-01T00:00:00Z",
) -> dict[str, Any]:
    """One GetProducts item (aws_v1), as the Price List gives it."""
    sku = re.sub(r"[^A-Z0-9]", "", usage_type.upper())[:16]
    attributes = {
        "regionCode": region,
        "usagetype": usage_type,
        "operation": "Usage",
        "inferenceType": inference_type,
        "servicecode": "AmazonBedrock",
        "locationType": "AWS Region",
    }
    if model is not None:
        attributes["model"] = model
    if servicename is not None:
        attributes["servicename"] = servicename
    if feature is not None:
        attributes["feature"] = feature
    return {
        "product": {"productFamily": "ML Model Inference", "attributes": attributes, "sku": sku},
        "serviceCode": "AmazonBedrock",
        "terms": {
            "OnDemand": {
                f"{sku}.JRTCKXETXF": {
                    "priceDimensions": {
                        f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                            "unit": unit,
                            "endRange": "Inf",
                            "description": f"{usage_type} {usd} per {unit}",
                            "appliesTo": [],
                            "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                            "beginRange": "0",
                            "pricePerUnit": {"USD": usd},
                        }
                    },
                    "sku": sku,
                    "effectiveDate": effective,
                    "offerTermCode": "JRTCKXETXF",
                    "termAttributes": {},
                }
            }
        },
        "version": "20260501000000",
        "publicationDate": "2026-05-01T00:00:00Z",
    }


HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
GPT_OSS = "openai.gpt-oss-120b-1:0"


def bedrock_price_list() -> list[tuple[str, dict[str, Any]]]:
    """A region's Bedrock prices side by side as the Price List has them: the three service
    codes, both units, and for each model its standard, batch, cross-region, latency-
    optimized, cache, provisioned and other-region entries. Batch prices (per million):
    Claude 3 Haiku 0.125 in / 0.625 out; Claude Sonnet 4 1.5 / 7.5 regional, 1.65 / 8.25
    cross-region (global); gpt-oss-120b 0.075 / 0.3; Nova Pro 0.4 / 1.6. Llama 3 70B has no
    batch price."""
    ab, mp, svc = "AmazonBedrock", "AmazonBedrockFoundationModels", "AmazonBedrockService"
    haiku = {"model": "Claude 3 Haiku"}
    nova = {"model": "Nova Pro"}
    llama = {"model": "Llama 3 70B Instruct"}
    oss = {"model": "gpt-oss-120b"}
    sonnet = {"servicename": "Claude Sonnet 4 (Amazon Bedrock Edition)", "unit": "1M tokens"}
    sonnet_svc = {"model": "Claude Sonnet 4"}
    west = {"region": "us-west-2"}
    out = {"inference_type": "Output tokens"}
    batch = {"feature": "Batch Inference"}
    table: list[tuple[str, str, str, dict[str, Any]]] = [
        # AmazonBedrock, 1K tokens
        (ab, "USE1-Claude3Haiku-input-tokens", "0.00025", haiku),
        (ab, "USE1-Claude3Haiku-output-tokens", "0.00125", {**haiku, **out}),
        (ab, "USE1-Claude3Haiku-input-tokens-batch", "0.000125", {**haiku, **batch}),
        (ab, "USE1-Claude3Haiku-output-tokens-batch", "0.000625", {**haiku, **out, **batch}),
        (ab, "USE1-Claude3Haiku-cache-read-input-token-count", "0.00003", haiku),
        (ab, "USE1-Claude3Haiku-input-tokens-latency-optimized", "0.0003", haiku),
        (ab, "USE1-Claude3Haiku-ProvisionedThroughput-1Month", "20.5", {**haiku, "unit": "Hrs"}),
        (ab, "USW2-Claude3Haiku-input-tokens-batch", "0.000111", {**haiku, **west}),
        (ab, "USW2-Claude3Haiku-output-tokens-batch", "0.000555", {**haiku, **west, **out}),
        (ab, "USE1-NovaPro-input-tokens", "0.0008", nova),
        (ab, "USE1-NovaPro-input-tokens-batch", "0.0004", nova),
        (ab, "USE1-NovaPro-output-tokens-batch", "0.0016", {**nova, **out}),
        (ab, "USE1-NovaPro-input-tokens-flex", "0.0002", nova),
        (ab, "USE1-Llama3-70B-input-tokens", "0.00265", llama),
        (ab, "USE1-Llama3-70B-output-tokens", "0.0035", {**llama, **out}),
        (ab, "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "0.00015", oss),
        (ab, "USE1-openai.gpt-oss-120b-mantle-input-tokens-batch", "0.000075", oss),
        (ab, "USE1-openai.gpt-oss-120b-mantle-output-tokens-batch", "0.0003", {**oss, **out}),
        (ab, "USE1-openai.gpt-oss-120b-mantle-input-tokens-priority", "0.0003", oss),
        # AmazonBedrockFoundationModels (Marketplace), 1M tokens
        (mp, "USE1-MP:USE1_InputTokenCount-Units", "3.00", sonnet),
        (mp, "USE1-MP:USE1_OutputTokenCount-Units", "15.00", {**sonnet, **out}),
        (mp, "USE1-MP:USE1_MillionBatchInputTokens-Units", "1.50", sonnet),
        (mp, "USE1-MP:USE1_MillionBatchOutputTokens-Units", "7.50", {**sonnet, **out}),
        (mp, "USE1-MP:USE1_InputTokenCount_Global-Units", "3.30", sonnet),
        (mp, "USE1-MP:USE1_CacheReadInputTokenCount-Units", "0.30", sonnet),
        (mp, "USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units", "41", {**sonnet, "unit": "TPM"}),
        (mp, "EUC1-MP:EUC1_MillionBatchInputTokens-Units", "1.70", {**sonnet, "region": "eu-central-1"}),  # noqa: E501
        # AmazonBedrockService, 1K tokens: the cross-region (global) batch prices
        (svc, "USE1-Claude4Sonnet-input-tokens-cross-region-global-batch", "0.00165", sonnet_svc),
        (svc, "USE1-Claude4Sonnet-output-tokens-cross-region-global-batch", "0.00825", {**sonnet_svc, **out}),  # noqa: E501
        (svc, "USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global", "0.0225", {**sonnet_svc, **out}),  # noqa: E501
    ]  # fmt: skip
    return [(code, price_product(usage, usd, **extra)) for code, usage, usd, extra in table]


def generate_jobs(count: int, seed_time: datetime | None = None) -> list[dict[str, Any]]:
    """`count` jobs across every status, one minute apart, for listing tests and bench/."""
    statuses = [
        "Completed",
        "InProgress",
        "Failed",
        "Scheduled",
        "PartiallyCompleted",
        "Submitted",
        "Validating",
        "Stopped",
        "Expired",
        "Stopping",
    ]
    start = seed_time or datetime(2026, 11, 1, tzinfo=UTC)
    return [
        make_job(
            f"{index:012d}"[-12:].replace("0", "a"),
            statuses[index % len(statuses)],
            name=f"bulk-{index:05d}",
            submitted=start + timedelta(minutes=index),
        )
        for index in range(count)
    ]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="how many jobs to serve")
    args = parser.parse_args()
    with RunningFake() as running:
        for job in generate_jobs(args.jobs):
            running.fake.add_job(job)
        print(running.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
