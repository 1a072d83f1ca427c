"""Per-install-id rate limiting: the bucket's arithmetic, and a flood over real HTTP."""

from __future__ import annotations

import httpx

from doorstep.collector.ratelimit import BURST, Limiter
from tests.collector.conftest import count, make_body, new_id, post, rows


class Clock:
    """A clock the test moves by hand (time is an input to the decision, not mocked I/O)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate():
    clock = Clock()
    limiter = Limiter(burst=10, per_second=2, clock=clock)

    assert [limiter.allow("a", 4) for _ in range(3)] == [True, True, False]
    assert limiter.allow("a", 2)
    assert not limiter.allow("a", 1)
    clock.now += 1.0  # two tokens back
    assert limiter.allow("a", 2)
    assert not limiter.allow("a", 1)
    clock.now += 3600  # never more than the burst
    assert limiter.allow("a", 10)
    assert not limiter.allow("a", 1)


def test_a_refused_batch_costs_nothing_and_other_ids_are_untouched():
    clock = Clock()
    limiter = Limiter(burst=10, per_second=1, clock=clock)

    assert limiter.allow("a", 8)
    assert not limiter.allow("a", 5)
    assert limiter.allow("a", 2)  # the refused 5 were not taken
    assert limiter.allow("b", 10)
    assert limiter.retry_after("a", 5) == 5


def test_memory_is_bounded_by_the_number_of_ids_kept():
    limiter = Limiter(burst=5, per_second=0, max_ids=100, clock=Clock())
    for number in range(1000):
        limiter.allow(f"id-{number}", 5)
    assert len(limiter) == 100
    assert not limiter.allow("id-999", 1)  # recent ids keep their (empty) bucket
    assert limiter.allow("id-0", 5)  # long forgotten: starts again full


def test_a_flood_from_one_install_is_limited_while_others_get_through(collector, db):
    flooder = new_id()
    flood = [
        make_body([("install_stage_completed", {"stage": "package"})] * 20, install_id=flooder)
        for _ in range(int(BURST // 20) + 50)
    ]
    with httpx.Client(timeout=10) as client:
        answers = [post(collector.url, body, client=client) for body in flood]
        others = [post(collector.url, make_body(), client=client) for _ in range(30)]

    codes = [a.status_code for a in answers]
    assert set(codes) == {204, 429}
    assert codes.count(429) >= 40  # the refill during the test is at most a few batches
    assert all(a.headers.get("retry-after", "").isdigit() for a in answers if a.status_code == 429)
    assert [o.status_code for o in others] == [204] * 30
    stored = rows(db)
    flooded = [r for r in stored if r["install_id"] == flooder]
    assert len(flooded) == 20 * codes.count(204)  # exactly what was answered 204
    assert count(db) - len(flooded) == 30
