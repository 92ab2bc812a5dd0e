"""Time `bjob check` of a 150 MB input (50,000 records of 3 KB) against a bare Python loop
that only json.loads each line, and measure bjob's peak memory; and `bjob check --model`,
which also looks the model and its quotas up (ListFoundationModels and Service Quotas, served
by the fake Bedrock server on 127.0.0.1) while it reads.

And `bjob check <(cat FILE)`, the same file through a pipe: judged as the file, the stream kept on
disk as it is read (not in memory), so the peak RSS bar holds for it too.

Bars: at most 1.2x the bare loop without --model, 1.25x with it; peak RSS at most 120 MB.

    python bench/check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

from common import OFFLINE_ENV, bjob_executable, measure_with_memory

from tests.fakebedrock import RunningFake, batch_quota, foundation_model

HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"

BARE_LOOP = """
import json, sys
with open(sys.argv[1], "rb") as file:
    for line in file:
        json.loads(line)
"""


def write_input(path: str, count: int) -> int:
    """Anthropic Messages records of about 3 KB each."""
    text = "Summarise this support ticket and list the customer's three main complaints. " * 37
    with open(path, "wb") as file:
        for index in range(count):
            record = {
                "recordId": f"rec-{index:07d}",
                "modelInput": {
                    "anthropic_version": "bedrock-2023-05-31",
                    "max_tokens": 512,
                    "system": "You are a support analyst.",
                    "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
                },
            }
            file.write(json.dumps(record).encode() + b"\n")
    return os.path.getsize(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, RunningFake() as bedrock:
        bedrock.fake.quota_page_size = 100  # as Service Quotas pages
        bedrock.fake.foundation_models += [foundation_model(HAIKU, "Claude 3 Haiku")] + [
            foundation_model(f"vendor.model-{index}-v1:0", f"Model {index}") for index in range(80)
        ]
        bedrock.fake.applied_quotas += [
            batch_quota(f"Records per batch inference job for Model {index}", 50_000)
            for index in range(300)
        ] + [batch_quota("Records per batch inference job for Claude 3 Haiku", 50_000)]
        path = os.path.join(scratch, "records.jsonl")
        size = write_input(path, args.records)
        print(f"{args.records:,} records, {size / 1e6:.0f} MB")
        aws = ["--endpoint-url", bedrock.url, "--region", "us-east-1"]
        commands = {
            "bjob check": [bjob_executable(), "check", path],
            "bjob check --model": [bjob_executable(), "check", path, "--model", HAIKU, *aws],
            # exec: the measured process is bjob itself, reading a pipe (/dev/fd/N) from cat.
            "bjob check <(cat FILE)": [
                "bash",
                "-c",
                f"exec {bjob_executable()} check <(cat {path})",
            ],
            "bare json.loads loop": [sys.executable, "-c", BARE_LOOP, path],
        }
        env = {**OFFLINE_ENV, "AWS_ENDPOINT_URL_SERVICE_QUOTAS": bedrock.url}
        times, peaks = measure_with_memory(commands, env, args.runs)
    bare = statistics.median(times["bare json.loads loop"])
    for name, bar in (("bjob check", 1.2), ("bjob check --model", 1.25)):
        ratio = statistics.median(times[name]) / bare
        print(f"{name} / bare loop = {ratio:.2f} (bar {bar}): {'ok' if ratio <= bar else 'OVER'}")
    piped = statistics.median(times["bjob check <(cat FILE)"]) / bare
    print(f"bjob check <(cat FILE) / bare loop = {piped:.2f} (no bar: kept on disk as read)")
    peak = max(max(peaks[name]) for name in commands if name.startswith("bjob"))
    print(f"bjob peak RSS {peak} MB (bar 120): {'ok' if peak <= 120 else 'OVER'}")


if __name__ == "__main__":
    main()
