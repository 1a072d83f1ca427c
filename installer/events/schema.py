"""The telemetry allowlist, loaded from ``schema.toml``, and the validators derived from it.

Validation fails closed: an unknown event is dropped, an unknown or invalid property
is dropped, lists and dicts are never values, strings are length-capped. The client,
the collector and TELEMETRY.md all use this module, so they cannot disagree.
"""

from __future__ import annotations

import bisect
import math
import os

from doorstep.foundation import ids, tomlread
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import ProductError
from doorstep.foundation.frozen import Frozen
from doorstep.foundation.memo import Memo

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Optional

    from doorstep.foundation.product import Product

TYPES = ("enum", "bool", "bucket", "version", "hash", "id", "int")
# What a product's own events may use: never free text, never an id of its own.
PRODUCT_TYPES = ("enum", "bool", "bucket", "version", "hash", "int")
USAGE_EVENT = "usage_rollup"
INVALID: Any = object()  # the result of cleaning a value that may not be sent

# Release versions only: a local part (+g1a2b3c) is cut first, since it can carry a
# commit hash or a machine name. ASCII digits only and fullmatch: "\d" and "$" would let
# other scripts' digits and a trailing newline through.
_VERSION = (
    r"[0-9]{1,4}(\.[0-9]{1,4}){0,2}((a|b|rc)[0-9]{1,4})?(\.post[0-9]{1,4})?(\.dev[0-9]{1,4})?"
)
_HEX = frozenset("0123456789abcdef")  # a hash: [0-9a-f]{12}
_DIGITS = frozenset("0123456789")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_EVENT_CHARS = _LOWER | _DIGITS | {"_"}  # a product's event name: [a-z][a-z0-9_]{0,63}


def _is_version(text: str) -> bool:
    """``re.fullmatch(_VERSION, text)``, read left to right without ``re``: every part
    starts with its own character (a digit, ".digit", a/b/rc, ".post", ".dev"), so the
    pattern never backtracks, and a run of more than 4 digits matches nothing."""
    end = len(text)

    def digits(at: int) -> int:
        # Where a run of 1 to 4 digits starting at ``at`` ends; -1 if none or too long.
        stop = at
        while stop < end and text[stop] in _DIGITS:
            stop += 1
        return stop if 0 < stop - at <= 4 else -1

    at = digits(0)
    for _ in range(2):
        if at > 0 and text.startswith(".", at) and at + 1 < end and text[at + 1] in _DIGITS:
            at = digits(at + 1)
    for mark in ("a", "b", "rc"):
        if at > 0 and text.startswith(mark, at):
            at = digits(at + len(mark))
            break
    for mark in (".post", ".dev"):
        if at > 0 and text.startswith(mark, at):
            at = digits(at + len(mark))
    return at == end


class Bucket(Frozen):
    _fields = ("name", "unit", "edges", "labels")
    __slots__ = _fields

    name: str
    unit: str
    edges: tuple[float, ...]
    labels: tuple[str, ...]

    def __init__(
        self, name: str, unit: str, edges: tuple[float, ...], labels: tuple[str, ...]
    ) -> None:
        self._set(name=name, unit=unit, edges=edges, labels=labels)

    def label(self, number: float) -> str:
        """The label of the range ``number`` falls in (edges are exclusive upper bounds)."""
        return self.labels[bisect.bisect_right(self.edges, number)]


class Prop(Frozen):
    _fields = ("name", "type", "why", "values", "bucket", "max_string", "maximum")
    __slots__ = _fields

    name: str
    type: str
    why: str
    values: tuple[Any, ...]
    bucket: Optional[Bucket]
    max_string: int
    maximum: Optional[int]  # an int with no values: 0 through this

    def __init__(
        self,
        name: str,
        type: str,
        why: str,
        values: tuple[Any, ...] = (),
        bucket: Optional[Bucket] = None,
        max_string: int = 64,
        maximum: Optional[int] = None,
    ) -> None:
        self._set(
            name=name,
            type=type,
            why=why,
            values=values,
            bucket=bucket,
            max_string=max_string,
            maximum=maximum,
        )

    def clean(self, value: Any) -> Any:
        """The value as it may be sent, or INVALID."""
        kind = self.type
        if kind == "bool":
            return value if type(value) is bool else INVALID
        if kind == "int":
            if type(value) is not int:
                return INVALID
            if self.maximum is not None:
                return value if 0 <= value <= self.maximum else INVALID
            return value if value in self.values else INVALID
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
            return release if _is_version(release) else INVALID
        if kind == "hash":
            return value if len(value) == 12 and set(value) <= _HEX else INVALID
        if kind == "id":
            return value if ids.is_uuid4(value) else INVALID
        return INVALID


