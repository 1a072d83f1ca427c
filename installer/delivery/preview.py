"""``telemetry preview``: the exact body the next send would carry. Sends nothing."""

from __future__ import annotations

import json
import sys
from typing import Any

from doorstep.consent import decision as consent
from doorstep.delivery import sender, telemetry, usage
from doorstep.delivery.spool import Spool
from doorstep.events import wire
from doorstep.foundation import paths
from doorstep.foundation.product import Product


def _usage_notes(counts: usage.Counts, today: str) -> list[str]:
    # Daily counts wait in usage.json: the days that are over go at the next flush,
    # each command as one usage_rollup; today's go once today is over.
    notes = []
    for day in sorted(counts):
        words = ", ".join(
            f"{command} {runs} run(s), {errors} failed"
            for command, (runs, errors) in sorted(counts[day].items())
        )
        when = "after today is over" if day >= today else "at the next send"
        notes.append(f"usage counts of {day} ({words}) go as usage_rollup {when}")
    return notes


def next_body(product: Product) -> tuple[dict[str, Any], list[str]]:
    """The next body and notes for people (what the body is, and whether it would go)."""
    where = paths.for_product(product)
    bodies = sender.next_bodies(Spool(where.state_dir))
    recorder = telemetry.Recorder(product)
    notes = []
    counts = usage.pending(where.state_dir)
    today = recorder.today()
    rollups = [usage.event(rollup, seq) for seq, rollup in enumerate(usage.due(counts, today))]
    if bodies:
        body = bodies[0]
        if len(bodies) > 1:
            notes.append(f"{len(bodies) - 1} more batch(es) follow this one")
    elif rollups:
        body = recorder.preview(rollups)
    else:
        body = recorder.preview()
        notes.append("nothing is waiting to be sent: this is the envelope alone")
    notes += _usage_notes(counts, today)
    decision = recorder.decide()
    if decision.state != consent.ON:
        notes.append(
            f"telemetry is {decision.state} here: nothing will be sent; "
            "this shows what would be sent if it were on"
        )
    elif not decision.sends:
        notes.append(
            "no endpoint is configured: nothing will be sent; "
            "this shows what would be sent if there were one"
        )
    return body, notes


def run(pretty: bool, product: Product) -> int:
    body, notes = next_body(product)
    for note in notes:
        sys.stderr.write(f"({note})\n")
    text = json.dumps(body, indent=2, sort_keys=True) if pretty else wire.encode(body).decode()
    sys.stdout.write(text + "\n")
    return 0


__all__ = ["next_body", "run"]
