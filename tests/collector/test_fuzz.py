"""Fuzzed requests: the answer is 204 or a 4xx, never a 500, and nothing invalid is stored.

Bodies come in three kinds: random bytes, random JSON, and near-valid bodies whose
every field may be swapped for something wrong (the kind most likely to get through).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from doorstep.collector import days
from doorstep.events import redact, schema, wire
from tests.collector.conftest import post

SCHEMA = schema.current()
ANSWERS = {204, 400, 413, 415, 429}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _valid_values(prop: schema.Prop) -> st.SearchStrategy[Any]:
    if prop.bucket is not None:
        return st.sampled_from(prop.bucket.labels) | st.floats(min_value=0, max_value=1e4)
    if prop.type == "bool":
        return st.booleans()
    if prop.type == "id":
        return st.uuids(version=4).map(str)
    if prop.type == "version":
        return st.sampled_from(["1.0", "3.12", "2.0.1rc1", "1.0+g1a2b3c", "1.0/home/alice"])
    if prop.values:
        return st.sampled_from(prop.values)
    return st.nothing()


def _maybe_wrong(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(valid, valid, valid, json_values)


@st.composite
def near_valid(draw: st.DrawFn) -> bytes:
    # A few install ids only, so the rate limiter gets exercised too.
    envelope = {
        key: draw(_maybe_wrong(_valid_values(prop)))
        for key, prop in SCHEMA.envelope.items()
        if draw(st.integers(0, 9)) > 0
    }
    envelope["install_id"] = draw(
        _maybe_wrong(st.sampled_from([str(uuid.UUID(int=n, version=4)) for n in range(1, 4)]))
    )
    names = st.sampled_from(sorted(SCHEMA.events)) | st.text(max_size=30)
    events = []
    for _ in range(draw(st.integers(0, 12))):
        name = draw(names)
        spec = SCHEMA.events.get(name)
        props = {}
        if spec is not None:
            for key, prop in spec.props.items():
                if draw(st.booleans()):
                    props[key] = draw(_maybe_wrong(_valid_values(prop)))
        props.update(draw(st.dictionaries(st.text(max_size=10), json_values, max_size=2)))
        event = {
            "name": name,
            "day": draw(
                _maybe_wrong(
                    st.integers(-120, 3).map(lambda n: days.shift(days.today(), n))
                    | st.sampled_from(["2026-02-30", "2026-1-1", "20260101"])
                )
            ),
            "seq": draw(_maybe_wrong(st.integers(0, 2**31 + 5))),
            "props": draw(_maybe_wrong(st.just(props))),
        }
        for key in draw(st.lists(st.sampled_from(sorted(event)), max_size=1)):
            del event[key]
        events.append(event)
    body: dict[str, Any] = {
        "schema_version": draw(_maybe_wrong(st.just(SCHEMA.version))),
        "envelope": draw(_maybe_wrong(st.just(envelope))),
        "events": draw(_maybe_wrong(st.just(events))),
    }
    return json.dumps(body).encode()


bodies = st.one_of(
    st.binary(max_size=512),
    json_values.map(lambda v: json.dumps(v).encode()),
    near_valid(),
    near_valid(),
    near_valid(),
)
content_types = st.sampled_from(
    ["application/json"] * 8 + ["text/plain", "", "application/JSON; x=y"]
)


def assert_every_row_is_valid(db: Path) -> int:
    """Each stored event and envelope is exactly what the schema would keep; returns rows."""
    low, high = days.accepted_window(days.today(), SCHEMA.retention_days)
    with closing(sqlite3.connect(db)) as connection:
        found = connection.execute(
            "SELECT s.install_id, s.session_id, s.envelope, e.seq, e.day, e.name, e.props "
            "FROM events e JOIN sessions s ON s.id = e.session"
        ).fetchall()
    for install_id, session_id, envelope_text, seq, day, name, props_text in found:
        event = {"name": name, "day": day, "seq": seq, "props": json.loads(props_text)}
        assert SCHEMA.clean_event(event) == event
        assert low <= day <= high
        envelope = {**json.loads(envelope_text), "install_id": install_id, "session_id": session_id}
        assert SCHEMA.clean_envelope(envelope) == envelope
        for value in [*event["props"].values(), *envelope.values()]:
            assert not isinstance(value, str) or redact.is_clean(value)
    return len(found)


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=bodies, content_type=content_types)
def test_fuzzed_requests_get_204_or_4xx(collector, raw, content_type):
    response = post(collector.url, raw, content_type=content_type)
    assert response.status_code in ANSWERS, (response.status_code, response.text)


def test_after_fuzzing_every_stored_row_is_valid_and_some_were_stored(collector, db):
    seen: dict[int, int] = {}

    # One body surely valid (explicit examples run first, before any rate limit): random
    # draws alone left the database empty now and then, and the check below with nothing.
    valid = {
        "schema_version": SCHEMA.version,
        "envelope": {
            "schema_version": SCHEMA.version,
            "install_id": str(uuid.UUID(int=9, version=4)),
            "session_id": str(uuid.UUID(int=10, version=4)),
        },
        "events": [
            {"name": "install_started", "day": days.today(), "seq": 0, "props": {"kind": "fresh"}}
        ],
    }

    @settings(max_examples=250, deadline=None, database=None)
    @given(raw=near_valid())
    @example(raw=json.dumps(valid).encode())
    def send(raw: bytes) -> None:
        code = post(collector.url, raw, client=client).status_code
        assert code in ANSWERS
        seen[code] = seen.get(code, 0) + 1

    with httpx.Client(timeout=10) as client:
        send()

    assert seen.get(204, 0) > 0 and seen.get(400, 0) > 0  # both sides were reached
    assert assert_every_row_is_valid(db) > 0


def test_the_row_check_itself_catches_an_invalid_row(collector, db):
    # The check above must be able to fail: put one row there that the schema refuses.
    body, _ = wire.parse(
        json.dumps(
            {
                "schema_version": 1,
                "envelope": {
                    "schema_version": 1,
                    "install_id": str(uuid.uuid4()),
                    "session_id": str(uuid.uuid4()),
                },
                "events": [{"name": "install_started", "day": days.today(), "seq": 0, "props": {}}],
            }
        ).encode()
    )
    assert body is not None
    assert post(collector.url, body).status_code == 204
    with closing(sqlite3.connect(db)) as connection:
        connection.execute("""UPDATE events SET props = '{"kind": "from /home/alice"}'""")
        connection.commit()
    try:
        assert_every_row_is_valid(db)
    except AssertionError:
        return
    raise AssertionError("an invalid row went unnoticed")
