"""The global ingest budget's arithmetic: a shared bucket, with a reserve for known installs."""

from __future__ import annotations

from doorstep.collector.budget import Budget
from doorstep.collector.ratelimit import Limiter


class Clock:
    """A clock the test moves by hand (time is an input to the decision, not mocked I/O)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_new_ids_may_spend_only_what_lies_above_the_reserve():
    clock = Clock()
    budget = Budget(per_second=100, clock=clock)  # holds 200 events, 100 of them reserved

    assert budget.take("fresh-1", 60) is None
    assert budget.take("fresh-2", 40) is None
    assert budget.take("fresh-3", 1) is not None  # down to the reserve: new ids wait
    budget.known.remember("known")
    assert budget.take("known", 100) is None  # a known install spends the reserve
    assert budget.take("known", 1) is not None  # and then the bucket is empty


def test_a_refused_batch_costs_nothing_and_says_how_long_to_wait():
    clock = Clock()
    budget = Budget(per_second=100, clock=clock)
    assert budget.take("fresh-1", 100) is None

    assert budget.take("fresh-2", 50) == 1  # 50 events at 100 a second: within a second
    assert budget.take("fresh-2", 50) == 1  # the refusal above took nothing
    clock.now += 0.5
    assert budget.take("fresh-2", 50) is None


def test_the_bucket_refills_at_its_rate_and_never_past_two_seconds_worth():
    clock = Clock()
    budget = Budget(per_second=100, clock=clock)
    budget.known.remember("known")
    assert budget.take("known", 200) is None
    assert budget.take("known", 1) is not None

    clock.now += 1.0
    assert budget.take("known", 100) is None
    assert budget.take("known", 1) is not None
    clock.now += 3600
    assert budget.take("known", 200) is None
    assert budget.take("known", 1) is not None


def test_a_flood_of_fresh_ids_leaves_the_reserve_to_known_installs():
    clock = Clock()
    budget = Budget(per_second=1000, clock=clock)
    budget.known.remember("regular")
    served = 0
    for step in range(10_000):  # ten seconds of a fresh id every millisecond
        clock.now += 0.001
        budget.take(f"flood-{step}", 20)
        if step % 100 == 0:  # the regular install sends 5 events ten times a second
            served += budget.take("regular", 5) is None
    assert served == 100


def test_every_valid_batch_fits_sooner_or_later():
    clock = Clock()
    budget = Budget(per_second=10, clock=clock)  # the smallest bucket: 100 events
    assert budget.take("fresh", 5000) is None  # costs what a new id may spend at most
    budget.known.remember("known")
    clock.now += 60
    assert budget.take("known", 5000) is None


def test_memory_is_bounded_by_the_number_of_known_ids():
    budget = Budget(per_second=100, max_known=100, clock=Clock())
    for number in range(1000):
        budget.known.remember(f"id-{number}")
    assert "id-999" in budget.known and "id-0" not in budget.known
    assert len(budget.known) == 100


def test_a_limiter_refund_gives_back_what_a_refused_batch_took():
    limiter = Limiter(burst=10, per_second=0, clock=Clock())
    assert limiter.allow("a", 8)
    limiter.refund("a", 8)
    assert limiter.allow("a", 10)
    limiter.refund("never-seen", 5)  # nothing to give back to: nothing happens
    assert len(limiter) == 1
