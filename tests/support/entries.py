"""Valid spool entries for tests that need events already waiting on disk."""

from __future__ import annotations

import datetime
import uuid

from doorstep.delivery.spool import Entry
from doorstep.events import envelope

ENVELOPE = envelope.build({}, str(uuid.uuid4()))


def _envelope() -> dict:
    # Events wait in the spool under the install id on record (a sender sends no other).
    from doorstep.consent import record as consent_record
    from doorstep.foundation import paths

    saved = consent_record.read(paths.for_product().record).record
    if saved is not None and saved.enabled and saved.install_id:
        return envelope.build({}, saved.install_id)
    return ENVELOPE


def today(offset: int = 0) -> str:
    """The UTC day ``offset`` days from today, as events carry it."""
    day = datetime.datetime.now(datetime.timezone.utc).date() + datetime.timedelta(days=offset)
    return day.isoformat()


def entries(count: int, start: int = 0, day: str = "") -> list[Entry]:
    """``count`` stage events with consecutive seq numbers, dated ``day`` (today)."""
    the_envelope = _envelope()
    return [
        Entry(
            the_envelope,
            {
                "name": "install_stage_completed",
                "day": day or today(),
                "seq": seq,
                "props": {"stage": "package", "duration": "3-10s"},
            },
        )
        for seq in range(start, start + count)
    ]


__all__ = ["ENVELOPE", "entries", "today"]
