"""A run: every job of one submission — its parts (NAME, NAME-1, NAME-2...) and their
retries (NAME-retry-1...) — named by the submission's name.

Membership is written on each job bjob creates, twice: a tag (`bjob:run` = NAME, what a person
sees in the console) and the clientRequestToken's prefix (what a listing carries, so a run is
found with one ListModelInvocationJobs(nameContains=NAME) and no call per job). A job whose
name merely contains NAME is never taken for a member: its token does not carry NAME's
hash."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

RUN_TAG = "bjob:run"
RUN_REF_PREFIX = "run:"
_TOKEN_HEAD = "bjob-"


def run_token_prefix(run: str) -> str:
    """What every member's clientRequestToken begins with."""
    return f"{_TOKEN_HEAD}{hashlib.sha256(run.encode()).hexdigest()[:16]}-"


def run_token(run: str, job_digest: str) -> str:
    """A member's clientRequestToken: the run's prefix, then what defines the job (hashed);
    at most 64 characters, well within the API's 256."""
    return run_token_prefix(run) + job_digest[:42]


def is_member(token: object, run: str) -> bool:
    return isinstance(token, str) and token.startswith(run_token_prefix(run))


def run_of(name: str | None, token: str | None) -> str | None:
    """The run a job belongs to: the part of its name, up to a hyphen, whose hash its token
    carries (the longest such, as a run's own name may hold hyphens); None for a job bjob
    did not submit as part of a run."""
    if not name or not token or not token.startswith("bjob-"):
        return None
    candidate = name
    while True:
        if is_member(token, candidate):
            return candidate
        cut = candidate.rfind("-")
        if cut <= 0:
            return None
        candidate = candidate[:cut]


def run_name_of_ref(text: str) -> str | None:
    """NAME for a `run:NAME` argument, else None (a job ARN, id, name or file)."""
    if text.startswith(RUN_REF_PREFIX):
        return text[len(RUN_REF_PREFIX) :]
    return None


def split_run_refs(texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """(run names, every other JOB argument), each in argument order."""
    runs: list[str] = []
    others: list[str] = []
    for text in texts:
        name = run_name_of_ref(text)
        if name is None:
            others.append(text)
        elif name not in runs:
            runs.append(name)
    return runs, others
