"""`bjob results` for people (a summary) and scripts (results.schema.json)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from bjob.model.cost import prices_to_json
from bjob.model.environment import Environment
from bjob.model.job import TERMINAL_STATUSES, Job
from bjob.model.results import TRUNCATED_REASONS, Cost, Downloaded, Results, RetryWritten
from bjob.model.words import counted
from bjob.render.terminal import inert
from bjob.render.view import (
    DASH,
    labelled,
    percent,
    print_renderables,
    status_text,
    stdout_shape,
)

MAX_ERROR_GROUPS = 10  # in the summary; --json has them all


def results_to_dict(results: Results) -> dict[str, Any]:
    """Every key always present, null where unknown (results.schema.json)."""
    return {
        "arn": results.arn,
        "status": results.status,
        "output_uri": results.output_uri,
        "records": {
            "succeeded": results.succeeded,
            "failed": results.failed,
            "unreadable": results.unreadable,
            "missing": results.missing,
            "to_submit_again": results.to_submit_again,
        },
        "input": (
            {
                "uri": results.input.uri,
                "files": results.input.files,
                "records": results.input.records,
                "unreadable": results.input.unreadable,
                "without_record_id": results.input.without_record_id,
                "repeated_record_ids": results.input.repeated_record_ids,
            }
            if results.input is not None
            else None
        ),
        "tokens": (
            {"input": results.tokens.input, "output": results.tokens.output}
            if results.tokens is not None
            else None
        ),
        "cost": (
            {
                "input": results.cost.input,
                "output": results.cost.output,
                "total": results.cost.total,
                "prices": prices_to_json(results.cost.prices),
            }
            if results.cost is not None
            else None
        ),
        "errors": [
            {
                "code": group.code,
                "message": group.message,
                "count": group.count,
                "record_ids": list(group.record_ids),
            }
            for group in results.errors
        ],
        "stop_reasons": dict(results.stop_reasons),
        "truncated": results.truncated,
        "files": [
            {"uri": file.uri, "size": file.size, "records": file.records} for file in results.files
        ],
        "manifest": dict(results.manifest) if results.manifest is not None else None,
        "missing_record_ids": list(results.missing_record_ids),
        "warnings": list(results.warnings),
        "run": (
            {"name": results.run.name, "jobs": list(results.run.jobs)}
            if results.run is not None
            else None
        ),
    }


def _priced_at(cost: Cost) -> str:
    if cost.prices is None or not cost.prices.from_price_list:
        return "estimated"
    return "at the AWS Price List's batch prices"


def print_results(env: Environment, job: Job | None, results: Results, job_arg: str) -> None:
    """The summary on stdout: where, what, how many, what failed and why, what it cost, and
    the next command to run (a run's, when `job` is None: its records by latest attempt)."""
    styled, width = stdout_shape(env)
    lines: list[Text] = []
    if job is not None:
        title = Text(inert(job.name or job.job_id or job.arn or DASH), style="bold")
        title.append("  ")
        title.append_text(status_text(job))
    else:
        run = results.run
        title = Text(f"run:{inert(run.name) if run else DASH}", style="bold")
        jobs = len(run.jobs) if run else 0
        title.append(f"  {counted(jobs, 'job')}; every record by its latest attempt")
    lines.append(title)
    lines += labelled("Outputs", Text(inert(results.output_uri)), width)
    lines.append(Text())
    lines.append(Text("Files", style="bold"))
    names = [inert(file.uri.rsplit("/", 1)[-1]) for file in results.files]
    sizes = [size_text(file.size) for file in results.files]
    name_width, size_width = max(map(len, names), default=0), max(map(len, sizes), default=0)
    for file, name, size in zip(results.files, names, sizes, strict=True):
        line = Text(f"  {name:<{name_width}}  ")
        line.append(f"{size:>{size_width}}", style="dim")
        if file.records is not None:
            line.append(f"  {counted(file.records, 'record')}")
        lines.append(line)
    lines.append(Text())
    lines += labelled("Records", _record_counts(results), width)
    if results.tokens is not None:
        tokens = results.tokens
        lines += labelled(
            "Tokens", Text(f"{_count(tokens.input)} in · {_count(tokens.output)} out"), width
        )
    if results.cost is not None:
        cost = results.cost
        lines += labelled(
            "Cost",
            Text(
                f"{_usd(cost.total)}  ({_usd(cost.input)} in + {_usd(cost.output)} out, "
                f"{_priced_at(cost)})"
            ),
            width,
        )
    if results.stop_reasons:
        lines += labelled("Stop reasons", _stop_reasons(results), width)
    if results.errors:
        lines.append(Text())
        kinds = len(results.errors)
        lines.append(Text(f"Failures ({counted(kinds, 'kind')})", style="bold"))
        for group in results.errors[:MAX_ERROR_GROUPS]:
            line = Text(f"  {group.count:>{len(f'{results.errors[0].count:,}')},}  ", style="red")
            if group.code is not None:
                line.append(f"{inert(str(group.code))}  ", style="bold")
            line.append(inert(group.message or DASH))
            if group.record_ids:
                line.append(
                    f"  e.g. {', '.join(inert(rid) for rid in group.record_ids)}", style="dim"
                )
            lines.append(line)
        if kinds > MAX_ERROR_GROUPS:
            more = counted(kinds - MAX_ERROR_GROUPS, "more kind")
            lines.append(Text(f"  … and {more} (--json)", style="dim"))
    lines.append(Text())
    lines += _next_steps(results, job_arg)
    for line in lines:  # never wrapped: URIs and messages copy whole
        line.no_wrap, line.overflow = True, "ignore"
    print_renderables(env, lines, styled=styled, width=width, spaced=False)


def _record_counts(results: Results) -> Text:
    text = Text()
    text.append(f"{results.succeeded:,} succeeded", style="green")
    text.append("  ·  ")
    text.append(f"{results.failed:,} failed", style="red" if results.failed else "")
    processed = results.succeeded + results.failed
    if processed:
        text.append(f" ({percent(results.failed / processed)})", style="dim")
    text.append(
        f"  ·  {results.unreadable:,} unreadable", style="yellow" if results.unreadable else ""
    )
    if results.missing is not None:
        text.append(f"  ·  {results.missing:,} missing", style="yellow" if results.missing else "")
    elif results.status in TERMINAL_STATUSES:
        text.append("  ·  missing unknown", style="yellow")
    if results.input is not None and results.input.unreadable:
        unreadable = counted(results.input.unreadable, "input line")
        text.append(f"  ·  {unreadable} unreadable", style="yellow")
    return text


def _stop_reasons(results: Results) -> Text:
    text = Text()
    for index, (reason, count) in enumerate(results.stop_reasons.items()):
        if index:
            text.append("  ·  ")
        truncated = reason in TRUNCATED_REASONS
        text.append(f"{inert(reason)} {count:,}", style="yellow" if truncated else "")
        if truncated:
            text.append(" (cut off at the token limit)", style="yellow")
    return text


def _next_steps(results: Results, job_ref: str) -> list[Text]:
    retry = results.to_submit_again
    steps = []
    if retry is None:  # not ended: a retry file would be refused (exit 8)
        if results.failed and results.run is None:
            steps.append((f"bjob results {job_ref} --failed", "the failed lines so far"))
        steps.append((f"bjob watch {job_ref}", "until it ends; then what to submit again"))
    elif not retry:
        return [Text("Nothing to submit again.", style="green")]
    else:
        if results.failed and results.run is None:
            steps.append((f"bjob results {job_ref} --failed", "the failed lines, as JSON lines"))
        steps.append(
            (
                f"bjob results {job_ref} --retry-file retry.jsonl",
                f"{counted(retry, 'record')} to submit again",
            )
        )
    lines = []
    for index, (command, why) in enumerate(steps):
        line = Text("Next: " if not index else "      ", style="bold")
        line.append(inert(command))
        line.append(f"  ({why})", style="dim")
        lines.append(line)
    return lines


def retry_message(results: Results, written: RetryWritten) -> str:
    """What --retry-file did, in one line on stderr."""
    where = inert(str(written.path)) if written.path is not None else "standard output"
    if not written.records:
        if written.path is None:
            return "bjob: nothing to submit again: no failed or missing records"
        if written.replaced:
            return f"bjob: nothing to submit again: {where} is now empty"
        return f"bjob: nothing to submit again: {where} was not written"
    missing = results.missing or 0
    parts = [f"{(results.to_submit_again or 0) - missing:,} failed"]
    parts.append(f"{missing:,} missing" if results.missing is not None else "missing unknown")
    return f"bjob: wrote {counted(written.records, 'record')} to {where} ({', '.join(parts)})"


def download_message(done: Downloaded) -> str:
    message = (
        f"bjob: {counted(done.copied, 'file')} ({size_text(done.bytes)}) copied to "
        f"{inert(str(done.folder))}; {done.same:,} already there"
    )
    if done.skipped:
        message += f"; {done.skipped:,} skipped"
    return message


def size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{size} B"


def _count(value: int | None) -> str:
    return f"{value:,}" if value is not None else DASH


def _usd(value: float | None) -> str:
    """Dollars and cents; a fraction of a cent with the digits it takes ($0.0015)."""
    if value is None:
        return DASH
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.2g}"
