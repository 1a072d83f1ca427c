"""Applying a person's choice: the record, and what must happen with it.

Turning telemetry off deletes the install id and everything waiting in the spool;
turning it on mints a new id; resetting the id also throws away what was queued under
the old one. The record is the only thing the rest of doorstep trusts.
"""

from __future__ import annotations

import dataclasses

from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
from doorstep.delivery.spool import Spool
from doorstep.foundation.paths import Paths


def save(where: Paths, enabled: bool, source: str) -> ConsentRecord:
    """Record on or off from ``source``; RecordWriteError (one line) if it cannot be saved.

    Saying yes while already on keeps the id: only turning on mints one.
    """
    current = consent_record.read(where.record).record
    if enabled and current is not None and current.enabled:
        return current
    if not enabled:
        # Drop what waits even if the record cannot be written below: "no" is urgent.
        Spool(where.state_dir).discard()
    record = consent_record.make(enabled, source)
    consent_record.write(where.record, record)
    return record


def reset_id(where: Paths) -> ConsentRecord | None:
    """Replace the install id (and its salt); None when telemetry is not on."""
    current = consent_record.read(where.record).record
    if current is None or not current.enabled:
        return None
    fresh = consent_record.make(True, current.consent_source)
    record = dataclasses.replace(
        current, install_id=fresh.install_id, salt=fresh.salt, decided_on=current.decided_on
    )
    consent_record.write(where.record, record)
    Spool(where.state_dir).discard()
    return record


__all__ = ["reset_id", "save"]
