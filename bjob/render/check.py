"""`bjob check` for people (a verdict, then the problems) and scripts (check.schema.json)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from bjob.model.check import CheckReport, Problem, Where
from bjob.model.environment import Environment
from bjob.render.terminal import inert
from bjob.render.view import print_renderables, stdout_shape


def report_to_dict(report: CheckReport, strict: bool) -> dict[str, Any]:
    """Every key always present (check.schema.json); lines counted from 1."""
    limits = report.limits
    return {
        "ok": report.ok(strict),
        "records": report.records,
        "model_id": report.model_id,
        "format": (
            {
                "name": report.format.name,
                "title": report.format.title,
                "assumed": report.format_assumed,
            }
            if report.format is not None
            else None
        ),
        "inputs": [
            {"uri": item.uri, "records": item.records, "bytes": item.bytes}
            for item in report.inputs
        ],
        "limits": {
            "min_records_per_job": int(limits.min_records_per_job),
            "records_per_job": int(limits.records_per_job),
            "records_per_input_file": int(limits.records_per_input_file),
            "input_file_bytes": int(limits.input_file_bytes),
            "job_bytes": int(limits.job_bytes),
            "source": limits.source,
        },
        "problems": [
            {
                "severity": problem.severity,
                "kind": problem.kind,
                "message": problem.message,
                "count": problem.count,
                "where": [
                    {"input": where.input, "line": where.line, "record_id": where.record_id}
                    for where in problem.where
                ],
            }
            for problem in report.problems
        ],
    }


def print_report(env: Environment, report: CheckReport, strict: bool) -> None:
    styled, width = stdout_shape(env)
    print_renderables(env, report_lines(report, strict), styled=styled, width=width, spaced=False)


def report_lines(report: CheckReport, strict: bool) -> list[Text]:
    """The verdict, the format and limits used, then each problem and its first places."""
    lines: list[Text] = [_verdict(report, strict)]
    if report.format is not None:
        how = (
            "assumed from the first records; --model or --type sets it"
            if report.format_assumed
            else f"for {report.model_id or 'the Converse type'}"
        )
        lines.append(Text(f"Request format: {report.format.title} ({inert(how)})", style="dim"))
    lines.append(Text(f"Limits: {report.limits.source}", style="dim"))
    for problem in report.problems:
        lines.append(Text())
        lines.append(_heading(problem))
        for where in problem.where:
            lines.append(Text(f"    {_place(where)}", style="dim"))
        if problem.count > len(problem.where):
            lines.append(
                Text(f"    … and {problem.count - len(problem.where):,} more", style="dim")
            )
    for line in lines:  # never wrapped: paths and messages copy whole
        line.no_wrap, line.overflow = True, "ignore"
    return lines


def _counted(count: int, what: str) -> str:
    return f"{count:,} {what}{'' if count == 1 else 's'}"


def _verdict(report: CheckReport, strict: bool) -> Text:
    errors, warnings = report.count("error"), report.count("warning")
    counted = f"{_counted(report.records, 'record')} in {_counted(len(report.inputs), 'file')}"
    if report.ok(strict):
        text = Text("✓ ready", style="bold green")
        text.append(f": {counted}")
        if warnings:
            text.append(f"; {_counted(warnings, 'warning')}", style="yellow")
        return text
    text = Text("✗ would fail", style="bold red")
    text.append(f": {counted}; {_counted(errors, 'error')}")
    if warnings:
        text.append(
            f", {_counted(warnings, 'warning')}{' (--strict)' if strict else ''}", style="yellow"
        )
    return text


def _heading(problem: Problem) -> Text:
    text = Text(
        f"{problem.severity:<7}", style="bold red" if problem.severity == "error" else "bold yellow"
    )
    text.append(f" {problem.count:>7,}×  ")
    text.append(inert(problem.message))
    text.append(f"  [{problem.kind}]", style="dim")
    return text


def _place(where: Where) -> str:
    place = inert(where.input) + (f":{where.line}" if where.line is not None else "")
    return place + (f"  {inert(where.record_id)}" if where.record_id is not None else "")
