"""Worker processes (bjob/support/workers.py): what a child computes is what this process
would have; whatever goes wrong with a child, the caller is told to do the work itself, and
a failure of the stream it reads is the caller's failure, not swallowed."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bjob.model.join import (
    UNREADABLE,
    received_record_keys,
    record_keys,
    sent_record_keys,
)
from bjob.support.exits import BjobError, ExitCode
from bjob.support.workers import Workers

KEYS = "bjob.model.join:sent_record_keys"
LINES = [
    b'\xef\xbb\xbf{"recordId":"bom"}',
    b'{"recordId":"a","modelInput":{"t":"\\"recordId\\": \\"b\\""}}\r',
    b"",
    b"  \t",
    b'{"recordId":7}',
    b'["recordId","x"]',
    b'{"recordId":"broken"',
    b'{"recordId":"one","recordId":"two"}',
    b'{"recordId":"bad-utf8","x":"\xff"}',
    b'{"recordId":"crlf"}\r',
    b'{"recordId":"\xc3\xa9t\xc3\xa9"}',
]
DATA = b"\n".join(LINES) + b"\n"


def pieces(size: int = 7) -> list[bytes]:
    return [DATA[start : start + size] for start in range(0, len(DATA), size)]


def children(workers: Workers) -> list[int]:
    return [worker.process.pid for worker in workers._idle]


def test_a_child_gives_what_this_process_would() -> None:
    here = record_keys(pieces())
    assert [key for _, key in here if isinstance(key, str)] == ["bom", "a", "two", "crlf", "été"]
    assert (7, UNREADABLE) in here and (5, None) in here
    with Workers() as workers:
        for size in (1, 7, 1 << 20):  # a line cut anywhere, or all in one chunk
            sent = workers.run(KEYS, pieces(size))
            assert sent is not None
            assert received_record_keys(sent) == here
        assert len(children(workers)) == 1  # one child, used again
    assert received_record_keys(sent_record_keys(pieces())) == here


@pytest.mark.parametrize("function", ["bjob.model.join:no_such_function", "no_such_module:f"])
def test_a_child_that_fails_means_none_and_no_other_child(function: str) -> None:
    with Workers(limit=1) as workers:
        assert workers.run(function, pieces()) is None
        assert workers.run(KEYS, pieces()) is None  # done here from now on
        assert not children(workers)


def test_a_child_that_dies_between_two_files() -> None:
    with Workers(limit=1) as workers:
        assert workers.run(KEYS, pieces()) is not None
        [pid] = children(workers)
        os.kill(pid, signal.SIGKILL)
        assert workers.run(KEYS, pieces()) is None
        assert workers.run(KEYS, pieces()) is None and not children(workers)


def test_a_value_marshal_cannot_send_means_none() -> None:
    with Workers() as workers:  # (record_keys' own value holds UNREADABLE)
        assert workers.run("bjob.model.join:record_keys", pieces()) is None


def test_a_stream_that_fails_midway_is_the_callers_failure() -> None:
    def breaking() -> Iterator[bytes]:
        yield DATA[:20]
        raise BjobError("s3://b/k: access denied", ExitCode.NOT_AUTHORIZED)

    with Workers(limit=1) as workers:
        with pytest.raises(BjobError, match="access denied"):
            workers.run(KEYS, breaking())
        # the child left halfway through a stream was ended; a new one does the next
        sent = workers.run(KEYS, pieces())
        assert sent is not None and received_record_keys(sent) == record_keys(pieces())


def test_no_more_children_than_the_limit_and_none_once_closed() -> None:
    release, begun = threading.Event(), threading.Event()

    def slow() -> Iterator[bytes]:
        begun.set()
        release.wait(10)
        yield DATA

    workers = Workers(limit=1)
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(workers.run(KEYS, slow())))
    thread.start()
    begun.wait(10)
    assert workers.run(KEYS, pieces()) is None  # the one child is busy: do it here
    release.set()
    thread.join(10)
    assert results and results[0] is not None
    [pid] = children(workers)
    process = workers._idle[0].process
    workers.close()
    assert process.poll() is not None  # ended and reaped
    assert workers.run(KEYS, pieces()) is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_ctrl_c_is_for_bjob_not_for_its_children() -> None:
    with Workers() as workers:
        assert workers.run(KEYS, pieces()) is not None
        [pid] = children(workers)
        assert os.getsid(pid) != os.getsid(0)  # not in the terminal's session
        os.kill(pid, signal.SIGINT)
        assert workers.run(KEYS, pieces()) is not None
        assert children(workers) == [pid]


@pytest.mark.parametrize("interpreter", ["", "/nonexistent/python"])
def test_no_python_to_start_means_none(interpreter: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from bjob.support import workers as module

    monkeypatch.setattr(module, "_INTERPRETER", interpreter)  # (a frozen bjob has none)
    with Workers() as workers:
        assert workers.run(KEYS, pieces()) is None
        assert not children(workers)


def live_children() -> set[int]:
    """This process's children that are still running (not yet reaped zombies excluded)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as file:
                    fields = file.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == os.getpid() and fields[0] != "Z":
                found.add(int(entry))
    return found


