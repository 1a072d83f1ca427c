"""The local copy of what left the machine: ``sent.jsonl`` in the state folder.

Every batch the sender delivered (an HTTP answer came) is appended: the day, the
endpoint (credentials removed), the HTTP status and the exact body. Bounded to 1 MiB
and 30 days, the oldest dropped first; rewritten atomically under the spool's lock;
deleted with the spool (``disable``, uninstall). ``telemetry log`` and the settings
screen show it.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

FILE_NAME = "sent.jsonl"  # also spool.SENT_LOG: discarding the spool deletes it
MAX_BYTES = 1024 * 1024
MAX_AGE_DAYS = 30
JSON_VERSION = 1
_CREDENTIALS = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)


def shown_endpoint(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``."""
    return _CREDENTIALS.sub(r"\1***@", url)


def _oldest_day(today: str) -> str:
    day = datetime.date.fromisoformat(today) - datetime.timedelta(days=MAX_AGE_DAYS)
    return day.isoformat()


def read(state_dir: Path) -> list[dict[str, Any]]:
    """Every logged batch, oldest first; unreadable lines are skipped, never raised."""
    try:
        with open(state_dir / FILE_NAME, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError:
        return []
    batches = []
    for line in raw.splitlines():
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):
            continue
        fields = ("day", "endpoint", "status", "body")
        whole = isinstance(entry, dict) and all(k in entry for k in fields)
        if whole and isinstance(entry["body"], str) and isinstance(entry["day"], str):
            batches.append(entry)
    return batches


def append(state_dir: Path, day: str, endpoint: str, status: int, body: bytes) -> None:
    """Add one delivered batch; OSError if the state folder cannot be written."""
    from doorstep.delivery.spool import Spool
    from doorstep.foundation.atomic import write_atomic

    entry = {
        "day": day,
        "endpoint": shown_endpoint(endpoint),
        "status": status,
        "body": body.decode("utf-8"),
    }
    with Spool(state_dir).locked():
        oldest = _oldest_day(day)
        kept = [b for b in read(state_dir) if b["day"] >= oldest] + [entry]
        lines = [json.dumps(b, sort_keys=True, separators=(",", ":")).encode() for b in kept]
        while len(lines) > 1 and sum(len(line) + 1 for line in lines) > MAX_BYTES:
            lines.pop(0)  # the oldest first
        write_atomic(state_dir / FILE_NAME, b"".join(line + b"\n" for line in lines))


def as_json(state_dir: Path) -> dict[str, Any]:
    """The stable object of ``telemetry log --json``: batches newest first, bodies parsed."""
    batches = []
    for entry in reversed(read(state_dir)):
        try:
            body = json.loads(entry["body"])
        except ValueError:
            continue
        batches.append({**entry, "body": body})
    return {"version": JSON_VERSION, "batches": batches}


def as_text(state_dir: Path, command: str) -> str:
    """The log for a person: newest first, one batch a paragraph."""
    batches = as_json(state_dir)["batches"]
    if not batches:
        return (
            "Nothing has been sent from this machine (or its copy was deleted with the "
            f"install id). '{command} telemetry preview' shows what the next send would carry."
        )
    paragraphs = []
    for batch in batches:
        events = batch["body"].get("events", [])
        names = ", ".join(e.get("name", "?") for e in events) or "no events"
        envelope = batch["body"].get("envelope", {})
        paragraphs.append(
            f"{batch['day']}  to {batch['endpoint']} (HTTP {batch['status']})\n"
            f"  {len(events)} event{'s' if len(events) != 1 else ''}: {names}\n"
            f"  install id {envelope.get('install_id', '?')}\n"
            f"  body: {json.dumps(batch['body'], sort_keys=True, separators=(',', ':'))}"
        )
    return "\n\n".join(paragraphs)


__all__ = ["FILE_NAME", "MAX_AGE_DAYS", "MAX_BYTES", "append", "as_json", "as_text", "read"]
