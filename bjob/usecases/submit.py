"""Submitting an input as jobs, the workflow `bjob submit` and `bjob retry` share.

1. `plan_submission` reads and decides, and writes nothing: the input checked as `bjob check`
   checks it (the same code: the gate), the model resolved to the id the jobs will carry, the
   records dealt into as few jobs as the limits allow (each input file an object of its
   own), the jobs an earlier run made found by their tokens (one listing), a name another
   submission holds refused, the buckets' regions, every object an upload would write
   looked at (nothing bjob did not write is ever replaced), the free slots counted. A dry
   run is this and nothing more, so it ends with the real run's exit codes.
2. `carry_out` uploads what is missing (verified: the bytes sent are the bytes checked) and
   creates the jobs that fit the free slots, reporting each one as it is made.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from bjob.aws.bedrock import create_job
from bjob.model.check import CheckReport, Limit, Problem
from bjob.model.locations import S3Location, parse_s3_uri
from bjob.model.models import looks_like_an_id
from bjob.model.runs import RUN_TAG
from bjob.model.submit import (
    InputObject,
    JobSettings,
    LocalFile,
    SubmissionPlan,
    SubmittedJob,
    check_settings,
    object_names,
    plan_jobs,
    shard_limits,
)
from bjob.support.concurrent import brisk_switching, in_background
from bjob.support.exits import BjobError, ExitCode
from bjob.usecases.check import Sources, check_input, find_sources
from bjob.usecases.cost import CostCounter
from bjob.usecases.modellookup import ModelLookup, lookup_model
from bjob.usecases.submitinput import (
    FileFacts,
    as_is,
    changed,
    deal,
    facts_kept,
    read_facts,
    upload_objects,
)
from bjob.usecases.submitlooks import (
    check_buckets,
    existing_parts,
    free_retry_name,
    look_at_objects,
    run_summaries,
    slots_in_use,
)

if TYPE_CHECKING:
    from bjob.aws.s3 import Upload
    from bjob.aws.session import AwsClients

# Problems the split resolves: they are not the gate's business.
LIMIT_KINDS = frozenset(
    {"too-many-records", "job-too-large", "file-too-many-records", "file-too-large"}
)
UPLOAD_FOLDER = "bjob-inputs/"  # beside the job folders under --output, unless --upload-to


@dataclass(frozen=True)
class SubmitRequest:
    """What a user asked for: the inputs, the jobs' settings (the model as typed), the name."""

    inputs: Sequence[str]
    settings: JobSettings
    name: str
    upload_to: str | None = None
    strict: bool = False
    run: str | None = None  # the run the jobs join: the name, unless they are a retry
    retry_of: str | None = None  # name the jobs <retry_of>-1, -2...: the first one free
    labels: Mapping[str, str] = field(default_factory=dict)  # an input path: how to name it
    # Nothing will be asked (--yes, not a dry run): a lone local file that will be one job
    # may be uploaded while it is checked, and is taken back if the check refuses it.
    early: bool = False

    def labelled(self, text: str) -> str:
        """A message with a file bjob made for the submission (retry's, in a folder removed
        afterwards) named for what it holds."""
        for path, label in self.labels.items():
            text = text.replace(path, label)
        return text


def new_submission(
    inputs: Sequence[str],
    *,
    model: str,
    role: str,
    output: str,
    invocation_type: str,
    timeout_hours: int | None,
    kms_key: str | None,
    subnets: Sequence[str],
    security_groups: Sequence[str],
    tags: Sequence[tuple[str, str]],
    name: str | None,
    upload_to: str | None,
    strict: bool,
    early: bool,
) -> SubmitRequest:
    """A submission as a user asks for it (the CLI and the library): the S3 folders and the
    invocation type checked, the name the first input's unless given."""
    from bjob.model.locations import folder_uri
    from bjob.model.submit import checked_invocation_type, default_name

    settings = JobSettings(
        model_id=model,
        role_arn=role,
        output_uri=folder_uri(output, "--output"),
        invocation_type=checked_invocation_type(invocation_type),
        timeout_hours=timeout_hours,
        kms_key=kms_key,
        subnets=tuple(subnets),
        security_groups=tuple(security_groups),
        tags=tuple(tags),
    )
    if upload_to is not None:
        folder_uri(upload_to, "--upload-to")
    name = name or default_name(inputs[0])
    return SubmitRequest(inputs, settings, name, upload_to, strict=strict, early=early)


