"""Time what runs on every Tab and every glance: `bjob --help`, `bjob --version` and a
completion request. A benchmark to run by hand, not a test.

    python bench/startup.py [--runs 21]

Bars: `bjob --help` within 0.07 s; the rest (`import bjob` and `bjob.Client` too) under
0.25 s. (An editable install adds its
import finder, about 10 ms, that an installed bjob does not pay.)
"""

from __future__ import annotations

import argparse
import os
import sys

from common import bjob_executable, median_seconds

BAR_SECONDS = 0.25
BARS = {"bjob --help": 0.07}


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
        # The library's face: `import bjob` as cheap as the command's start-up; naming
        # bjob.Client loads the library (use cases, rendering), still without boto3.
        "library: import bjob": [sys.executable, "-c", "import bjob"],
        "library: import bjob; bjob.Client": [sys.executable, "-c", "import bjob; bjob.Client"],
        "python -c pass (the interpreter alone)": [sys.executable, "-c", "pass"],
    }
    results = median_seconds(commands, args.runs)
    print(f"median of {args.runs} runs each, {os.cpu_count()} cores")
    for name, seconds in results.items():
        bar = BARS.get(name, BAR_SECONDS)
        verdict = "" if name.startswith("python") else ("ok" if seconds <= bar else "OVER")
        print(f"  {name:44s} {seconds:6.3f} s  {verdict} (bar {bar} s)")


if __name__ == "__main__":
    main()
