"""The global ingest budget: how many events per second the collector takes in, all ids together.

The per-install limiter (``ratelimit``) cannot stop a flood that mints a fresh install id
for every batch; this budget can. It is one token bucket of ``per_second`` events that
holds two seconds' worth, and it is shared unequally on purpose:

- an install id this collector has already stored a batch from (a *known* id, among
  the last ``max_known`` it stored from) may spend the bucket down to empty;
- a *new* id may only spend what lies above the reserve, half the bucket.

A flood of fresh ids therefore keeps the bucket at its reserve, and every known
install still finds a second's worth of events waiting, refilled at the full rate as
soon as it is spent. New installs get what known ones leave. Nothing here looks at an
address; the only key is the install id the batch carries.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Optional

EVENTS_PER_SECOND = 1000.0  # all install ids together; a normal run sends about 5 to 20
BURST_SECONDS = 2.0  # the bucket holds this many seconds' worth
MIN_BURST = 100.0  # so that a tiny budget still takes one ordinary batch at once
MAX_KNOWN = 100_000  # install ids remembered as known, the least recently stored forgotten


class Known:
    """The install ids this collector has stored a batch from lately: the last
    ``max_known``, the least recently stored forgotten. The budget and the size cap's
    reserve both favour them. Not thread-safe: the event loop is its only caller."""

    def __init__(self, max_known: int = MAX_KNOWN) -> None:
        self.max_known = max_known
        self._ids: OrderedDict[str, None] = OrderedDict()

    def remember(self, install_id: str) -> None:
        """Note that a batch of ``install_id`` was stored: it is known from now on."""
        ids = self._ids
        if install_id in ids:
            ids.move_to_end(install_id)
            return
        if len(ids) >= self.max_known:
            ids.popitem(last=False)
        ids[install_id] = None

    def __contains__(self, install_id: object) -> bool:
        return install_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)


class Budget:
    """Decides whether a batch fits the global budget now. Not thread-safe: the event
    loop is its only caller."""

    def __init__(
        self,
        per_second: float = EVENTS_PER_SECOND,
        max_known: int = MAX_KNOWN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_second <= 0:
            raise ValueError("the budget needs a positive rate")
        self.per_second = per_second
        self.burst = max(per_second * BURST_SECONDS, MIN_BURST)
        self.reserve = self.burst / 2  # what new ids may never spend
        self.known = Known(max_known)
        self._clock = clock
        self._level = self.burst
        self._then = clock()

    def take(self, install_id: str, events: int) -> Optional[int]:
        """Spend ``events`` for ``install_id``; None when it fits, else whole seconds to wait.

        A refused batch spends nothing. A batch larger than an id may ever spend costs
        that much instead, so every valid batch fits sooner or later.
        """
        now = self._clock()
        self._level = min(self.burst, self._level + (now - self._then) * self.per_second)
        self._then = now
        floor = 0.0 if install_id in self.known else self.reserve
        cost = min(float(events), self.burst - floor)
        if self._level - cost >= floor:
            self._level -= cost
            return None
        missing = floor + cost - self._level
        return max(1, int(missing / self.per_second + 0.999))


__all__ = ["BURST_SECONDS", "EVENTS_PER_SECOND", "MAX_KNOWN", "Budget", "Known"]
