"""The view for people: a job as rich renderables, styled for a terminal or plain for logs.

Every string from AWS goes through `inert` and into a `Text` (never markup), so a hostile
job name or message is shown, not obeyed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TextIO

from rich import box
from rich.console import Console, Group, JustifyMethod, RenderableType
from rich.constrain import Constrain
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bjob.model.environment import Environment
from bjob.model.job import Job
from bjob.model.locations import output_folder
from bjob.model.models import base_model_id
from bjob.model.runs import run_of
from bjob.render.terminal import inert, wants_style
from bjob.support.exits import BjobError

DASH = "—"
BAR_WIDTH = 30
NAME_MIN_WIDTH = 20  # a job name folds before it is squeezed to a sliver
MESSAGE_WIDTH = 100  # a failure message wraps as prose, whatever the width
PLAIN_WIDTH = 4096  # never wrap data in logs; lines are right-stripped


def make_console(
    file: TextIO,
    env: Environment,
    *,
    styled: bool,
    width: int | None = None,
    colour: bool | None = None,
) -> Console:
    """A console that never interprets markup, emoji codes or highlighting in data; styled
    is a terminal's (redraws, bars), colour is colour (on when styled, unless told)."""
    colour = styled if colour is None else colour
    return Console(
        file=file,
        force_terminal=styled,
        color_system="auto" if colour else None,
        no_color=not colour,
        markup=False,
        emoji=False,
        highlight=False,
        width=width,
        _environ=dict(env.environ),  # COLUMNS, LINES... from the environment given, not os's
    )


def print_jobs(
    env: Environment,
    jobs: Sequence[Job],
    now: datetime,
    saved: Sequence[bool] | None = None,
) -> None:
    """Print jobs for people, one full view each, on stdout; a saved response (`saved`) is
    shown as of its own moment."""
    styled, width = stdout_shape(env)
    flags = saved or [False] * len(jobs)
    views = [
        job_view(job, now, styled=styled, width=width, saved=flag)
        for job, flag in zip(jobs, flags, strict=True)
    ]
    print_renderables(env, views, styled=styled, width=width)


def stdout_shape(env: Environment) -> tuple[bool, int]:
    """(styled, width) of people's output on stdout: colour and redraws only for a terminal;
    its width (or COLUMNS), and for plain output to a file or pipe, no limit."""
    styled = wants_style(env, env.stdout)
    if not styled and not env.is_terminal(env.stdout) and not env.environ.get("COLUMNS"):
        return styled, PLAIN_WIDTH
    return styled, make_console(env.stdout, env, styled=styled).width


def print_renderables(
    env: Environment,
    renderables: Sequence[RenderableType],
    *,
    styled: bool,
    width: int,
    spaced: bool = True,
) -> None:
    """On stdout, styled for a terminal, else plain text with no escape codes.

    Lines are never cropped: a value too long for the width (an ARN, a URI) is given a line
    of its own and left whole, for the terminal to soft-wrap, so that it copies in one piece.
    Plain output that is not going to a terminal (a log, a file) is not wrapped at all.
    """
    console = make_console(env.stdout if styled else io.StringIO(), env, styled=styled, width=width)

    def print_all() -> None:
        for index, renderable in enumerate(renderables):
            if index and spaced:
                console.print()
            console.print(renderable, crop=False)

    if styled:
        print_all()
        return
    with console.capture() as capture:
        print_all()
    env.stdout.write("".join(line.rstrip() + "\n" for line in capture.get().splitlines()))


def print_jobs_table(
    env: Environment, jobs: Sequence[Job], now: datetime, *, regions: bool
) -> None:
    """`bjob list` for people, on stdout."""
    styled, width = stdout_shape(env)
    table = jobs_table(jobs, now, styled=styled, regions=regions, width=width)
    print_renderables(env, [table], styled=styled, width=width)