def in_time(work: Callable[[], object], seconds: float = 20) -> object:
    """work(), which must not hang."""
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert done, "hung"
    return done[0]


def test_a_child_that_prints_before_it_answers_is_not_believed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes on the child's stdout that are not its answer (a sitecustomize that prints, say)
    are never taken for a length to wait for: no hang, the work done here."""
    (tmp_path / "sitecustomize.py").write_text("print('Hello from a sitecustomize')\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    before = live_children()
    with Workers() as workers:
        assert in_time(lambda: workers.run(KEYS, pieces())) is None
    assert live_children() == before


def test_printing_while_it_works_is_not_an_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "noisy.py").write_text(
        "from bjob.model.join import sent_record_keys\n"
        "def keys(chunks):\n"
        "    print('a word on stdout', flush=True)\n"
        "    return sent_record_keys(chunks)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with Workers() as workers:
        sent = in_time(lambda: workers.run("noisy:keys", pieces()))
        assert sent is not None and received_record_keys(sent) == record_keys(pieces())  # type: ignore[arg-type]


def test_the_working_folder_does_not_stand_in_for_bjob(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder holding a bjob/ or an orjson.py of its own: the child still parses with the
    code this process runs (the interpreter is started with -P)."""
    (tmp_path / "bjob").mkdir()
    (tmp_path / "bjob" / "__init__.py").write_text("raise SystemExit('not the real bjob')\n")
    (tmp_path / "orjson.py").write_text("def loads(raw):\n    return {'recordId': 'shadowed'}\n")
    monkeypatch.chdir(tmp_path)
    with Workers() as workers:
        sent = workers.run(KEYS, pieces())
        assert sent is not None and received_record_keys(sent) == record_keys(pieces())


def test_a_child_of_another_bjob_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    from bjob.support import workers as module

    monkeypatch.setattr(module, "__file__", "/elsewhere/bjob/support/workers.py")
    with Workers() as workers:
        assert workers.run(KEYS, pieces()) is None


def test_a_pool_closed_while_its_child_works_ends_it_after() -> None:
    release, begun = threading.Event(), threading.Event()

    def slow() -> Iterator[bytes]:
        yield DATA[:10]
        begun.set()
        release.wait(10)
        yield DATA[10:]

    before = live_children()
    workers = Workers()
    results: list[object] = []
    thread = threading.Thread(target=lambda: results.append(workers.run(KEYS, slow())))
    thread.start()
    begun.wait(10)
    workers.close()
    assert len(live_children() - before) == 1  # busy: its stream is finished first
    release.set()
    thread.join(10)
    assert results and results[0] is not None
    assert live_children() == before
