"""Time `bjob check --model --cost` against `bjob check --model` on 50,000 records of about
3 KB: the CountTokens calls (1,000 of them, to the fake Bedrock on 127.0.0.1, which counts
words) and the Price List lookup overlap the reading. The price cache is warm after the
first, unmeasured, round (a day's cache, as a user meets it on the second check).

Bar: --cost adds at most 2 s (issue 24).

    python bench/cost.py [--runs 5] [--records 50000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile

from check import HAIKU, write_input
from common import OFFLINE_ENV, bjob_executable, measure_with_memory

from tests.fakebedrock import RunningFake, bedrock_price_list, foundation_model


def priced(bedrock: RunningFake) -> None:
    """The model listed, its batch prices in the Price List, CountTokens counting for it."""
    bedrock.fake.foundation_models.append(foundation_model(HAIKU, "Claude 3 Haiku"))
    bedrock.fake.products += bedrock_price_list()
    bedrock.fake.product_page_size = 100
    bedrock.fake.token_counting_models.add(HAIKU)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch, RunningFake() as bedrock:
        priced(bedrock)
        path = os.path.join(scratch, "records.jsonl")
        size = write_input(path, args.records)
        print(f"{args.records:,} records, {size / 1e6:.0f} MB")
        aws = ["--model", HAIKU, "--endpoint-url", bedrock.url, "--region", "us-east-1"]
        commands = {
            "bjob check --model": [bjob_executable(), "check", path, *aws],
            "bjob check --model --cost": [bjob_executable(), "check", path, *aws, "--cost"],
        }
        env = {
            **OFFLINE_ENV,
            "XDG_CACHE_HOME": os.path.join(scratch, "cache"),
            **{
                f"AWS_ENDPOINT_URL_{service}": bedrock.url
                for service in ("SERVICE_QUOTAS", "PRICING", "BEDROCK_RUNTIME")
            },
        }
        subprocess.run(commands["bjob check --model --cost"], env=env, check=True)  # warm-up
        calls = len(bedrock.fake.requests_to("/model/"))
        times, _ = measure_with_memory(commands, env, args.runs)
    print(f"CountTokens calls in one --cost run: {calls}")
    added = statistics.median(times["bjob check --model --cost"]) - statistics.median(
        times["bjob check --model"]
    )
    print(f"--cost adds {added:.2f} s (bar 2.00): {'ok' if added <= 2 else 'OVER'}")


if __name__ == "__main__":
    main()