@dataclass
class Column:
    """A table column and its cells, for fitting a table to a width."""

    header: str
    cells: list[Text]
    justify: JustifyMethod = "left"
    keep: bool = False  # never dropped; else added by the order given while they fit
    fold: bool = False  # the one column that may fold (the job's name)
    narrow: list[Text] | None = None  # shorter cells, for when the kept columns do not fit

    @property
    def width(self) -> int:
        return max([len(self.header), *(cell.cell_len for cell in self.cells)])

    def append(self, cell: Text) -> None:
        """A cell for a row under every job's (a total), in the wide and the narrow form."""
        self.cells.append(cell)
        if self.narrow is not None:
            self.narrow.append(cell)

    def narrowed(self) -> Column:
        return replace(self, cells=self.narrow, narrow=None) if self.narrow else self


def fitted_table(
    columns: Sequence[Column],
    extras: Sequence[str],
    width: int,
    *,
    styled: bool,
    footer: int = 0,
    say_dropped: bool = False,
) -> Table:
    """The columns that fit in the width, in their order: every `keep` column, then the
    columns named in `extras`, in that order, while they fit. Statuses and numbers are never
    cut; only a `fold` column folds, when even the kept ones do not fit. The last `footer`
    rows are set apart (totals). With `say_dropped`, a caption counts the columns left out."""
    gap = 2  # one space of padding and SIMPLE_HEAD's blank divider; two spaces in plain text
    if _needed([column for column in columns if column.keep], gap) > width:
        columns = [column.narrowed() for column in columns]
    kept = [column for column in columns if column.keep]
    chosen = {column.header for column in kept}
    used = _needed(kept, gap)
    by_header = {column.header: column for column in columns}
    for header in extras:
        extra = by_header.get(header)
        if extra is not None and used + gap + extra.width <= width:
            chosen.add(header)
            used += gap + extra.width
    shown = [column for column in columns if column.header in chosen]
    dropped = len(columns) - len(shown)
    table = Table(
        box=box.SIMPLE_HEAD if styled else None,
        pad_edge=False,
        show_edge=False,
        padding=(0, 1, 0, 0) if styled else (0, 1),
        caption=(
            f"+{dropped} column{'s' if dropped != 1 else ''}: widen the terminal or use --json"
            if say_dropped and dropped
            else None
        ),
        caption_justify="left",
        caption_style="dim",
    )
    for column in shown:
        if column.fold:
            room = width - (used - column.width)
            table.add_column(
                column.header, overflow="fold", width=max(min(column.width, room), NAME_MIN_WIDTH)
            )
        else:
            table.add_column(column.header, justify=column.justify, no_wrap=True)
    rows = len(shown[0].cells) if shown else 0
    for index in range(rows):
        table.add_row(
            *(column.cells[index] for column in shown), end_section=index == rows - footer - 1
        )
    return table


def _needed(columns: Sequence[Column], gap: int) -> int:
    return sum(column.width for column in columns) + gap * (len(columns) - 1)


def jobs_table(
    jobs: Sequence[Job], now: datetime, *, styled: bool, regions: bool, width: int = PLAIN_WIDTH
) -> Table:
    """One row a job, for `bjob list`: the name, status, progress and record counts always;
    then, as the width allows, the region (of several), submission, duration, id, model."""
    elapsed = [job.elapsed_seconds(now) for job in jobs]
    columns = [
        Column("Name", [Text(_data(job.name or job.job_id)) for job in jobs], keep=True, fold=True),
        Column("Region", [Text(_data(job.region)) for job in jobs]),
        Column("Status", [status_text(job) for job in jobs], keep=True),
        Column(
            "Progress",
            [small_progress(job, styled) for job in jobs],
            keep=True,
            narrow=[small_progress(job, styled=False) for job in jobs],
        ),
        Column(
            "OK",
            [Text(_count(job.succeeded_records), style="green") for job in jobs],
            justify="right",
            keep=True,
        ),
        Column(
            "Failed",
            [
                Text(_count(job.failed_records), style="red" if job.failed_records else "")
                for job in jobs
            ],
            justify="right",
            keep=True,
        ),
        Column(
            "Submitted",
            [Text(relative(job.submit_time, now) if job.submit_time else DASH) for job in jobs],
        ),
        Column(
            "Duration",
            [Text(duration(seconds) if seconds is not None else DASH) for seconds in elapsed],
            justify="right",
        ),
        Column("Id", [Text(_data(job.job_id)) for job in jobs]),
        Column("Model", [Text(_data(short_model(job.model_id))) for job in jobs]),
    ]
    runs = [run_of(job.name, job.client_request_token) for job in jobs]
    extras = ["Region"] if regions else []
    if any(runs):  # the run a job belongs to: what run:NAME takes
        columns.insert(1, Column("Run", [Text(_data(run)) for run in runs]))
        extras.append("Run")
    return fitted_table(
        columns, [*extras, "Submitted", "Duration", "Id", "Model"], width, styled=styled
    )


