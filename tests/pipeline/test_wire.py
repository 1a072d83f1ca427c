"""The body on the wire: built through the schema and the fence, checked on arrival."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.events import envelope, redact, schema, wire

INSTALL_ID = str(uuid.uuid4())


def an_envelope(**changes: Any) -> dict[str, Any]:
    return {**envelope.build({}, INSTALL_ID), **changes}


def an_event(name: str = "install_started", seq: int = 0, **props: Any) -> dict[str, Any]:
    return {"name": name, "day": "2026-11-22", "seq": seq, "props": props}


def test_the_body_has_the_designed_shape() -> None:
    body = wire.body(an_envelope(), [an_event(kind="fresh", method="script")])
    assert set(body) == {"schema_version", "envelope", "events"}
    assert body["schema_version"] == 1
    assert body["envelope"]["install_id"] == INSTALL_ID
    assert body["events"] == [an_event(kind="fresh", method="script")]


def test_encoding_is_compact_sorted_and_ascii() -> None:
    data = wire.encode(wire.body(an_envelope(), [an_event(kind="fresh")]))
    assert data == json.dumps(json.loads(data), separators=(",", ":"), sort_keys=True).encode()
    assert data.isascii()


def test_invalid_events_and_values_never_reach_the_body() -> None:
    events = [
        an_event(kind="fresh", note="ENOSPC writing /home/alice"),
        an_event("user_logged_in", user="alice"),
        {"name": "install_started", "day": "yesterday", "seq": 1, "props": {}},
        "not an event",
    ]
    body = wire.body(an_envelope(hostname="alices-laptop", python="3.12\n"), events)
    assert body["events"] == [an_event(kind="fresh")]
    assert "hostname" not in body["envelope"] and "python" not in body["envelope"]


def test_an_envelope_without_valid_ids_cannot_be_sent() -> None:
    with pytest.raises(ValueError):
        wire.body(an_envelope(install_id="alice@example.com"), [])


def test_the_fence_drops_what_a_careless_schema_would_let_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The shipped schema lets nothing personal through, so this test widens an enum the
    # way a careless change would: a real schema, parsed from edited text.
    text = Path(schema.__file__).with_name("schema.toml").read_text(encoding="utf-8")
    widened = text.replace(
        'values = ["fresh", "upgrade", "reinstall"]',
        'values = ["fresh", "upgrade", "reinstall", "alice@example.com", "/home/alice"]',
    )
    assert widened != text
    monkeypatch.setattr(schema, "current", lambda: schema.parse(widened))

    for leaked in ("alice@example.com", "/home/alice"):
        body = wire.body(an_envelope(), [an_event(kind=leaked, method="pip")])
        assert body["events"] == [an_event(method="pip")]
        assert leaked.encode() not in wire.encode(body)


def test_parse_accepts_what_body_builds() -> None:
    body = wire.body(an_envelope(), [an_event(kind="fresh"), an_event(seq=1, kind="upgrade")])
    assert wire.parse(wire.encode(body)) == (body, "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe garbage", "not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"schema_version": 2, "envelope": {}, "events": []}', "schema_version"),
        (b'{"schema_version": true, "envelope": {}, "events": []}', "schema_version"),
        (b'{"schema_version": 1, "envelope": {}, "events": {}}', "events must be a list"),
        (b'{"schema_version": 1, "envelope": {"os": "linux"}, "events": []}', "envelope"),
        (b"[" * 100_000, "not JSON"),
    ],
)
def test_parse_refuses_with_a_reason(raw: bytes, reason: str) -> None:
    body, why = wire.parse(raw)
    assert body is None and reason in why


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


@given(
    raw=st.binary(max_size=200)
    | json_values.map(lambda v: json.dumps(v).encode())
    | st.builds(
        lambda env, events: json.dumps(
            {"schema_version": 1, "envelope": env, "events": events}
        ).encode(),
        st.dictionaries(st.sampled_from(sorted(schema.current().envelope)), json_values)
        | st.just(an_envelope()),
        st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(sorted(schema.current().events)) | st.text(max_size=10)},
                optional={"day": st.just("2026-11-22"), "seq": st.integers(), "props": json_values},
            ),
            max_size=4,
        ),
    )
)
def test_parse_never_raises_and_keeps_only_clean_schema_values(raw: bytes) -> None:
    body, why = wire.parse(raw)
    if body is None:
        assert why
        return
    assert wire.parse(wire.encode(body)) == (body, "")  # a parsed body is a fixed point
    for text in _strings(body["envelope"]) + _strings(body["events"]):
        assert redact.is_clean(text)


# Values a prop may be given on the wire, the look-alikes among them: True == 1 == 1.0.
wire_values = st.sampled_from(
    [True, False, 0, 1, 1.0, 0.0, -0.0, 2, 3.5, "1", "true", "<1s", None, [], {}]
) | st.sampled_from(
    sorted(
        {v for e in schema.current().events.values() for p in e.props.values() for v in p.values}
    )
)
wire_events = st.fixed_dictionaries(
    {
        "name": st.sampled_from(sorted(schema.current().events)),
        "day": st.sampled_from(["2026-11-22", "2026-02-30", 20261122]),
        "seq": st.sampled_from([0, 1, 2**31 - 1, 2**31, -1, True, 1.0, "1"]),
        "props": st.dictionaries(
            st.sampled_from(["kind", "method", "stage", "duration", "ui", "keep_config", "x"]),
            wire_values,
            max_size=3,
        ),
    }
)


ids = st.sampled_from([INSTALL_ID, str(uuid.uuid4()), INSTALL_ID.upper(), "x", 1, None])
wire_envelopes = st.builds(
    lambda changes, install_id, session_id: {
        **an_envelope(),
        **changes,
        "install_id": install_id,
        "session_id": session_id,
    },
    st.dictionaries(
        st.sampled_from([*sorted(schema.current().envelope), "x"]),
        wire_values | st.sampled_from(["3.12", "1.0+g1a2b3c", "1.0/home/alice", "linux"]),
        max_size=3,
    ),
    ids,
    ids,
)


@given(
    st.lists(st.tuples(wire_envelopes, st.lists(wire_events, max_size=6)), min_size=1, max_size=8)
)
def test_a_parser_answers_exactly_as_parse_does(
    batches: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> None:
    parser = wire.Parser()
    # Every envelope and event again, once the parser remembers it; then with new ids.
    again = [({**e, "session_id": str(uuid.uuid4())}, events) for e, events in batches]
    for the_envelope, events in batches + batches + again:
        raw = json.dumps({"schema_version": 1, "envelope": the_envelope, "events": events})
        assert parser.parse(raw.encode()) == wire.parse(raw.encode())


def test_a_parser_tells_a_bool_from_the_number_it_equals() -> None:
    parser = wire.Parser()
    for name, prop in (("install_completed", "duration"), ("uninstall_started", "keep_config")):
        for value in (1, True, 1.0, 0, False, 0.0, True, 1):
            raw = wire.encode(
                {**wire.body(an_envelope(), []), "events": [an_event(name, **{prop: value})]}
            )
            assert parser.parse(raw) == wire.parse(raw), (name, value)


def test_a_parser_tells_a_bool_from_the_number_it_equals_in_the_envelope_too() -> None:
    parser = wire.Parser()
    for value in (True, 1, 1.0, False, 0, 0.0, True, 1):
        raw = wire.encode({**wire.body(an_envelope(), []), "envelope": an_envelope(ci=value)})
        assert parser.parse(raw) == wire.parse(raw), value
