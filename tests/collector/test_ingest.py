"""POST /v1/events: what is stored, and the answer for every kind of wrong request."""

from __future__ import annotations

import json
import socket

import httpx

from doorstep.collector import days, server
from doorstep.events import schema, wire
from tests.collector.conftest import count, make_body, new_id, post, rows


def test_a_valid_batch_is_stored_and_answered_204(collector, db):
    body = make_body(
        [
            ("install_started", {"kind": "fresh", "method": "script"}),
            ("install_stage_completed", {"stage": "preflight", "duration": "<1s"}),
            ("install_completed", {"duration": "10-30s"}),
        ]
    )

    response = post(collector.url, body)

    assert response.status_code == 204
    assert response.content == b""
    stored = rows(db)
    assert [r["name"] for r in stored] == [
        "install_started",
        "install_stage_completed",
        "install_completed",
    ]
    assert {r["install_id"] for r in stored} == {body["envelope"]["install_id"]}
    assert json.loads(stored[0]["props"]) == {"kind": "fresh", "method": "script"}
    envelope = json.loads(stored[0]["envelope"])
    assert envelope["os"] == body["envelope"]["os"]
    assert "install_id" not in envelope and "session_id" not in envelope


def test_unknown_events_and_invalid_props_are_dropped_not_stored(collector, db):
    body = make_body([("install_started", {"kind": "fresh"})])
    body["events"] += [
        {"name": "made_up", "day": days.today(), "seq": 1, "props": {}},
        {
            "name": "install_failed",
            "day": days.today(),
            "seq": 2,
            "props": {"stage": "package", "error": "/home/alice/secret", "extra": "x"},
        },
    ]

    assert post(collector.url, body).status_code == 204

    stored = rows(db)
    assert [(r["name"], json.loads(r["props"])) for r in stored] == [
        ("install_started", {"kind": "fresh"}),
        ("install_failed", {"stage": "package"}),
    ]


def test_the_same_batch_sent_twice_is_stored_once(collector, db):
    body = make_body([("install_started", {}), ("install_completed", {})])

    assert post(collector.url, body).status_code == 204
    assert post(collector.url, body).status_code == 204

    assert count(db) == 2


def test_days_outside_the_retention_window_or_in_the_future_are_dropped(collector, db):
    retention = schema.current().retention_days
    today = days.today()
    body = make_body([("install_started", {})])
    body["events"] = [
        {
            "name": "install_started",
            "day": days.shift(today, -retention - 1),
            "seq": 0,
            "props": {},
        },
        {"name": "install_started", "day": days.shift(today, -retention), "seq": 1, "props": {}},
        {"name": "install_started", "day": days.shift(today, 1), "seq": 2, "props": {}},
        {"name": "install_started", "day": days.shift(today, 2), "seq": 3, "props": {}},
    ]

    assert post(collector.url, body).status_code == 204

    assert [r["seq"] for r in rows(db)] == [1, 2]


def test_a_batch_with_nothing_left_to_store_is_still_204_and_stores_nothing(collector, db):
    body = make_body([("install_started", {})])
    body["events"] = [{"name": "made_up", "day": days.today(), "seq": 0, "props": {}}]

    assert post(collector.url, body).status_code == 204
    assert count(db) == 0


def test_malformed_bodies_are_400_with_a_reason(collector, db):
    good = make_body()
    no_ids = json.loads(wire.encode(good))
    del no_ids["envelope"]["install_id"]
    wrong_version = dict(good, schema_version=99)
    for raw in (
        b"{",
        b"[]",
        b"\xff\xfe",
        json.dumps(no_ids).encode(),
        json.dumps(wrong_version).encode(),
        json.dumps(dict(good, events={"not": "a list"})).encode(),
    ):
        response = post(collector.url, raw)
        assert response.status_code == 400, raw
        assert response.json()["error"]
    assert count(db) == 0


def test_a_body_over_64_kib_is_413_whether_or_not_its_length_is_declared(collector, db):
    too_big = b'{"pad": "' + b"x" * wire.MAX_BODY_BYTES + b'"}'

    declared = post(collector.url, too_big)

    def chunks():
        for start in range(0, len(too_big), 4096):
            yield too_big[start : start + 4096]

    streamed = httpx.post(
        collector.url,
        content=chunks(),
        headers={"Content-Type": "application/json"},
        timeout=10.0,
    )
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert count(db) == 0


def test_a_body_of_exactly_64_kib_is_not_refused_for_its_size(collector):
    body = wire.encode(make_body())
    padded = body[:-1] + b" " * (wire.MAX_BODY_BYTES - len(body)) + b"}"
    assert len(padded) == wire.MAX_BODY_BYTES

    assert post(collector.url, padded).status_code == 204


def test_wrong_content_type_is_415(collector, db):
    body = make_body()
    for content_type in ("text/plain", "application/x-www-form-urlencoded", ""):
        assert post(collector.url, body, content_type=content_type).status_code == 415
    assert (
        post(collector.url, body, content_type="application/json; charset=utf-8").status_code == 204
    )
    assert count(db) == 1


def test_wrong_method_is_405_and_another_path_404(collector):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        response = httpx.request(method, collector.url, timeout=10.0)
        assert response.status_code == 405, method
        assert response.headers["allow"] == "POST"
    other = collector.url.replace("/v1/events", "/v2/events")
    assert post(other, make_body()).status_code == 404


def test_garbage_on_the_socket_does_not_stop_the_server(collector, db):
    host, port = "127.0.0.1", collector.port
    for junk in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"POST /v1/events HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    ):
        with socket.create_connection((host, port), timeout=5) as sock:
            sock.sendall(junk)
            sock.recv(1024)  # an error answer or a closed connection: either is fine

    assert post(collector.url, make_body()).status_code == 204
    assert count(db) == 1


def test_a_locked_database_is_503_not_500_and_the_server_recovers(db):
    import sqlite3

    running = server.start(server.Settings(db=db, port=0, db_wait=0.1))
    try:
        blocker = sqlite3.connect(db, timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock too long
        try:
            response = post(running.url, make_body())
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        after = post(running.url, make_body())
    finally:
        running.close()

    assert response.status_code == 503
    assert after.status_code == 204
    assert count(db) == 1


def test_one_keep_alive_connection_carries_many_installs(collector, db):
    with httpx.Client(timeout=10.0) as client:
        answers = [
            post(collector.url, make_body(install_id=new_id()), client=client) for _ in range(20)
        ]
    assert {a.status_code for a in answers} == {204}
    assert count(db) == 20