def status_text(job: Job) -> Text:
    info = job.status_info
    return Text(_data(job.status), style=info.colour if info else "bold")


def small_progress(job: Job, styled: bool) -> Text:
    fraction = job.fraction_done
    if fraction is None:
        return Text(DASH)
    text = Text()
    if styled:
        done = bar_cells(fraction, 10)
        text.append("━" * done, style="green" if not job.failed_records else "yellow")
        text.append("━" * (10 - done) + " ", style="grey30")
    text.append(percent(fraction).rjust(6))
    return text


def short_model(model_id: str | None) -> str | None:
    """ "anthropic.claude-3-haiku-20240307-v1:0" -> "claude-3-haiku-20240307-v1": the model
    without its provider, ARN prefix, cross-region prefix or ":0" version suffix."""
    if not model_id:
        return model_id
    name = model_id.rsplit("/", 1)[-1]
    parts = name.split(".")
    if len(parts) > 2 and parts[0] in ("us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"):
        parts = parts[1:]
    if len(parts) > 1:
        parts = parts[1:]
    name = ".".join(parts)
    return name.removesuffix(":0") or model_id


def job_view(
    job: Job, now: datetime, *, styled: bool, width: int = PLAIN_WIDTH, saved: bool = False
) -> RenderableType:
    """A job for people: title, status, the failure message, then records, timing and the
    job's details as labelled lines that never wrap a value (see `labelled`). A saved
    response is a snapshot: its ages and time left are as of its own moment, said so."""
    lines: list[RenderableType] = [_title(job), _status_line(job)]
    snapshot = job.snapshot_moment() if saved else None
    if snapshot is not None:
        lines.append(
            Text(
                f"saved response, as of {_local_time(snapshot)} ({relative(snapshot, now)})",
                style="dim",
            )
        )
        now = snapshot
    if job.message:
        lines.append(_message(job, styled, width))
    sections = {
        "Records": [
            ("Processed", _progress(job, styled)),
            ("Outcome", _record_counts(job)),
            ("Success rate", Text(percent(job.success_rate))),
        ],
        "Timing": _timing_rows(job, now),
        "Job": _detail_rows(job),
    }
    for heading, rows in sections.items():
        lines += [Text(), Text(heading, style="bold")]
        for label, value in rows:
            lines += labelled(label, value, width)
    if job.status in ("Submitted", "Scheduled") and job.model_id:
        elapsed = job.elapsed_seconds(now)
        waited = f"waiting for {duration(elapsed)}" if elapsed is not None else "waiting"
        hint = Text(f"\n{job.status}, {waited}; what holds it: ", style="dim")
        hint.append(f"bjob quotas --model {_data(base_model_id(job.model_id))}", style="bold")
        lines.append(_unwrapped(hint))
    if job.is_terminal and job.failed_records:
        hint = Text(f"\n{job.failed_records:,} records failed; see why: ", style="dim")
        hint.append(f"bjob results {_data(job.arn or job.job_id)} --failed", style="bold")
        lines.append(_unwrapped(hint))
    return Group(*lines)


