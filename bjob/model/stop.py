"""What `bjob stop` decides and what came of it, job by job: plain values that the use case
fills and the renderers show (text for people, one JSON entry per job for scripts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bjob.model.job import Job
from bjob.support.exits import BjobError, ExitCode

StopAction = Literal["stop", "already-stopping", "already-ended"]
OutcomeAction = Literal["stopped", "already-stopping", "already-ended", "failed"]


@dataclass(frozen=True)
class StopPlan:
    job: Job
    action: StopAction


@dataclass(frozen=True)
class StopFailure:
    """Why a stop did not happen: bjob's words and exit code, and the service's own."""

    code: ExitCode
    message: str
    hint: str | None = None
    service_code: str | None = None  # "AccessDeniedException"
    service_message: str | None = None

    @classmethod
    def of(
        cls, error: BjobError, service_code: str | None, service_message: str | None
    ) -> StopFailure:
        return cls(error.code, error.message, error.hint, service_code, service_message)


@dataclass(frozen=True)
class StopOutcome:
    job: Job  # as it was before
    action: OutcomeAction
    status: str | None  # as it is after (as it was, when the stop failed)
    failure: StopFailure | None = None

    @property
    def code(self) -> ExitCode:
        return self.failure.code if self.failure is not None else ExitCode.OK


@dataclass(frozen=True)
class StopReport:
    """Everything a stop did: the plan, each job's outcome (none when nothing was asked to
    go ahead), and the errors of jobs that could not be loaded (then nothing is stopped)."""

    plans: tuple[StopPlan, ...] = ()
    outcomes: tuple[StopOutcome, ...] = ()
    errors: tuple[BjobError, ...] = ()
    dry_run: bool = False
    declined: bool = False

    @property
    def code(self) -> ExitCode:
        """The worst outcome's code: one refused stop is the run's exit, even when the
        others were stopped."""
        codes = [error.code for error in self.errors] + [o.code for o in self.outcomes]
        return max(codes, default=ExitCode.OK)


def plan_stops(jobs: Sequence[Job]) -> list[StopPlan]:
    """Stop what runs or waits; leave what is stopping or has ended (already the wanted
    state: not an error)."""
    plans = []
    for job in jobs:
        if job.is_terminal:
            plans.append(StopPlan(job, "already-ended"))
        elif job.status == "Stopping":
            plans.append(StopPlan(job, "already-stopping"))
        else:
            plans.append(StopPlan(job, "stop"))
    return plans
