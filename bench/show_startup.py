"""Time `bjob show --json` against the AWS CLI and a minimal boto3 script, same call, same
fake Bedrock server on 127.0.0.1. A benchmark to run by hand, not a test.

    python bench/show_startup.py [--runs 15]

Prints the median wall time of each and bjob's ratio to the minimal boto3 script (bar: 1.15x).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fakebedrock import RunningFake, make_job  # noqa: E402

JOB_ID = "abc123def456"
MINIMAL_BOTO3 = """
import json, sys, boto3
client = boto3.client("bedrock", region_name="us-east-1", endpoint_url=sys.argv[1])
response = client.get_model_invocation_job(jobIdentifier=sys.argv[2])
response.pop("ResponseMetadata", None)
print(json.dumps(response, indent=2, default=str))
"""


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDBENCH",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    bjob = shutil.which("bjob") or str(Path(sys.executable).parent / "bjob")
    with RunningFake() as server:
        server.fake.add_job(make_job(JOB_ID, "InProgress"))
        common = ["--endpoint-url", server.url, "--region", "us-east-1"]
        commands = {
            "minimal boto3 script": [sys.executable, "-c", MINIMAL_BOTO3, server.url, JOB_ID],
            "bjob show --json": [bjob, "show", JOB_ID, "--json", *common],
        }
        aws = shutil.which("aws")
        if aws:
            commands["aws bedrock get-model-invocation-job"] = [
                aws, "bedrock", "get-model-invocation-job", "--job-identifier", JOB_ID, *common,
            ]  # fmt: skip
        for command in commands.values():  # warm the file cache once
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        results = {name: median_seconds(cmd, args.runs, env) for name, cmd in commands.items()}
    baseline = results["minimal boto3 script"]
    print(f"median of {args.runs} runs each, {os.cpu_count()} cores")
    for name, seconds in results.items():
        print(f"  {name:40s} {seconds:6.3f} s  {seconds / baseline:5.2f}x")
    ratio = results["bjob show --json"] / baseline
    print(f"bjob / minimal boto3 = {ratio:.2f} (bar 1.15): {'ok' if ratio <= 1.15 else 'OVER'}")


if __name__ == "__main__":
    main()
