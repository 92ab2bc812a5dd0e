"""Time `bjob check` of a 150 MB input (50,000 records of 3 KB) against a bare Python loop
that only json.loads each line, and measure bjob's peak memory.

Bars: at most 2.0x the bare loop (moonshot 1.0x); peak RSS at most 120 MB.

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
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "records.jsonl")
        size = write_input(path, args.records)
        print(f"{args.records:,} records, {size / 1e6:.0f} MB")
        commands = {
            "bjob check": [bjob_executable(), "check", path],
            "bare json.loads loop": [sys.executable, "-c", BARE_LOOP, path],
        }
        times, peaks = measure_with_memory(commands, OFFLINE_ENV, args.runs)
    ratio = statistics.median(times["bjob check"]) / statistics.median(
        times["bare json.loads loop"]
    )
    peak = max(peaks["bjob check"])
    print(
        f"bjob / bare loop = {ratio:.2f} (bar 2.0, moonshot 1.0): "
        f"{'ok' if ratio <= 2.0 else 'OVER'}"
    )
    print(f"bjob peak RSS {peak} MB (bar 120): {'ok' if peak <= 120 else 'OVER'}")


if __name__ == "__main__":
    main()
