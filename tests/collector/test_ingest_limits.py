"""Minting fresh install ids does not get around the limits: the global budget and the size cap.

Floods are bounded loops (a number of requests and a generous deadline); the budget's
bound is checked against the time the flood took, measured around it, which can only
make the bound looser.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from doorstep.collector import days, server
from doorstep.collector.budget import BURST_SECONDS
from doorstep.collector.writer import MB
from tests.collector.conftest import count, make_body, new_id, post, rows, start_process

FLOODERS = 8
FLOOD_EVENTS = 50  # per batch, each batch from a fresh install id
FLOOD_SECONDS = 4.0


def _flood(url: str, stop: threading.Event, codes: list[int], lock: threading.Lock) -> None:
    """Batches from a fresh install id each, until ``stop`` (or 2,000 requests)."""
    events = [("install_stage_completed", {"stage": "package"})] * FLOOD_EVENTS
    with httpx.Client(timeout=10) as client:
        for _ in range(2000):
            if stop.is_set():
                return
            try:
                code = post(url, make_body(events), client=client).status_code
            except httpx.HTTPError:
                code = 0
            with lock:
                codes.append(code)


def _flooding(url: str) -> tuple[threading.Event, list[threading.Thread], list[int]]:
    stop, lock, codes = threading.Event(), threading.Lock(), []
    threads = [
        threading.Thread(target=_flood, args=(url, stop, codes, lock), daemon=True)
        for _ in range(FLOODERS)
    ]
    for thread in threads:
        thread.start()
    return stop, threads, codes


def _stop(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)


def test_a_flood_of_fresh_ids_meets_the_budget_while_a_known_install_is_served(db):
    rate = 1000.0
    running = server.start(server.Settings(db=db, port=0, max_events_per_second=rate))
    regular = new_id()
    regular_codes = []
    try:
        with httpx.Client(timeout=10) as client:
            first = make_body([("install_started", {"kind": "fresh"})], install_id=regular)
            assert post(running.url, first, client=client).status_code == 204
            began = time.monotonic()
            stop, threads, flood_codes = _flooding(running.url)
            try:
                deadline = time.monotonic() + FLOOD_SECONDS
                while len(regular_codes) < 40 and time.monotonic() < deadline + 30:
                    body = make_body([("onboarding_step_viewed", {"step": "welcome"})] * 3, regular)
                    regular_codes.append(post(running.url, body, client=client).status_code)
                    time.sleep(0.05)
                while time.monotonic() < deadline:  # let the flood run its course
                    time.sleep(0.1)
            finally:
                _stop(stop, threads)
            took = time.monotonic() - began
    finally:
        running.close()

    assert regular_codes.count(204) >= 0.9 * len(regular_codes) and len(regular_codes) == 40
    assert flood_codes.count(429) > flood_codes.count(204)  # the flood is mostly refused
    assert set(flood_codes) <= {204, 429}
    flooded = sum(1 for r in rows(db) if r["install_id"] != regular)
    assert flooded == FLOOD_EVENTS * flood_codes.count(204)
    # What a full bucket and its refill can give in that time, regular install included.
    assert flooded + 3 * 40 <= rate * (took + BURST_SECONDS)


def test_a_budget_refusal_says_when_to_try_again(db):
    running = server.start(server.Settings(db=db, port=0, max_events_per_second=10))
    try:
        with httpx.Client(timeout=10) as client:
            answers = [
                post(running.url, make_body([("install_started", {})] * 30), client=client)
                for _ in range(5)
            ]
    finally:
        running.close()
    refused = [a for a in answers if a.status_code == 429]
    assert refused, [a.status_code for a in answers]
    assert all(a.headers["retry-after"].isdigit() for a in refused)
    assert all("too many events" in a.json()["error"] for a in refused)


def _live_bytes(db: Path) -> int:
    import sqlite3

    with closing(sqlite3.connect(db)) as connection:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        free = connection.execute("PRAGMA freelist_count").fetchone()[0]
        size = connection.execute("PRAGMA page_size").fetchone()[0]
    return (pages - free) * size


def test_the_database_stops_growing_at_its_cap(db):
    cap_mb = 1.0
    running = server.start(
        server.Settings(db=db, port=0, max_db_mb=cap_mb, max_events_per_second=0)
    )
    try:
        stop, threads, flood_codes = _flooding(running.url)
        deadline = time.monotonic() + 60
        while 503 not in flood_codes and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # and a little longer past the cap
        _stop(stop, threads)
        late = post(running.url, make_body())
    finally:
        summary = running.close()

    assert 503 in flood_codes
    assert late.status_code == 503 and late.headers["retry-after"].isdigit()
    assert "full" in late.json()["error"]
    # Past the cap by at most a commit's worth (a few batches in flight).
    assert _live_bytes(db) <= cap_mb * MB + 0.25 * MB
    assert count(db) == FLOOD_EVENTS * flood_codes.count(204)
    assert summary[0].startswith(f"stored {count(db)} new events")


@pytest.mark.parametrize("budget", [100_000, 0], ids=["with a budget", "no budget"])
def test_the_last_tenth_of_the_cap_is_kept_for_installs_already_heard_from(db, budget):
    cap_mb = 1.0
    running = server.start(
        server.Settings(db=db, port=0, max_db_mb=cap_mb, max_events_per_second=budget)
    )
    regular = new_id()
    try:
        assert post(running.url, make_body(install_id=regular)).status_code == 204
        stop, threads, flood_codes = _flooding(running.url)
        deadline = time.monotonic() + 60
        while 503 not in flood_codes and time.monotonic() < deadline:
            time.sleep(0.1)
        _stop(stop, threads)
        writer = running.service.writer
        assert writer.nearly_full and not writer.full
        fresh = post(running.url, make_body())
        known = [post(running.url, make_body(install_id=regular)) for _ in range(10)]
    finally:
        running.close()

    assert fresh.status_code == 503
    assert [k.status_code for k in known] == [204] * 10
    assert _live_bytes(db) < cap_mb * MB


def test_a_prune_run_beside_the_server_makes_room_at_the_cap(db):
    cap_mb = 0.5
    running = server.start(
        server.Settings(db=db, port=0, max_db_mb=cap_mb, max_events_per_second=0)
    )
    old = days.shift(days.today(), -5)
    events = [("install_stage_completed", {"stage": "package"})] * FLOOD_EVENTS
    try:
        with httpx.Client(timeout=10) as client:
            codes = []
            for _ in range(2000):  # until the cap refuses, with events of five days ago
                codes.append(post(running.url, make_body(events, day=old), client=client))
                if codes[-1].status_code == 503:
                    break
            assert codes[-1].status_code == 503, "the cap was never reached"
            prune = ["collector", "prune", "--db", str(db), "--older-than", "1d"]
            pruned = subprocess.run(
                [sys.executable, "-m", "doorstep", *prune],
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert pruned.returncode == 0, pruned.stderr
            # The server notices within seconds, with nothing but refused requests meanwhile.
            answers = []
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                answers.append(post(running.url, make_body(), client=client).status_code)
                if answers[-1] == 204:
                    break
                time.sleep(0.5)
    finally:
        running.close()

    assert answers[-1] == 204, answers
    assert count(db) == 1  # the old events are gone, the new batch is stored


def test_the_cap_from_the_command_line_and_its_line(tmp_path, db):
    served = start_process(tmp_path, db, "--max-db-mb", "0.05")
    codes = []
    try:
        with httpx.Client(timeout=10) as client:
            for _ in range(200):
                body = make_body([("install_stage_completed", {"stage": "package"})] * 50)
                codes.append(post(served.url, body, client=client).status_code)
                if codes[-1] == 503:
                    break
    finally:
        assert served.stop() == 0
    assert codes[-1] == 503 and set(codes) <= {204, 429, 503}
    assert "its size cap" in served.printed()


def test_the_limit_flags_are_checked_before_anything_starts(db):
    from tests.support.cli import run

    for flags in (
        ["--max-events-per-second", "-5"],
        ["--max-db-mb", "nan"],
        ["--max-connections", "0"],
    ):
        done = run("collector", "serve", "--db", str(db), "--port", "0", *flags, timeout=30)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and flags[0] in done.stderr
    assert not db.exists()


def test_the_help_says_the_defaults(db):
    from tests.support.cli import run

    done = run("collector", "serve", "--help", timeout=30)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for default in ("(default: 1000)", "(default: 1024)", "within 10 s", "after 5 s"):
        assert default in text
