"""The ASGI app: ``POST /v1/events`` in the wire format, validated by the client's own schema.

The schema is the one the app was built with (a product's, from
``doorstep.events.schema.for_product``): the collector of one product stores that
product's events and drops every other product's, as it drops any unknown event.

Answers: 204 stored (or nothing left to store); 400 not the wire format; 404 another
path; 405 another method; 413 over ``wire.MAX_BODY_BYTES``; 415 not JSON; 429 over the
install id's rate or over the global ingest budget (``budget``); 503 the database is
busy, failing or at its size cap (past 90% of the cap, for an install not heard from
before). Each 429 and 503 says when to try again (``Retry-After``). Bad input never
gets a 500.

The client's address (``scope["client"]``) is never read, so it cannot be stored,
logged or forwarded. Events dated before the retention window or after tomorrow (UTC)
are dropped like unknown events: they would be pruned at once, or outlive retention.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Optional

from doorstep.collector import days
from doorstep.collector.budget import Budget, Known
from doorstep.collector.forward import Forwarder
from doorstep.collector.ratelimit import Limiter
from doorstep.collector.store import StoreError
from doorstep.collector.writer import Busy, Full, Writer
from doorstep.events import schema, wire
from doorstep.foundation import ids

PATH = "/v1/events"
INSTALLS = "/v1/installs/"  # DELETE /v1/installs/<install id>: a person's --forget

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

log = logging.getLogger("collector")


_FULL = "the collector's database is full; try later"
_FULL_WAIT = ((b"retry-after", b"3600"),)  # pruning runs once a day; no point trying sooner


class _Refused(Exception):
    def __init__(self, status: int, reason: str, headers: tuple[tuple[bytes, bytes], ...] = ()):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


class App:
    """The collector's ASGI application; build it with ``build()``."""

    def __init__(
        self,
        writer: Writer,
        limiter: Limiter,
        forwarder: Optional[Forwarder] = None,
        retention_days: Optional[int] = None,
        today: Callable[[], str] = days.today,
        the_schema: Optional[schema.Schema] = None,
        budget: Optional[Budget] = None,
    ) -> None:
        self.writer = writer
        self.limiter = limiter
        self.budget = budget  # None: no global budget
        # Installs heard from: the budget's, or of their own when there is no budget (the
        # size cap's last tenth is kept for them either way).
        self.known = budget.known if budget is not None else Known()
        self.forwarder = forwarder
        # Fixed once here, so no request ever depends on which product is current.
        self.schema = the_schema if the_schema is not None else schema.current()
        self._parser = wire.Parser(self.schema)  # remembers the events it has cleaned
        self.retention_days = (
            self.schema.retention_days if retention_days is None else retention_days
        )
        self._today = today
        self._window: tuple[object, tuple[str, str]] = (None, ("", ""))
        self.answers: Counter[int] = Counter()  # status -> how many (for the exit summary)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are not spoken here; the server closes the connection
        try:
            await self._ingest(scope, receive)
            status, reason, headers = 204, "", ()
        except _Refused as refused:
            status, reason, headers = refused.status, refused.reason, refused.headers
        except Exception:
            # A bug, never bad input: the fuzz tests hold the server to that.
            log.exception("internal error while handling a request")
            status, reason, headers = 500, "internal error", ()
        self.answers[status] += 1
        await _answer(send, status, reason, headers)

    async def _forget(self, scope: Scope) -> None:
        # Answered 204 whether or not anything was held: the id is all it reveals.
        if scope["method"] != "DELETE":
            raise _Refused(405, "only DELETE is allowed", ((b"allow", b"DELETE"),))
        install_id = scope["path"][len(INSTALLS) :]
        if not ids.is_uuid4(install_id):
            raise _Refused(400, "the install id must be a random UUID4")
        if not self.limiter.allow(install_id, 1):
            raise _Refused(429, "too many requests for this install", ((b"retry-after", b"60"),))
        try:
            await self.writer.forget(install_id)
        except Busy:
            raise _Refused(503, "busy; try later", ((b"retry-after", b"1"),)) from None
        except StoreError:
            raise _Refused(503, "storage unavailable; try later") from None
        if self.forwarder is not None:
            self.forwarder.forget(install_id)

    async def _ingest(self, scope: Scope, receive: Receive) -> None:
        if scope["path"].startswith(INSTALLS):
            await self._forget(scope)
            return
        if scope["path"] != PATH:
            raise _Refused(404, f"not found; events go to POST {PATH}")
        if scope["method"] != "POST":
            raise _Refused(405, "only POST is allowed", ((b"allow", b"POST"),))
        content_type, length = b"", None
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                length = value
        if (
            content_type != b"application/json"
            and content_type.split(b";", 1)[0].strip().lower() != b"application/json"
        ):
            raise _Refused(415, "the body must be application/json")
        if length is not None and length.isdigit() and int(length) > wire.MAX_BODY_BYTES:
            raise _Refused(413, f"the body must be at most {wire.MAX_BODY_BYTES} bytes")
        raw = await _read_body(receive)
        body, reason = self._parser.parse(raw)
        if body is None:
            raise _Refused(400, reason)
        low, high = self._accepted_days()
        body["events"] = [e for e in body["events"] if low <= e["day"] <= high]
        if not body["events"]:
            return
        install_id = body["envelope"]["install_id"]
        # Checked before any tokens are spent on a batch that cannot be kept. The last
        # tenth of the cap is for installs already heard from.
        if self.writer.full or (self.writer.nearly_full and install_id not in self.known):
            raise _Refused(503, _FULL, _FULL_WAIT)
        cost = min(len(body["events"]), int(self.limiter.burst))
        if not self.limiter.allow(install_id, cost):
            wait = str(self.limiter.retry_after(install_id, cost)).encode()
            raise _Refused(429, "too many events from this install", ((b"retry-after", wait),))
        if self.budget is not None:
            later = self.budget.take(install_id, len(body["events"]))
            if later is not None:
                self.limiter.refund(install_id, cost)
                raise _Refused(
                    429,
                    "the collector is taking in too many events; try later",
                    ((b"retry-after", str(later).encode()),),
                )
        try:
            await self.writer.submit(body)
        except Busy:
            raise _Refused(503, "busy; try later", ((b"retry-after", b"1"),)) from None
        except Full:
            raise _Refused(503, _FULL, _FULL_WAIT) from None
        except StoreError:
            raise _Refused(503, "storage unavailable; try later") from None
        self.known.remember(install_id)
        if self.forwarder is not None:
            self.forwarder.offer(body)

    def _accepted_days(self) -> tuple[str, str]:
        # With the real clock, the UTC day is known from the Unix time alone, without
        # making a date for every request: it changes only at multiples of 86,400 s.
        real = self._today is days.today
        now: object = int(time.time() // 86400) if real else self._today()
        if self._window[0] != now:
            the_day = days.today() if real else str(now)
            self._window = (now, days.accepted_window(the_day, self.retention_days))
        return self._window[1]


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _Refused(400, "the request ended early")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > wire.MAX_BODY_BYTES:
            raise _Refused(413, f"the body must be at most {wire.MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _answer(
    send: Send, status: int, reason: str, extra: tuple[tuple[bytes, bytes], ...]
) -> None:
    if status == 204:
        await send({"type": "http.response.start", "status": 204, "headers": list(extra)})
        await send({"type": "http.response.body", "body": b""})
        return
    payload = json.dumps({"error": reason}).encode("utf-8")
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    # Nothing to start or stop here: the server wiring owns the writer and forwarder.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def build(
    writer: Writer,
    limiter: Optional[Limiter] = None,
    forwarder: Optional[Forwarder] = None,
    retention_days: Optional[int] = None,
    today: Callable[[], str] = days.today,
    the_schema: Optional[schema.Schema] = None,
    budget: Optional[Budget] = None,
) -> App:
    """The ingest app over a started ``writer`` (and optionally a started ``forwarder``).

    It validates every body with ``the_schema`` (default: the current product's, read
    once, now), and keeps to the global ``budget`` when one is given.
    """
    return App(writer, limiter or Limiter(), forwarder, retention_days, today, the_schema, budget)


__all__ = ["INSTALLS", "PATH", "App", "build"]
