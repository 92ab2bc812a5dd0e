"""Time `bjob show --json` against the AWS CLI and a minimal boto3 script, same call, same
fake Bedrock server on 127.0.0.1. A benchmark to run by hand, not a test.

    python bench/show_startup.py [--runs 15] [--instructions]

Bar (issue 25): bjob no slower than the minimal boto3 script (1.0x). --instructions also
compares instruction counts (valgrind), which do not drift with the machine's load.
"""

from __future__ import annotations

import argparse
import sys

from common import aws_executable, bjob_executable, instructions, median_seconds, report

from tests.fakebedrock import RunningFake, make_job

JOB_ID = "abc123def456"
MINIMAL_BOTO3 = """
import json, sys, boto3
client = boto3.client("bedrock", region_name="us-east-1", endpoint_url=sys.argv[1])
response = client.get_model_invocation_job(jobIdentifier=sys.argv[2])
response.pop("ResponseMetadata", None)
print(json.dumps(response, indent=2, default=str))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--instructions", action="store_true", help="count with callgrind too")
    args = parser.parse_args()
    with RunningFake() as server:
        server.fake.add_job(make_job(JOB_ID, "InProgress"))
        common = ["--endpoint-url", server.url, "--region", "us-east-1"]
        commands = {
            "minimal boto3 script": [sys.executable, "-c", MINIMAL_BOTO3, server.url, JOB_ID],
            "bjob show --json": [bjob_executable(), "show", JOB_ID, "--json", *common],
        }
        aws = aws_executable()
        if aws:
            commands["aws bedrock get-model-invocation-job"] = [
                aws,
                "bedrock",
                "get-model-invocation-job",
                "--job-identifier",
                JOB_ID,
                *common,
            ]
        results = median_seconds(commands, args.runs)
        counts = (
            {name: instructions(command) for name, command in list(commands.items())[:2]}
            if args.instructions
            else {}
        )
    report(results, "minimal boto3 script", args.runs)
    ratio = results["bjob show --json"] / results["minimal boto3 script"]
    print(f"bjob / minimal boto3 = {ratio:.2f} (bar 1.0): {'ok' if ratio <= 1.0 else 'OVER'}")
    bjob_count, boto3_count = counts.get("bjob show --json"), counts.get("minimal boto3 script")
    if bjob_count and boto3_count:
        ratio_count = bjob_count / boto3_count
        print(f"  in instructions: {bjob_count:,} / {boto3_count:,} = {ratio_count:.2f}")


if __name__ == "__main__":
    main()
