"""Several AWS calls at once: threads, since boto3 clients are thread-safe and calls wait on
the network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from bjob.model.exits import BjobError

Item = TypeVar("Item")
Result = TypeVar("Result")


def map_concurrently(
    work: Callable[[Item], Result], items: Sequence[Item], max_workers: int = 8
) -> list[Result | BjobError]:
    """work(item) for every item, at most max_workers at once; each result, or the BjobError
    it raised, in the items' order."""

    def attempt(item: Item) -> Result | BjobError:
        try:
            return work(item)
        except BjobError as error:
            return error

    if len(items) <= 1:
        return [attempt(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(len(items), max_workers)) as pool:
        return list(pool.map(attempt, items))


def map_all(
    work: Callable[[Item], Result], items: Sequence[Item], max_workers: int = 8
) -> list[Result]:
    """work(item) for every item, concurrently, in the items' order; when any failed, the
    first one's error, raised after all have finished: a whole answer or none."""
    done: list[Result] = []
    for result in map_concurrently(work, items, max_workers):
        if isinstance(result, BjobError):
            raise result
        done.append(result)
    return done
