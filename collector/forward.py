"""Forwarding accepted events to PostHog's batch API, for deployments that outgrow one machine.

Each stored event becomes one PostHog event: ``distinct_id`` is the install id, the
properties are the event's props and the envelope's platform facts, the timestamp is
the event's day at 00:00:00Z (never a time of day), and every event is anonymous
(``$process_person_profile: false``) with GeoIP off (``$geoip_disable: true``). The
``uuid`` is derived from the session id and seq, so PostHog can drop a duplicate.

A request never waits for PostHog: events go into a bounded queue, a thread posts
them in batches with a timeout, and what does not fit or does not get through is
counted and dropped (the SQLite database stays the record of truth).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

QUEUE_LIMIT = 10_000  # events waiting for PostHog; past this they are dropped, not queued
BATCH = 500  # events per POST
TIMEOUT = 10.0  # seconds for one POST, connecting included
_NAMESPACE = uuid.UUID("6f1c1f0e-4b1a-4d4e-9a51-5d0f4b7c2e10")  # for stable event uuids
_IDS = ("install_id", "session_id")

log = logging.getLogger("collector")


def batch_url(url: str) -> Optional[str]:
    """The batch endpoint for ``url`` (a host gets ``/batch/``); None unless http(s)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path if parts.path not in ("", "/") else "/batch/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


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
    """A bounded queue of PostHog events and the thread that posts them."""

    def __init__(
        self,
        url: str,
        key: str,
        queue_limit: int = QUEUE_LIMIT,
        batch: int = BATCH,
        timeout: float = TIMEOUT,
    ) -> None:
        self.url = url
        self._key = key
        self._batch = batch
        self._timeout = timeout
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=queue_limit)
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
        for event in posthog_events(body):
            try:
                self._queue.put_nowait(event)
            except queue.Full:
                with self._lock:
                    self.counts.dropped += 1

    def close(self, timeout: float = 5.0) -> Counts:
        """Post what is queued for at most ``timeout`` more seconds, drop the rest, stop."""
        self._deadline = time.monotonic() + timeout
        self._stop.set()
        self._thread.join(timeout + self._timeout + 1.0)
        return self.counts

    def _run(self) -> None:
        import httpx  # deferred: only a collector that forwards loads the HTTP client

        with httpx.Client(timeout=self._timeout, trust_env=True, follow_redirects=False) as client:
            while True:
                events = self._take()
                if events:
                    self._post(client, events)
                if self._stop.is_set() and (
                    self._queue.empty() or time.monotonic() >= self._deadline
                ):
                    break
        left = 0
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
            left += 1
        with self._lock:
            self.counts.dropped += left

    def _take(self) -> list[dict[str, Any]]:
        """The next batch (empty when nothing arrived for a short while)."""
        try:
            events = [self._queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        while len(events) < self._batch:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return events

    def _post(self, client: Any, events: list[dict[str, Any]]) -> None:
        payload = {"api_key": self._key, "historical_migration": False, "batch": events}
        data = json.dumps(payload, separators=(",", ":")).encode("utf-8")
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


__all__ = ["BATCH", "QUEUE_LIMIT", "TIMEOUT", "Counts", "Forwarder", "batch_url", "posthog_events"]
