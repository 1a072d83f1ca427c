"""A real HTTP server on 127.0.0.1 that records what crosses the wire.

It counts every accepted connection (so a test can assert that none was made) and
can misbehave on purpose: answer 204/400/429/500, answer garbage, answer slowly, or
accept and never answer (black hole). Everything it does is bounded: slow and
black-holed handlers wait on an event that ``close()`` sets.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

MODES = ("ok", "status", "garbage", "slow", "blackhole")


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Capture:
    mode: str = "ok"
    status: int = 204
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    connections: int = 0
    _server: Optional[ThreadingHTTPServer] = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/events"

    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.json() for r in self.requests if r.method == "POST"]

    def events(self) -> list[dict[str, Any]]:
        return [event for body in self.bodies() for event in body["events"]]

    def wait_for(self, predicate: Callable[[Capture], bool], timeout: float = 10.0) -> bool:
        """Poll ``predicate`` until true or ``timeout`` passes (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return True
            time.sleep(0.05)
        return predicate(self)

    def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def start(mode: str = "ok", status: int = 204, delay: float = 0.0) -> Capture:
    """Start a capture server in a daemon thread; call ``close()`` when done."""
    if mode not in MODES:
        raise ValueError(mode)
    capture = Capture(mode=mode, status=status, delay=delay)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with capture._lock:
                capture.requests.append(
                    Request(self.command, self.path, dict(self.headers.items()), body)
                )
            if capture.mode == "blackhole":
                capture._stop.wait(30)
                return
            if capture.mode == "slow":
                capture._stop.wait(capture.delay)
            if capture.mode == "garbage":
                self.wfile.write(b"\x00\xffnot http at all\r\n\r\n")
                self.close_connection = True
                return
            self.send_response(capture.status if capture.mode == "status" else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = _handle
        do_GET = _handle
        do_PUT = _handle
        do_DELETE = _handle

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True

        def verify_request(self, request: Any, client_address: Any) -> bool:
            with capture._lock:
                capture.connections += 1
            return True

    server = Server(("127.0.0.1", 0), Handler)
    capture._server = server
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return capture


def refused_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/events"


__all__ = ["MODES", "Capture", "Request", "refused_url", "start"]
