"""Time `bjob submit` of a 150 MB local input (50,000 records of 3 KB: checked, planned,
uploaded to a moto S3 server on 127.0.0.1, submitted to the fake Bedrock) against
`aws s3 cp` of the same file alone, and measure bjob's peak memory.

Bar: at most 1.0x the upload alone (issue 21); peak RSS at most 120 MB. Each run starts from
an empty bucket and no jobs, so every run uploads and creates.

    python bench/submit.py [--runs 5] [--records 50000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile

from check import HAIKU, write_input
from common import OFFLINE_ENV, aws_executable, bjob_executable, moto_s3, run_measured
from cost import priced

from tests.fakebedrock import RunningFake

BUCKET = "bench-submit"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    moto, s3_url, s3 = moto_s3(BUCKET)
    times: dict[str, list[float]] = {"bjob submit": [], "aws s3 cp": []}
    peaks: list[int] = []
    with tempfile.TemporaryDirectory() as scratch, RunningFake() as bedrock:
        priced(bedrock)
        path = os.path.join(scratch, "records.jsonl")
        size = write_input(path, args.records)
        print(f"{args.records:,} records, {size / 1e6:.0f} MB")
        env = {
            **OFFLINE_ENV,
            "AWS_ENDPOINT_URL_S3": s3_url,
            "AWS_ENDPOINT_URL_SERVICE_QUOTAS": bedrock.url,
            # The plan's cost: CountTokens and the Price List, served by the fake.
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": bedrock.url,
            "AWS_ENDPOINT_URL_PRICING": bedrock.url,
            "XDG_CACHE_HOME": scratch,
        }
        bjob = [
            bjob_executable(),
            "submit",
            path,
            "--model",
            HAIKU,
            "--role",
            "arn:aws:iam::123456789012:role/Batch",
            "--output",
            f"s3://{BUCKET}/out/",
            "--yes",
            "--endpoint-url",
            bedrock.url,
            "--region",
            "us-east-1",
        ]
        aws = aws_executable()
        copy = [aws or "aws", "s3", "cp", "--quiet", path, f"s3://{BUCKET}/copy/records.jsonl"]
        for _ in range(args.runs):
            for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
                s3.delete_object(Bucket=BUCKET, Key=item["Key"])
            bedrock.fake.reset()
            priced(bedrock)
            seconds, peak = run_measured(bjob, env)
            assert len(bedrock.fake.created) == 1, "bjob submit created no job"
            times["bjob submit"].append(seconds)
            peaks.append(peak)
            if aws:
                seconds, _ = run_measured(copy, env)
                times["aws s3 cp"].append(seconds)
    moto.stop()
    for name, measured in times.items():
        if measured:
            print(
                f"  {name:14s} median {statistics.median(measured):.2f} s (min {min(measured):.2f})"
            )
    if times["aws s3 cp"]:
        ratio = statistics.median(times["bjob submit"]) / statistics.median(times["aws s3 cp"])
        print(
            f"bjob submit / aws s3 cp = {ratio:.2f} (bar 1.0): {'ok' if ratio <= 1.0 else 'OVER'}"
        )
    peak = max(peaks)
    print(f"bjob peak RSS {peak} MB (bar 120): {'ok' if peak <= 120 else 'OVER'}")


if __name__ == "__main__":
    main()
