"""Forwarding accepted events to PostHog's batch API, for deployments that outgrow one machine.

Each stored event becomes one PostHog event: ``distinct_id`` is the install id, the
properties are the event's props and the envelope's platform facts, the timestamp is
the event's day at 00:00:00Z (never a time of day), and every event is anonymous
(``$process_person_profile: false``) with GeoIP off (``$geoip_disable: true``). The
``uuid`` is derived from the session id and seq, so PostHog can drop a duplicate.

PostHog is not told when an event arrived: events wait in a bounded queue and a thread
posts them all at once on a timer, every ``interval`` seconds (an hour by default) plus
up to half again at random, shuffled, so a batch tells the hour at most and nothing of
the order within it. A request never waits for PostHog; what does not fit in the
queue, or does not get through, is counted and dropped (the SQLite database stays the
record of truth). Closing posts what is queued, within a time limit.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

INTERVAL = 3600.0  # seconds between posts to PostHog, at least; each wait adds up to half
QUEUE_LIMIT = 100_000  # events waiting for the next post (about 40 MB); past it, dropped
BATCH = 1000  # events per POST
TIMEOUT = 10.0  # seconds for one POST, connecting included
_NAMESPACE = uuid.UUID("6f1c1f0e-4b1a-4d4e-9a51-5d0f4b7c2e10")  # for stable event uuids
_IDS = ("install_id", "session_id")
_compact = json.JSONEncoder(separators=(",", ":")).encode

log = logging.getLogger("collector")


def batch_url(url: str) -> Optional[str]:
    """The batch endpoint for ``url`` (a host gets ``/batch/``); None unless http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path if parts.path not in ("", "/") else "/batch/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def shown(url: str) -> str:
    """``url`` fit to print: a ``user:password@`` and a query string become ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "***" if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def posthog_events(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The PostHog events for one cleaned wire body."""
    envelope = body["envelope"]
    install_id, session_id = envelope["install_id"], envelope["session_id"]
    facts = {k: v for k, v in envelope.items() if k not in _IDS}
    events = []
    for event in body["events"]:
        properties = {**facts, **event["props"], "seq": event["seq"]}
        properties["$process_person_profile"] = False
        properties["$geoip_disable"] = True
        events.append(
            {
                "event": event["name"],
                "distinct_id": install_id,
                "timestamp": f"{event['day']}T00:00:00Z",
                "uuid": str(uuid.uuid5(_NAMESPACE, f"{session_id}/{event['seq']}")),
                "properties": properties,
            }
        )
    return events


@dataclass
class Counts:
    forwarded: int = 0
    dropped: int = 0  # the queue was full
    failed: int = 0  # PostHog did not accept them (an error answer, or no answer)


class Forwarder:
    """A bounded queue of PostHog events and the thread that posts them on a timer."""

    def __init__(
        self,
        url: str,
        key: str,
        queue_limit: int = QUEUE_LIMIT,
        batch: int = BATCH,
        timeout: float = TIMEOUT,
        interval: float = INTERVAL,
        chance: Callable[[], float] = random.random,
    ) -> None:
        self.url = url
        self._key = key
        self._batch = batch
        self._timeout = timeout
        self.interval = interval
        self._chance = chance
        self._limit = queue_limit
        self._queue: list[bytes] = []  # encoded at once: bytes hold an hour's events, dicts not
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="collector-forward", daemon=True)
        self.counts = Counts()
        self._lock = threading.Lock()
        self._deadline = float("inf")
        self._failing = False

    def start(self) -> None:
        self._thread.start()

    def offer(self, body: dict[str, Any]) -> None:
        """Queue a stored body's events; never blocks (a full queue drops and counts)."""
        events = [_compact(event).encode("utf-8") for event in posthog_events(body)]
        with self._lock:
            room = max(0, self._limit - len(self._queue))
            self._queue.extend(events[:room])
            self.counts.dropped += len(events) - min(room, len(events))

    def forget(self, install_id: str) -> None:
        """Drop every queued event of ``install_id`` (a person asked to be forgotten)."""
        # Each queued event is PostHog's JSON with distinct_id = the install id.
        marker = ('"distinct_id":"' + install_id + '"').encode()
        spaced = ('"distinct_id": "' + install_id + '"').encode()
        with self._lock:
            self._queue = [e for e in self._queue if marker not in e and spaced not in e]

    def next_wait(self) -> float:
        """Seconds until the next post: the interval and up to half again, at random."""
        return self.interval * (1.0 + 0.5 * self._chance())

    def close(self, timeout: float = 5.0) -> Counts:
        """Post what is queued for at most ``timeout`` more seconds, drop the rest, stop."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout + self._timeout + 1.0)
        else:
            with self._lock:
                self.counts.dropped += len(self._queue)
                self._queue.clear()
        return self.counts

    def _run(self) -> None:
        import httpx  # deferred: only a collector that forwards loads the HTTP client

        with httpx.Client(timeout=self._timeout, trust_env=True, follow_redirects=False) as client:
            while not self._stop.wait(self.next_wait()):
                self._flush(client)
            self._flush(client)
        with self._lock:
            self.counts.dropped += len(self._queue)
            self._queue.clear()

    def _flush(self, client: Any) -> None:
        """Post everything queued, shuffled, in batches (until the deadline when closing)."""
        with self._lock:
            events, self._queue = self._queue, []
        random.shuffle(events)
        for start in range(0, len(events), self._batch):
            if time.monotonic() >= self._deadline:
                with self._lock:
                    self.counts.dropped += len(events) - start
                return
            self._post(client, events[start : start + self._batch])

    def _post(self, client: Any, events: list[bytes]) -> None:
        head = _compact({"api_key": self._key, "historical_migration": False})[:-1]
        data = head.encode("utf-8") + b',"batch":[' + b",".join(events) + b"]}"
        try:
            response = client.post(
                self.url, content=data, headers={"Content-Type": "application/json"}
            )
            ok = 200 <= response.status_code < 300
            why = f"PostHog answered {response.status_code}"
        except Exception as exc:  # any failure to get an answer: count it, keep going
            ok = False
            why = f"PostHog did not answer ({type(exc).__name__})"
        with self._lock:
            if ok:
                self.counts.forwarded += len(events)
            else:
                self.counts.failed += len(events)
        # One line when forwarding starts failing and one when it recovers, not one a batch.
        if not ok and not self._failing:
            log.warning("forwarding: %s; events are dropped until it recovers", why)
        elif ok and self._failing:
            log.info("forwarding: PostHog accepts events again")
        self._failing = not ok


__all__ = [
    "BATCH",
    "INTERVAL",
    "QUEUE_LIMIT",
    "TIMEOUT",
    "Counts",
    "Forwarder",
    "batch_url",
    "posthog_events",
    "shown",
]
