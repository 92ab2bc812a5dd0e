"""Time `bjob answers -o FILE` over a job's 150 MB of outputs (60,000 records of ~2.5 KB in 3
files, written out of input order) and its input (which answers reads for the order) in a
moto S3 server on 127.0.0.1, against `aws s3 cp --recursive` of the output folder alone (the
download, no parsing), and measure bjob's peak memory.

Bars: wall time at most 1.2x the AWS CLI's download; peak RSS under 150 MB (memory is
bounded by one input file, not the job).

    python bench/answers.py [--runs 5] [--records 60000] [--format jsonl|csv]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

from common import OFFLINE_ENV, aws_download_command, bjob_executable, measure_with_memory, moto_s3
from results import FILES, record_lines

from tests.fakebedrock import RunningFake, make_job

JOB_ID = "benchanswers"
BUCKET = "bench-answers"


def shuffled(body: bytes) -> bytes:
    """The lines in another order (Bedrock's docs do not promise input order): each block
    of 100 reversed, so that answers must reorder as it goes."""
    lines = body.rstrip(b"\n").split(b"\n")
    out = []
    for start in range(0, len(lines), 100):
        out += reversed(lines[start : start + 100])
    return b"\n".join(out) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument("--format", default="jsonl", choices=("jsonl", "csv"))
    args = parser.parse_args()
    moto, s3_url, s3 = moto_s3(BUCKET)
    per_file = args.records // FILES
    total_bytes = 0
    for number in range(FILES):
        body = shuffled(record_lines(number * per_file, per_file))
        total_bytes += len(body)
        s3.put_object(Bucket=BUCKET, Key=f"jobs/{JOB_ID}/part-{number}.jsonl.out", Body=body)
        inputs = record_lines(number * per_file, per_file, output=False)
        s3.put_object(Bucket=BUCKET, Key=f"inputs/part-{number}.jsonl", Body=inputs)
        del body, inputs
    manifest = {"totalRecordCount": args.records, "processedRecordCount": args.records}
    s3.put_object(
        Bucket=BUCKET, Key=f"jobs/{JOB_ID}/manifest.json.out", Body=json.dumps(manifest).encode()
    )
    print(f"{args.records:,} records in {FILES} files, {total_bytes / 1e6:.0f} MB of outputs")

    env = {**OFFLINE_ENV, "AWS_ENDPOINT_URL_S3": s3_url}
    with RunningFake() as bedrock, tempfile.TemporaryDirectory() as scratch:
        bedrock.fake.add_job(
            make_job(
                JOB_ID,
                "Completed",
                total=args.records,
                processed=args.records,
                inputDataConfig={"s3InputDataConfig": {"s3Uri": f"s3://{BUCKET}/inputs/"}},
                outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{BUCKET}/jobs/"}},
            )
        )
        target = os.path.join(scratch, "answers")
        bjob = [
            bjob_executable(),
            "answers",
            JOB_ID,
            "--format",
            args.format,
            "-o",
            target,
            "--force",
            "--endpoint-url",
            bedrock.url,
            "--region",
            "us-east-1",
        ]
        name = f"bjob answers -o ({args.format})"
        commands = {name: bjob}
        download = aws_download_command(f"s3://{BUCKET}/jobs/{JOB_ID}/", f"{scratch}/copy")
        if download is not None:
            commands["aws s3 cp --recursive"] = download
        times, peaks = measure_with_memory(commands, env, args.runs)
        with open(target, "rb") as written:
            lines = sum(1 for _ in written)
        print(f"bjob wrote {lines:,} lines ({os.path.getsize(target) / 1e6:.0f} MB)")
    moto.stop()
    bjob_peak = max(peaks[name])
    print(f"bjob peak RSS {bjob_peak} MB (bar 150): {'ok' if bjob_peak < 150 else 'OVER'}")
    if "aws s3 cp --recursive" in times:
        ratio = statistics.median(times[name]) / statistics.median(times["aws s3 cp --recursive"])
        print(f"bjob / aws s3 cp = {ratio:.2f} (bar 1.2): {'ok' if ratio <= 1.2 else 'OVER'}")


if __name__ == "__main__":
    sys.exit(main())
