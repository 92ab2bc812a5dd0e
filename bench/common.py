"""What the benchmarks share: an offline AWS environment and a median timer."""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Measure bjob as an installed user meets it: with compiled bytecode. This machine sets
# PYTHONDONTWRITEBYTECODE, under which an editable install recompiles bjob on every run
# while boto3 and the AWS CLI, installed by pip, start from .pyc files.
OFFLINE_ENV = {
    **{key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"},
    "AWS_ACCESS_KEY_ID": "AKIDBENCH",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def bjob_executable() -> str:
    return shutil.which("bjob") or str(Path(sys.executable).parent / "bjob")


def aws_executable() -> str | None:
    """The AWS CLI itself, not a pyenv shim in front of it (a shim adds a shell's start-up)."""
    found = shutil.which("aws")
    if found and "/shims/" in found and shutil.which("pyenv"):
        real = subprocess.run(["pyenv", "which", "aws"], capture_output=True, text=True)
        if real.returncode == 0 and real.stdout.strip():
            return real.stdout.strip()
    return found


def aws_download_command(folder_uri: str, target: str) -> list[str] | None:
    """`aws s3 cp --recursive` of a job's output folder, the baseline of the benches that read
    outputs; None where the AWS CLI is not installed."""
    aws = aws_executable()
    if not aws:
        return None
    return [aws, "s3", "cp", "--recursive", "--quiet", folder_uri, target, "--region", "us-east-1"]


def instructions(command: list[str]) -> int | None:
    """Instructions the command executes, counted by callgrind: unlike wall time on a shared
    machine, the same from run to run. None where valgrind is not installed."""
    if not shutil.which("valgrind"):
        return None
    completed = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=OFFLINE_ENV,
        check=True,
    )
    match = re.search(r"Collected : (\d+)", completed.stderr)
    return int(match[1]) if match else None


def median_seconds(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command over `runs` rounds.

    Rounds interleave the commands (A B C, A B C, ...) so that drift in the machine's load
    falls on all of them alike; one unmeasured round first warms the file cache.
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for round_number in range(runs + 1):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=OFFLINE_ENV)
            elapsed = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if round_number:
                times[name].append(elapsed)
                cpu[name].append(
                    after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
                )
    for name in commands:
        print(
            f"  {name:44s} wall min {min(times[name]):.3f} max {max(times[name]):.3f}"
            f"  cpu median {statistics.median(cpu[name]):.3f} s"
        )
    return {name: statistics.median(values) for name, values in times.items()}


def report(results: dict[str, float], baseline: str, runs: int) -> None:
    print(f"median of {runs} runs each, {os.cpu_count()} cores")
    for name, seconds in results.items():
        print(f"  {name:44s} {seconds:6.3f} s  {seconds / results[baseline]:5.2f}x")


def run_measured(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in MB) of one run.

    The peak is the process's own high-water mark (VmHWM), read every few milliseconds
    once it has exec'd: getrusage's ru_maxrss would count this benchmark's own memory, which
    a forked child carries until its exec.
    """
    mine = open("/proc/self/cmdline", "rb").read()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    peak_kb = 0
    while process.poll() is None:
        try:
            with open(f"/proc/{process.pid}/cmdline", "rb") as file:
                if file.read() == mine:
                    continue  # not exec'd yet: still a copy of this process
            with open(f"/proc/{process.pid}/status") as file:
                for line in file:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except OSError:
            pass
        time.sleep(0.003)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, peak_kb // 1024


def measure_with_memory(
    commands: dict[str, list[str]], env: dict[str, str], runs: int
) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    """Wall seconds and peak RSS (MB) of every run of each command, the commands interleaved
    so that drift in the machine's load falls on all of them alike; printed as it goes."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, list[int]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            seconds, peak = run_measured(command, env)
            times[name].append(seconds)
            peaks[name].append(peak)
    for name in commands:
        print(
            f"  {name:28s} median {statistics.median(times[name]):.2f} s "
            f"(min {min(times[name]):.2f})  peak RSS {max(peaks[name])} MB"
        )
    return times, peaks


def moto_s3(bucket: str) -> tuple[Any, str, Any]:
    """moto's S3 server on 127.0.0.1 with one bucket: (the server, its URL, a client)."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id="x",
        aws_secret_access_key="y",
    )
    client.create_bucket(Bucket=bucket)
    return server, url, client
