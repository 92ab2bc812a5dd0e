"""Time `bjob results --json` over a job's 150 MB of outputs (60,000 records of ~2.5 KB in 3
files) and its 80 MB input (which bjob reads too, to know what is missing) in a moto S3
server on 127.0.0.1, against `aws s3 cp --recursive` of the output folder (the download
alone, no parsing), and measure bjob's peak memory.

Bars: wall time at most 1.0x the AWS CLI's download (moonshot 0.6x); peak RSS at most 120 MB;
one ListObjectsV2 and one GetObject per file.

    python bench/results.py [--runs 5] [--records 60000] [--status PartiallyCompleted]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile

from common import OFFLINE_ENV, aws_download_command, bjob_executable, measure_with_memory, moto_s3

from tests.fakebedrock import RunningFake, make_job

JOB_ID = "benchresults"
BUCKET = "bench-outputs"
FILES = 3


def record_lines(start: int, count: int, output: bool = True) -> bytes:
    """Output lines of about 2.5 KB, 2% of them failed, a few cut at max_tokens (or the
    input lines they answer)."""
    prompt = "Summarise this support ticket in two sentences. " * 25
    answer = "The customer reports a billing error and asks for a refund. " * 16
    lines = []
    for index in range(start, start + count):
        line: dict[str, object] = {
            "recordId": f"rec-{index:07d}",
            "modelInput": {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 512,
                "messages": [{"role": "user", "content": prompt}],
            },
        }
        if not output:
            pass
        elif index % 50 == 7:
            line["error"] = {"errorCode": 400, "errorMessage": "Malformed input request"}
        else:
            stop = "max_tokens" if index % 97 == 3 else "end_turn"
            line["modelOutput"] = {
                "id": f"msg_{index}",
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": answer}],
                "stop_reason": stop,
                "usage": {"input_tokens": 240, "output_tokens": 180},
            }
        lines.append(json.dumps(line).encode())
    return b"\n".join(lines) + b"\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=60_000)
    parser.add_argument(
        "--status",
        default="Completed",
        help="PartiallyCompleted: a job that ended short, whose input bjob reads too",
    )
    args = parser.parse_args()
    moto, s3_url, s3 = moto_s3(BUCKET)
    per_file = args.records // FILES
    total_bytes = 0
    for number in range(FILES):
        body = record_lines(number * per_file, per_file)
        total_bytes += len(body)
        s3.put_object(Bucket=BUCKET, Key=f"jobs/{JOB_ID}/part-{number}.jsonl.out", Body=body)
        inputs = record_lines(number * per_file, per_file, output=False)
        s3.put_object(Bucket=BUCKET, Key=f"inputs/part-{number}.jsonl", Body=inputs)
        del body, inputs
    manifest = {
        "totalRecordCount": args.records,
        "processedRecordCount": args.records,
        "inputTokenCount": 240 * args.records,
        "outputTokenCount": 180 * args.records,
    }
    s3.put_object(
        Bucket=BUCKET, Key=f"jobs/{JOB_ID}/manifest.json.out", Body=json.dumps(manifest).encode()
    )
    print(f"{args.records:,} records in {FILES} files, {total_bytes / 1e6:.0f} MB")

    env = {**OFFLINE_ENV, "AWS_ENDPOINT_URL_S3": s3_url}
    with RunningFake() as bedrock, tempfile.TemporaryDirectory() as scratch:
        bedrock.fake.add_job(
            make_job(
                JOB_ID,
                args.status,
                total=args.records,
                processed=args.records,
                inputDataConfig={"s3InputDataConfig": {"s3Uri": f"s3://{BUCKET}/inputs/"}},
                outputDataConfig={"s3OutputDataConfig": {"s3Uri": f"s3://{BUCKET}/jobs/"}},
            )
        )
        bjob = [
            bjob_executable(),
            "results",
            JOB_ID,
            "--json",
            "--endpoint-url",
            bedrock.url,
            "--region",
            "us-east-1",
        ]
        check = subprocess.run(bjob, env=env, capture_output=True, text=True, check=True)
        counted = json.loads(check.stdout)["records"]
        print(f"bjob counts: {counted}")
        commands = {"bjob results --json": bjob}
        download = aws_download_command(f"s3://{BUCKET}/jobs/{JOB_ID}/", f"{scratch}/copy")
        if download is not None:
            commands["aws s3 cp --recursive"] = download
        times, peaks = measure_with_memory(commands, env, args.runs)
    moto.stop()
    bjob_peak = max(peaks["bjob results --json"])
    print(f"bjob peak RSS {bjob_peak} MB (bar 120): {'ok' if bjob_peak <= 120 else 'OVER'}")
    if "aws s3 cp --recursive" in times:
        ratio = statistics.median(times["bjob results --json"]) / statistics.median(
            times["aws s3 cp --recursive"]
        )
        print(
            f"bjob / aws s3 cp = {ratio:.2f} (bar 1.0, moonshot 0.6): "
            f"{'ok' if ratio <= 1.0 else 'OVER'}"
        )


if __name__ == "__main__":
    sys.exit(main())
