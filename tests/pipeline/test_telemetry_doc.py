"""TELEMETRY.md is generated from the schema and the product file, and never stale."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from doorstep.delivery import spool, telemetry
from doorstep.events import redact, schema
from doorstep.foundation import product
from doorstep.render import telemetry_doc
from tests.pipeline.processes import ROOT, python

DOC = ROOT / "TELEMETRY.md"


def test_telemetry_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == telemetry_doc.render(), (
        "TELEMETRY.md is stale: run 'python -m doorstep.render.telemetry_doc --write TELEMETRY.md'"
    )


def test_check_fails_on_a_stale_copy_and_write_repairs_it(tmp_path: Path) -> None:
    copy = tmp_path / "TELEMETRY.md"
    copy.write_text(telemetry_doc.render().replace("90 days", "30 days"), encoding="utf-8")

    stale = python("-m", "doorstep.render.telemetry_doc", "--check", str(copy))
    assert stale.returncode == 1
    assert len(stale.stderr.splitlines()) == 1 and "--write" in stale.stderr

    assert python("-m", "doorstep.render.telemetry_doc", "--write", str(copy)).returncode == 0
    assert python("-m", "doorstep.render.telemetry_doc", "--check", str(copy)).returncode == 0
    assert python("-m", "doorstep.render.telemetry_doc").stdout == telemetry_doc.render()


def test_every_event_property_value_and_reason_is_documented() -> None:
    text = telemetry_doc.render()
    the_schema = schema.current()
    for event in the_schema.events.values():
        assert f"#### `{event.name}`" in text and event.why in text
        for prop in event.props.values():
            row = next(line for line in text.splitlines() if line.startswith(f"| `{prop.name}` |"))
            assert prop.type in row
            assert prop.why in text
            for value in prop.values:
                assert f"`{value}`" in text
            if prop.bucket is not None:
                assert all(f"`{label}`" in row for label in prop.bucket.labels)
    for name, prop in the_schema.envelope.items():
        assert f"| `{name}` | {prop.type}" in text and prop.why in text


def test_off_switches_consent_order_bounds_and_retention_are_documented() -> None:
    text = telemetry_doc.render()
    for switch in (
        "DO_NOT_TRACK",
        "DOORSTEP_TELEMETRY=0",
        "--no-telemetry",
        "doorstep telemetry disable",
        "doorstep settings",
        "DOORSTEP_TELEMETRY_ENDPOINT",
    ):
        assert switch in text
    assert "## How the decision is made" in text and "6. The product's policy" in text
    assert "2. The machine policy" in text
    the_schema = schema.current()
    assert f"keeps events for {the_schema.retention_days} days. {the_schema.retention_why}" in text
    assert f"at most {telemetry.BUFFER_LIMIT}" in text
    assert f"at most {spool.MAX_BYTES // 1024} KiB" in text
    assert f"older than {spool.MAX_AGE_DAYS} days" in text
    for words in redact.DESCRIPTIONS.values():
        assert words in text
    assert "## What is never collected" in text


def test_the_example_body_is_a_body_the_collector_accepts() -> None:
    from doorstep.events import wire

    body = telemetry_doc.example_body(schema.current())
    assert wire.parse(wire.encode(body)) == (body, "")
    assert body["events"]


def test_names_come_from_the_product_file() -> None:
    other = dataclasses.replace(
        product.current(), name="acme", display_name="Acme", env_prefix="ACME", command="acmectl"
    )
    text = telemetry_doc.render(other)
    assert "ACME_TELEMETRY=0" in text and "`acmectl telemetry disable`" in text
    # Commands are the one people type; folders follow the product's name.
    assert "`acme " not in text and "/etc/xdg/acme/telemetry.toml" in text
    assert "doorstep" not in text.lower()
    source = Path(telemetry_doc.__file__).read_text(encoding="utf-8")
    # Its own module path (doorstep.render.telemetry_doc) is the import package's name.
    assert "doorstep" not in re.sub(r"doorstep(\.[a-z_]+)+", "", source.lower())
