"""Raw sockets against a collector on 127.0.0.1: idle ones, half-sent ones, and waiting
(bounded) for the server to close them."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


@contextmanager
def idle_sockets(port: int, number: int) -> Iterator[list[socket.socket]]:
    """``number`` connections that send nothing; all closed on the way out."""
    held: list[socket.socket] = []
    try:
        for _ in range(number):
            held.append(socket.create_connection(("127.0.0.1", port), timeout=10))
        yield held
    finally:
        for sock in held:
            sock.close()


def opened(port: int, sent: Mapping[str, bytes]) -> dict[str, socket.socket]:
    """One connection per name, each having sent its bytes (nothing for b"") and no more."""
    sockets = {}
    for name, data in sent.items():
        sockets[name] = socket.create_connection(("127.0.0.1", port), timeout=10)
        if data:
            sockets[name].sendall(data)
    return sockets


def closed_by_server(sock: socket.socket) -> bool:
    """True once the peer has closed (EOF or reset); reads and drops anything it sent."""
    try:
        return sock.recv(65536) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except (BlockingIOError, socket.timeout):
        return False


def wait_closed(sockets: list[socket.socket], timeout: float) -> list[socket.socket]:
    """Wait at most ``timeout`` seconds; the sockets the server has not closed by then."""
    left = list(sockets)
    for sock in left:
        sock.setblocking(False)
    deadline = time.monotonic() + timeout
    while left and time.monotonic() < deadline:
        readable, _, _ = select.select(left, [], [], 0.2)
        for sock in readable:
            if closed_by_server(sock):
                left.remove(sock)
    return left