CREATING = "Creating"  # a job whose CreateModelInvocationJob is under way


class GateClosed(BjobError):
    """The input has errors (or, with --strict, warnings): nothing is uploaded or created."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(
            "the input has errors: nothing was uploaded or created", ExitCode.INPUT_ERRORS
        )
        self.report = report


@dataclass(frozen=True)
class Plan:
    """Everything decided before anything is written: what is shown and asked (`about`),
    and what carrying it out needs."""

    about: SubmissionPlan
    lookup: ModelLookup
    report: CheckReport
    read: Callable[[], Iterator[tuple[int, bytes]]] = field(repr=False)  # (object, line)


def plan_submission(
    request: SubmitRequest,
    clients: AwsClients,
    region: str,
    now: datetime,
    stdin: Callable[[], IO[bytes]] | None = None,
) -> Plan:
    """Check, plan and look: everything short of uploading or creating (a dry run is this)."""
    settings = request.settings
    if request.run is None and request.retry_of is None:
        check_settings(settings, [request.name])
    sources = find_sources(request.inputs, lambda: clients, stdin or _no_stdin)
    if not all(source.rereadable for source in sources.items):
        raise BjobError(
            "submit reads its input twice (to check it, then to upload it): give a file, a "
            "folder or an S3 URI, not a stream",
            ExitCode.USAGE,
        )
    facts_ahead = _FactsAhead.of(request, sources)  # read while the model is looked up
    if facts_ahead is None:
        return _planned(request, sources, None, clients, region, now)
    # Reading in the background, then checking while uploading: threads moving bytes
    # alongside one that parses.
    try:
        with brisk_switching():
            return _planned(request, sources, facts_ahead, clients, region, now)
    finally:
        facts_ahead.stop()  # (read by now, unless something failed first)


def _planned(
    request: SubmitRequest,
    sources: Sources,
    facts_ahead: _FactsAhead | None,
    clients: AwsClients,
    region: str,
    now: datetime,
) -> Plan:
    settings = request.settings
    known = (
        None
        if looks_like_an_id(settings.model_id) and not request.early
        else lookup_model(settings.model_id, lambda: clients)
    )
    model_id = known.model.for_jobs if known is not None else settings.model_id
    early, ahead = None, _Ahead()
    if known is not None and facts_ahead is not None:
        early = _early_upload(request, facts_ahead, known, clients, region, now, ahead)
        if early is None:
            facts_ahead.stop()  # the check reads the file as it is, and hashes it itself
    if early is not None:  # the file was read for it: the check reads it as it is
        facts, watched = [early.facts], sources
    else:  # each local file's bytes hashed as the check reads them
        facts = [FileFacts() for _ in sources.items]
        watched = Sources(
            [facts_kept(source, item) for source, item in zip(sources.items, facts, strict=True)],
            sources.skipped,
        )
    try:
        plan = _checked_and_planned(
            request, sources, watched, facts, known, model_id, clients, region, now, early, ahead
        )
    except BaseException as failure:
        if early is not None:
            try:
                early.abandon()
            except BjobError as cleanup:  # the failure that stopped it stays the news
                if isinstance(failure, BjobError):
                    failure.message += (
                        f"\n(and {early.uri}, uploaded while the input was checked, could not "
                        f"be removed: {cleanup.message})"
                    )
        raise
    kept = {item.uri for job in plan.about.to_create for item in job.objects}
    if early is not None and (early.uri not in plan.about.reused or early.uri not in kept):
        early.abandon()  # the plan turned out otherwise: the object is taken back
    return plan


def _checked_and_planned(
    request: SubmitRequest,
    sources: Sources,
    watched: Sources,
    facts: list[FileFacts],
    known: ModelLookup | None,
    model_id: str,
    clients: AwsClients,
    region: str,
    now: datetime,
    early: _Early | None,
    ahead: _Ahead,
) -> Plan:
    settings = request.settings
    counter = CostCounter(watched, model_id, settings.invocation_type, lambda: clients)
    try:
        report, lookup = check_input(
            watched,
            model_id,
            settings.invocation_type,
            lambda: clients,
            observe=counter.observe,
            known=known,
        )
    except BaseException:
        counter.close()
        raise
    assert lookup is not None  # a model was given
    cost = counter.finish(lookup)
    gate = [
        problem
        for problem in report.problems
        if problem.kind not in LIMIT_KINDS and (problem.severity == "error" or request.strict)
    ]
    if gate:
        raise GateClosed(replace(report, problems=tuple(gate)))
    settings = replace(settings, model_id=lookup.model.for_jobs)
    warnings = [*lookup.warnings, *cost.warnings]
    warnings += [_warning_text(p) for p in report.problems if p.severity == "warning"]
    items = sources.items
    for source, item in zip(items, facts, strict=True):
        if item.bom:
            warnings.append(f"{source.uri}: its byte-order mark is left out of the upload")
    run = request.run or request.name
    settings = _with_run_tag(settings, run)
    in_place = _used_in_place(request.inputs, report, lookup)
    folder = _upload_folder(request.upload_to, settings.output_uri)
    names = object_names([source.uri for source in items])
    objects, read = deal(items, facts, report, lookup, names)
    summaries = ahead.summaries
    if summaries is None:
        summaries = run_summaries(run, clients, region)
    name = request.name
    if run not in name:  # (retry --name X: X's jobs are not all in the run's listing)
        summaries = [*summaries, *run_summaries(name, clients, region)]
    if request.retry_of is not None:
        name = free_retry_name(request.retry_of, run, objects, settings, folder, summaries)
    check_settings(settings, [name])
    jobs = plan_jobs(objects, name, run, settings, folder, request.inputs[0] if in_place else None)
    check_settings(settings, [job.name for job in jobs])
    existing = existing_parts(jobs, name, run, summaries)
    check_buckets(jobs, settings, clients, region)
    missing = [job for job in jobs if job.token not in existing]
    if early is not None:
        early.wait()  # then the looks find it, as bjob's own upload of those bytes
        early.unchanged()
    reused = look_at_objects(missing, clients, region)
    quota, in_use = ahead.slots or slots_in_use(lookup, clients, region, now)
    label = lookup.model.name
    about = SubmissionPlan(
        f"{label} ({settings.model_id})" if label else settings.model_id,
        cost,
        settings,
        region,
        jobs,
        existing,
        quota,
        in_use,
        reused,
        # A file bjob made (retry's, removed afterwards) named for what it holds, here too.
        tuple(request.labelled(text) for text in warnings),
        in_place,
    )
    return Plan(about, lookup, report, read)


class _Early:
    """An upload begun before the check: the one object of the one job a lone local file
    will be, uploaded while the check reads it. Kept only if the plan turns out to be that
    very object (same bytes, same place); otherwise, or if anything fails, taken back."""

    def __init__(
        self,
        uri: str,
        upload: Upload,
        client: Any,
        facts: FileFacts,
    ) -> None:
        self.uri, self.upload, self.client = uri, upload, client
        self.sha256 = str(facts.digest.hexdigest())
        self.facts = facts  # the file's bytes, read before the upload began
        self.finished = False

    def wait(self) -> None:
        self.upload.wait()
        self.finished = True

    def unchanged(self) -> None:
        """The file the check read and the upload sent is the one hashed before both: the
        same size, modification time and inode (and S3 refused bytes without its CRC-32)."""
        try:
            now = os.stat(self.facts.path)
        except OSError:
            raise changed() from None
        if (now.st_size, now.st_mtime_ns, now.st_ino) != self.facts.signature:
            raise changed()

    def abandon(self) -> None:
        from bjob.aws.s3 import remove_object, uploaded_sha256

        location = parse_s3_uri(self.uri)
        if not self.finished and not self.upload.cancel():
            # Stopped: a multipart upload is aborted. But a request already on its way may
            # still have made the object: the key was empty before, so one with this
            # upload's SHA-256 is this upload's, and goes.
            if uploaded_sha256(self.client, location, self.facts.size) != self.sha256:
                return
        remove_object(self.client, location)


@dataclass
class _Ahead:
    """What `--yes` with one local file asks of AWS while the file is read, not asked a
    second time by the plan; None where it was not asked or failed (the plan then asks after
    the check, and a failure is reported where it always was: after the check's own)."""

    summaries: list[dict[str, Any]] | None = None
    slots: tuple[Limit, int] | None = None


class _FactsAhead:
    """For an upload that may begin before the check (--yes, one local file), the file's
    facts, read in the background from now on; `stop` ends a reading nobody will use."""

    def __init__(self, path: str) -> None:
        self._stop = threading.Event()
        self.result = in_background(lambda: self._read(path))

    def _read(self, path: str) -> FileFacts | None:
        try:
            return read_facts(path, self._stop)
        except OSError:
            return None  # the check will say why

    def stop(self) -> None:
        self._stop.set()

    @classmethod
    def of(cls, request: SubmitRequest, sources: Sources) -> _FactsAhead | None:
        items = sources.items
        if not request.early or len(items) != 1 or request.retry_of is not None:
            return None
        path = items[0].uri
        if path.startswith("s3://") or not os.path.isfile(path):
            return None
        return cls(path)


def _early_upload(
    request: SubmitRequest,
    facts_ahead: _FactsAhead,
    known: ModelLookup,
    clients: AwsClients,
    region: str,
    now: datetime,
    ahead: _Ahead,
) -> _Early | None:
    """Begin the upload now when nothing will be asked and the plan can be told before the
    check from the file's bytes alone: one local file whose every line is a record, within
    one job's limits, its job not made yet, with room for it, and its object not there. The
    check then decides, as ever; the plan, made again from it, keeps or takes back this."""
    from bjob.aws.s3 import start_upload

    # What needs no bytes of the file is asked while its facts are still being read.
    run = request.run or request.name
    try:
        ahead.summaries = summaries = run_summaries(run, clients, region)
        ahead.slots = quota, in_use = slots_in_use(known, clients, region, now)
        client = clients.client("s3", region)
    except BjobError:
        return None  # the plan asks again after the check, and says why there
    if int(quota.value) - in_use < 1:
        return None
    facts = facts_ahead.result()
    if facts is None:
        return None
    path = facts.path
    limits = shard_limits(known.limits)
    records = facts.newlines
    fits = limits.min_records <= records <= min(limits.max_records, limits.file_records)
    if not (fits and facts.size <= min(limits.max_bytes, limits.file_bytes)):
        return None
    if not as_is(facts, records):
        return None
    [name] = object_names([path])
    whole = InputObject(0, 0, name, records, facts.size, facts.digest)
    whole.local_file = LocalFile(path, facts.crc32_text, facts.signature)
    settings = _with_run_tag(replace(request.settings, model_id=known.model.for_jobs), run)
    folder = _upload_folder(request.upload_to, settings.output_uri)
    [job] = plan_jobs([whole], request.name, run, settings, folder, None)
    try:
        if existing_parts([job], request.name, run, summaries):
            return None
        check_buckets([job], settings, clients, region)
        if look_at_objects([job], clients, region):
            return None
    except BjobError:
        return None  # the plan will say why, in its own words
    [planned] = job.objects
    upload = start_upload(
        client,
        parse_s3_uri(planned.uri),
        path,
        planned.sha256,
        kms_key=settings.kms_key,
        crc32=whole.local_file.crc32,
    )
    return _Early(planned.uri, upload, client, facts)


def _no_stdin() -> IO[bytes]:
    raise BjobError("submit reads files, folders and S3 URIs", ExitCode.USAGE)


def _warning_text(problem: Problem) -> str:
    where = problem.where[0] if problem.where else None
    place = ""
    if where is not None and where.line is not None:
        place = f"{where.input}:{where.line}: "
    elif where is not None:
        place = f"{where.input}: "
    count = f" ({problem.count:,} records)" if problem.count > 1 else ""
    return f"{place}{problem.message}{count}"


def _with_run_tag(settings: JobSettings, run: str) -> JobSettings:
    tags = [(key, value) for key, value in settings.tags if key != RUN_TAG]
    return replace(settings, tags=(*tags, (RUN_TAG, run)))


def _used_in_place(inputs: Sequence[str], report: CheckReport, lookup: ModelLookup) -> bool:
    """One S3 input that fits one job as it is: used where it is, never copied."""
    if len(inputs) != 1 or not inputs[0].startswith("s3://"):
        return False
    limits = lookup.limits
    records = sum(item.records for item in report.inputs)
    size = sum(item.bytes for item in report.inputs)
    if records > limits.records_per_job.value or size > limits.job_bytes.value:
        return False
    if any(item.bytes > limits.input_file_bytes.value for item in report.inputs):
        return False
    return all(item.records <= limits.records_per_input_file.value for item in report.inputs)


def _upload_folder(upload_to: str | None, output_uri: str) -> S3Location:
    if upload_to is not None:
        where = parse_s3_uri(upload_to)
    else:
        output = parse_s3_uri(output_uri)
        prefix = output.key if not output.key or output.key.endswith("/") else output.key + "/"
        where = S3Location(output.bucket, prefix + UPLOAD_FOLDER)
    return where if not where.key or where.key.endswith("/") else where.child("/")


Progress = Callable[[], AbstractContextManager[tuple[Callable[[int], None], Callable[[int], None]]]]


@dataclass(frozen=True)
class Submitted:
    """What a submission came to: its plan, and what was done (None: a dry run, or the
    question was answered no)."""

    plan: Plan
    outcome: Outcome | None
    dry_run: bool = False

    def exit_code(self) -> ExitCode:
        if self.outcome is not None:
            return self.outcome.exit_code()
        if self.dry_run:  # what the real run would exit with
            return self.plan.about.exit_code()
        return ExitCode.OK  # the question was answered no: nothing was asked of AWS


def submit_jobs(
    request: SubmitRequest,
    clients: AwsClients,
    region: str,
    now: datetime,
    *,
    dry_run: bool,
    on_plan: Callable[[SubmissionPlan], None],
    confirm: Callable[[SubmissionPlan], bool],
    progress: Progress,
    on_job: Callable[[SubmittedJob], None],
) -> Submitted:
    """The whole submission: plan (`on_plan` hears of it), then, unless a dry run, ask
    (`confirm`, only when a job is to be created) and carry out (`progress` gives the upload's
    callbacks; `on_job` hears of each job with an ARN as soon as it has one)."""
    plan = plan_submission(request, clients, region, now)
    on_plan(plan.about)
    if dry_run:
        return Submitted(plan, None, dry_run=True)
    if plan.about.to_create and not confirm(plan.about):
        return Submitted(plan, None)
    with progress() as (on_start, on_bytes):
        outcome = carry_out(plan, clients, Outcome(plan), on_start, on_bytes, on_job)
    return Submitted(plan, outcome)


@dataclass
class Outcome:
    """Every planned job, with its ARN where it has one; filled as jobs are made, so that an
    interruption still knows what was created."""

    plan: Plan
    jobs: list[SubmittedJob] = field(default_factory=list)
    quota_stop: str | None = None  # why some jobs were not made

    @property
    def created(self) -> list[SubmittedJob]:
        return [job for job in self.jobs if job.created]

    def exit_code(self) -> ExitCode:
        if any(job.arn is None for job in self.jobs):
            return ExitCode.QUOTA_FULL
        return self.plan.about.exit_code()


def carry_out(
    plan: Plan,
    clients: AwsClients,
    outcome: Outcome,
    on_start: Callable[[int], None],
    on_bytes: Callable[[int], None],
    on_job: Callable[[SubmittedJob], None] = lambda job: None,
) -> Outcome:
    """Upload what is missing, then create the jobs that fit, in order; `outcome` holds what
    was made as it is made, and `on_job` hears of each job that has an ARN (found or made),
    and of each creation as it begins (status CREATING, no ARN yet)."""
    upload_objects(plan.about, plan.read, clients, on_start, on_bytes)
    quota_stop: str | None = None
    allowed = {job.token for job in plan.about.to_create}
    for job in plan.about.jobs:
        found = plan.about.existing.get(job.token)
        if found is not None:
            outcome.jobs.append(SubmittedJob(job, found.arn, False, found.status))
            on_job(outcome.jobs[-1])
            continue
        if quota_stop is not None or job.token not in allowed:
            outcome.jobs.append(SubmittedJob(job, None, False))
            continue
        on_job(SubmittedJob(job, None, False, CREATING))  # under way: it may exist after this
        try:
            arn = create_job(dict(job.request), plan.about.region, clients)
        except BjobError as error:
            if error.code is not ExitCode.QUOTA_FULL:
                raise
            quota_stop = error.message
            outcome.jobs.append(SubmittedJob(job, None, False))
            continue
        outcome.jobs.append(SubmittedJob(job, arn, True, "Submitted"))
        on_job(outcome.jobs[-1])
    outcome.quota_stop = quota_stop or plan.about.no_room
    return outcome
