"""Values for shell completion. A completion request runs the whole program on every Tab,
so nothing here imports botocore or touches the network."""

from __future__ import annotations

import json
import os
import re
from importlib.util import find_spec

from bjob.aws.localconfig import configured_profiles
from bjob.model.job import STATUSES
from bjob.support.cache import cache_dir, write_private_json
from bjob.usecases.remember import remembered_jobs

_REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z]+)+-\d+$")


def complete_status(incomplete: str) -> list[str]:
    return [name for name in STATUSES if name.lower().startswith(incomplete.lower())]


def complete_region(incomplete: str) -> list[str]:
    return [region for region in bedrock_regions() if region.startswith(incomplete)]


def bedrock_regions() -> list[str]:
    """The regions botocore's endpoint data lists for Bedrock, read without importing botocore.

    endpoints.json is a megabyte of JSON; the list is kept in bjob's cache directory, keyed
    by the file's path and modification time, so a Tab after the first reads a few bytes.
    """
    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return []
    source = os.path.join(list(spec.submodule_search_locations)[0], "data", "endpoints.json")
    try:
        key = f"{source}:{os.stat(source).st_mtime_ns}"
    except OSError:
        return []
    kept = cache_dir() / "regions.json"
    try:
        cached = json.loads(kept.read_text(encoding="utf-8"))
        if cached.get("source") == key and isinstance(cached.get("regions"), list):
            return [str(region) for region in cached["regions"]]
    except (OSError, ValueError, AttributeError):
        pass
    try:
        with open(source, encoding="utf-8") as file:
            partitions = json.load(file).get("partitions", [])
    except (OSError, ValueError):
        return []
    regions = sorted(
        {
            region
            for partition in partitions
            for region in partition.get("services", {}).get("bedrock", {}).get("endpoints", {})
            if _REGION_RE.match(region)
        }
    )
    write_private_json(kept, {"source": key, "regions": regions})
    return regions


def complete_profile(incomplete: str) -> list[str]:
    return [name for name in configured_profiles() if name.startswith(incomplete)]


def complete_job(incomplete: str) -> list[tuple[str, str]]:
    """Job ids, names and ARNs bjob has seen (show, list, watch), from its cache only."""
    offered: dict[str, str] = {}
    for job in remembered_jobs():
        about = " ".join(str(job.get(key) or "") for key in ("name", "status", "region")).strip()
        # ARNs only once asked for: bash splits words at ":", and they crowd the list.
        for key in ("id", "name", "arn") if incomplete.startswith("arn") else ("id", "name"):
            value = job.get(key)
            if isinstance(value, str) and value.startswith(incomplete) and value not in offered:
                offered[value] = about if key != "name" else str(job.get("id") or "")
    return list(offered.items())
