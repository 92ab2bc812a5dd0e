"""--retry-file: the lines to submit again, written to a file (whole or not at all) or a
stream by the same computation that counts them in the summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import IO

from bjob.aws.session import AwsClients
from bjob.model.job import Job
from bjob.model.results import Results, RetryWritten
from bjob.support.exits import BjobError, ExitCode
from bjob.support.localfiles import atomic_file, lstat_or_none
from bjob.usecases.results.gather import ResultsRequest, gather_results
from bjob.usecases.results.reconcile import RetrySink


class _CountingSink:
    """Lines to a writer, counted; `rewind` says whether they can be taken back."""

    def __init__(self, write: Callable[[bytes], object], rewind: Callable[[], bool]) -> None:
        self._write, self._rewind = write, rewind
        self.lines = 0

    def write(self, data: bytes) -> None:
        self._write(data)
        self.lines += 1

    def rewind(self) -> bool:
        if not self._rewind():
            return False
        self.lines = 0
        return True


def write_retry_file(
    job: Job, clients: AwsClients, target: Path | IO[bytes], request: ResultsRequest
) -> tuple[Results, RetryWritten]:
    """The results, and every record to submit again written to `target` (a file's path,
    or a stream such as standard output) as the same computation finds them. A file is
    whole or not at all, replaced only when the caller checked it may (check_new_file);
    with nothing to submit, an existing file is emptied and a new one is not made."""
    if not job.is_terminal:
        raise BjobError(
            f"the job has not ended ({job.status}): its unprocessed records are pending, "
            "not missing",
            ExitCode.JOB_NOT_FINISHED,
            hint="wait for it to end (bjob watch), then ask again",
        )
    if not isinstance(target, Path):
        # What went to a stream cannot be taken back: read again only before the first line.
        stream_sink = _CountingSink(target.write, lambda: stream_sink.lines == 0)
        results = gather_results(job, clients, _with_sink(request, stream_sink))
        target.flush()
        return results, RetryWritten(None, stream_sink.lines, False)
    path = target
    existed = lstat_or_none(path) is not None
    with atomic_file(path, replace=existed) as file:
        sink = _CountingSink(file.write, file.rewind)
        results = gather_results(job, clients, _with_sink(request, sink))
        if not sink.lines and not existed:
            file.discard()
    return results, RetryWritten(path, sink.lines, existed)


def _with_sink(request: ResultsRequest, sink: RetrySink) -> ResultsRequest:
    return ResultsRequest(prices=request.prices, price_list=False, retry_to=sink)
