"""The allowlist: schema.toml is complete, and validation fails closed."""

from __future__ import annotations

import enum
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.delivery.telemetry import Recorder
from doorstep.events import schema
from doorstep.events.schema import INVALID, Prop

SCHEMA = schema.current()
SCHEMA_TEXT = Path(schema.__file__).with_name("schema.toml").read_text(encoding="utf-8")

# DESIGN.md, Events: every event of schema version 1 and its properties.
DESIGN_EVENTS = {
    "install_started": {"kind", "method"},
    "install_stage_completed": {"stage", "duration"},
    "install_completed": {"duration"},
    "install_failed": {"stage", "error"},
    "onboarding_started": {"ui"},
    "onboarding_step_viewed": {"step"},
    "onboarding_step_skipped": {"step"},
    "onboarding_completed": {"ui", "duration", "viewed_payload"},
    "uninstall_started": {"method", "keep_config"},
}
DESIGN_ENVELOPE = {
    "schema_version",
    "install_id",
    "session_id",
    "app_version",
    "python",
    "os",
    "arch",
    "ci",
    "container",
    "memory_gb",
}


def all_props() -> list[tuple[str, Prop]]:
    return [(e.name, p) for e in SCHEMA.events.values() for p in e.props.values()]


def test_the_schema_holds_exactly_the_designed_events_and_envelope() -> None:
    assert {name: set(e.props) for name, e in SCHEMA.events.items()} == DESIGN_EVENTS
    assert set(SCHEMA.envelope) == DESIGN_ENVELOPE
    assert SCHEMA.version == 1


def test_every_field_has_a_type_a_reason_and_its_allowed_values() -> None:
    fields = [*SCHEMA.envelope.values(), *(p for _, p in all_props())]
    for prop in fields:
        assert prop.type in ("enum", "bool", "bucket", "version", "hash", "id", "int")
        assert prop.why.strip() and "\n" not in prop.why
        if prop.type in ("enum", "int"):
            assert prop.values
        if prop.type == "bucket":
            assert prop.bucket is not None
    # No free text: events use only the five types the design allows.
    assert {p.type for _, p in all_props()} <= {"enum", "bool", "bucket", "version", "hash"}
    assert all(e.why.strip() for e in SCHEMA.events.values())


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        ('type = "enum"\nvalues = ["fresh", "upgrade", "reinstall"]\n', "reason"),
        ('type = "text"\nvalues = ["fresh"]\nwhy = "x"\n', "unknown type"),
        ('type = "enum"\nwhy = "x"\n', "needs values"),
        ('type = "bucket"\nbucket = "nope"\nwhy = "x"\n', "unknown bucket"),
    ],
)
def test_a_malformed_schema_is_refused(broken: str, message: str) -> None:
    start = SCHEMA_TEXT.index("[events.install_started.props.kind]")
    end = SCHEMA_TEXT.index("[events.install_started.props.method]")
    text = SCHEMA_TEXT[:start] + "[events.install_started.props.kind]\n" + broken
    text += SCHEMA_TEXT[end:]
    with pytest.raises(ValueError, match=message):
        schema.parse(text)


def test_an_unknown_event_is_dropped() -> None:
    assert SCHEMA.clean_props("installed_by", {"user": "alice"}) is None
    recorder = Recorder(env={})
    assert recorder.record("user_email", email="alice@example.com") is False
    assert recorder.pending == [] and recorder.rejected == 1


def test_unknown_and_invalid_properties_are_dropped() -> None:
    clean = SCHEMA.clean_props(
        "install_failed",
        {"stage": "package", "error": "ENOSPC: /home/alice is full", "path": "/home/alice"},
    )
    assert clean == {"stage": "package"}


@pytest.mark.parametrize("value", [["fresh"], {"kind": "fresh"}, ("fresh",), {"fresh"}, b"fresh"])
def test_lists_and_dicts_are_never_values(value: Any) -> None:
    for _, prop in all_props():
        assert prop.clean(value) is INVALID


