"""A product's own events join doorstep's schema, validated and fenced by the same code;
they cannot redefine a built-in event or bring free text."""

from __future__ import annotations

import dataclasses

import pytest

from doorstep.events import schema, wire
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import ProductError
from doorstep.foundation.product import Product
from tests.foundation.test_product_file import ACME

EVENT = """
[events.{name}]
why = "A reason."
[events.{name}.props.{prop}]
{spec}
why = "A reason."
"""


def acme(extra: str = "") -> Product:
    return Product.from_toml(ACME + extra, origin="/tool/acme/doorstep.toml")


def test_the_tools_events_and_rollups_join_the_built_in_ones() -> None:
    the_schema = schema.for_product(acme())
    assert "command_run" in the_schema.events and "install_started" in the_schema.events
    rollup = the_schema.events["usage_rollup"].props
    assert rollup["command"].values == ("deploy", "check")
    assert the_schema.clean_props("usage_rollup", {"command": "deploy", "count": 3, "errors": 1})
    assert the_schema.clean_props("usage_rollup", {"command": "rm -rf", "count": -1}) == {}


def test_without_usage_commands_there_are_no_rollups() -> None:
    assert "usage_rollup" not in schema.for_product(product_module.own()).events


def test_the_tools_event_is_validated_like_any_other() -> None:
    the_schema = schema.for_product(acme())
    envelope = {
        "schema_version": 1,
        "install_id": "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
        "session_id": "4f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
    }
    events = [
        {"name": "command_run", "day": "2026-11-22", "seq": 0, "props": {"command": "deploy"}},
        {"name": "command_run", "day": "2026-11-22", "seq": 1, "props": {"command": "/home/a"}},
        {"name": "command_ran", "day": "2026-11-22", "seq": 2, "props": {}},
    ]
    body = wire.body(envelope, events, the_schema)
    assert [e["props"] for e in body["events"]] == [{"command": "deploy"}, {}]
    # doorstep's own schema knows nothing of it: dropped.
    own = wire.body(envelope, events, schema.for_product(product_module.own()))
    assert own["events"] == []


@pytest.mark.parametrize(
    ("name", "prop", "spec", "message"),
    [
        ("install_started", "kind", 'type = "bool"', "built-in event"),
        ("usage_rollup", "command", 'type = "bool"', "built-in event"),
        ("free", "text", 'type = "text"', "unknown type 'text'"),
        ("free", "text", 'type = "string"', "unknown type 'string'"),
        ("with_id", "user", 'type = "id"', "unknown type 'id'"),
        ("bad", "choice", 'type = "enum"', "enum needs values"),
        ("bad", "choice", 'type = "enum"\nvalues = [1, 2]', "must all be enum values"),
        ("bad", "email", 'type = "enum"\nvalues = ["alice@example.com"]', "looks personal"),
        ("bad", "n", 'type = "int"', "int needs values or max"),
        ("bad", "b", 'type = "bucket"\nbucket = "nope"', "unknown bucket"),
        ("Bad-Name", "b", 'type = "bool"', "lowercase"),
    ],
)
def test_a_wrong_event_is_one_line_naming_the_file_and_the_field(
    name: str, prop: str, spec: str, message: str
) -> None:
    broken = acme(EVENT.format(name=name, prop=prop, spec=spec))
    with pytest.raises(ProductError) as caught:
        schema.for_product(broken)
    text = str(caught.value)
    assert text.startswith("/tool/acme/doorstep.toml: events.")
    assert message in text and "\n" not in text


def test_a_bucket_of_the_built_in_schema_can_be_used() -> None:
    extra = EVENT.format(
        name="build_done", prop="took", spec='type = "bucket"\nbucket = "duration"'
    )
    the_schema = schema.for_product(acme(extra))
    assert the_schema.clean_props("build_done", {"took": 4.2}) == {"took": "3-10s"}


def test_two_products_have_two_schemas() -> None:
    one = acme()
    other = dataclasses.replace(one, name="bolt", usage=("build",))
    assert schema.for_product(one).events["usage_rollup"].props["command"].values == (
        "deploy",
        "check",
    )
    assert schema.for_product(other).events["usage_rollup"].props["command"].values == ("build",)
