"""Connections that cannot starve real senders: every request whole in time, idle ones make room.

uvicorn's HTTP protocols close a keep-alive connection that stays idle after an answer
(``timeout_keep_alive``), but they wait forever for a first request or for the rest of a
half-sent one, and past ``limit_concurrency`` connections they answer 503 to everyone.
``GuardedHttpToolsProtocol`` (on httptools, a C parser: about a quarter of h11's CPU per
request) and ``GuardedH11Protocol`` (on h11, pure Python: used where httptools is not
installed) add the same three rules:

- a deadline: from the moment a connection waits for a request (it opened, or its last
  answer went out), the whole request, head and body, must arrive within
  ``request_timeout`` seconds, or the connection is closed;
- room: past ``max_connections`` open connections, the one that has waited longest for
  a request (it sent nothing, or half a head) is closed to make room for the new one.
  A connection whose request is in hand is never closed to make room;
- a head cap: a request head still incomplete past ``MAX_HEAD_BYTES`` is answered 400
  (after the answers to any requests before it) and the connection closed, so no head
  is held in memory without bound. Both protocols count what has arrived, read by read
  (h11 what it holds, httptools every read since the last head was in), so a pipelined
  head may pass the cap by the one read it began in; the deadline still holds for it.

A real sender connects and sends its request at once, so it is the newest in the queue
of waiting connections and the last to be closed; a thousand idle sockets only push
each other out. ``Server`` keeps asyncio's bursts of accepted connections small (each is
an open file before the guard sees it) and the kernel's queue long. Nothing here reads
or logs an address.
"""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from typing import Any, Callable, Optional, Union

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    import httptools
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # the h11 protocol does the same work, only slower
    httptools = None
    HttpToolsProtocol = object  # type: ignore[assignment,misc]

MAX_HEAD_BYTES = 8 * 1024  # a request head larger than this is refused (400)
_INVALID = "Invalid HTTP request received."  # uvicorn's own words for a 400 it sends


class Guard:
    """The limits one server's connections share, and counts of what they closed."""

    def __init__(self, max_connections: int, request_timeout: float) -> None:
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.timed_out = 0  # closed: the request did not arrive whole in time
        self.made_room = 0  # closed while waiting for a request, to let a new one in
        self._live: set[_Guarded] = set()
        # Connections waiting for a request, the longest-waiting first.
        self._waiting: OrderedDict[_Guarded, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._live)

    def _opened(self, connection: _Guarded) -> None:
        self._live.add(connection)
        while len(self._live) > self.max_connections:
            victim = next((c for c in self._waiting if c is not connection), None)
            if victim is None:
                break  # every other connection has its request in hand: uvicorn answers 503
            self.made_room += 1
            victim._close()

    def _waits(self, connection: _Guarded) -> None:
        self._waiting[connection] = None  # kept in place if it was already waiting

    def _has_request(self, connection: _Guarded) -> None:
        self._waiting.pop(connection, None)

    def _gone(self, connection: _Guarded) -> None:
        self._live.discard(connection)
        self._waiting.pop(connection, None)


