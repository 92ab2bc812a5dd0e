"""What `bjob.Client`'s methods return: frozen dataclasses over bjob's model, each with
`to_json()`, built by the same functions that make the command's `--json` (render/*), so
the two cannot drift apart."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self, overload

from bjob.model.answers import Answer
from bjob.model.check import CheckReport
from bjob.model.cost import CostEstimate
from bjob.model.job import Job
from bjob.model.quotas import RegionQueues
from bjob.model.results import Results
from bjob.model.stop import StopReport
from bjob.model.submit import SubmissionPlan, SubmittedJob
from bjob.render.check import report_to_dict
from bjob.render.jsonout import change_to_dict, job_to_dict
from bjob.render.quotas import queues_to_dict
from bjob.render.results import results_to_dict
from bjob.render.stop import report_to_list
from bjob.render.submit import submission_to_dict
from bjob.support.exits import ExitCode
from bjob.usecases.runs import RunOutcome


@dataclass(frozen=True)
class ShownJob:
    """A job as `bjob show` shows it: its normalized state (`job`), the moment its figures
    are measured as of, and the response AWS returned (`raw`, as `show --raw` prints it).

    >>> job = client.show("abc123def456")
    >>> job.status, job.to_json()["records"]["fraction_done"]
    ('InProgress', 0.42)
    """

    job: Job
    as_of: datetime
    saved_response: bool = False
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def arn(self) -> str | None:
        return self.job.arn

    @property
    def name(self) -> str | None:
        return self.job.name

    @property
    def status(self) -> str | None:
        return self.job.status

    @property
    def is_terminal(self) -> bool:
        return self.job.is_terminal

    def to_json(self) -> dict[str, Any]:
        """`bjob show --json` (schemas/job.schema.json)."""
        return job_to_dict(self.job, self.as_of, saved=self.saved_response)


@dataclass(frozen=True)
class JobList(Sequence[ShownJob]):
    """Jobs in order (`bjob list`, or a run's jobs for `show run:NAME`); a sequence of
    ShownJob. `run`: the run's name; `warnings`: what finding the run noticed."""

    jobs: tuple[ShownJob, ...]
    run: str | None = None
    warnings: tuple[str, ...] = ()

    @overload
    def __getitem__(self, index: int) -> ShownJob: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ShownJob, ...]: ...

    def __getitem__(self, index: int | slice) -> ShownJob | tuple[ShownJob, ...]:
        return self.jobs[index]

    def __len__(self) -> int:
        return len(self.jobs)

    def to_json(self) -> list[dict[str, Any]]:
        """`bjob list --json` (or `bjob show run:NAME --json`): an array of jobs."""
        return [shown.to_json() for shown in self.jobs]


@dataclass(frozen=True)
class JobChange:
    """A job seen to change during a watch, and when: one line of `bjob watch --json`."""

    job: Job
    observed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return change_to_dict(self.job, self.observed_at)


@dataclass(frozen=True)
class WatchOutcome:
    """How a watch ended: the jobs as last seen, every change seen on the way, and `code`,
    what `bjob watch` would exit with (0 every job Completed, 10 one Failed, 8 the timeout
    came first...; a run's, judged on its records: `runs` says how many records have an
    answer)."""

    jobs: tuple[Job, ...]
    changes: tuple[JobChange, ...]
    code: ExitCode
    runs: tuple[RunOutcome, ...] = ()  # each run's, judged on its records, once it ended

    @property
    def ok(self) -> bool:
        return self.code is ExitCode.OK

    def to_json(self) -> list[dict[str, Any]]:
        """`bjob watch --json`'s lines, in order (each one a JobChange's)."""
        return [change.to_json() for change in self.changes]


@dataclass(frozen=True)
class ResultsReport:
    """What a finished job (or a run) produced: `bjob results`."""

    results: Results

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.results.warnings

    def to_json(self) -> dict[str, Any]:
        """`bjob results --json` (schemas/results.schema.json)."""
        return results_to_dict(self.results)


@dataclass(frozen=True)
class AnswerLine:
    """One input record's answer by its latest attempt: a line of `bjob answers`."""

    record_id: str | None
    status: str  # ok, failed, missing or pending
    text: str | None
    job: str | None  # the ARN of the job of its latest attempt
    line: Mapping[str, Any] = field(repr=False)

    @classmethod
    def of(cls, answer: Answer, raw: bool) -> AnswerLine:
        line = answer.to_dict(raw)
        return cls(answer.record_id, answer.status, line["text"], answer.job, line)

    def to_json(self) -> dict[str, Any]:
        """The line as `bjob answers` writes it (schemas/answer.schema.json)."""
        return dict(self.line)


