"""Idle and half-sent connections cannot starve real senders: the real server, raw sockets.

Every wait here is bounded; a time appears only as a generous upper bound on a wait.
The idle sockets are held by this process, so their number is kept within its limit on
open files (raised to the hard limit first, as ``collector serve`` does for itself).
"""

from __future__ import annotations

import socket
import time

import httpx

from doorstep.collector import server
from doorstep.events import wire
from tests.collector.conftest import count, make_body, new_id, post, start_process
from tests.collector.sockets import idle_sockets, opened, wait_closed

IDLE = 1000
BATCHES = 40


def _room_for_sockets(wanted: int, spare: int = 200) -> int:
    """How many sockets this process may open for a test: ``wanted`` if the limit allows."""
    limit = server.open_files_limit()
    return wanted if limit is None else max(0, min(wanted, limit - spare))


def _send_batches(url: str, batches: int = BATCHES) -> list[int]:
    """A normal sender: one install, ``batches`` small batches, each answered or timed out."""
    install_id = new_id()
    codes = []
    with httpx.Client(timeout=10) as client:
        for _ in range(batches):
            body = make_body([("onboarding_step_viewed", {"step": "welcome"})] * 3, install_id)
            try:
                codes.append(post(url, body, client=client).status_code)
            except httpx.HTTPError:
                codes.append(0)  # no answer: counts against the sender
    return codes


def test_a_thousand_idle_sockets_do_not_starve_a_normal_sender(tmp_path, db):
    served = start_process(tmp_path, db)
    try:
        number = _room_for_sockets(IDLE)
        assert number >= 500, "this machine's open-files limit is too low for the test"
        with idle_sockets(served.port, number):
            codes = _send_batches(served.url)
    finally:
        assert served.stop() == 0

    assert codes.count(204) >= 0.9 * BATCHES, codes
    assert count(db) == 3 * codes.count(204)


def test_past_the_connection_limit_idle_sockets_make_room_for_real_senders(tmp_path, db):
    served = start_process(tmp_path, db, "--max-connections", "100")
    try:
        with idle_sockets(served.port, _room_for_sockets(400)) as held:
            codes = _send_batches(served.url)
            # The idle ones pushed each other out: most are closed by now, quickly.
            still_open = wait_closed(held, timeout=5)
    finally:
        assert served.stop() == 0

    assert codes.count(204) >= 0.9 * BATCHES, codes
    assert len(still_open) <= 100
    assert "idle ones to make room" in served.printed()


def _few_files() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))


def test_a_low_open_files_limit_lowers_the_connection_limit_and_serving_goes_on(tmp_path, db):
    served = start_process(tmp_path, db, preexec=_few_files)
    try:
        with idle_sockets(served.port, _room_for_sockets(IDLE)):
            codes = _send_batches(served.url)
    finally:
        assert served.stop() == 0

    assert codes.count(204) >= 0.9 * BATCHES, codes
    printed = served.printed()
    assert "the open-files limit (256) allows 96 connections, not 1024" in printed
    assert "Too many open files" not in printed and "Traceback" not in printed


def test_connections_that_do_not_send_a_whole_request_are_closed(collector):
    """The default deadline (10 s): silent, half a head, half a body, idle after an answer."""
    head = b"POST /v1/events HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\n"
    body = wire.encode(make_body())
    full_head = head + b"Content-Length: %d\r\n\r\n" % len(body)
    sent = {
        "silent": b"",
        "half a head": head,
        "half a body": full_head + body[: len(body) // 2],
    }
    sockets = opened(collector.port, sent)
    answered = socket.create_connection(("127.0.0.1", collector.port), timeout=10)
    answered.sendall(full_head + body)
    assert answered.recv(65536).startswith(b"HTTP/1.1 204")
    sockets["idle after an answer"] = answered
    try:
        left = wait_closed(list(sockets.values()), timeout=server.REQUEST_TIMEOUT + 10)
        assert [name for name, sock in sockets.items() if sock in left] == []
        guard = collector.service.guard
        assert guard.timed_out >= 3  # the three that never sent a whole request
    finally:
        for sock in sockets.values():
            sock.close()
    assert count(collector.service.settings.db) == 1  # only the whole request was stored


def test_a_slow_sender_within_the_deadline_is_served(db):
    running = server.start(server.Settings(db=db, port=0, request_timeout=5.0))
    try:
        body = wire.encode(make_body())
        head = (
            b"POST /v1/events HTTP/1.1\r\nHost: collector\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
            for piece in (head[:20], head[20:], body[:10], body[10:]):
                sock.sendall(piece)
                time.sleep(0.2)  # well inside the deadline, not a measurement
            assert sock.recv(65536).startswith(b"HTTP/1.1 204")
    finally:
        running.close()
    assert count(db) == 1


def test_the_start_up_lines_name_the_limits(tmp_path, db):
    served = start_process(tmp_path, db, "--max-events-per-second", "250", "--max-db-mb", "64")
    try:
        assert post(served.url, make_body()).status_code == 204
    finally:
        assert served.stop() == 0
    printed = served.printed()
    assert "limits: 250 events/s over all installs; the database up to 64 MB;" in printed
    assert "each request whole within 10 s" in printed
