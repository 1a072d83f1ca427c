"""Fixtures for the collector: real servers on 127.0.0.1, real SQLite files, real bodies.

``collector`` serves in a thread of the test process (quick, and its Service is in
reach); ``collector_process`` runs ``python -m doorstep collector serve`` as a user
would, captures everything it prints, and is stopped (then killed) in teardown.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import httpx
import pytest

from doorstep.collector import days, server
from doorstep.events import envelope, wire

START_TIMEOUT = 30.0


def new_id() -> str:
    return str(uuid.uuid4())


def make_body(
    events: Sequence[tuple[str, dict[str, Any]]] = (("install_started", {"kind": "fresh"}),),
    install_id: Optional[str] = None,
    session_id: Optional[str] = None,
    day: Optional[str] = None,
    ci: bool = False,
) -> dict[str, Any]:
    """A wire body built by the client's own code: ``events`` as (name, props)."""
    env = {"CI": "1"} if ci else {}
    the_envelope = envelope.build(env, install_id or new_id(), session_id or new_id())
    when = day or days.today()
    listed = [
        {"name": name, "day": when, "seq": seq, "props": props}
        for seq, (name, props) in enumerate(events)
    ]
    return wire.body(the_envelope, listed)


def post(
    url: str,
    body: Any,
    content_type: str = "application/json",
    client: Optional[httpx.Client] = None,
) -> httpx.Response:
    data = body if isinstance(body, bytes) else wire.encode(body)
    headers = {"Content-Type": content_type} if content_type else {}
    if client is not None:
        return client.post(url, content=data, headers=headers)
    return httpx.post(url, content=data, headers=headers, timeout=10.0)


def rows(db: Path) -> list[dict[str, Any]]:
    """Every stored event with its run's envelope, read straight from the file."""
    with closing(sqlite3.connect(db)) as connection:
        found = connection.execute(
            "SELECT s.install_id, s.session_id, s.envelope, e.seq, e.day, e.name, e.props "
            "FROM events e JOIN sessions s ON s.id = e.session ORDER BY s.id, e.seq"
        ).fetchall()
    keys = ("install_id", "session_id", "envelope", "seq", "day", "name", "props")
    return [dict(zip(keys, row)) for row in found]


def count(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as connection:
        try:
            return connection.execute("SELECT count(*) FROM events").fetchone()[0]
        except sqlite3.OperationalError:
            return 0  # the server has not made its tables yet


def wait_until(predicate: Any, timeout: float = 15.0) -> bool:
    """Poll ``predicate`` every 50 ms until true or ``timeout`` passes (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def free_port() -> int:
    """A port free on 127.0.0.1 a moment ago (for a listener that must be named up front)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "collector" / "events.sqlite3"


@pytest.fixture
def collector(db: Path) -> Iterator[server.Running]:
    """The collector serving in a thread of this process, on a free port."""
    running = server.start(server.Settings(db=db, port=0))
    try:
        yield running
    finally:
        running.close()


@dataclass
class Process:
    process: subprocess.Popen
    port: int
    db: Path
    out: Path
    err: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/events"

    def stop(self, timeout: float = 15.0) -> int:
        """SIGINT (Ctrl-C), then SIGKILL if it does not stop in time; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode

    def printed(self) -> str:
        return self.out.read_text(errors="replace") + self.err.read_text(errors="replace")


def start_process(
    tmp_path: Path,
    db: Path,
    *extra: str,
    env: Optional[dict[str, str]] = None,
    preexec: Optional[Callable[[], None]] = None,
) -> Process:
    """``python -m doorstep collector serve --db DB --port 0 EXTRA``, once it listens.

    ``preexec`` runs in the child before it starts (to lower a resource limit, say).
    """
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    argv = [sys.executable, "-m", "doorstep", "collector", "serve", "--db", str(db)]
    argv += ["--port", "0", *extra]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env={**os.environ, **(env or {})},
            preexec_fn=preexec,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        match = re.search(r"listening on port (\d+)", out.read_text(errors="replace"))
        if match:
            return Process(process, int(match.group(1)), db, out, err)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait(5)
    raise AssertionError(f"the collector did not start: {err.read_text(errors='replace')}")


@pytest.fixture
def collector_process(tmp_path: Path, db: Path) -> Iterator[Process]:
    """``doorstep collector serve`` as its own process; stopped and reaped in teardown."""
    running = start_process(tmp_path, db)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def served(tmp_path: Path, db: Path) -> Iterator[tuple[Process, str]]:
    """``collector serve --dashboard-port N`` as a process, filled; (process, dashboard URL)."""
    port = free_port()
    process = start_process(tmp_path, db, "--dashboard-port", str(port))
    try:
        from tests.collector.dashboard_data import fill  # it builds on this file

        fill(process.url)
        yield process, f"http://127.0.0.1:{port}/dashboard"
    finally:
        process.stop()
