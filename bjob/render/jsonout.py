"""JSON for scripts: the documented, stable shape of a job (see schemas/job.schema.json),
JMESPath queries over it, and printing it."""

# Start-up: jmespath is imported only where a --query is compiled or applied.

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

from bjob.model.job import Job
from bjob.model.runs import run_of
from bjob.support.exits import BjobError, ExitCode


def job_to_dict(job: Job, now: datetime, *, saved: bool = False) -> dict[str, Any]:
    """Every key is always present, null where AWS gave nothing, so the shape never changes.
    `now` is the moment the figures are measured as of: a saved response's own moment."""
    return {
        "arn": job.arn,
        "id": job.job_id,
        "name": job.name,
        "region": job.region,
        "account": job.account,
        "status": job.status,
        "status_known": job.status_info is not None,
        "is_terminal": job.is_terminal,
        "message": job.message,
        "model_id": job.model_id,
        "invocation_type": job.invocation_type,
        "client_request_token": job.client_request_token,
        "run": run_of(job.name, job.client_request_token),
        "role_arn": job.role_arn,
        "records": {
            "total": job.total_records,
            "processed": job.processed_records,
            "succeeded": job.succeeded_records,
            "failed": job.failed_records,
            "pending": job.pending_records,
            "not_processed": job.not_processed_records,
            "fraction_done": job.fraction_done,
            "success_rate": job.success_rate,
        },
        "times": {
            "submitted": iso_moment(job.submit_time),
            "last_modified": iso_moment(job.last_modified_time),
            "ended": iso_moment(job.end_time),
            "expires": iso_moment(job.expiration_time),
            "elapsed_seconds": job.elapsed_seconds(now),
            "timeout_hours": job.timeout_hours,
            "as_of": iso_moment(now),
            "saved_response": saved,
        },
        "input": {
            "s3_uri": job.input.s3_uri,
            "format": job.input.format,
            "bucket_owner": job.input.bucket_owner,
        },
        "output": {
            "s3_uri": job.output.s3_uri,
            "kms_key_id": job.output.kms_key_id,
            "bucket_owner": job.output.bucket_owner,
        },
        "vpc": {
            "subnet_ids": list(job.vpc.subnet_ids) if job.vpc.subnet_ids is not None else None,
            "security_group_ids": (
                list(job.vpc.security_group_ids) if job.vpc.security_group_ids is not None else None
            ),
        },
        "exit_status": int(job.state_exit_code()),
    }


def change_to_dict(job: Job, now: datetime) -> dict[str, Any]:
    """A job seen to change during a watch: its `show --json` object, and when (to the
    second) it was observed (watch --json's lines)."""
    return {**job_to_dict(job, now), "observed_at": now.astimezone(UTC).strftime(_OBSERVED)}


_OBSERVED = "%Y-%m-%dT%H:%M:%SZ"


def dumps(value: Any) -> str:
    """Indented JSON, ASCII only: C1 controls and bidi marks from AWS stay escaped (\\u...)."""
    return json.dumps(value, indent=2, default=_default)


def compact(value: Any) -> str:
    """One line of JSON (NDJSON, array items)."""
    return _COMPACT.encode(value)


def dumps_array(items: list[Any]) -> str:
    """A JSON array with one compact item per line: jq reads it as any array, grep finds a
    job on one line, and it is several times faster to write than indented JSON."""
    if not items:
        return "[]"
    lines = ",\n".join(map(compact, items))
    return f"[\n{lines}\n]"


def iso_moment(moment: datetime | None) -> str | None:
    """A moment as scripts read it: ISO-8601, UTC as Z."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Query:
    """A JMESPath expression (as the AWS CLI's --query), checked before any request is sent."""

    def __init__(self, expression: str) -> None:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            self._compiled = jmespath.compile(expression)
        except JMESPathError as error:
            # One line (jmespath's message draws a caret under the expression).
            reason = getattr(error, "msg", None) or str(error).splitlines()[0]
            position = getattr(error, "lex_position", None)
            where = f" at column {position + 1}" if isinstance(position, int) else ""
            raise BjobError(
                f"--query: not a JMESPath expression: {reason}{where} of {expression!r}",
                ExitCode.USAGE,
                hint="JMESPath's syntax: jmespath.org",
            ) from None

    def apply(self, document: Any) -> Any:
        """What the expression selects; a usage error (2) when it cannot apply to the JSON."""
        from jmespath.exceptions import JMESPathError, JMESPathTypeError

        try:
            return self._compiled.search(document)
        except JMESPathTypeError as error:  # its message carries the whole value: not that
            expected = " or ".join(error.expected_types)
            raise BjobError(
                f"--query: {error.function_name}() expects {expected}, not {error.actual_type}",
                ExitCode.USAGE,
            ) from None
        except JMESPathError as error:
            raise BjobError(f"--query: {error}", ExitCode.USAGE) from None


_COMPACT = json.JSONEncoder(default=_default)  # made once: json.dumps makes one a call


def print_json(
    stream: TextIO, document: object, query: Query | None, *, array_lines: bool = False
) -> None:
    """The document (or what the query selects of it); an array one item per line if asked."""
    if query is not None:
        document = query.apply(document)
    elif array_lines and isinstance(document, list):
        print(dumps_array(document), file=stream)
        return
    print(dumps(document), file=stream)


def compile_query(expression: str | None) -> Query | None:
    return Query(expression) if expression is not None else None
