"""`bjob check` for people (a verdict, then the problems) and scripts (check.schema.json)."""

# Start-up: rich (and render.view, which stands on it) is imported inside the functions
# that draw, so that a command's JSON output never loads it.

from __future__ import annotations

from typing import Any

from bjob.model.check import CheckReport, Problem, Where
from bjob.model.environment import Environment
from bjob.model.words import counted
from bjob.render.terminal import inert

CHECK_MARK, CROSS_MARK, TIMES = "✓", "✗", "×"


def report_to_dict(report: CheckReport, strict: bool) -> dict[str, Any]:
    """Every key always present (check.schema.json); lines counted from 1."""
    limits = report.limits
    return {
        "ok": report.ok(strict),
        "records": report.records,
        "model_id": report.model_id,
        "model_name": report.model_name,
        "format": (
            {
                "name": report.format.name,
                "title": report.format.title,
                "assumed": report.format_assumed,
                "source": report.format.source,
            }
            if report.format is not None
            else None
        ),
        "format_candidates": list(report.candidates),
        "inputs": [
            {"uri": item.uri, "records": item.records, "bytes": item.bytes}
            for item in report.inputs
        ],
        "skipped_files": report.skipped_files,
        "limits": {
            **{
                name: {"value": int(limit.value), "source": limit.source}
                for name, limit in limits.items()
            },
            "note": limits.note,
        },
        "notes": list(report.notes),
        "problems": [
            {
                "severity": problem.severity,
                "kind": problem.kind,
                "message": problem.message,
                "count": problem.count,
                "where": [
                    {
                        "input": where.input,
                        "line": where.line,
                        "column": where.column,
                        "record_id": where.record_id,
                        "first": where.first,
                    }
                    for where in problem.where
                ],
            }
            for problem in report.problems
        ],
    }


class Text:
    """A line of styled pieces, rich's Text in the small: the report is built once, printed
    as plain text to a pipe or a file without importing rich at all (it is most of a
    check's start-up), and turned into rich's Text for a terminal."""

    def __init__(self, text: str = "", style: str = "") -> None:
        self.pieces: list[tuple[str, str]] = [(text, style)] if text else []

    def append(self, text: str, style: str = "") -> None:
        self.pieces.append((text, style))

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.pieces)

    def rich(self) -> Any:
        from rich.text import Text as RichText

        line = RichText.assemble(*self.pieces)
        line.no_wrap, line.overflow = True, "ignore"  # never wrapped: paths copy whole
        return line


def print_report(env: Environment, report: CheckReport, strict: bool) -> None:
    lines = report_lines(report, strict)
    if not env.is_terminal(env.stdout):  # a pipe or a file: the words, no escape codes
        for line in lines:
            print(line.plain, file=env.stdout)
        return
    from bjob.render.view import print_renderables, stdout_shape

    styled, width = stdout_shape(env)
    rendered = [line.rich() for line in lines]
    print_renderables(env, rendered, styled=styled, width=width, spaced=False)


def report_lines(report: CheckReport, strict: bool) -> list[Text]:
    """The verdict, the model, format and limits used, then each problem and its first
    places."""
    lines: list[Text] = [_verdict(report, strict)]
    if report.model_id is not None:
        named = f"{report.model_name} ({report.model_id})" if report.model_name else report.model_id
        lines.append(Text(f"Model: {inert(named)}", style="dim"))
    if report.format is not None:
        how = (
            "told from the records; --model or --type sets it"
            if report.format_assumed
            else f"for {report.model_id or 'the Converse type'}"
        )
        lines.append(Text(f"Request format: {report.format.title} ({inert(how)})", style="dim"))
    for note in report.notes:
        lines.append(Text(f"Note: {inert(note)}", style="dim"))
    lines += _limit_lines(report)
    for problem in report.problems:
        lines.append(Text())
        lines.append(_heading(problem))
        for where in problem.where:
            lines.append(Text(f"    {_place(where)}", style="dim"))
        if problem.count > len(problem.where):
            lines.append(
                Text(f"    … and {problem.count - len(problem.where):,} more", style="dim")
            )
    return lines


_LIMIT_WORDS = {
    "min_records_per_job": "at least {} records a job",
    "records_per_job": "at most {} records a job",
    "records_per_input_file": "{} records a file",
    "input_file_bytes": "{} a file",
    "job_bytes": "{} a job",
}


def _limit_lines(report: CheckReport) -> list[Text]:
    """The limits applied and where each comes from: one line when they share a source."""
    limits = report.limits
    amounts = {
        name: f"{limit.value / 1e9:,.3g} GB" if name.endswith("_bytes") else f"{limit.value:,.0f}"
        for name, limit in limits.items()
    }
    sources = {limit.source for _, limit in limits.items()}
    if len(sources) == 1:
        [source] = sources
        text = (
            f"Limits: {amounts['min_records_per_job']}–{amounts['records_per_job']} records "
            f"and {amounts['job_bytes']} a job; {amounts['records_per_input_file']} records "
            f"and {amounts['input_file_bytes']} a file"
        )
        lines = [Text(text, style="dim"), Text(f"        ({source})", style="dim")]
    else:
        lines = [Text("Limits:", style="dim")]
        for name, limit in limits.items():
            words = _LIMIT_WORDS[name].format(amounts[name])
            lines.append(Text(f"  {words} — {limit.source}", style="dim"))
    if limits.note:
        lines.append(Text(f"        ({inert(limits.note)})", style="dim"))
    return lines


def _verdict(report: CheckReport, strict: bool) -> Text:
    errors, warnings = report.count("error"), report.count("warning")
    what = f"{counted(report.records, 'record')} in {counted(len(report.inputs), 'file')}"
    if report.skipped_files:
        what += f" ({counted(report.skipped_files, 'other file')} skipped)"
    if report.ok(strict):
        text = Text(f"{CHECK_MARK} ready", style="bold green")
        text.append(f": {what}")
        if warnings:
            text.append(f"; {counted(warnings, 'warning')}", style="yellow")
        return text
    text = Text(f"{CROSS_MARK} would fail", style="bold red")
    text.append(f": {what}; {counted(errors, 'error')}")
    if warnings:
        text.append(
            f", {counted(warnings, 'warning')}{' (--strict)' if strict else ''}", style="yellow"
        )
    return text


def _heading(problem: Problem) -> Text:
    text = Text(
        f"{problem.severity:<7}", style="bold red" if problem.severity == "error" else "bold yellow"
    )
    text.append(f" {problem.count:>7,}{TIMES}  ")
    text.append(inert(problem.message))
    text.append(f"  [{problem.kind}]", style="dim")
    return text


def _place(where: Where) -> str:
    place = inert(where.input)
    if where.line is not None:
        place += f":{where.line}" + (f":{where.column}" if where.column is not None else "")
    if where.record_id is not None:
        place += f"  {inert(where.record_id)}"
    if where.first is not None:
        place += f"  (first at {inert(where.first)})"
    return place
