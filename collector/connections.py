"""Connections that cannot starve real senders: every request whole in time, idle ones make room.

uvicorn's h11 protocol closes a keep-alive connection that stays idle after an answer
(``timeout_keep_alive``), but it waits forever for a first request or for the rest of a
half-sent one, and past ``limit_concurrency`` connections it answers 503 to everyone.
``GuardedH11Protocol`` adds two rules:

- a deadline: from the moment a connection waits for a request (it opened, or its last
  answer went out), the whole request, head and body, must arrive within
  ``request_timeout`` seconds, or the connection is closed;
- room: past ``max_connections`` open connections, the one that has waited longest for
  a request (it sent nothing, or half a head) is closed to make room for the new one.
  A connection whose request is in hand is never closed to make room.

A real sender connects and sends its request at once, so it is the newest in the queue
of waiting connections and the last to be closed; a thousand idle sockets only push
each other out. ``Server`` keeps asyncio's bursts of accepted connections small (each is
an open file before the guard sees it) and the kernel's queue long. Nothing here reads
or logs an address.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, Optional

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_HEAD_BYTES = 8 * 1024  # a request head larger than this is refused (400)


class Guard:
    """The limits one server's connections share, and counts of what they closed."""

    def __init__(self, max_connections: int, request_timeout: float) -> None:
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.timed_out = 0  # closed: the request did not arrive whole in time
        self.made_room = 0  # closed while waiting for a request, to let a new one in
        self._live: set[GuardedH11Protocol] = set()
        # Connections waiting for a request, the longest-waiting first.
        self._waiting: OrderedDict[GuardedH11Protocol, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._live)

    def _opened(self, connection: GuardedH11Protocol) -> None:
        self._live.add(connection)
        while len(self._live) > self.max_connections:
            victim = next((c for c in self._waiting if c is not connection), None)
            if victim is None:
                break  # every other connection has its request in hand: uvicorn answers 503
            self.made_room += 1
            victim._close()

    def _waits(self, connection: GuardedH11Protocol) -> None:
        self._waiting[connection] = None  # kept in place if it was already waiting

    def _has_request(self, connection: GuardedH11Protocol) -> None:
        self._waiting.pop(connection, None)

    def _gone(self, connection: GuardedH11Protocol) -> None:
        self._live.discard(connection)
        self._waiting.pop(connection, None)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the deadline and the room rule of ``guard``."""

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._deadline: Optional[asyncio.TimerHandle] = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.guard._opened(self)
        self._track()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel()
        self.guard._gone(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def _track(self) -> None:
        """Arm, keep or stop the deadline for the state the request is in now."""
        if self.transport.is_closing():
            self._cancel()
            self.guard._gone(self)
            return
        state = self.conn.their_state
        if state is h11.IDLE:  # nothing yet, or half a head
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.guard.request_timeout, self._expired)
            self.guard._waits(self)
        elif state is h11.SEND_BODY:  # the head is in; the body has the same deadline
            self.guard._has_request(self)
        else:  # the request is whole (or the connection is ending)
            self._cancel()
            self.guard._has_request(self)

    def _expired(self) -> None:
        self._deadline = None
        if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not self.transport.is_closing():
            self.guard.timed_out += 1
            self._close()

    def _close(self) -> None:
        self._cancel()
        self.guard._gone(self)
        # A connection that never sent a whole request gets no answer, only the close.
        self.transport.close()

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


class Server(uvicorn.Server):
    """uvicorn's server, with a listen queue of ``queue`` whatever its ``backlog``.

    asyncio accepts up to ``backlog`` connections in one go, each an open file before the
    guard can look at it; a small ``backlog`` keeps those bursts within the open-files
    limit, and this keeps the kernel's queue long so that senders are not turned away.
    """

    def __init__(self, config: uvicorn.Config, queue: int) -> None:
        super().__init__(config)
        self.queue = queue

    async def startup(self, sockets: Optional[list[Any]] = None) -> None:
        await super().startup(sockets=sockets)
        for sock in sockets or ():
            sock.listen(max(self.queue, self.config.backlog))


__all__ = ["MAX_HEAD_BYTES", "Guard", "GuardedH11Protocol", "Server"]
