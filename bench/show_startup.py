"""Time `bjob show --json` against the AWS CLI and a minimal boto3 script, same call, same
fake Bedrock server on 127.0.0.1. A benchmark to run by hand, not a test.

    python bench/show_startup.py [--runs 15]

Bar: bjob within 1.15x of the minimal boto3 script.
"""

from __future__ import annotations

import argparse
import sys

from common import aws_executable, bjob_executable, median_seconds, report

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
    report(results, "minimal boto3 script", args.runs)
    ratio = results["bjob show --json"] / results["minimal boto3 script"]
    print(f"bjob / minimal boto3 = {ratio:.2f} (bar 1.15): {'ok' if ratio <= 1.15 else 'OVER'}")


if __name__ == "__main__":
    main()
