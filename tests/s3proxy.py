"""A proxy on 127.0.0.1 in front of moto's S3 server that can break object bodies on their
way out, as a network would: a connection dropped half-way through a body, or a body that
arrives with a byte changed. What bjob sees is a real HTTP exchange; it is told nothing.

    with S3Proxy(moto_endpoint) as proxy:
        proxy.break_next("jobs/abc/records.jsonl.out", "drop", times=1)
        ... AWS_ENDPOINT_URL_S3=proxy.url ...
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

Fault = Literal["drop", "corrupt", "stall"]
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade"}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a dropped body, a cancelled upload) is no error here:
        socketserver would print a traceback into whatever sys.stderr a test captures."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class S3Proxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.faults: dict[str, list[Fault]] = {}
        self.gets: list[str] = []  # keys of every GetObject, in order
        self.stalled = threading.Event()  # set when a stalled body has started
        self.release = threading.Event()  # set to let stalled bodies end
        self._lock = threading.Lock()
        self.denied_writes: set[str] = set()  # bucket/key prefixes (see deny_writes)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy._forward(self)

            do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def break_next(self, key: str, fault: Fault, times: int = 1) -> None:
        """The next `times` GetObject calls for `key` (bucket/key) meet `fault`."""
        with self._lock:
            self.faults.setdefault(key, []).extend([fault] * times)

    def deny_writes(self, prefix: str) -> None:
        """Every PUT and POST to a key under `prefix` (bucket/key...): PutObject and each
        multipart call (CreateMultipartUpload, UploadPart, CompleteMultipartUpload) is
        answered 403 AccessDenied, as S3 answers a policy that refuses s3:PutObject."""
        with self._lock:
            self.denied_writes.add(prefix)

    def _denied(self, handler: BaseHTTPRequestHandler) -> bool:
        if handler.command not in ("PUT", "POST"):
            return False
        key = unquote(handler.path.split("?", 1)[0].lstrip("/"))
        with self._lock:
            if not any(key.startswith(prefix) for prefix in self.denied_writes):
                return False
        body = (
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            b"<Message>Access Denied</Message><RequestId>0</RequestId></Error>"
        )
        handler.send_response(403)
        handler.send_header("Content-Type", "application/xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    def __enter__(self) -> S3Proxy:
        # A short poll: shutdown() waits for serve_forever to notice, at most this long.
        serve = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        serve.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _fault_for(self, method: str, path: str) -> Fault | None:
        if method != "GET" or "?" in path and "list-type" in path:
            return None
        key = unquote(path.split("?", 1)[0].lstrip("/"))
        with self._lock:
            self.gets.append(key)
            pending = self.faults.get(key)
            return pending.pop(0) if pending else None

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else None
        if self._denied(handler):
            return
        upstream = http.client.HTTPConnection(*self.upstream, timeout=30)
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream.request(handler.command, handler.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        fault = self._fault_for(handler.command, handler.path) if response.status == 200 else None
        handler.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        if handler.command == "HEAD":
            return
        if fault == "drop":
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return
        if fault == "corrupt" and data:
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
        if fault == "stall":
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            self.stalled.set()
            self.release.wait(60)
            handler.close_connection = True
            return
        handler.wfile.write(data)


_moto_lock = threading.Lock()
_moto_endpoints: list[str] = []  # this process's moto server, once started


def moto_server() -> str:
    """The URL of this process's moto server on 127.0.0.1, its state reset: no bucket,
    object or metric from before. Started on first use and left running until the process
    ends: stopping one waits out its half-second poll, which every test paid."""
    from moto.server import ThreadedMotoServer

    with _moto_lock:
        if not _moto_endpoints:
            moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            moto.start()
            host, port = moto.get_host_and_port()
            _moto_endpoints.append(f"http://{host}:{port}")
        endpoint = _moto_endpoints[0]
    # moto's state is the process's: start from nothing, whatever ran before.
    parts = urlsplit(endpoint)
    reset = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    reset.request("POST", "/moto-api/reset")
    reset.getresponse().read()
    reset.close()
    return endpoint


@contextmanager
def moto_s3_behind_a_proxy() -> Iterator[tuple[str, S3Proxy]]:
    """moto's S3 server, and the proxy in front of it: (moto's URL, the proxy)."""
    endpoint = moto_server()
    with S3Proxy(endpoint) as proxy:
        yield endpoint, proxy
