"""Writing: one insert of many bodies stores each event once and says how many were new."""

from __future__ import annotations

import json

from doorstep.collector.store import Store
from tests.collector.conftest import make_body, new_id, rows


def test_one_insert_of_many_bodies_stores_each_event_once_and_counts_the_new(db):
    session = new_id()
    first = make_body([("install_started", {"kind": "fresh"})] * 2, session_id=session)
    again = make_body([("install_started", {"kind": "fresh"})] * 3, session_id=session)
    other = make_body([("install_completed", {"duration": "<1s"})])
    empty = make_body([])
    store = Store.open(db)
    try:
        # seq 0 and 1 of `again` repeat `first`'s: only its seq 2 is new.
        assert store.insert([first, empty, again, other]) == 2 + 1 + 1
        assert store.insert([other]) == 0
        sessions = store.rows("SELECT count(*) FROM sessions")[0][0]
    finally:
        store.close()
    assert sessions == 2  # the empty body's run is not kept
    assert sorted((r["name"], r["seq"]) for r in rows(db)) == [
        ("install_completed", 0),
        ("install_started", 0),
        ("install_started", 1),
        ("install_started", 2),
    ]


def test_props_that_compare_equal_are_stored_each_as_itself(db):
    # True == 1 == 1.0 and 0.0 == -0.0: each must still be written as its own JSON.
    values = [True, 1, 1.0, False, 0, 0.0, -0.0, 1, True]
    bodies = [make_body([("install_started", {})]) for _ in values]
    for body, value in zip(bodies, values):
        body["events"][0]["props"] = {"n": value}
    store = Store.open(db)
    try:
        store.insert(bodies)
        stored = store.rows(
            "SELECT s.session_id, e.props FROM events e JOIN sessions s ON s.id = e.session"
        )
    finally:
        store.close()
    by_session = dict(stored)
    for body, value in zip(bodies, values):
        text = by_session[body["envelope"]["session_id"]]
        assert text == json.dumps({"n": value}, separators=(",", ":"))
        assert type(json.loads(text)["n"]) is type(value)
