"""What a JOB argument names: an ARN, a bare job id, a job name, or a saved response file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bjob.model.job import parse_arn
from bjob.support.exits import BjobError, ExitCode

JOB_ID_RE = re.compile(r"^[a-z0-9]{12}$")
# The service model's pattern for jobName (1-63 characters).
JOB_NAME_RE = re.compile(r"^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9+\-.]){0,63}$")

RefKind = Literal["arn", "id", "name", "file"]


@dataclass(frozen=True)
class JobRef:
    """One JOB argument, classified before any request is sent."""

    text: str
    kind: RefKind
    region: str | None = None  # only for an ARN: the region it names

    @property
    def maybe_name(self) -> bool:
        """A 12-character id is also a valid name: tried as an id first, then as a name."""
        return self.kind == "id" and JOB_NAME_RE.match(self.text) is not None


def parse_job_ref(text: str) -> JobRef:
    """Classify a JOB argument; raise a usage error (exit 2) for one that can name nothing."""
    if text == "-" or text.lower().endswith(".json"):
        return JobRef(text, "file")
    if text.startswith("arn:"):
        match = parse_arn(text)
        if match is None:
            raise BjobError(
                f"not a model invocation job ARN: {text!r}",
                ExitCode.USAGE,
                hint="expected arn:aws:bedrock:REGION:ACCOUNT:model-invocation-job/ID",
            )
        return JobRef(text, "arn", region=match["region"])
    if JOB_ID_RE.match(text):
        return JobRef(text, "id")
    if len(text) <= 63 and JOB_NAME_RE.match(text):
        return JobRef(text, "name")
    if "/" in text or text.startswith("."):
        # Looks like a path, not a job: say so rather than "malformed identifier".
        raise BjobError(
            f"not a job ARN, id or name: {text!r}",
            ExitCode.USAGE,
            hint="saved responses are read from files ending in .json, or from - (stdin)",
        )
    raise BjobError(
        f"not a job ARN, id or name: {text!r}",
        ExitCode.USAGE,
        hint="give a job ARN, a 12-character job id, a job name, FILE.json or -",
    )
