"""The one thread that writes to the database, committing many requests at once.

Requests hand their cleaned body to ``submit()`` and wait for the commit that holds
it, so a 204 always means "on disk". The thread takes everything queued since its last
commit and writes it in one transaction: under load, one commit serves hundreds of
requests; when idle, a request is committed at once. SQLite never runs on the event
loop, so a slow disk delays answers without stalling the server. The same thread
prunes past the retention window when the UTC day changes.

With ``max_bytes`` set, the database has a size cap: the writer knows the database's
size after every commit and prune (and near the cap every few idle seconds, so that a
``collector prune`` run beside the server makes room), and while it is at the cap every
request fails with ``Full`` (the server answers 503) until pruning makes room. The cap
is checked before each commit, so the database passes it by at most one commit's worth.
Past ``NEARLY_FULL`` of it, ``nearly_full`` tells the app to keep the rest for installs
it has already stored from, so a flood of fresh install ids cannot fill it all.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any, Optional

from doorstep.collector import days
from doorstep.collector.store import Store, StoreError

MAX_PENDING = 4096  # queued requests; past this the server answers 503 instead of queueing
_MAX_PER_COMMIT = 512
MB = 1024 * 1024
NEARLY_FULL = 0.9  # of the size cap; past it the app stores only installs it already knows
_IDLE_SECONDS = 60.0  # how often an idle writer looks at the calendar for pruning
_NEAR_CAP_SECONDS = 2.0  # and near the size cap, at the database's size

log = logging.getLogger("collector")

_Item = tuple[dict[str, Any], asyncio.Future, asyncio.AbstractEventLoop]


_FORGET = "\0forget"  # a queued deletion request instead of a body (never a wire key)


class Busy(Exception):
    """Too many requests are waiting for the disk; the caller answers 503."""


class Full(Exception):
    """The database is at its size cap; the caller answers 503."""


class Writer:
    """Owns ``store`` from ``start()`` until ``close()``."""

    def __init__(
        self,
        store: Store,
        retention_days: Optional[int] = None,
        today: Callable[[], str] = days.today,
        max_pending: int = MAX_PENDING,
        max_bytes: Optional[int] = None,
    ) -> None:
        self.store = store
        self.retention_days = retention_days
        self._today = today
        # SimpleQueue: put and get in C, where Queue runs a Condition's Python per request.
        self._queue: queue.SimpleQueue[Optional[_Item]] = queue.SimpleQueue()
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="collector-writer", daemon=True)
        self._pruned_on = ""
        self.stored = 0  # events newly stored since start (duplicates not counted)
        self.max_bytes = max_bytes
        self.size = 0  # bytes, as of the last commit or prune (written by the thread only)
        self.refused_full = 0  # requests failed because the database was at its cap

    def start(self) -> None:
        self._measure()
        self._prune_if_due()
        self._thread.start()

    @property
    def full(self) -> bool:
        """True while the database is at its size cap (as of the last commit or prune)."""
        return self.max_bytes is not None and self.size >= self.max_bytes

    @property
    def nearly_full(self) -> bool:
        """True past ``NEARLY_FULL`` of the cap: the rest is kept for installs already known."""
        return self.max_bytes is not None and self.size >= self.max_bytes * NEARLY_FULL

    async def submit(self, body: dict[str, Any]) -> None:
        """Wait until ``body`` is committed; raises Busy or StoreError."""
        with self._lock:
            if self._pending >= self._max_pending:
                raise Busy
            self._pending += 1
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        self._queue.put((body, future, loop))
        await future

    async def forget(self, install_id: str) -> None:
        """Wait until every event of ``install_id`` is deleted; raises Busy or StoreError."""
        await self.submit({_FORGET: install_id})

    def close(self, timeout: float = 10.0) -> None:
        """Commit what is queued, stop the thread, close the database."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(timeout)
        self.store.close()

    def _run(self) -> None:
        while True:
            try:
                idle = _NEAR_CAP_SECONDS if self.nearly_full else _IDLE_SECONDS
                first = self._queue.get(timeout=idle)
            except queue.Empty:
                self._prune_if_due()
                if self.nearly_full:
                    # At the cap requests are refused before they reach this thread, so
                    # nothing else would notice a `collector prune` run beside the server.
                    self._measure()
                continue
            items: list[_Item] = []
            stop = first is None
            if first is not None:
                items.append(first)
            while not stop and len(items) < _MAX_PER_COMMIT:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                else:
                    items.append(item)
            if items:
                self._commit(items)
            if stop:
                return
            self._prune_if_due()

    def _commit(self, items: list[_Item]) -> None:
        error: Optional[BaseException] = None
        try:
            bodies = [body for body, _, _ in items if _FORGET not in body]
            forgotten = [body[_FORGET] for body, _, _ in items if _FORGET in body]
            if self.full and bodies:
                error = Full()
                self.refused_full += len(items)
            else:
                self.stored += self.store.insert(bodies)
                # After the inserts: a batch that raced the request is deleted with the rest.
                for install_id in forgotten:
                    self.store.forget(install_id)
                self._measure()
        except StoreError as exc:
            log.error("%s", exc)
            error = exc
        except Exception as exc:  # a bug must fail these requests, not kill the writer
            log.exception("writing to the database failed")
            error = StoreError(f"writing failed: {type(exc).__name__}")
        with self._lock:
            self._pending -= len(items)
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future]] = {}
        for _, future, loop in items:
            by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, futures, error)
            except RuntimeError:
                pass  # that loop has closed: nobody is waiting for the answer any more

    def _prune_if_due(self) -> None:
        if self.retention_days is None:
            return
        now = self._today()
        if now == self._pruned_on:
            return
        self._pruned_on = now
        try:
            pruned = self.store.prune(days.shift(now, -self.retention_days))
        except StoreError as exc:
            log.error("%s", exc)
            return
        self._measure()
        if pruned.events:
            log.info(
                "retention: deleted %d events older than %d days",
                pruned.events,
                self.retention_days,
            )

    def _measure(self) -> None:
        was = (self.nearly_full, self.full)
        try:
            self.size = self.store.size()
        except StoreError as exc:
            log.error("%s", exc)
            return
        now = (self.nearly_full, self.full)
        if now == was:
            return
        held = f"the database holds {self.size / MB:.1f} MB"
        if self.full:
            log.warning(
                "%s, its size cap: new events are refused (503) until pruning makes room "
                "or the cap (--max-db-mb) is raised",
                held,
            )
        elif self.nearly_full:
            log.warning(
                "%s, %d%% of its size cap: only installs already heard from are stored",
                held,
                round(NEARLY_FULL * 100),
            )
        else:
            log.info("%s, below its size cap again: events from every install are stored", held)


def _settle(futures: list[asyncio.Future], error: Optional[BaseException]) -> None:
    for future in futures:
        if future.done():
            continue  # the request was cancelled (client gone) while waiting
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


__all__ = ["MAX_PENDING", "MB", "NEARLY_FULL", "Busy", "Full", "Writer"]