class _Watched:
    """What both guarded protocols share: being counted by the guard, and the end of a
    connection with its deadline. A protocol class names it before uvicorn's."""

    guard: Guard
    transport: Any
    _deadline: Any

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.guard._opened(self)  # type: ignore[arg-type]
        self._track()

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self._cancel()
        self.guard._gone(self)  # type: ignore[arg-type]
        super().connection_lost(exc)  # type: ignore[misc]

    def _track(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        self._cancel()
        self.guard._gone(self)  # type: ignore[arg-type]
        # A connection that never sent a whole request gets no answer, only the close.
        self.transport.close()

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


class GuardedH11Protocol(_Watched, H11Protocol):
    """uvicorn's h11 protocol with the deadline and the room rule of ``guard``."""

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._deadline: Optional[asyncio.TimerHandle] = None

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


# Where a GuardedHttpToolsProtocol is in the request it is receiving.
_IDLE, _HEAD, _BODY = 0, 1, 2  # nothing (or the last one whole), half a head, the head in


class GuardedHttpToolsProtocol(_Watched, HttpToolsProtocol):  # type: ignore[misc,valid-type]
    """uvicorn's httptools protocol with the deadline, the room rule and the head cap of ``guard``.

    The same rules as ``GuardedH11Protocol``, read from the parser's callbacks instead
    of h11's states. A pipelined request waits, deadline stopped, while the one before
    it is answered; its deadline starts when that answer has gone out.
    """

    def __init__(self, *args: Any, guard: Guard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._deadline: Optional[asyncio.TimerHandle] = None
        self._parsing = _IDLE
        # Received since the last head was in; the head cap counts these. A head that
        # begins in the same read as the end of the request before it is counted from
        # the next read on, so it may pass the cap by at most that one read.
        self._head_bytes = 0

    def data_received(self, data: bytes) -> None:
        if self._parsing != _BODY:
            # Counted whole: where in ``data`` the head ends, if it does, is not known.
            self._head_bytes += len(data)
        super().data_received(data)
        self._cap_head()
        self._track()

    def _cap_head(self) -> None:
        """Past the cap with the head still incomplete: 400, once the answers before it are out."""
        if (
            self._parsing == _BODY
            or self._head_bytes <= MAX_HEAD_BYTES
            or self.transport.is_closing()
        ):
            return
        if self._answering():
            # An earlier request's answer comes first: read no more until it is out
            # (on_response_complete resumes reading and looks again), as h11 does.
            self.flow.pause_reading()
            return
        self.logger.warning(_INVALID)
        self.send_400_response(_INVALID)  # closes the connection, as h11's cap does

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsing = _HEAD

    def on_headers_complete(self) -> None:
        self._parsing = _BODY
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._parsing = _IDLE
        super().on_message_complete()

    def on_response_complete(self) -> None:
        self._cancel()  # the answer went out: the next request's deadline starts now
        super().on_response_complete()
        self._cap_head()
        self._track()

    def _answering(self) -> bool:
        cycle = self.cycle
        return bool(self.pipeline) or (cycle is not None and not cycle.response_complete)

    def _track(self) -> None:
        """Arm, keep or stop the deadline for the state the request is in now."""
        if self.transport.is_closing():
            self._cancel()
            self.guard._gone(self)
            return
        if self.pipeline:  # a request before this one is still being answered
            self._cancel()
            self.guard._has_request(self)
        elif self._parsing == _BODY:  # the head is in; the body has the same deadline
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.guard.request_timeout, self._expired)
            self.guard._has_request(self)
        elif self._answering():  # the request is whole and being answered
            self._cancel()
            self.guard._has_request(self)
        else:  # nothing yet, or half a head
            if self._deadline is None:
                self._deadline = self.loop.call_later(self.guard.request_timeout, self._expired)
            self.guard._waits(self)

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._parsing == _BODY or not self._answering():
            self.guard.timed_out += 1
            self._close()


_Guarded = Union[GuardedH11Protocol, GuardedHttpToolsProtocol]

PROTOCOLS = ("auto", "httptools", "h11")


def protocol(guard: Guard, http: str = "auto") -> Callable[..., asyncio.Protocol]:
    """uvicorn's ``http`` setting for ``guard``: the httptools protocol ("auto", when
    httptools is installed, or "httptools"), else the h11 one ("h11")."""
    if http not in PROTOCOLS:
        raise ValueError(f"no such HTTP protocol: {http!r}")
    if http == "auto":
        http = "h11" if httptools is None else "httptools"
    if http == "httptools":
        if httptools is None:
            raise ValueError("the httptools protocol needs httptools installed")
        return functools.partial(GuardedHttpToolsProtocol, guard=guard)
    return functools.partial(GuardedH11Protocol, guard=guard)


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


__all__ = [
    "MAX_HEAD_BYTES",
    "PROTOCOLS",
    "Guard",
    "GuardedH11Protocol",
    "GuardedHttpToolsProtocol",
    "Server",
    "protocol",
]
