"""Time what runs on every Tab and every glance: `bjob --help`, `bjob --version` and a
completion request. A benchmark to run by hand, not a test.

    python bench/startup.py [--runs 21]

Bar: each under 0.25 s.
"""

from __future__ import annotations

import argparse
import os
import sys

from common import bjob_executable, median_seconds

BAR_SECONDS = 0.25


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    bjob = bjob_executable()
    completion = {
        "_BJOB_COMPLETE": "complete_bash",
        "COMP_WORDS": "bjob list --status ",
        "COMP_CWORD": "3",
    }
    commands = {
        "bjob --help": [bjob, "--help"],
        "bjob --version": [bjob, "--version"],
        "bjob show --help": [bjob, "show", "--help"],
        "completion: bjob list --status <Tab>": [
            "env",
            *(f"{k}={v}" for k, v in completion.items()),
            bjob,
        ],
        "completion: bjob show --region <Tab>": [
            "env",
            "_BJOB_COMPLETE=complete_bash",
            "COMP_WORDS=bjob show --region ",
            "COMP_CWORD=3",
            bjob,
        ],
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
    }
    results = median_seconds(commands, args.runs)
    print(f"median of {args.runs} runs each, {os.cpu_count()} cores (bar: {BAR_SECONDS} s)")
    for name, seconds in results.items():
        verdict = "" if name.startswith("python") else ("ok" if seconds < BAR_SECONDS else "OVER")
        print(f"  {name:44s} {seconds:6.3f} s  {verdict}")


if __name__ == "__main__":
    main()
