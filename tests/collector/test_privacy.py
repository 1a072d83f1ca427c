"""No address is ever stored or printed, and no time of day is ever stored.

The collector runs as its own process, as a user would start it; everything it printed
(stdout and stderr) and every byte of its database files are searched afterwards.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from tests.collector.conftest import make_body, post, start_process

ADDRESSES = (b"127.0.0.1", b"::1")


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


def _traffic(url: str, host: str, port: int) -> None:
    """Every kind of request: stored, refused, malformed on the wire."""
    assert post(url, make_body([("install_started", {"kind": "fresh"})])).status_code == 204
    assert post(url, b"{").status_code == 400
    assert post(url, make_body(), content_type="text/plain").status_code == 415
    assert httpx.get(url, timeout=10).status_code == 405
    assert post(url, b"x" * 70_000).status_code == 413
    # Not HTTP at all: uvicorn itself complains about this one in its log.
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"\x16\x03\x01 not http\r\n\r\n")
        sock.recv(1024)
    # A flood, so that the rate limiter answers too.
    flood = make_body([("install_stage_completed", {"stage": "package"})] * 300)
    with httpx.Client(timeout=10) as client:
        answers = {post(url, flood, client=client).status_code for _ in range(6)}
    assert 429 in answers


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_no_client_address_is_stored_or_printed(tmp_path: Path, db: Path, host: str):
    if host == "::1" and not _ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    served = start_process(tmp_path, db, "--host", host)
    try:
        netloc = f"[{host}]" if ":" in host else host
        url = f"http://{netloc}:{served.port}/v1/events"
        _traffic(url, host, served.port)
    finally:
        code = served.stop()

    assert code == 0
    printed = served.printed()
    assert "listening on port" in printed
    assert "stored 301 new events" in printed  # 1 + the flood's 300 (stored once)
    # The test must be able to fail: the server did print a warning about the junk.
    assert "Invalid HTTP request" in printed
    for address in ADDRESSES:
        assert address.decode() not in printed
    files = sorted(db.parent.glob(db.name + "*"))
    assert files
    for path in files:
        data = path.read_bytes()
        for address in ADDRESSES:
            assert address not in data, path.name


def test_only_days_are_stored_never_times_of_day(collector_process):
    for _ in range(3):
        assert post(collector_process.url, make_body([("install_started", {})])).status_code == 204
    collector_process.stop()

    with closing(sqlite3.connect(collector_process.db)) as connection:
        columns = {
            table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for table in ("sessions", "events")
        }
        days = [row[0] for row in connection.execute("SELECT day FROM events")]
        everything = " ".join(
            str(value)
            for table in columns
            for row in connection.execute(f"SELECT * FROM {table}")
            for value in row
        )
    assert columns == {
        "sessions": ["id", "session_id", "install_id", "envelope"],
        "events": ["session", "seq", "day", "name", "props"],
    }
    assert len(days) == 3
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for day in days)
    assert not re.search(r"\d{1,2}:\d{2}", everything)  # no clock time anywhere
