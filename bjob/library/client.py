"""`bjob.Client`: the commands as methods, for notebooks and pipelines.

The Client holds what every command's connection options hold (profile, region, endpoint,
timeouts: the AWS configuration chain as the CLI reads it) and calls the same use cases
the commands call. It never prints or asks: what the CLI asks, the caller decides (`dry_run`
and the arguments), and every failure is a `BjobError` whose `code` is the exit code the
command would use.
"""

from __future__ import annotations

import io
import math
import os
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from bjob.aws.session import AwsClients, AwsOptions
from bjob.library.values import (
    AnswerLine,
    Answers,
    CheckResult,
    JobChange,
    JobList,
    Quotas,
    ResultsReport,
    ShownJob,
    StopResult,
    Submission,
    WatchOutcome,
)
from bjob.model.durations import parse_duration
from bjob.model.environment import Environment
from bjob.model.identifiers import JobRef
from bjob.model.results import Prices, parse_prices
from bjob.model.runs import run_name_of_ref, split_run_refs
from bjob.model.submit import checked_invocation_type
from bjob.model.track import JobTrack
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.answers import AnswerMode, walk_records
from bjob.usecases.check import find_sources
from bjob.usecases.checkcost import check_sources, cost_prices
from bjob.usecases.listing import list_filters, list_jobs
from bjob.usecases.load import load_jobs, parse_job_refs
from bjob.usecases.quotas import gather_queues
from bjob.usecases.results.gather import ResultsRequest, gather_results
from bjob.usecases.retry import retry_of
from bjob.usecases.runs import (
    Run,
    RunOutcome,
    find_run,
    gather_run_results,
    load_job_or_run,
)
from bjob.usecases.stop import stop, stop_targets
from bjob.usecases.submit import SubmitRequest, new_submission, submit_jobs
from bjob.usecases.watch import WatchSettings, watch

OnChange = Callable[[JobChange], None]