LABEL_WIDTH = 15  # the longest label and two spaces


def labelled(label: str, value: Text, width: int) -> list[Text]:
    """A label and its value on one line when they fit; else the value on a line of its own,
    never wrapped, so that an ARN or a URI copies in one piece."""
    _unwrapped(value)
    if LABEL_WIDTH + value.cell_len <= width:
        return [_unwrapped(Text(label.ljust(LABEL_WIDTH), style="dim") + value)]
    return [Text(label, style="dim"), value]


def _unwrapped(text: Text) -> Text:
    text.no_wrap, text.overflow = True, "ignore"
    return text


def _message(job: Job, styled: bool, width: int) -> RenderableType:
    """In a terminal, a panel of prose; in a log, one line (or the message's own lines)."""
    title = "Failure" if job.status == "Failed" else "Message"
    if not styled:
        return _unwrapped(Text(f"{title}: {inert(job.message or '', multiline=True)}"))
    panel = Panel(
        Text(inert(job.message or "", multiline=True)),
        title=title,
        title_align="left",
        border_style="red" if job.status == "Failed" else "yellow",
        expand=False,
    )
    return Constrain(panel, min(MESSAGE_WIDTH, width))


def _title(job: Job) -> Text:
    title = Text()
    title.append(_data(job.name or job.job_id or job.arn), style="bold")
    if job.name and job.job_id:
        title.append(f"  ({_data(job.job_id)})", style="dim")
    if job.region:
        title.append(f"  {_data(job.region)}", style="dim")
    return title


def _status_line(job: Job) -> Text:
    info = job.status_info
    line = Text()
    if info is None:
        line.append(f"● {_data(job.status)}", style="bold")
        line.append("  A status bjob does not know, shown as AWS gave it.", style="dim")
        return line
    line.append(f"● {job.status}", style=f"bold {info.colour}")
    line.append(f"  {info.explanation}")
    return line


def _progress(job: Job, styled: bool) -> Text:
    fraction = job.fraction_done
    if fraction is None:
        if job.total_records == 0 and not job.is_terminal:
            return Text("record counts appear once validation ends", style="dim")
        return Text(DASH)
    done = bar_cells(fraction, BAR_WIDTH)
    bar = Text()
    if styled:
        bar.append("━" * done, style="green" if job.failed_records == 0 else "yellow")
        bar.append("━" * (BAR_WIDTH - done), style="grey30")
    else:
        bar.append("[" + "#" * done + "." * (BAR_WIDTH - done) + "]")
    bar.append(
        f"  {_count(job.processed_records)} / {_count(job.total_records)}  {percent(fraction)}"
    )
    return bar


def _record_counts(job: Job) -> Text:
    text = Text()
    text.append(f"{_count(job.succeeded_records)} succeeded", style="green")
    text.append("  ·  ")
    failed_style = "red" if job.failed_records else ""
    text.append(f"{_count(job.failed_records)} failed", style=failed_style)
    if job.is_terminal:
        text.append(f"  ·  {_count(job.not_processed_records)} not processed")
    else:
        text.append(f"  ·  {_count(job.pending_records)} pending")
    return text


def _timing_rows(job: Job, now: datetime) -> list[tuple[str, Text]]:
    elapsed = job.elapsed_seconds(now)
    rows = [
        ("Submitted", _moment(job.submit_time, now)),
        ("Last modified", _moment(job.last_modified_time, now)),
        ("Ended", _moment(job.end_time, now)),
        (
            "Ran for" if job.is_terminal else "Waiting for" if job.is_waiting else "Running for",
            Text(duration(elapsed) if elapsed is not None else DASH),
        ),
    ]
    # While the job runs, how long it has left before its timeout is worth the precision.
    time_left = job.time_left_seconds(now)
    rows.append(("Expires", _moment(job.expiration_time, now, precise=time_left is not None)))
    hours = job.timeout_hours
    rows.append(("Timeout", Text(f"{hours} h" if hours is not None else DASH)))
    return rows


