"""Render the README's screenshots (SVG) of `bjob show`, `bjob list` and `bjob watch` from the
jobs in examples/, at a fixed moment, width and time zone, so the pictures only change when
the views do.

    python docs/screenshots.py          # rewrite docs/*.svg
    python docs/screenshots.py --check  # exit 1 if a committed picture is stale

tests/test_screenshots.py runs the check.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console, RenderableType

from bjob.model.environment import Environment
from bjob.model.job import Job, normalize_job
from bjob.model.track import JobTrack
from bjob.render.view import job_view, jobs_table
from bjob.render.watchview import LiveDisplay

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WIDTH = 130


def example(name: str) -> Job:
    return normalize_job(json.loads((EXAMPLES / f"{name}.json").read_text()))


def show_view() -> RenderableType:
    """`bjob show examples/in-progress.json`: a saved response, shown as of its own moment
    (the quick start's picture, whatever day it is read)."""
    return job_view(example("in-progress"), NOW, styled=True, width=WIDTH, saved=True)


def failed_view() -> RenderableType:
    return job_view(example("failed"), NOW, styled=True, width=WIDTH)


def list_view() -> RenderableType:
    jobs = [example(name) for name in ("in-progress", "failed", "completed", "partially-completed")]
    return jobs_table(jobs, NOW, styled=True, regions=True, width=WIDTH)


def watch_view() -> RenderableType:
    """The live view after ten minutes of watching two running jobs."""
    running = json.loads((EXAMPLES / "in-progress.json").read_text())
    other = json.loads((EXAMPLES / "partially-completed.json").read_text())
    other.update(
        status="InProgress", message=None, endTime=None, jobExpirationTime="2026-11-28T06:00:00Z"
    )
    tracks = []
    for response, pace in ((running, 1400), (other, 2100)):
        first = dict(response, processedRecordCount=response["processedRecordCount"] - pace * 10)
        track = JobTrack(normalize_job(first))
        track.observe(track.job, 0.0, NOW - timedelta(minutes=10))
        track.observe(normalize_job(response), 600.0, NOW)
        tracks.append(track)
    env = Environment(
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        environ={"COLUMNS": str(WIDTH), "LINES": "40"},
        now=lambda: NOW,
        clock=lambda: 600.0,
        sleep=lambda _: None,
        random=lambda: 0.5,
    )
    display = LiveDisplay(env)
    display.tracks, display.last_poll, display.next_poll_at = tracks, NOW, 612.0
    return display.render()


def check_view() -> RenderableType:
    """bjob check of the example input with the classic mistakes."""
    from rich.console import Group

    from bjob.render.check import report_lines
    from bjob.usecases.check import check_input, find_sources

    os.chdir(ROOT)  # the places read examples/tickets.jsonl:18, as a user types them

    def no_aws() -> Any:
        raise AssertionError("a local check asks nothing of AWS")

    def no_stdin() -> Any:
        raise AssertionError("the example is a file")

    sources = find_sources(["examples/tickets.jsonl"], no_aws, no_stdin)
    report, _ = check_input(sources, None, "InvokeModel", no_aws)
    return Group(*(line.rich() for line in report_lines(report, strict=False)))


def submit_view() -> RenderableType:
    """bjob submit's plan and question, at 80 columns: a 50,001-record input in two jobs."""
    from rich.console import Group
    from rich.text import Text

    from bjob.model.check import Limit
    from bjob.model.cost import CostEstimate, TokenEstimate
    from bjob.model.prices import BatchPrices, PriceQuote
    from bjob.model.runs import run_token
    from bjob.model.submit import (
        JobSettings,
        PlannedJob,
        PlannedObject,
        SubmissionPlan,
        create_request,
    )
    from bjob.render.submit import plan_lines, question

    settings = JobSettings(
        model_id="anthropic.claude-3-haiku-20240307-v1:0",
        role_arn="arn:aws:iam::123456789012:role/BatchRole",
        output_uri="s3://acme/out/",
        tags=(("bjob:run", "tickets"),),
    )
    jobs = []
    for name, records, size in (
        ("tickets-1", 25_001, 76_503_060),
        ("tickets-2", 25_000, 76_500_000),
    ):
        uri = f"s3://acme/out/bjob-inputs/{name}/3f9a0c51d2e8/"
        token = run_token("tickets", "0" * 64)
        request = create_request(name, settings, uri, token)
        objects = (PlannedObject(uri + "tickets.jsonl", records, size, "0" * 64),)
        jobs.append(PlannedJob(name, uri, records, size, "0" * 64, token, request, objects))
    listed = "AmazonBedrock", "2026-11-01T00:00:00Z"
    prices = BatchPrices(
        PriceQuote(0.125, listed[0], "USE1-Claude3Haiku-input-tokens-batch", listed[1]),
        PriceQuote(0.625, listed[0], "USE1-Claude3Haiku-output-tokens-batch", listed[1]),
        "2026-12-06T09:00:00Z",
    )
    tokens = TokenEstimate(38_404_112, 37_871_900, 38_936_324, "sampled")
    cost = CostEstimate(prices, tokens, 25_600_512, 50_001)
    plan = SubmissionPlan(
        "Claude 3 Haiku (anthropic.claude-3-haiku-20240307-v1:0)",
        cost,
        settings,
        "us-east-1",
        tuple(jobs),
        {},
        Limit(20, "Service Quotas, applied"),
        3,
        frozenset(),
        (),
    )
    lines = [*plan_lines(plan, False), f"{question(plan)} [y/N] "]
    return Group(*(Text(line) for line in lines))


NARROW = {"submit.svg": 80}  # pictures drawn at 80 columns
PICTURES: dict[str, tuple[str, Callable[[], RenderableType]]] = {
    "show.svg": ("bjob show k7x2m9p4q1w8", show_view),
    "show-failed.svg": ("bjob show f0a9b8c7d6e5", failed_view),
    "list.svg": (
        "bjob list --region us-east-1 --region us-west-2 --region eu-central-1",
        list_view,
    ),
    "watch.svg": ("bjob watch k7x2m9p4q1w8 p5q6r7s8t9u0", watch_view),
    "check.svg": ("bjob check examples/tickets.jsonl", check_view),
    "submit.svg": (
        "bjob submit tickets.jsonl --model haiku --role $ROLE --output s3://acme/out/",
        submit_view,
    ),
}


def render_svg(title: str, renderable: Callable[[], RenderableType], width: int = WIDTH) -> str:
    console = Console(
        record=True,
        width=width,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        markup=False,
        highlight=False,
    )
    console.print(renderable())
    return console.export_svg(title=title)


def svg_text(svg: str) -> str:
    """The words a picture shows, without rich's styling: what staleness is judged on, so a
    new rich release that draws the same text differently does not count as stale."""
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a picture is stale")
    args = parser.parse_args()
    os.environ["TZ"] = "UTC"  # local times in the views: the same on every machine
    time.tzset()
    stale = []
    for name, (title, renderable) in PICTURES.items():
        svg = render_svg(title, renderable, NARROW.get(name, WIDTH))
        path = DOCS / name
        if args.check:
            if not path.exists() or svg_text(path.read_text()) != svg_text(svg):
                stale.append(name)
        else:
            path.write_text(svg)
            print(f"wrote docs/{name}")
    if stale:
        print(f"stale: {', '.join(stale)}; run python docs/screenshots.py", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
