"""Applying a person's choice: the record, and what must happen with it.

Turning telemetry off deletes the install id and everything waiting in the spool;
turning it on mints a new id; resetting the id also throws away what was queued under
the old one. The record is the only thing the rest of doorstep trusts.

The order is the promise: the decision is saved first, and only then is anything
cleaned up. A cleanup that fails (a folder where the spool should be, a read-only state
folder) is one warning line, never a lost "no"; what it left behind can never be sent,
because a sender sends only events carrying the install id on record.
"""

from __future__ import annotations

import sys

from doorstep.consent import policy as machine_policy
from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
from doorstep.delivery.spool import Spool
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.paths import Paths


def save(where: Paths, enabled: bool, source: str) -> ConsentRecord:
    """Record on or off from ``source``; RecordWriteError (one line) if it cannot be saved.

    A yes covers the current schema (every kind of data it lists); saying yes while
    already on keeps the id and extends what it covers: only turning on mints an id.
    A machine policy that turns telemetry off refuses a yes (DoorstepError, one line)
    and changes nothing.
    """
    if enabled:
        policy = machine_policy.read(where.policy)
        if policy.off:
            raise DoorstepError(
                f"this machine's policy in {policy.path} keeps usage data off; "
                "nothing was changed (ask its administrator)"
            )
    # The yes covers the schema of the product whose record this is.
    kinds = schema.for_product(where.product or product_module.current()).kinds()
    current = consent_record.read(where.record).record
    if enabled and current is not None and current.enabled:
        if current.agreed is not None and set(kinds) <= set(current.agreed):
            return current
        import dataclasses  # only here: the module costs every start that saves a choice ~5 ms

        extended = dataclasses.replace(current, agreed=kinds)
        consent_record.write(where.record, extended)
        return extended
    record = consent_record.make(enabled, source, agreed=kinds)
    consent_record.write(where.record, record)  # the decision first, whatever follows
    # Off: nothing may wait. On: a new id, and nothing queued under an old one follows it.
    _discard(where)
    return record


def _discard(where: Paths) -> None:
    try:
        Spool(where.state_dir).discard()
    except OSError as exc:
        # The choice is saved; leftovers carry an install id that is no longer on record.
        what = exc.filename or where.state_dir
        sys.stderr.write(
            f"{where.command}: warning: could not delete what waited in {what} "
            f"({exc.strerror or exc}); nothing will be sent from it\n"
        )


def reset_id(where: Paths) -> ConsentRecord | None:
    """Replace the install id (and its salt); None when telemetry is not on."""
    current = consent_record.read(where.record).record
    if current is None or not current.enabled:
        return None
    fresh = consent_record.make(True, current.consent_source)
    import dataclasses

    record = dataclasses.replace(
        current, install_id=fresh.install_id, salt=fresh.salt, decided_on=current.decided_on
    )
    consent_record.write(where.record, record)
    _discard(where)
    return record


__all__ = ["reset_id", "save"]