class Client:
    """Amazon Bedrock batch inference jobs, as the `bjob` commands see them.

    >>> import bjob
    >>> client = bjob.Client(region="us-east-1")          # bjob ... --region us-east-1
    >>> client.show("abc123def456").status                 # bjob show abc123def456
    'InProgress'

    `profile`, `region`, `endpoint_url` (Bedrock's), `connect_timeout` and `read_timeout`
    (seconds) are the commands' --profile, --region, --endpoint-url, --connect-timeout and
    --read-timeout; what is not given comes from the AWS configuration chain (AWS_PROFILE,
    AWS_REGION, AWS_DEFAULT_REGION, the profile's settings), as for the CLI. `now` is the
    wall clock figures are measured against (a test's, or a fixed moment).
    """

    def __init__(
        self,
        profile: str | None = None,
        region: str | None = None,
        endpoint_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        for option, seconds in (
            ("connect_timeout", connect_timeout),
            ("read_timeout", read_timeout),
        ):
            if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
                raise BjobError(
                    f"{option}: expected a number of seconds above 0, not {seconds}",
                    ExitCode.USAGE,
                )
        self.options = AwsOptions(
            profile=profile,
            region=region,
            endpoint_url=endpoint_url,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
        )
        self._clients = AwsClients(self.options)
        self._now = now or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        given = {key: value for key, value in vars(self.options).items() if value is not None}
        return f"bjob.Client({', '.join(f'{key}={value!r}' for key, value in given.items())})"

    # --- reading -------------------------------------------------------------------------

    def show(self, ref: str) -> ShownJob | JobList:
        """One job (an ARN, a 12-character id, a name, or a saved response FILE.json), or
        `run:NAME`: every job of a submission, as a JobList. `bjob show REF --json`.

        >>> client.show("my-job").to_json()["records"]["succeeded"]
        998
        >>> [job.name for job in client.show("run:tickets")]
        ['tickets-1', 'tickets-2', 'tickets-retry-1']
        """
        name = run_name_of_ref(ref)
        if name is not None:
            run = find_run(name, self._clients, self.options.region)
            now = self._now()
            return JobList(tuple(ShownJob(job, now) for job in run.jobs), name, run.warnings)
        [parsed] = _job_refs([ref])
        [loaded] = load_jobs([parsed], self._clients, io.StringIO())
        if isinstance(loaded, BjobError):
            raise loaded
        saved = parsed.kind == "file"
        # A saved response's figures are as of its own moment (as `bjob show` gives them).
        now = self._now()
        as_of = (loaded.job.snapshot_moment() or now) if saved else now
        return ShownJob(loaded.job, as_of, saved, loaded.raw)

    def list(
        self,
        *,
        status: str | Sequence[str] = (),
        name: str | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        sort: str = "newest",
        limit: int | None = 50,
        regions: Sequence[str] = (),
    ) -> JobList:
        """Jobs, newest first (`sort="oldest"`: oldest first): `bjob list --json`, with its
        filters. `status`: one or several statuses (any case); `name`: text the name
        contains; `since`/`until`: a duration ago ("24h", "7d"), an ISO date/time or a
        datetime; `limit`: at most this many (None: every match, `--all`); `regions`:
        several regions, asked at once (default: the client's).

        >>> failed = client.list(status="Failed", since="7d", limit=None)
        >>> [job.arn for job in failed]
        ['arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456']
        """
        if limit is not None and limit < 1:
            raise BjobError(f"limit: at least 1 (None: every job), not {limit}", ExitCode.USAGE)
        now = self._now()
        filters = list_filters(
            statuses=[status] if isinstance(status, str) else status,
            name=name,
            since=since,
            until=until,
            sort=sort,
            limit=limit,
            now=now,
        )
        asked: Sequence[str | None] = tuple(dict.fromkeys(regions)) or (None,)
        jobs = list_jobs(self._clients, asked, filters)
        return JobList(tuple(ShownJob(job, now) for job in jobs))

    def watch(
        self,
        refs: str | Sequence[str] = (),
        *,
        on_change: OnChange | None = None,
        active: bool = False,
        interval: float = 30.0,
        timeout: float | str | None = None,
        give_up_after: float | str = 600.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> WatchOutcome:
        """Follow jobs (or runs, `run:NAME`; or with `active=True` every job of the region
        that has not ended) until they end: `bjob watch --json`. Each change is given to
        `on_change` as it is seen (a JobChange: `watch --json`'s line); the outcome's
        `code` is the command's exit code (0 all Completed, 10 Failed, 8 the `timeout`
        came first...). `interval`: seconds between polls (at least 1); `timeout` and
        `give_up_after` (an outage ridden out this long): seconds or "45m", "2h".
        `clock` (monotonic seconds), `sleep` and `jitter` (a number in [0, 1) that keeps
        many watchers from polling in step) may be a test's.

        >>> outcome = client.watch("abc123def456", on_change=lambda c: print(c.job.status))
        InProgress
        Completed
        >>> outcome.ok
        True
        """
        texts = [refs] if isinstance(refs, str) else list(refs)
        if texts and active:
            raise BjobError(
                "active=True follows every active job: give refs or active, not both",
                ExitCode.USAGE,
            )
        if not texts and not active:
            raise BjobError("give one or more jobs to watch, or active=True", ExitCode.USAGE)
        if not (math.isfinite(interval) and interval >= 1):
            raise BjobError(f"interval: at least 1 second, not {interval}", ExitCode.USAGE)
        settings = WatchSettings(
            interval=interval,
            timeout=_seconds(timeout, "timeout") if timeout is not None else None,
            give_up_after=_seconds(give_up_after, "give_up_after"),
        )
        runs, others = split_run_refs(texts)
        env = self._environment(clock, sleep, jitter)
        ended: list[RunOutcome] = []
        display = _Changes(on_change, env.now)
        watched = watch(
            _job_refs(others),
            runs,
            self._clients,
            env,
            settings,
            lambda: nullcontext(display),
            on_retry=lambda error, delay: None,
            on_run_outcome=ended.append,
        )
        if watched.result is None:
            raise _worst(watched.errors)
        result = watched.result
        return WatchOutcome(result.jobs, tuple(display.changes), result.code, tuple(ended))

    def results(self, ref: str, *, prices: str | Prices | None = None) -> ResultsReport:
        """What a finished job produced (records succeeded, failed and missing, why they
        failed, tokens and cost), or a run's (`run:NAME`: every record by its latest
        attempt): `bjob results --json`. `prices`: USD per million input and output tokens
        ("0.125,0.625"), in place of the AWS Price List's.

        >>> report = client.results("abc123def456")
        >>> report.results.failed, report.to_json()["cost"]["usd"]
        (2, 0.61)
        """
        given = parse_prices(prices) if isinstance(prices, str) else prices
        found = self._job_or_run(ref)
        if isinstance(found, Run):
            return ResultsReport(gather_run_results(found, self._clients, given))
        return ResultsReport(gather_results(found, self._clients, ResultsRequest(prices=given)))

    def answers(self, ref: str, *, raw: bool = False) -> Answers:
        """Every input record's answer, in input order, by its latest attempt (ok, failed,
        missing or pending): `bjob answers`, a line at a time (AnswerLine; `.to_json()` is
        the JSON line). `raw`: each answer's whole modelOutput too. The job (or run) is
        read now; the answers as they are iterated.

        >>> for answer in client.answers("run:tickets"):
        ...     if answer.status == "ok":
        ...         print(answer.record_id, answer.text)
        t1 Paris.
        """
        found = self._job_or_run(ref)
        parts, retries = (found.parts, found.retries) if isinstance(found, Run) else ((found,), ())
        mode = AnswerMode(text=True, raw=raw)

        def walk(put: Callable[[AnswerLine], None]) -> Any:
            return walk_records(
                parts, retries, self._clients, mode, lambda _, __, a: put(AnswerLine.of(a, raw))
            )

        return Answers(walk, found.warnings if isinstance(found, Run) else ())

    def quotas(self, model: str | None = None, *, region: str | None = None) -> Quotas:
        """Why jobs wait: each base model's unfinished jobs against its batch quotas, and
        its queue from CloudWatch (`bjob quotas --json`); `model`: only the models whose id
        or name contains it.

        >>> [m["model_id"] for m in client.quotas("haiku").to_json()["models"]]
        ['anthropic.claude-3-haiku-20240307-v1:0']
        """
        [queues] = gather_queues(self._clients, [region], model, self._now())
        return Quotas(queues)

    def check(
        self,
        inputs: str | Sequence[str],
        *,
        model: str | None = None,
        invocation_type: str = "InvokeModel",
        strict: bool = False,
        cost: bool = False,
        prices: str | Prices | None = None,
    ) -> CheckResult:
        """Check a job's input before it is submitted (.jsonl files, folders, s3:// URIs):
        each line, each request body against the model's format, the job against its
        limits (`bjob check --json`). `.ok` is False when a job would fail (with `strict`,
        warnings count too). `cost`: estimate what the job will cost (needs `model`;
        `prices`, "IN,OUT" per million tokens, in place of the Price List's).

        >>> report = client.check("records.jsonl", model="haiku")
        >>> report.ok, report.to_json()["records"]
        (True, 1200)
        """
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        checked_invocation_type(invocation_type)
        override = cost_prices(cost, model, prices)
        sources = find_sources(texts, self._factory, _no_stdin)
        checked = check_sources(
            sources, model, invocation_type, self._factory, cost=cost, prices=override
        )
        return CheckResult(checked.report, strict, checked.estimate, checked.warnings)

    # --- acting: what the CLI asks, the caller decides -----------------------------------

    def submit(
        self,
        inputs: str | Sequence[str],
        *,
        model: str,
        role: str,
        output: str,
        name: str | None = None,
        upload_to: str | None = None,
        invocation_type: str = "InvokeModel",
        timeout_hours: int | None = None,
        kms_key: str | None = None,
        subnets: Sequence[str] = (),
        security_groups: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
        strict: bool = False,
        dry_run: bool = False,
    ) -> Submission:
        """Submit an input as batch jobs, as `bjob submit --yes --json` does: checked (an
        input with errors raises BjobError 7 and nothing is made), split to the model's
        quotas, uploaded, created; with `dry_run`, the plan only. Safe to call twice: a
        second call finds the jobs the first one made. `.code` is 15 when the model's
        concurrent-jobs quota left some jobs out.

        >>> plan = client.submit("tickets.jsonl", model="haiku", role=ROLE,
        ...                      output="s3://bucket/out/", dry_run=True)
        >>> [job["name"] for job in plan.to_json()["jobs"]]
        ['tickets']
        >>> client.submit("tickets.jsonl", model="haiku", role=ROLE,
        ...               output="s3://bucket/out/").arns
        ('arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123def456',)
        """
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        if not texts:
            raise BjobError("give one or more inputs to submit", ExitCode.USAGE)
        request = new_submission(
            texts,
            model=model,
            role=role,
            output=output,
            invocation_type=invocation_type,
            timeout_hours=timeout_hours,
            kms_key=kms_key,
            subnets=subnets,
            security_groups=security_groups,
            tags=tuple((tags or {}).items()),
            name=name,
            upload_to=upload_to,
            strict=strict,
            # Nothing is asked: the upload may begin while the input is checked, as with --yes.
            early=not dry_run,
        )
        return self._submitted(request, self._clients, self._clients.default_region(), dry_run)

    def stop(self, refs: str | Sequence[str], *, dry_run: bool = False) -> StopResult:
        """Stop jobs (or a run's unfinished jobs, `run:NAME`), as `bjob stop --yes --json`:
        a job that has ended or is stopping is left as it is (not an error); one refused
        stop is its job's outcome (`.code`) and the others go on. With `dry_run`, what
        would happen to each.

        >>> [entry["action"] for entry in client.stop("abc123def456").to_json()]
        ['stopped']
        """
        texts = [refs] if isinstance(refs, str) else list(refs)
        if not texts:
            raise BjobError("give one or more jobs to stop", ExitCode.USAGE)
        targets, notes = stop_targets(texts, self._clients)
        done = stop(targets, self._clients, dry_run=dry_run, confirm=lambda plans: True)
        if done.errors:  # a job that does not exist: nothing was stopped
            raise _worst(done.errors)
        return StopResult(done, tuple(notes))

    def retry(
        self,
        ref: str,
        *,
        dry_run: bool = False,
        name: str | None = None,
        upload_to: str | None = None,
        strict: bool = False,
    ) -> Submission | None:
        """Submit a job's failed and never-processed records again (or a run's records that
        no attempt answered, `run:NAME`), as a new job like it in its region: `bjob retry
        --yes --json`. None when there is nothing to submit again.

        >>> client.retry("run:tickets", dry_run=True).to_json()["jobs"][0]["name"]
        'tickets-retry-1'
        """
        with retry_of(
            ref, self._clients, io.StringIO(), name=name, upload_to=upload_to, strict=strict
        ) as retrying:
            request = retrying.prepared.request
            if request is None:
                return None
            done = self._submitted(request, retrying.clients, retrying.region, dry_run)
            warnings = (*retrying.prepared.warnings, *done.warnings)
            return Submission(done.plan, done.jobs, done.dry_run, done.code, warnings)

    # --- helpers -------------------------------------------------------------------------

    def _submitted(
        self, request: SubmitRequest, clients: AwsClients, region: str, dry_run: bool
    ) -> Submission:
        """submit's steps with the question answered yes (the caller asked for it): the
        submission, or its plan in a dry run."""
        done = submit_jobs(
            request,
            clients,
            region,
            self._now(),
            dry_run=dry_run,
            on_plan=_ignore,
            confirm=lambda about: True,
            progress=_no_progress,
            on_job=_ignore,
        )
        about, outcome = done.plan.about, done.outcome
        jobs = tuple(outcome.jobs) if outcome is not None else None
        return Submission(about, jobs, dry_run, done.exit_code(), about.warnings)

    def _factory(self) -> AwsClients:
        return self._clients

    def _job_or_run(self, ref: str) -> Any:
        if run_name_of_ref(ref) is None:
            _job_refs([ref])  # standard input is the command line's
        return load_job_or_run(ref, self._clients, io.StringIO())

    def _environment(
        self,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        jitter: Callable[[], float],
    ) -> Environment:
        """What the use cases are given in place of a process: no streams, the caller's time."""
        return Environment(
            stdin=io.StringIO(),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            environ=os.environ,
            now=self._now,
            clock=clock,
            sleep=sleep,
            random=jitter,
        )


def _job_refs(texts: Sequence[str]) -> list[JobRef]:
    if "-" in texts:
        raise BjobError(
            "- (standard input) is the command line's: give a saved response's FILE.json",
            ExitCode.USAGE,
        )
    return parse_job_refs(texts)


def _seconds(value: float | str, option: str) -> float:
    if isinstance(value, str):
        return parse_duration(value, option)
    if not (math.isfinite(value) and value > 0):
        raise BjobError(f"{option}: a number of seconds above 0, not {value}", ExitCode.USAGE)
    return float(value)


def _worst(errors: Sequence[BjobError]) -> BjobError:
    return max(errors, key=lambda error: error.code)


def _ignore(*args: object) -> None:
    pass


def _no_stdin() -> Any:
    raise BjobError("- (standard input) is the command line's: give a file", ExitCode.USAGE)


@contextmanager
def _no_progress() -> Iterator[tuple[Callable[[int], None], Callable[[int], None]]]:
    yield _ignore, _ignore


class _Changes:
    """A watch display that hands each change to the caller, and keeps them."""

    def __init__(self, on_change: OnChange | None, now: Callable[[], datetime]) -> None:
        self.on_change, self.now = on_change, now
        self.changes: list[JobChange] = []

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None:
        now = self.now()
        for track in changed:
            change = JobChange(track.job, now)
            self.changes.append(change)
            if self.on_change is not None:
                self.on_change(change)

    def waiting(self, next_poll_at: float) -> None:
        pass

    def retrying(self, error: BjobError, delay: float) -> None:
        pass

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None:
        pass
