"""Forwarding to PostHog's batch API, against a loopback server standing in for PostHog.

The capture server records each request; these tests check it against the documented
batch shape: ``{"api_key", "batch": [{"event", "distinct_id", "properties", "timestamp"}]}``.
"""

from __future__ import annotations

import uuid

from doorstep.collector import server
from doorstep.collector.forward import Forwarder, batch_url, posthog_events
from tests.collector.conftest import make_body, post, start_process
from tests.support import capture as capture_module
from tests.support.cli import run

KEY = "phc_testkey0123456789abcdef"
QUICK = 0.2  # seconds between posts to PostHog in these tests (an hour or more in use)


def _posthog_url(capture) -> str:
    return capture.url.replace("/v1/events", "/batch/")


def _check_batch_shape(request, key: str) -> list[dict]:
    assert request.method == "POST"
    assert request.path == "/batch/"
    assert request.headers["Content-Type"] == "application/json"
    payload = request.json()
    assert set(payload) == {"api_key", "historical_migration", "batch"}
    assert payload["api_key"] == key
    assert payload["historical_migration"] is False
    assert isinstance(payload["batch"], list) and payload["batch"]
    for event in payload["batch"]:
        assert set(event) == {"event", "distinct_id", "timestamp", "uuid", "properties"}
        assert event["properties"]["$process_person_profile"] is False
        assert event["properties"]["$geoip_disable"] is True
        assert event["timestamp"].endswith("T00:00:00Z")  # the day, never a time of day
        assert uuid.UUID(event["uuid"])
    return payload["batch"]


def test_stored_events_reach_posthog_as_anonymous_events(db):
    posthog = capture_module.start()
    running = server.start(
        server.Settings(
            db=db,
            port=0,
            forward_url=_posthog_url(posthog),
            posthog_key=KEY,
            forward_interval=QUICK,
        )
    )
    try:
        body = make_body(
            [("install_started", {"kind": "fresh"}), ("install_completed", {"duration": "<1s"})]
        )
        assert post(running.url, body).status_code == 204
        assert post(running.url, b"{").status_code == 400  # refused: never forwarded
        assert posthog.wait_for(lambda c: sum(len(b["batch"]) for b in c.bodies()) >= 2)
    finally:
        summary = running.close()
        posthog.close()

    events = [e for request in posthog.requests for e in _check_batch_shape(request, KEY)]
    # Shuffled within a batch: not even the order of arrival reaches PostHog.
    by_name = {e["event"]: e for e in events}
    assert sorted(by_name) == ["install_completed", "install_started"] and len(events) == 2
    install_id = body["envelope"]["install_id"]
    assert {e["distinct_id"] for e in events} == {install_id}
    started = by_name["install_started"]
    assert started["timestamp"] == f"{body['events'][0]['day']}T00:00:00Z"
    assert started["properties"]["kind"] == "fresh"
    assert started["properties"]["os"] == body["envelope"]["os"]
    for event in events:
        assert body["envelope"]["session_id"] not in str(event)
        assert "install_id" not in event["properties"]
    assert any("forwarded 2 events" in line for line in summary)


def test_the_same_event_gets_the_same_uuid_so_posthog_can_drop_a_repeat():
    body = make_body([("install_started", {})])
    assert posthog_events(body)[0]["uuid"] == posthog_events(body)[0]["uuid"]
    other = make_body([("install_started", {})])
    assert posthog_events(other)[0]["uuid"] != posthog_events(body)[0]["uuid"]


def test_posthog_down_costs_only_the_forwarded_copy(db):
    posthog = capture_module.start(mode="status", status=503)
    running = server.start(
        server.Settings(
            db=db,
            port=0,
            forward_url=_posthog_url(posthog),
            posthog_key=KEY,
            forward_interval=QUICK,
        )
    )
    try:
        assert post(running.url, make_body()).status_code == 204
        assert posthog.wait_for(lambda c: len(c.requests) >= 1)
    finally:
        summary = running.close()
        posthog.close()
    assert any("1 not accepted" in line for line in summary)


def test_the_queue_is_bounded_and_closing_does_not_hang_on_a_silent_posthog():
    posthog = capture_module.start(mode="blackhole")
    forwarder = Forwarder(_posthog_url(posthog), KEY, queue_limit=10, batch=5, timeout=0.5)
    try:
        forwarder.start()
        for _ in range(10):
            forwarder.offer(make_body([("install_started", {})] * 5))
        counts = forwarder.close(timeout=1.0)
    finally:
        posthog.close()

    assert counts.forwarded == 0
    assert counts.dropped >= 50 - 10 - 5  # the queue holds 10; one batch may be in flight
    assert counts.dropped + counts.failed == 50
    assert not forwarder._thread.is_alive()


def test_forwarding_from_the_command_line(tmp_path, db):
    posthog = capture_module.start()
    try:
        served = start_process(
            tmp_path,
            db,
            "--forward-posthog",
            _posthog_url(posthog),
            env={"DOORSTEP_POSTHOG_KEY": KEY},
        )
        try:
            assert post(served.url, make_body()).status_code == 204
        finally:
            assert served.stop() == 0  # the hourly batch is due: stopping posts it
    finally:
        posthog.close()
    assert len(posthog.requests) == 1
    assert _check_batch_shape(posthog.requests[0], KEY)
    assert KEY not in served.printed()  # the key is never echoed


def test_forwarding_options_are_checked(db):
    url = "http://127.0.0.1:9/batch/"
    no_key = run("collector", "serve", "--db", str(db), "--forward-posthog", url)
    bad_url = run(
        "collector", "serve", "--db", str(db), "--forward-posthog", "ftp://x", "--posthog-key", KEY
    )
    key_alone = run("collector", "serve", "--db", str(db), "--posthog-key", KEY)

    for done in (no_key, bad_url, key_alone):
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
    assert not db.exists()  # nothing was started


def test_batch_url_takes_a_host_or_a_full_url():
    assert batch_url("https://us.i.posthog.com") == "https://us.i.posthog.com/batch/"
    assert batch_url("https://eu.i.posthog.com/") == "https://eu.i.posthog.com/batch/"
    assert batch_url("http://127.0.0.1:8000/batch/") == "http://127.0.0.1:8000/batch/"
    assert batch_url("us.i.posthog.com") is None
    assert batch_url("file:///etc/passwd") is None