def _detail_rows(job: Job) -> list[tuple[str, Text]]:
    input_notes = ", ".join(
        note
        for note in (
            job.input.format,
            f"owner {job.input.bucket_owner}" if job.input.bucket_owner else None,
        )
        if note
    )
    output_notes = f"owner {job.output.bucket_owner}" if job.output.bucket_owner else ""
    vpc = DASH
    if job.vpc.subnet_ids or job.vpc.security_group_ids:
        vpc = (
            f"subnets {', '.join(job.vpc.subnet_ids or ()) or DASH}; "
            f"security groups {', '.join(job.vpc.security_group_ids or ()) or DASH}"
        )
    return [
        ("Model", _field(job.model_id)),
        ("Invocation", _field(job.invocation_type)),
        ("Input", _field(job.input.s3_uri, input_notes)),
        ("Output", _field(_output_folder(job), output_notes)),
        ("KMS key", _field(job.output.kms_key_id)),
        ("VPC", _field(vpc)),
        ("Role", _field(job.role_arn)),
        ("Client token", _field(job.client_request_token)),
        ("ARN", _field(job.arn)),
    ]


def _output_folder(job: Job) -> str | None:
    """The job's own folder, where its files are: the output URI and the job id."""
    try:
        return output_folder(job).uri
    except BjobError:
        return job.output.s3_uri


def _field(value: str | None, note: str = "") -> Text:
    text = Text(_data(value))
    if note:
        text.append(f"  ({inert(note)})", style="dim")
    return text


def _data(value: str | None) -> str:
    return inert(value) if value else DASH


def _moment(moment: datetime | None, now: datetime, *, precise: bool = False) -> Text:
    if moment is None:
        return Text(DASH)
    text = Text(_local_time(moment))
    style = "yellow" if precise and (moment - now).total_seconds() < 3600 else "dim"
    text.append(f"  ({relative(moment, now, parts=2 if precise else 1)})", style=style)
    return text


def _local_time(moment: datetime) -> str:
    try:
        return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    except (OverflowError, ValueError, OSError):  # beyond what the local zone can express
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def relative(moment: datetime, now: datetime, parts: int = 1) -> str:
    seconds = (moment - now).total_seconds()
    if abs(seconds) < 45:
        return "just now"
    span = duration(abs(seconds), parts=parts)
    return f"in {span}" if seconds > 0 else f"{span} ago"


def duration(seconds: float, parts: int = 2) -> str:
    """A duration the way people say it: "2 h 5 m", "3 d 4 h", "42 s"."""
    remaining = int(round(max(seconds, 0)))
    units = (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
    pieces: list[str] = []
    for unit, size in units:
        amount, remaining = divmod(remaining, size)
        if amount or (pieces and len(pieces) < parts):
            pieces.append(f"{amount} {unit}")
        if len(pieces) == parts:
            break
    return " ".join(pieces) if pieces else "0 s"


def _count(value: int | None) -> str:
    return f"{value:,}" if value is not None else DASH


def percent(fraction: float | None) -> str:
    """A share that never flatters: 99.98%, not 100.0%, for 49,990 of 50,000; more digits
    rather than rounding to 100% or 0% what is not exactly that."""
    if fraction is None:
        return DASH
    value = fraction * 100
    for digits in (1, 2, 3, 4):
        text = f"{value:.{digits}f}"
        rounded = float(text)
        if (rounded < 100 or fraction >= 1) and (rounded > 0 or fraction <= 0):
            return f"{text}%"
    return ">99.9999%" if value > 50 else "<0.0001%"


def bar_cells(fraction: float, width: int) -> int:
    """Filled cells of a bar: full only when the work is done, never rounded up to it."""
    return width if fraction >= 1 else min(int(fraction * width), width - 1)