_END = object()


class _Closed(Exception):
    """The reader went away: the walk stops."""


class Answers(Iterator[AnswerLine]):
    """Every input record's answer, in input order, as it is read: the records are walked
    in a thread a bounded number of answers ahead (memory stays that of one input file, as
    for `bjob answers`). After the last answer, `statuses` counts them and `warnings` says
    what the walk noticed. Close it (or use it in a `with`) to stop early."""

    AHEAD = 4096

    def __init__(
        self, walk: Callable[[Callable[[AnswerLine], None]], Any], warnings: Sequence[str] = ()
    ) -> None:
        self.warnings: tuple[str, ...] = tuple(warnings)
        self.statuses: Mapping[str, int] = {}
        self._walk = walk
        self._queue: queue.Queue[Any] = queue.Queue(self.AHEAD)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._done = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> AnswerLine:
        if self._done:
            raise StopIteration
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="bjob-answers", daemon=True)
            self._thread.start()
        item = self._queue.get()
        if item is _END:
            self._done = True
            self._thread.join()
            if self._failure is not None:
                raise self._failure
            raise StopIteration
        answer: AnswerLine = item
        return answer

    def _run(self) -> None:
        try:
            walked = self._walk(self._put)
            self.warnings = (*self.warnings, *walked.warnings)
            self.statuses = dict(walked.statuses)
        except _Closed:
            return
        except BaseException as error:  # handed to the reader, raised there
            self._failure = error
        try:
            self._put(_END)
        except _Closed:
            pass

    def _put(self, item: Any) -> None:
        while True:
            if self._closed.is_set():
                raise _Closed
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Stop reading (the walk ends at its next answer)."""
        self._done = True
        self._closed.set()
        if self._thread is not None:
            self._thread.join()

    def __del__(self) -> None:
        self._closed.set()  # an iterator dropped half-read: its walk ends (not waited for)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


@dataclass(frozen=True)
class Quotas:
    """Why jobs wait in a region: each model's unfinished jobs against its quotas, and its
    queue (`bjob quotas`)."""

    queues: RegionQueues

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(self.queues.warnings)

    def to_json(self) -> dict[str, Any]:
        """`bjob quotas --json` for one region (schemas/quotas.schema.json)."""
        return queues_to_dict(self.queues)


@dataclass(frozen=True)
class CheckResult:
    """`bjob check`'s report: `ok` when a job of this input would not fail (with `strict`,
    warnings count too); `estimate` when its cost was asked for; `warnings`: what the
    model's lookup and the estimate could not find out."""

    report: CheckReport
    strict: bool
    estimate: CostEstimate | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report.ok(self.strict)

    @property
    def code(self) -> ExitCode:
        """What `bjob check` would exit with: 0, or 7 when the input would fail."""
        return ExitCode.OK if self.ok else ExitCode.INPUT_ERRORS

    def to_json(self) -> dict[str, Any]:
        """`bjob check --json` (schemas/check.schema.json)."""
        document = report_to_dict(self.report, self.strict)
        if self.estimate is not None:
            document["cost"] = self.estimate.to_json()
        return document


@dataclass(frozen=True)
class Submission:
    """A submission's plan and, unless a dry run, what was done: every planned job with its
    ARN (None for one the model's concurrent-jobs quota left out: then `code` is 15).
    `code` is what `bjob submit` (or `bjob retry`) would exit with."""

    plan: SubmissionPlan
    jobs: tuple[SubmittedJob, ...] | None
    dry_run: bool
    code: ExitCode
    warnings: tuple[str, ...] = ()

    @property
    def arns(self) -> tuple[str, ...]:
        """The jobs' ARNs, those created and those an earlier run made."""
        return tuple(job.arn for job in self.jobs or () if job.arn is not None)

    def to_json(self) -> dict[str, Any]:
        """`bjob submit --json` (schemas/submit.schema.json)."""
        return submission_to_dict(self.plan, self.jobs, self.dry_run, int(self.code))


@dataclass(frozen=True)
class StopResult:
    """What stopping did to each job (or, in a dry run, would do); `code`: what `bjob stop`
    would exit with (a refused stop's code, else 0)."""

    report: StopReport
    notes: tuple[str, ...] = ()  # a run with no job left to stop

    @property
    def code(self) -> ExitCode:
        return ExitCode.OK if self.report.dry_run else self.report.code

    def to_json(self) -> list[dict[str, Any]]:
        """`bjob stop --json` (schemas/stop.schema.json)."""
        return report_to_list(self.report)
