"""Time `bjob list --all --json` over 2,500 jobs against `aws bedrock
list-model-invocation-jobs` doing the same listing, on the fake server; count requests.
A benchmark to run by hand, not a test.

    python bench/list_all.py [--runs 9] [--jobs 2500] [--instructions]

Bar: at most 3 requests, and at most 0.65x the AWS CLI's wall time. On a noisy machine,
--instructions also compares instruction counts (valgrind), which do not drift.
"""

from __future__ import annotations

import argparse
import json
import subprocess

from common import (
    OFFLINE_ENV,
    aws_executable,
    bjob_executable,
    instructions,
    median_seconds,
    report,
)

from tests.fakebedrock import RunningFake, generate_jobs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=2500)
    parser.add_argument("--instructions", action="store_true", help="count with callgrind too")
    args = parser.parse_args()
    aws = aws_executable()
    with RunningFake() as server:
        for job in generate_jobs(args.jobs):
            server.fake.add_job(job)
        common = ["--endpoint-url", server.url, "--region", "us-east-1"]
        bjob = [bjob_executable(), "list", "--all", "--json", *common]

        before = len(server.fake.requests)
        listed = json.loads(
            subprocess.run(bjob, check=True, capture_output=True, env=OFFLINE_ENV).stdout
        )
        requests = len(server.fake.requests) - before
        print(f"bjob list --all --json: {len(listed)} jobs in {requests} requests (bar: 3)")

        commands = {"bjob list --all --json": bjob}
        if aws:
            commands["aws bedrock list-model-invocation-jobs"] = [
                aws,
                "bedrock",
                "list-model-invocation-jobs",
                *common,
            ]
        results = median_seconds(commands, args.runs)
        counts = (
            {name: instructions(command) for name, command in commands.items()}
            if args.instructions
            else {}
        )
    if args.instructions:
        for name, count in counts.items():
            print(f"  {name:44s} {count or 0:,} instructions")
    if aws:
        report(results, "aws bedrock list-model-invocation-jobs", args.runs)
        ratio = (
            results["bjob list --all --json"] / results["aws bedrock list-model-invocation-jobs"]
        )
        print(f"bjob / aws cli = {ratio:.2f} (bar 0.65): {'ok' if ratio <= 0.65 else 'OVER'}")
        bjob_count = counts.get("bjob list --all --json")
        aws_count = counts.get("aws bedrock list-model-invocation-jobs")
        if bjob_count and aws_count:
            print(f"bjob / aws cli in instructions = {bjob_count / aws_count:.2f}")
    else:
        report(results, "bjob list --all --json", args.runs)


if __name__ == "__main__":
    main()
