"""What a watch costs: requests per job per poll, and CPU seconds used by a 60-second watch,
against the fake server. A benchmark to run by hand, not a test.

    python bench/watch_cost.py [--seconds 60] [--interval 5]

Watches jobs that never end until --timeout, in log mode (stdout a pipe) for 1 and 10 jobs,
and in the live view (stdout a pseudo-terminal) for 1 job.
"""

from __future__ import annotations

import argparse
import os
import pty
import resource
import subprocess

from common import OFFLINE_ENV, bjob_executable

from tests.fakebedrock import RunningFake, make_job


def run_watch(jobs: int, seconds: float, interval: float, live: bool) -> tuple[float, int, int]:
    """(CPU seconds of the bjob process, polls, requests) for one timed-out watch."""
    with RunningFake() as server:
        ids = [f"{index:012d}".replace("0", "w") for index in range(jobs)]
        for job_id in ids:
            server.fake.add_job(make_job(job_id, "InProgress"))
        command = [
            bjob_executable(),
            "watch",
            *ids,
            "--interval",
            str(interval),
            "--timeout",
            f"{seconds}s",
            "--endpoint-url",
            server.url,
            "--region",
            "us-east-1",
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        if live:
            controller, terminal = pty.openpty()
            process = subprocess.Popen(
                command, stdout=terminal, stderr=terminal, env={**OFFLINE_ENV, "COLUMNS": "120"}
            )
            os.close(terminal)
            while True:
                try:
                    if not os.read(controller, 65536):
                        break
                except OSError:
                    break
            process.wait()
            os.close(controller)
        else:
            subprocess.run(command, stdout=subprocess.DEVNULL, env=OFFLINE_ENV)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        requests = len(server.fake.requests) - jobs  # less the initial Get of each job
        polls = round(seconds / interval)
    return cpu, polls, requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args()
    print(f"{args.seconds:.0f}-second watch, --interval {args.interval:.0f}, jobs that never end")
    for jobs, live in ((1, False), (10, False), (1, True)):
        cpu, polls, requests = run_watch(jobs, args.seconds, args.interval, live)
        start_up, _, _ = run_watch(jobs, 0, args.interval, live)  # loads the jobs, no poll
        mode = "live view (pty)" if live else "log lines (pipe)"
        print(
            f"  {jobs:2d} job(s), {mode:17s}: {cpu:5.2f} CPU s (a watch that stops at once: "
            f"{start_up:.2f} s); {requests} requests in ~{polls} polls = "
            f"{requests / max(polls, 1) / jobs:.2f} requests per job per poll"
        )


if __name__ == "__main__":
    main()
