"""Concurrent writers lose nothing: many clients at once, and two servers on one file."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from doorstep.collector import server
from tests.collector.conftest import count, make_body, post, rows

CLIENTS = 8
REQUESTS = 25
EVENTS = 5


def _hammer(url: str, answers: list[int], lock: threading.Lock) -> None:
    with httpx.Client(timeout=30) as client:
        for _ in range(REQUESTS):
            body = make_body([("onboarding_step_viewed", {"step": "welcome"})] * EVENTS)
            code = post(url, body, client=client).status_code
            with lock:
                answers.append(code)


def _run_clients(urls: list[str]) -> list[int]:
    answers: list[int] = []
    lock = threading.Lock()
    threads = [
        threading.Thread(target=_hammer, args=(urls[n % len(urls)], answers, lock))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def test_many_clients_at_once_lose_nothing(collector, db):
    answers = _run_clients([collector.url])

    assert answers == [204] * (CLIENTS * REQUESTS)
    assert count(db) == CLIENTS * REQUESTS * EVENTS
    sessions = {r["session_id"] for r in rows(db)}
    assert len(sessions) == CLIENTS * REQUESTS


def test_two_collectors_on_one_database_lose_nothing(db: Path):
    first = server.start(server.Settings(db=db, port=0))
    try:
        second = server.start(server.Settings(db=db, port=0))
        try:
            answers = _run_clients([first.url, second.url])
        finally:
            second.close()
    finally:
        first.close()

    assert answers == [204] * (CLIENTS * REQUESTS)
    assert count(db) == CLIENTS * REQUESTS * EVENTS


def test_everything_answered_204_is_on_disk_when_the_server_stops(collector_process):
    body = make_body([("install_started", {})] * 10)
    assert post(collector_process.url, body).status_code == 204

    assert collector_process.stop() == 0
    assert count(collector_process.db) == 10
