"""How a watch is shown: a live view for a terminal, log lines for a pipe, NDJSON for scripts.

Each display is a context manager: entered before the first poll, left after the last, when
it restores the terminal and rings the bell if asked."""

# Start-up: rich (and render.view, which stands on it) is imported inside the functions
# that draw, so that a command's JSON output never loads it.

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self, TextIO

from bjob.model.environment import Environment
from bjob.model.job import Job
from bjob.model.track import JobTrack
from bjob.render.terminal import inert
from bjob.support.exits import BjobError, ExitCode

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.table import Table
    from rich.text import Text

    from bjob.render.jsonout import Query


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _label(job: Job) -> str:
    return inert(job.name or job.job_id or job.arn or "?")


def _rate(track: JobTrack) -> str | None:
    if not track.job.processed_records:
        return None  # not started: a rate of 0 says nothing
    rate = track.records_per_minute()
    return f"{rate:,.0f} rec/min" if rate is not None else None


MAX_NAMED_JOBS = 5  # a summary names this many jobs, and counts the rest


def summary_line(tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> str:
    """The closing line; `code` is the one the process exits with (the caller's, which for
    `stop --wait` is 0 when its jobs ended Stopped), so that the line never contradicts it."""
    if interrupted:
        return f"interrupted: {_states(tracks)} · exit {int(ExitCode.INTERRUPTED)}"
    running = [track for track in tracks if not track.job.is_terminal]
    if running:
        return f"timed out, still running: {_states(running)} · exit {int(code)}"
    return f"finished: {_states(tracks)} · exit {int(code)}"


def _states(tracks: Sequence[JobTrack]) -> str:
    named = ", ".join(
        f"{_label(t.job)} {inert(t.job.status or '?')}" for t in tracks[:MAX_NAMED_JOBS]
    )
    more = len(tracks) - MAX_NAMED_JOBS
    return f"{named} and {more} more" if more > 0 else named


def print_retry(err: TextIO, now: datetime, error: BjobError, delay: float) -> None:
    """A line on stderr: the service did not answer, and when bjob asks again."""
    print(f"{_stamp(now)}  retrying in {delay:.0f} s: {inert(error.message)}", file=err, flush=True)


class _LineDisplay:
    """Displays that write lines: changes to stdout, retries to stderr, nothing while waiting."""

    def __init__(self, out: TextIO, err: TextIO, now: Callable[[], datetime]) -> None:
        self.out, self.err, self.now = out, err, now

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def waiting(self, next_poll_at: float) -> None:
        pass

    def retrying(self, error: BjobError, delay: float) -> None:
        print_retry(self.err, self.now(), error, delay)

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None:
        pass


class LogDisplay(_LineDisplay):
    """One timestamped plain line per change, nothing when nothing changed (CI logs, tee)."""

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None:
        from bjob.render.view import duration, percent

        for track in changed:
            job = track.job
            parts = [_stamp(self.now()), _label(job), inert(job.status or "?")]
            if job.total_records:
                done = f"{job.processed_records or 0:,}/{job.total_records:,}"
                parts.append(f"{done} ({percent(job.fraction_done or 0)})")
            if job.succeeded_records is not None or job.failed_records is not None:
                parts.append(
                    f"ok {job.succeeded_records or 0:,} failed {job.failed_records or 0:,}"
                )
            rate, eta = _rate(track), track.eta_seconds()
            if rate:
                parts.append(rate)
            if eta is not None:
                parts.append(f"ETA {duration(eta)}")
            if job.is_terminal and job.message:
                parts.append(f"message: {inert(job.message)}")
            print("  ".join(parts), file=self.out, flush=True)

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None:
        print(
            f"{_stamp(self.now())}  {summary_line(tracks, code, interrupted)}",
            file=self.out,
            flush=True,
        )


class NdjsonDisplay(_LineDisplay):
    """One normalized job object per change, with when it was observed (`show --json` + one key)."""

    def __init__(
        self, out: TextIO, err: TextIO, now: Callable[[], datetime], query: Query | None
    ) -> None:
        super().__init__(out, err, now)
        self.query = query

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None:
        from bjob.render.jsonout import change_to_dict, compact

        now = self.now()
        for track in changed:
            document = change_to_dict(track.job, now)
            if self.query is not None:
                document = self.query.apply(document)
            print(compact(document), file=self.out, flush=True)


MAX_TRANSITION_LINES = 5  # status changes are listed per job for this many jobs


class LiveDisplay:
    """A view redrawn in place (rich Live) at a modest rate; the final state stays on screen."""

    REFRESHES_PER_SECOND = 1.0

    def __init__(self, env: Environment, stream: TextIO | None = None) -> None:
        from rich.live import Live

        from bjob.render.view import make_console

        self.now, self.clock = env.now, env.clock
        self.tracks: Sequence[JobTrack] = ()
        self.next_poll_at: float | None = None
        self.retry_note: str | None = None
        self.last_poll: datetime | None = None
        self.final_note: str | None = None
        # NO_COLOR takes the colour away, not the redrawn view.
        self.console = make_console(
            stream or env.stdout, env, styled=True, colour=env.wants_colour()
        )
        self.live = Live(
            console=self.console,
            get_renderable=self.render,
            refresh_per_second=self.REFRESHES_PER_SECOND,
            transient=False,
            redirect_stdout=False,
            redirect_stderr=False,
        )

    def __enter__(self) -> Self:
        self.live.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.live.stop()

    def update(self, tracks: Sequence[JobTrack], changed: Sequence[JobTrack]) -> None:
        self.tracks = list(tracks)
        self.last_poll = self.now()
        self.retry_note = None
        self.live.refresh()

    def waiting(self, next_poll_at: float) -> None:
        self.next_poll_at = next_poll_at

    def retrying(self, error: BjobError, delay: float) -> None:
        self.retry_note = inert(error.message)
        self.live.refresh()

    def finish(self, tracks: Sequence[JobTrack], code: ExitCode, interrupted: bool) -> None:
        self.tracks = list(tracks)
        self.next_poll_at = None
        self.final_note = summary_line(tracks, code, interrupted)
        self.live.refresh()

    def render(self) -> RenderableType:
        """The table fitted to the terminal's width and height: as many jobs as leave room
        for the total, the notes and the countdown (unfinished jobs first)."""
        from rich.console import Group
        from rich.text import Text

        from bjob.render.view import relative

        now = self.now()
        tracks = list(self.tracks)
        notes: list[RenderableType] = []
        for track in tracks[:MAX_TRANSITION_LINES]:
            steps = Text("Seen: " if len(tracks) == 1 else f"{_label(track.job)}: ", style="dim")
            for index, (status, seen) in enumerate(track.transitions):
                if index:
                    steps.append(" → ", style="dim")
                steps.append(f"{inert(status)} ")
                steps.append(f"{relative(seen, now)}", style="dim")
            notes.append(steps)
        for track in tracks:
            if track.job.is_terminal and track.job.message:
                # Why a job failed (or stopped short) is the first thing asked at the end.
                note = Text(f"{_label(track.job)}: ", style="bold")
                note.append(inert(track.job.message, multiline=True), style="red")
                notes.append(note)
        # Rows for jobs: the height less the header (2), the total (2), the footer (1), and
        # one to spare for the cursor.
        room = self.console.height - 6
        if len(tracks) + len(notes) > room:
            notes = []  # with many jobs, the table and the countdown come first
        shown = sorted(tracks, key=lambda track: track.job.is_terminal)[: max(room, 1)]
        if len(shown) < len(tracks):
            shown = shown[:-1]
        table = self._table(shown, tracks, now)
        return Group(table, *notes, self._footer())

    def _table(self, shown: Sequence[JobTrack], tracks: Sequence[JobTrack], now: datetime) -> Table:
        from rich.text import Text

        from bjob.render.view import (
            DASH,
            Column,
            duration,
            fitted_table,
            small_progress,
            status_text,
        )

        def count(value: int | None, style: str = "") -> Text:
            return Text(f"{value:,}" if value is not None else DASH, style=style)

        jobs = [track.job for track in shown]
        left = [job.time_left_seconds(now) for job in jobs]
        etas = [track.eta_seconds() for track in shown]
        columns = [
            Column("Job", [Text(_label(job)) for job in jobs], keep=True, fold=True),
            Column("Status", [status_text(job) for job in jobs], keep=True),
            Column(
                "Progress",
                [small_progress(job, styled=True) for job in jobs],
                keep=True,
                narrow=[small_progress(job, styled=False) for job in jobs],
            ),
            Column(
                "OK",
                [count(job.succeeded_records, "green") for job in jobs],
                justify="right",
                keep=True,
            ),
            Column(
                "Failed",
                [count(job.failed_records, "red" if job.failed_records else "") for job in jobs],
                justify="right",
                keep=True,
            ),
            Column("Pending", [count(job.pending_records) for job in jobs], justify="right"),
            Column("Rate", [Text(_rate(track) or DASH) for track in shown], justify="right"),
            Column(
                "ETA",
                [Text(duration(eta) if eta is not None else DASH) for eta in etas],
                justify="right",
            ),
            Column(
                "Time left",
                [
                    Text(duration(seconds) if seconds is not None and seconds > 0 else DASH)
                    for seconds in left
                ],
                justify="right",
            ),
        ]
        hidden = len(tracks) - len(shown)
        if hidden:
            for column in columns:
                column.append(Text(f"… {hidden} more" if column.header == "Job" else ""))
        if len(tracks) > 1:
            for column, total in zip(columns, _total_row(tracks), strict=True):
                column.append(Text(total, style="bold"))
        extras = ["Pending", "ETA", "Rate", "Time left"]
        footer = int(hidden > 0) + int(len(tracks) > 1)
        return fitted_table(columns, extras, self.console.width, styled=True, footer=footer)

    def _footer(self) -> Text:
        from rich.text import Text

        footer = Text(style="dim")
        if self.final_note:
            footer.append(self.final_note)
            return footer
        if self.last_poll:
            footer.append(f"last poll {self.last_poll.astimezone().strftime('%H:%M:%S')}")
        if self.next_poll_at is not None:
            seconds = max(self.next_poll_at - self.clock(), 0)
            if self.retry_note:
                footer.append(f" · retrying in {seconds:.0f} s: {self.retry_note}", style="yellow")
            else:
                footer.append(f" · next in {seconds:.0f} s")
        footer.append(" · Ctrl-C to stop")
        return footer


def _total_row(tracks: Sequence[JobTrack]) -> list[str]:
    def total(values: list[int | None]) -> str:
        known = [value for value in values if value is not None]
        return f"{sum(known):,}" if known else "—"

    jobs = [track.job for track in tracks]
    rates = [rate for track in tracks if (rate := track.records_per_minute()) is not None]
    ended = sum(job.is_terminal for job in jobs)
    return [
        f"Total ({len(jobs)})",
        f"{ended}/{len(jobs)} ended",
        "",
        total([job.succeeded_records for job in jobs]),
        total([job.failed_records for job in jobs]),
        total([job.pending_records for job in jobs]),
        f"{sum(rates):,.0f} rec/min" if rates else "—",
        "",
        "",
    ]


WatchView = LiveDisplay | LogDisplay | NdjsonDisplay


def watch_display(
    env: Environment, *, json_output: bool, query: Query | None, on_stderr: bool = False
) -> WatchView:
    """NDJSON when asked for JSON, a live view in a terminal, else log lines. `on_stderr`:
    a watch that follows another command's output (`stop --wait --json`), whose standard
    output is that command's one document: the view or the lines go to stderr."""
    if on_stderr:
        if env.is_terminal(env.stderr) and env.environ.get("TERM") != "dumb":
            return LiveDisplay(env, env.stderr)
        return LogDisplay(env.stderr, env.stderr, env.now)
    if json_output or query is not None:
        return NdjsonDisplay(env.stdout, env.stderr, env.now, query)
    if env.is_terminal(env.stdout) and env.environ.get("TERM") != "dumb":
        return LiveDisplay(env)
    return LogDisplay(env.stdout, env.stderr, env.now)


def ring_bell(env: Environment) -> None:
    """On the terminal: stdout if it is one, else stderr (stdout may be a file)."""
    stream = env.stdout if env.is_terminal(env.stdout) else env.stderr
    stream.write("\a")
    stream.flush()
