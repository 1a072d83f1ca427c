"""Per-install-id rate limiting: an in-memory token bucket for each id.

The only key is the install id the batch carries; addresses are never looked at. A
bucket holds ``burst`` events and refills at ``per_second``; a batch that does not fit
is refused whole (429) and costs nothing. At most ``max_ids`` buckets are kept, the
least recently used dropped first, so a flood of made-up ids cannot exhaust memory
(a dropped id starts again with a full bucket, which only ever errs towards accepting).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

BURST = 1000.0  # events: a whole install and wizard is ~20, a full client spool ~2000
PER_SECOND = 1.0
MAX_IDS = 100_000


class Limiter:
    """Decides whether a batch from one install id may be stored now. Not thread-safe:
    the event loop is its only caller."""

    def __init__(
        self,
        burst: float = BURST,
        per_second: float = PER_SECOND,
        max_ids: int = MAX_IDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.per_second = per_second
        self.max_ids = max_ids
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, key: str, cost: int) -> bool:
        """Take ``cost`` tokens from ``key``'s bucket; False (and nothing taken) if short."""
        now = self._clock()
        buckets = self._buckets
        entry = buckets.get(key)
        if entry is None:
            tokens = self.burst
            if len(buckets) >= self.max_ids:
                buckets.popitem(last=False)
        else:
            level, then = entry
            tokens = min(self.burst, level + (now - then) * self.per_second)
            buckets.move_to_end(key)
        if cost > tokens:
            buckets[key] = (tokens, now)
            return False
        buckets[key] = (tokens - cost, now)
        return True

    def refund(self, key: str, cost: int) -> None:
        """Give back ``cost`` tokens taken by ``allow`` for a batch refused after all."""
        entry = self._buckets.get(key)
        if entry is not None:
            self._buckets[key] = (min(self.burst, entry[0] + cost), entry[1])

    def retry_after(self, key: str, cost: int) -> int:
        """Whole seconds until ``cost`` tokens could be there (at least 1)."""
        level = self._buckets.get(key, (self.burst, 0.0))[0]
        missing = max(0.0, min(float(cost), self.burst) - level)
        return max(1, int(missing / self.per_second + 0.999)) if self.per_second > 0 else 3600

    def __len__(self) -> int:
        return len(self._buckets)


__all__ = ["BURST", "MAX_IDS", "PER_SECOND", "Limiter"]
