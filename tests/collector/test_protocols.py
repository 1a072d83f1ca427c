"""The connection guard holds on both of its protocols, httptools (the default) and h11.

``collector serve`` takes httptools when it is installed and h11 where it is not; each
rule of ``connections`` is checked here on both, in-process, over raw sockets. Every wait
is bounded; a time appears only as a generous upper bound on a wait.
"""

from __future__ import annotations

import re
import socket
import sqlite3
from collections.abc import Iterator

import pytest

from doorstep.collector import connections, server
from doorstep.events import wire
from tests.collector.conftest import count, make_body
from tests.collector.sockets import idle_sockets, opened, wait_closed

TIMEOUT = 2.0  # the request deadline of these servers, in seconds


@pytest.fixture(params=["httptools", "h11"])
def running(request: pytest.FixtureRequest, db) -> Iterator[server.Running]:
    settings = server.Settings(db=db, port=0, request_timeout=TIMEOUT, http=request.param)
    served = server.start(settings)
    try:
        yield served
    finally:
        served.close()


def _request(body: bytes, head_extra: bytes = b"") -> bytes:
    return (
        b"POST /v1/events HTTP/1.1\r\nHost: collector\r\nContent-Type: application/json\r\n"
        + head_extra
        + b"Content-Length: %d\r\n\r\n" % len(body)
        + body
    )


def _answers(sock: socket.socket, wanted: int) -> list[bytes]:
    """The status lines of the first ``wanted`` answers on ``sock`` (fewer if it closes)."""
    received = b""
    while received.count(b"HTTP/1.1 ") < wanted:
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    # An answer's body may run straight into the next status line.
    return re.findall(rb"HTTP/1\.1 \d{3} [^\r]*", received)


def test_the_protocol_asked_for_is_the_one_served(running):
    protocol = running._server.config.http_protocol_class
    wanted = running.service.settings.http
    classes = {
        "httptools": connections.GuardedHttpToolsProtocol,
        "h11": connections.GuardedH11Protocol,
    }
    assert protocol.func is classes[wanted]


def test_auto_is_httptools_when_installed():
    guard = connections.Guard(1, 1.0)
    assert connections.protocol(guard).func is connections.GuardedHttpToolsProtocol
    with pytest.raises(ValueError):
        connections.protocol(guard, "h2")


def test_whole_requests_are_answered_and_half_sent_ones_closed(running):
    body = wire.encode(make_body())
    whole = _request(body)
    sent = {
        "silent": b"",
        "half a head": whole[:40],
        "half a body": whole[: len(whole) - len(body) // 2],
    }
    sockets = opened(running.port, sent)
    answered = socket.create_connection(("127.0.0.1", running.port), timeout=10)
    answered.sendall(whole)
    assert _answers(answered, 1) == [b"HTTP/1.1 204 No Content"]
    sockets["idle after an answer"] = answered
    try:
        left = wait_closed(list(sockets.values()), timeout=TIMEOUT + 10)
        assert [name for name, sock in sockets.items() if sock in left] == []
        assert running.service.guard.timed_out >= 3
    finally:
        for sock in sockets.values():
            sock.close()
    assert count(running.service.settings.db) == 1


def test_pipelined_requests_are_answered_in_order_and_stored(running):
    first, second = wire.encode(make_body()), wire.encode(make_body())
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(
            _request(first)
            + _request(
                b"{",
            )
            + _request(second)
        )
        assert _answers(sock, 3) == [
            b"HTTP/1.1 204 No Content",
            b"HTTP/1.1 400 Bad Request",
            b"HTTP/1.1 204 No Content",
        ]
    assert count(running.service.settings.db) == 2


def test_a_head_past_the_cap_is_400_and_closed(running):
    start = b"POST /v1/events HTTP/1.1\r\nHost: collector\r\nX-Padding: "
    # One byte past the cap and never finished: only the cap can end it before the
    # deadline. Nothing more is sent, so the server has read it all when it closes.
    head = start + b"x" * (connections.MAX_HEAD_BYTES + 1 - len(start))
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        for offset in range(0, len(head), 1024):
            sock.sendall(head[offset : offset + 1024])
        assert _answers(sock, 1) == [b"HTTP/1.1 400 Bad Request"]
        assert wait_closed([sock], timeout=10) == []
    assert running.service.guard.timed_out == 0  # the cap closed it, not the deadline


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_a_head_past_the_cap_behind_a_request_waits_for_that_answer_then_is_closed(db, http):
    # The database is locked, so the first request waits (then 503) while the second's
    # head runs past the cap behind it: the first answer still comes first, then the
    # refusal. (A head that begins in the same read as the end of the request before it
    # is counted from the next read, so when the reads fall so, the deadline closes it.)
    settings = server.Settings(db=db, port=0, db_wait=1.0, request_timeout=TIMEOUT, http=http)
    served = server.start(settings)
    blocker = sqlite3.connect(db, timeout=0)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        start = b"POST /v1/events HTTP/1.1\r\nHost: collector\r\nX-Padding: "
        with socket.create_connection(("127.0.0.1", served.port), timeout=TIMEOUT + 10) as sock:
            sock.sendall(_request(wire.encode(make_body())) + start)
            padding = b"x" * (3 * connections.MAX_HEAD_BYTES)
            for offset in range(0, len(padding), 1024):
                sock.sendall(padding[offset : offset + 1024])
            answers = _answers(sock, 2)  # returns when the server closes (else times out)
        blocker.execute("ROLLBACK")
    finally:
        blocker.close()
        served.close()
    assert answers[0] == b"HTTP/1.1 503 Service Unavailable"
    assert answers[1:] in ([], [b"HTTP/1.1 400 Bad Request"])


def test_a_head_within_the_cap_is_served(running):
    padding = b"X-Padding: " + b"x" * (connections.MAX_HEAD_BYTES // 2) + b"\r\n"
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(_request(wire.encode(make_body()), padding))
        assert _answers(sock, 1) == [b"HTTP/1.1 204 No Content"]


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_past_the_limit_the_longest_waiting_idle_connection_makes_room(db, http):
    served = server.start(server.Settings(db=db, port=0, max_connections=20, http=http))
    try:
        with idle_sockets(served.port, 60) as held:
            # 40 of them are pushed out by the ones after them, the oldest first.
            assert len(wait_closed(held[:40], timeout=10)) == 0
            with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
                sock.sendall(_request(wire.encode(make_body())))
                assert _answers(sock, 1) == [b"HTTP/1.1 204 No Content"]
        assert served.service.guard.made_room >= 40
    finally:
        served.close()
    assert count(db) == 1
