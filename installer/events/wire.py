"""The wire format: the exact body that is POSTed, built once for the sender and the preview.

``{"schema_version": 1, "envelope": {...}, "events": [{"name", "day", "seq", "props"}]}``

Building a body passes every value through the schema and then through the redaction
fence; a value the fence catches is dropped, never rewritten.
"""

from __future__ import annotations

import json

from doorstep.events import redact, schema
from doorstep.foundation import ids

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
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
    return {
        "schema_version": the_schema.version,
        "envelope": clean_envelope,
        "events": _clean_events(the_schema, events),
    }


def _clean_events(the_schema: schema.Schema, events: Iterable[Any]) -> list[dict[str, Any]]:
    clean_events = []
    for event in events:
        clean = the_schema.clean_event(event)
        if clean is not None:
            clean["props"] = _fenced(clean["props"])
            clean_events.append(clean)
    return clean_events


def encode(payload: dict[str, Any]) -> bytes:
    """The bytes that go on the wire (compact, keys sorted: the preview prints the same)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")


def parse(
    raw: bytes, the_schema: Optional[schema.Schema] = None
) -> tuple[Optional[dict[str, Any]], str]:
    """Check a received body: (the cleaned body, "") or (None, why it was refused)."""
    return _parse(raw, the_schema, _clean_envelope, _clean_events)


# How many events a Parser remembers: only wholly valid ones, so each is a few short strings.
_SEEN_EVENTS = 4096


class Parser:
    """``parse`` for a server, which sees the same events again and again.

    Senders of one tool send the same few events with the same few values, so a parser
    remembers what each valid (name, day, props) it has seen cleaned to, and of a
    repeat checks only the ``seq``; likewise each valid envelope, of which a repeat
    differs only in its ids. Its answers are exactly ``parse``'s.
    """

    def __init__(self, the_schema: Optional[schema.Schema] = None) -> None:
        self.schema = the_schema or schema.current()
        self._seen: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._envelopes: dict[tuple[Any, ...], dict[str, Any]] = {}
        # The shortcut below holds for ids the schema checks as UUID4s (the built-in one does).
        self._ids_are_uuids = all(
            key in self.schema.envelope and self.schema.envelope[key].type == "id" for key in _IDS
        )

    def parse(self, raw: bytes) -> tuple[Optional[dict[str, Any]], str]:
        """Check a received body, as ``parse`` does with this parser's schema."""
        return _parse(raw, self.schema, self._clean_envelope, self._clean_events)

    def _clean_envelope(
        self, the_schema: schema.Schema, envelope: Any
    ) -> tuple[Optional[dict[str, Any]], str]:
        if type(envelope) is not dict or not self._ids_are_uuids:
            return _clean_envelope(the_schema, envelope)
        found = (envelope.get("install_id"), envelope.get("session_id"))
        # Valid UUID4s pass the schema and the fence unchanged, so only the rest may vary.
        if not all(type(i) is str and ids.is_uuid4(i) for i in found):
            return _clean_envelope(the_schema, envelope)
        facts = {k: v for k, v in envelope.items() if k not in _IDS}
        try:
            key = (tuple(facts.items()), tuple(map(type, facts.values())))
            clean = self._envelopes.get(key)
        except TypeError:  # an unhashable value: never remembered
            return _clean_envelope(the_schema, envelope)
        if clean is not None:
            return dict(clean, install_id=found[0], session_id=found[1]), ""
        clean, why = _clean_envelope(the_schema, envelope)
        # Remembered only when every field passed: nothing long is kept.
        if clean is not None and len(clean) == len(envelope):
            if len(self._envelopes) >= _SEEN_EVENTS:
                self._envelopes.clear()
            self._envelopes[key] = dict(clean)
        return clean, why

    def _clean_events(self, the_schema: schema.Schema, events: list[Any]) -> list[dict[str, Any]]:
        seen = self._seen
        clean_events = []
        append = clean_events.append
        for event in events:
            props = event.get("props") if type(event) is dict else None
            if type(props) is not dict:
                clean_events.extend(_clean_events(the_schema, (event,)))
                continue
            name, day, seq = event.get("name"), event.get("day"), event.get("seq")
            try:
                # The types too: True == 1, but a bool and an int do not clean alike. One
                # flat tuple: its length gives the number of props, so no two keys mix.
                key = (name, day, *props.items(), *map(type, props.values()))
                clean = seen.get(key)
            except TypeError:  # an unhashable value (a list, a dict): never remembered
                key, clean = None, None
            if clean is None:
                kept = _clean_events(the_schema, (event,))
                clean_events.extend(kept)
                # Remembered only when every prop passed: then whether a repeat is kept
                # depends on its seq alone, and the key holds nothing long.
                if key is not None and kept and len(kept[0]["props"]) == len(props):
                    if len(seen) >= _SEEN_EVENTS:
                        seen.clear()
                    seen[key] = dict(kept[0]["props"])
            elif type(seq) is int and 0 <= seq < 2**31:
                append({"name": name, "day": day, "seq": seq, "props": clean.copy()})
        return clean_events


_IDS = ("install_id", "session_id")


def _clean_envelope(
    the_schema: schema.Schema, envelope: Any
) -> tuple[Optional[dict[str, Any]], str]:
    clean = the_schema.clean_envelope(envelope)
    if clean is None:
        return None, "the envelope needs schema_version, install_id and session_id"
    try:
        return body(clean, (), the_schema)["envelope"], ""
    except ValueError as exc:
        return None, str(exc)


def _parse(
    raw: bytes,
    the_schema: Optional[schema.Schema],
    clean_envelope: Callable[[schema.Schema, Any], tuple[Optional[dict[str, Any]], str]],
    clean_events: Callable[[schema.Schema, list[Any]], list[dict[str, Any]]],
) -> tuple[Optional[dict[str, Any]], str]:
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
    envelope, why = clean_envelope(the_schema, data.get("envelope"))
    if envelope is None:
        return None, why
    # The shape body() builds.
    return {
        "schema_version": the_schema.version,
        "envelope": envelope,
        "events": clean_events(the_schema, events),
    }, ""


__all__ = ["MAX_BODY_BYTES", "Parser", "body", "encode", "parse"]