def test_strings_are_length_capped() -> None:
    version = SCHEMA.envelope["app_version"]
    assert version.clean("1.2.3") == "1.2.3"
    assert version.clean("1.2.3+" + "x" * SCHEMA.max_string) is INVALID


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2.3", "1.2.3"),
        ("1.2.3+g1a2b3c.alice-laptop", "1.2.3"),
        ("2.0rc1", "2.0rc1"),
        ("1.0.post2.dev3", "1.0.post2.dev3"),
        ("1.2.3\n", INVALID),
        ("١.٢.٣", INVALID),
        ("1.2.3.4", INVALID),
        ("/home/alice/1.2", INVALID),
        ("latest", INVALID),
        (3.11, INVALID),
    ],
)
def test_versions_are_release_versions_only(value: Any, expected: Any) -> None:
    cleaned = SCHEMA.envelope["app_version"].clean(value)
    if expected is INVALID:
        assert cleaned is INVALID
    else:
        assert cleaned == expected


def test_buckets_turn_numbers_into_ranges() -> None:
    duration = SCHEMA.events["install_completed"].props["duration"]
    assert duration.clean(0) == "<1s"
    assert duration.clean(1) == "1-3s"  # edges are exclusive upper bounds
    assert duration.clean(4.2) == "3-10s"
    assert duration.clean(10**9) == ">10m"
    assert duration.clean("1-3m") == "1-3m"
    for bad in (-1, math.nan, math.inf, True, "4.2", "about a minute"):
        assert duration.clean(bad) is INVALID


def test_bools_are_bools_only() -> None:
    keep = SCHEMA.events["uninstall_started"].props["keep_config"]
    assert keep.clean(True) is True
    for bad in (1, 0, "true", None):
        assert keep.clean(bad) is INVALID


def test_a_string_subclass_is_judged_by_its_text() -> None:
    class Liar(str):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    class Stage(str, enum.Enum):
        PACKAGE = "package"

    stage = SCHEMA.events["install_failed"].props["stage"]
    assert stage.clean(Liar("/home/alice")) is INVALID
    cleaned = stage.clean(Stage.PACKAGE)
    assert cleaned == "package" and type(cleaned) is str


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
prop_names = st.sampled_from(sorted({p.name for _, p in all_props()})) | st.text(max_size=12)
event_names = st.sampled_from(sorted(SCHEMA.events)) | st.text(max_size=24)


@given(name=event_names, props=st.dictionaries(prop_names, json_values, max_size=6))
def test_validation_fails_closed_for_any_input(name: str, props: dict[str, Any]) -> None:
    clean = SCHEMA.clean_props(name, props)
    if name not in SCHEMA.events:
        assert clean is None
        return
    assert clean is not None
    allowed = SCHEMA.events[name].props
    for key, value in clean.items():
        prop = allowed[key]
        assert type(value) in (str, bool, int)
        assert prop.clean(value) == value  # what is kept is a fixed point of the check
        if prop.type == "enum":
            assert value in prop.values
        if prop.type == "bucket":
            assert prop.bucket is not None and value in prop.bucket.labels
        if isinstance(value, str):
            assert len(value) <= SCHEMA.max_string


@given(
    event=st.fixed_dictionaries(
        {},
        optional={
            "name": event_names,
            "day": st.dates().map(str) | st.text(max_size=12),
            "seq": st.integers() | st.text(max_size=3),
            "props": st.dictionaries(prop_names, json_values, max_size=4) | json_values,
            "extra": json_values,
        },
    )
)
def test_a_wire_event_is_rebuilt_from_known_keys_only(event: dict[str, Any]) -> None:
    clean = SCHEMA.clean_event(event)
    if clean is not None:
        assert set(clean) == {"name", "day", "seq", "props"}
        assert clean["name"] in SCHEMA.events
        assert 0 <= clean["seq"] < 2**31
        assert set(clean["props"]) <= set(SCHEMA.events[clean["name"]].props)


def test_retention_comes_from_the_schema() -> None:
    assert SCHEMA.retention_days == 90
    assert SCHEMA.retention_why
