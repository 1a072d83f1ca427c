"""The telemetry allowlist, loaded from ``schema.toml``, and the validators derived from it.

Validation fails closed: an unknown event is dropped, an unknown or invalid property
is dropped, lists and dicts are never values, strings are length-capped. The client,
the collector and TELEMETRY.md all use this module, so they cannot disagree.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

from doorstep.foundation import ids, tomlread

TYPES = ("enum", "bool", "bucket", "version", "hash", "id", "int")
INVALID: Any = object()  # the result of cleaning a value that may not be sent

# Release versions only: a local part (+g1a2b3c) is cut first, since it can carry a
# commit hash or a machine name. ASCII digits only and fullmatch: "\d" and "$" would let
# other scripts' digits and a trailing newline through.
_VERSION = re.compile(
    r"[0-9]{1,4}(\.[0-9]{1,4}){0,2}((a|b|rc)[0-9]{1,4})?(\.post[0-9]{1,4})?(\.dev[0-9]{1,4})?"
)
_HASH = re.compile(r"[0-9a-f]{12}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class Bucket:
    name: str
    unit: str
    edges: tuple[float, ...]
    labels: tuple[str, ...]

    def label(self, number: float) -> str:
        """The label of the range ``number`` falls in (edges are exclusive upper bounds)."""
        return self.labels[bisect.bisect_right(self.edges, number)]


@dataclass(frozen=True)
class Prop:
    name: str
    type: str
    why: str
    values: tuple[Any, ...] = ()
    bucket: Optional[Bucket] = None
    max_string: int = 64

    def clean(self, value: Any) -> Any:
        """The value as it may be sent, or INVALID."""
        kind = self.type
        if kind == "bool":
            return value if type(value) is bool else INVALID
        if kind == "int":
            return value if type(value) is int and value in self.values else INVALID
        if kind == "bucket":
            assert self.bucket is not None
            if type(value) in (int, float) and math.isfinite(value) and value >= 0:
                return self.bucket.label(value)
            if isinstance(value, str) and str.__str__(value) in self.bucket.labels:
                return str.__str__(value)
            return INVALID
        if not isinstance(value, str) or len(value) > self.max_string:
            return INVALID
        # A str subclass (a StrEnum member, say) is read as its plain text, so an
        # overridden __eq__ cannot pass the check while its text says something else.
        value = str.__str__(value)
        if kind == "enum":
            return value if value in self.values else INVALID
        if kind == "version":
            release = value.split("+", 1)[0]
            return release if _VERSION.fullmatch(release) else INVALID
        if kind == "hash":
            return value if _HASH.fullmatch(value) else INVALID
        if kind == "id":
            return value if ids.is_uuid4(value) else INVALID
        return INVALID


@dataclass(frozen=True)
class Event:
    name: str
    why: str
    props: dict[str, Prop] = field(default_factory=dict)


@dataclass(frozen=True)
class Schema:
    version: int
    max_string: int
    buckets: dict[str, Bucket]
    envelope: dict[str, Prop]
    events: dict[str, Event]
    retention_days: int = 90
    retention_why: str = ""

    def clean_props(self, name: str, props: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        """The allowed properties of event ``name``; None when the event is unknown."""
        event = self.events.get(name)
        if event is None:
            return None
        allowed = event.props
        clean: dict[str, Any] = {}
        for key, value in props.items():
            prop = allowed.get(key)
            if prop is not None:
                value = prop.clean(value)
                if value is not INVALID:
                    clean[key] = value
        return clean

    def clean_envelope(self, envelope: Any) -> Optional[dict[str, Any]]:
        """The envelope with invalid optional fields dropped; None if an id is missing."""
        if not isinstance(envelope, dict):
            return None
        clean: dict[str, Any] = {}
        for key, prop in self.envelope.items():
            if key not in envelope:
                continue
            value = prop.clean(envelope[key])
            if value is not INVALID:
                clean[key] = value
        if any(required not in clean for required in REQUIRED_ENVELOPE):
            return None
        return clean

    def clean_event(self, event: Any) -> Optional[dict[str, Any]]:
        """A wire event ``{name, day, seq, props}`` as it may be kept, or None."""
        if not isinstance(event, dict):
            return None
        name, day, seq, props = (event.get(k) for k in ("name", "day", "seq", "props"))
        if not isinstance(name, str) or not isinstance(day, str) or not _is_day(day):
            return None
        if type(seq) is not int or not 0 <= seq < 2**31:
            return None
        if not isinstance(props, dict):
            return None
        clean = self.clean_props(name, props)
        if clean is None:
            return None
        return {"name": name, "day": day, "seq": seq, "props": clean}


REQUIRED_ENVELOPE = ("schema_version", "install_id", "session_id")


def _is_day(text: str) -> bool:
    if not _DAY.fullmatch(text):
        return False
    import datetime  # only reached when checking spooled or received events

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse(text: str) -> Schema:
    """Build a Schema from TOML text; a malformed schema is a bug and raises ValueError."""
    data = tomlread.loads(text)
    max_string = int(data.get("max_string", 64))
    buckets = {}
    for name, spec in data.get("buckets", {}).items():
        edges, labels = tuple(spec["edges"]), tuple(spec["labels"])
        if len(labels) != len(edges) + 1 or list(edges) != sorted(edges):
            raise ValueError(f"bucket {name}: needs sorted edges and one more label than edges")
        buckets[name] = Bucket(name, spec.get("unit", ""), edges, labels)

    def prop(owner: str, name: str, spec: dict[str, Any]) -> Prop:
        kind = spec.get("type")
        if kind not in TYPES:
            raise ValueError(f"{owner}.{name}: unknown type {kind!r}")
        if not spec.get("why"):
            raise ValueError(f"{owner}.{name}: every field needs a reason (why)")
        values = tuple(spec.get("values", ()))
        if kind in ("enum", "int") and not values:
            raise ValueError(f"{owner}.{name}: {kind} needs values")
        if any(isinstance(v, str) and len(v) > max_string for v in values):
            raise ValueError(f"{owner}.{name}: a value is longer than max_string")
        bucket = buckets.get(spec.get("bucket", "")) if kind == "bucket" else None
        if kind == "bucket" and bucket is None:
            raise ValueError(f"{owner}.{name}: unknown bucket {spec.get('bucket')!r}")
        return Prop(name, kind, spec["why"], values, bucket, max_string)

    envelope = {k: prop("envelope", k, v) for k, v in data.get("envelope", {}).items()}
    missing = [k for k in REQUIRED_ENVELOPE if k not in envelope]
    if missing:
        raise ValueError(f"envelope lacks {', '.join(missing)}")
    events = {}
    for name, spec in data.get("events", {}).items():
        if not spec.get("why"):
            raise ValueError(f"events.{name}: every event needs a reason (why)")
        props = {k: prop(name, k, v) for k, v in spec.get("props", {}).items()}
        events[name] = Event(name, spec["why"], props)
    retention = data.get("retention", {})
    return Schema(
        int(data["schema_version"]),
        max_string,
        buckets,
        envelope,
        events,
        int(retention.get("days", 90)),
        str(retention.get("why", "")),
    )


@lru_cache(maxsize=1)
def current() -> Schema:
    """The schema shipped with this package, parsed once per process."""
    return parse(Path(__file__).with_name("schema.toml").read_text(encoding="utf-8"))


__all__ = ["INVALID", "REQUIRED_ENVELOPE", "Bucket", "Event", "Prop", "Schema", "current", "parse"]
