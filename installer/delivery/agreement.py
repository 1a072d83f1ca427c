"""What a "yes" covered: the kinds of data in the consent record, and the new ones.

A yes covers what the person was shown. Data the schema gained since (a new event, a
new property, a new envelope field) is dropped, never spooled or sent, until the
person agrees to it; removing data never needs a new yes. A record written before
doorstep kept the list covers that version's schema (``schema.first_kinds``).
"""

from __future__ import annotations

from doorstep.consent.record import ConsentRecord
from doorstep.events import schema
from doorstep.events.schema import Schema

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Optional


def covered(record: Optional[ConsentRecord]) -> Optional[frozenset[str]]:
    """The kinds a saved yes covers; None when no saved yes limits it (on for this
    process only, by the environment or a flag, covers what it runs)."""
    if record is None or not record.enabled:
        return None
    return frozenset(record.agreed if record.agreed is not None else schema.first_kinds())


def new_kinds(record: Optional[ConsentRecord], the_schema: Schema) -> list[str]:
    """The kinds of data ``the_schema`` has that the saved yes did not cover."""
    allowed = covered(record)
    if allowed is None:
        return []
    return [kind for kind in the_schema.kinds() if kind not in allowed]


def limit_event(event: dict[str, Any], allowed: Optional[frozenset[str]]) -> Optional[dict]:
    """``event`` with what the yes did not cover removed; None when the event itself
    was not covered."""
    if allowed is None:
        return event
    name = event.get("name")
    if name not in allowed:
        return None
    props = {k: v for k, v in event.get("props", {}).items() if f"{name}.{k}" in allowed}
    return dict(event, props=props)


def limit_envelope(envelope: dict[str, Any], allowed: Optional[frozenset[str]]) -> dict:
    """The envelope with fields the yes did not cover removed (the ids always stay)."""
    if allowed is None:
        return envelope
    keep = set(schema.REQUIRED_ENVELOPE)
    return {k: v for k, v in envelope.items() if k in keep or f"envelope.{k}" in allowed}


__all__ = ["covered", "limit_envelope", "limit_event", "new_kinds"]