class Event(Frozen):
    _fields = ("name", "why", "props")
    __slots__ = _fields

    name: str
    why: str
    props: dict[str, Prop]

    def __init__(self, name: str, why: str, props: Optional[dict[str, Prop]] = None) -> None:
        self._set(name=name, why=why, props={} if props is None else props)


class Schema(Frozen):
    _fields = (
        "version",
        "max_string",
        "buckets",
        "envelope",
        "events",
        "retention_days",
        "retention_why",
    )
    __slots__ = _fields

    version: int
    max_string: int
    buckets: dict[str, Bucket]
    envelope: dict[str, Prop]
    events: dict[str, Event]
    retention_days: int
    retention_why: str

    def __init__(
        self,
        version: int,
        max_string: int,
        buckets: dict[str, Bucket],
        envelope: dict[str, Prop],
        events: dict[str, Event],
        retention_days: int = 90,
        retention_why: str = "",
    ) -> None:
        self._set(
            version=version,
            max_string=max_string,
            buckets=buckets,
            envelope=envelope,
            events=events,
            retention_days=retention_days,
            retention_why=retention_why,
        )

    def kinds(self) -> tuple[str, ...]:
        """Every kind of data this schema allows: ``event``, ``event.prop``, ``envelope.x``.

        A consent record keeps the kinds its yes covered; a kind added later waits for
        its own yes.
        """
        found = [f"envelope.{name}" for name in self.envelope]
        for name, event in self.events.items():
            found.append(name)
            found.extend(f"{name}.{prop}" for prop in event.props)
        return tuple(sorted(found))

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
    # [0-9]{4}-[0-9]{2}-[0-9]{2}, then a real date
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    if not set(text[:4] + text[5:7] + text[8:]) <= _DIGITS:
        return False
    import datetime  # only reached when checking spooled or received events

    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse(text: str) -> Schema:
    """Build a Schema from TOML text; a malformed schema is a bug and raises ValueError."""
    return build(tomlread.loads(text))


