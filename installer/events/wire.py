"""The wire format: the exact body that is POSTed, built once for the sender and the preview.

``{"schema_version": 1, "envelope": {...}, "events": [{"name", "day", "seq", "props"}]}``

Building a body passes every value through the schema and then through the redaction
fence; a value the fence catches is dropped, never rewritten.
"""

from __future__ import annotations

import json

from doorstep.events import redact, schema

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, Optional

MAX_BODY_BYTES = 64 * 1024  # the collector refuses larger bodies; the sender splits below it


def _fenced(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not isinstance(v, str) or redact.is_clean(v)}


def body(
    envelope: dict[str, Any],
    events: Iterable[dict[str, Any]],
    the_schema: Optional[schema.Schema] = None,
) -> dict[str, Any]:
    """The body for ``events`` under ``envelope``: schema first, then the fence.

    Invalid events and values are dropped; ValueError when the envelope has no valid ids.
    ``the_schema`` defaults to the current product's.
    """
    the_schema = the_schema or schema.current()
    # The schema runs first: it caps every string, so the fence only ever sees short ones.
    clean_envelope = the_schema.clean_envelope(envelope)
    if clean_envelope is not None:
        clean_envelope = the_schema.clean_envelope(_fenced(clean_envelope))
    if clean_envelope is None:
        raise ValueError("an envelope without valid ids cannot be sent")
    clean_events = []
    for event in events:
        clean = the_schema.clean_event(event)
        if clean is not None:
            clean["props"] = _fenced(clean["props"])
            clean_events.append(clean)
    return {
        "schema_version": the_schema.version,
        "envelope": clean_envelope,
        "events": clean_events,
    }


def encode(payload: dict[str, Any]) -> bytes:
    """The bytes that go on the wire (compact, keys sorted: the preview prints the same)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def parse(
    raw: bytes, the_schema: Optional[schema.Schema] = None
) -> tuple[Optional[dict[str, Any]], str]:
    """Check a received body: (the cleaned body, "") or (None, why it was refused)."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, "the body is not JSON"
    if not isinstance(data, dict):
        return None, "the body is not a JSON object"
    the_schema = the_schema or schema.current()
    if (
        data.get("schema_version") != the_schema.version
        or type(data.get("schema_version")) is not int
    ):
        return None, f"schema_version must be {the_schema.version}"
    events = data.get("events")
    if not isinstance(events, list):
        return None, "events must be a list"
    envelope = the_schema.clean_envelope(data.get("envelope"))
    if envelope is None:
        return None, "the envelope needs schema_version, install_id and session_id"
    try:
        return body(envelope, events, the_schema), ""
    except ValueError as exc:
        return None, str(exc)


__all__ = ["MAX_BODY_BYTES", "body", "encode", "parse"]