def build(
    data: Mapping[str, Any],
    extra: Optional[Mapping[str, Any]] = None,
    usage: tuple[str, ...] = (),
) -> Schema:
    """A Schema from a parsed schema table, with a product's ``extra`` events and usage.

    ValueError names the field at fault (``events.NAME.props.PROP: ...``).
    """
    max_string = int(data.get("max_string", 64))
    buckets = {}
    for name, spec in data.get("buckets", {}).items():
        edges, labels = tuple(spec["edges"]), tuple(spec["labels"])
        if len(labels) != len(edges) + 1 or list(edges) != sorted(edges):
            raise ValueError(f"bucket {name}: needs sorted edges and one more label than edges")
        buckets[name] = Bucket(name, spec.get("unit", ""), edges, labels)

    def prop(owner: str, name: str, spec: Any, types: tuple[str, ...] = TYPES) -> Prop:
        where = f"{owner}.{name}"
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: must be a table with type and why")
        kind = spec.get("type")
        if kind not in types:
            raise ValueError(f"{where}: unknown type {kind!r} (use one of {', '.join(types)})")
        if not isinstance(spec.get("why"), str) or not spec["why"].strip():
            raise ValueError(f"{where}: every field needs a reason (why)")
        unknown = sorted(set(spec) - {"type", "why", "values", "values_from", "bucket", "max"})
        if unknown:
            raise ValueError(f"{where}: unknown key {unknown[0]!r}")
        raw_values = spec.get("values", ())
        if not isinstance(raw_values, list) and raw_values != ():
            raise ValueError(f"{where}: values must be a list")
        if spec.get("values_from") == "usage":
            raw_values = list(usage)
        values = tuple(raw_values)
        maximum = spec.get("max")
        if maximum is not None and (kind != "int" or type(maximum) is not int or maximum < 0):
            raise ValueError(f"{where}: max is a whole number, for an int")
        if kind == "enum" and not values and "values_from" not in spec:
            raise ValueError(f"{where}: enum needs values")
        if kind == "int" and not values and maximum is None:
            raise ValueError(f"{where}: int needs values or max")
        wanted = str if kind == "enum" else int if kind == "int" else None
        if values and (wanted is None or any(type(v) is not wanted for v in values)):
            raise ValueError(f"{where}: values of a {kind} must all be {kind} values")
        if any(isinstance(v, str) and len(v) > max_string for v in values):
            raise ValueError(f"{where}: a value is longer than max_string")
        bucket = buckets.get(spec.get("bucket", "")) if kind == "bucket" else None
        if kind == "bucket" and bucket is None:
            raise ValueError(f"{where}: unknown bucket {spec.get('bucket')!r}")
        return Prop(name, kind, spec["why"], values, bucket, max_string, maximum)

    envelope = {k: prop("envelope", k, v) for k, v in data.get("envelope", {}).items()}
    missing = [k for k in REQUIRED_ENVELOPE if k not in envelope]
    if missing:
        raise ValueError(f"envelope lacks {', '.join(missing)}")

    def event(name: str, spec: Any, types: tuple[str, ...]) -> Event:
        if not isinstance(spec, dict) or not isinstance(spec.get("why"), str):
            raise ValueError(f"events.{name}: every event needs a reason (why)")
        if not spec["why"].strip():
            raise ValueError(f"events.{name}: every event needs a reason (why)")
        unknown = sorted(set(spec) - {"why", "props"})
        if unknown:
            raise ValueError(f"events.{name}: unknown key {unknown[0]!r}")
        props = spec.get("props", {})
        if not isinstance(props, dict):
            raise ValueError(f"events.{name}.props: must hold one table per property")
        owner = f"events.{name}.props"
        return Event(name, spec["why"], {k: prop(owner, k, v, types) for k, v in props.items()})

    events = {}
    for name, spec in data.get("events", {}).items():
        if name == USAGE_EVENT and not usage:
            continue  # a product that counts nothing has no rollups to send
        events[name] = event(name, spec, TYPES)
    for name, spec in (extra or {}).items():
        if name in data.get("events", {}):
            raise ValueError(f"events.{name}: is a built-in event; choose another name")
        if not (0 < len(name) <= 64 and name[0] in _LOWER and set(name) <= _EVENT_CHARS):
            raise ValueError(f"events.{name}: use lowercase letters, digits and '_'")
        events[name] = _fenced_event(event(name, spec, PRODUCT_TYPES))
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


def _fenced_event(event: Event) -> Event:
    # A tool's allowed values pass the redaction fence now, not silently at every send.
    from doorstep.events import redact

    for prop in event.props.values():
        for value in prop.values:
            if isinstance(value, str) and not redact.is_clean(value):
                where = f"events.{event.name}.props.{prop.name}"
                raise ValueError(f"{where}: the value {value!r} looks personal; use a plain word")
    return event


_once = Memo(2)  # the built-in table and its kinds, each made once


def _built_in() -> dict[str, Any]:
    return _once.get("table", _read_built_in)


def _read_built_in(_: str) -> dict[str, Any]:
    # schema.toml is the source; its table is compiled into schema_toml (kept in step by a
    # test), and used only while the file still holds exactly the text it was made from.
    from doorstep.events import schema_toml

    path = os.path.join(os.path.dirname(__file__), "schema.toml")
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return schema_toml.DATA if text == schema_toml.SOURCE else tomlread.loads(text)


def first_kinds() -> tuple[str, ...]:
    """What a record written before doorstep kept its agreed kinds covered: the schema of
    that version, doorstep's built-in events, with no tool's events and no rollups."""
    return _once.get("kinds", lambda _: build(_built_in()).kinds())


_schemas = Memo(8)  # by product


def for_product(product: Product) -> Schema:
    """doorstep's schema with ``product``'s own events and usage commands added.

    A mistake in the product's events is one ProductError naming its file and the field.
    """
    return _schemas.get(product, _build_for)


def _build_for(product: Product) -> Schema:
    try:
        return build(_built_in(), product.events, product.usage)
    except ValueError as exc:
        raise ProductError(f"{product.origin or product.name}: {exc}") from None


def current() -> Schema:
    """The schema of the product this process works for, built once per product."""
    return for_product(product_module.current())


__all__ = [
    "INVALID",
    "PRODUCT_TYPES",
    "REQUIRED_ENVELOPE",
    "USAGE_EVENT",
    "Bucket",
    "Event",
    "Prop",
    "Schema",
    "build",
    "current",
    "first_kinds",
    "for_product",
    "parse",
]
