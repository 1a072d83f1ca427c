"""Daily usage counts: ``count()`` adds in memory; with consent, a flush merges them into
``usage.json`` in the state folder and takes out every day that is over, as one
``usage_rollup {command, count, errors}`` per command per UTC day.

Nothing is written before consent (the counts stay in memory and die with the process).
The file is changed only under the spool's lock and replaced atomically, so a process
killed mid-write loses at most its own counts, never the day's file.
"""

from __future__ import annotations

import os
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

FILE_NAME = "usage.json"  # also spool.USAGE_FILE: discarding the spool deletes it
MAX_DAYS = 8  # past days kept for a sender that cannot reach the network, like the spool
MAX_COUNT = 1_000_000  # the schema's bound for count and errors

Counts = dict[str, dict[str, list[int]]]  # day -> command -> [count, errors]


def add(counts: Counts, day: str, command: str, ok: bool) -> None:
    """Count one run of ``command`` on ``day`` (in memory)."""
    entry = counts.setdefault(day, {}).setdefault(command, [0, 0])
    entry[0] = min(entry[0] + 1, MAX_COUNT)
    if not ok:
        entry[1] = min(entry[1] + 1, MAX_COUNT)


def read(path: Path) -> Counts:
    """The counts in ``path``; anything unreadable or malformed counts as none."""
    import json

    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read(256 * 1024))
    except (OSError, ValueError, RecursionError):
        return {}
    clean: Counts = {}
    if not isinstance(data, dict):
        return clean
    for day, commands in data.items():
        if not isinstance(day, str) or not isinstance(commands, dict):
            continue
        for command, pair in commands.items():
            ok = isinstance(pair, list) and len(pair) == 2
            if ok and all(type(n) is int and 0 <= n <= MAX_COUNT for n in pair):
                clean.setdefault(day, {})[str(command)] = [pair[0], min(pair[1], pair[0])]
    return clean


def merge(into: Counts, counts: Counts) -> None:
    for day, commands in counts.items():
        for command, (count, errors) in commands.items():
            entry = into.setdefault(day, {}).setdefault(command, [0, 0])
            entry[0] = min(entry[0] + count, MAX_COUNT)
            entry[1] = min(entry[1] + errors, MAX_COUNT)


def due(counts: Counts, today: str) -> list[dict[str, Any]]:
    """The rollups of every day before ``today``, ``{"day", "command", "count", "errors"}``,
    oldest first, each day's commands in order."""
    return [
        {"day": day, "command": command, "count": pair[0], "errors": pair[1]}
        for day in sorted(counts)
        if day < today
        for command, pair in sorted(counts[day].items())
    ]


def event(rollup: dict[str, Any], seq: int) -> dict[str, Any]:
    """The ``usage_rollup`` event that carries ``rollup`` (one of ``due``'s)."""
    props = {key: rollup[key] for key in ("command", "count", "errors")}
    return {"name": "usage_rollup", "day": rollup["day"], "seq": seq, "props": props}


def settle(state_dir: Path, counts: Counts, today: str) -> list[dict[str, Any]]:
    """Merge ``counts`` into the day's file and take out every day before ``today``.

    Returns the rollups that are due, ``{"day", "command", "count", "errors"}``, oldest
    first. OSError when the state folder cannot be written (the caller drops the counts).
    """
    import json

    from doorstep.delivery.spool import Spool
    from doorstep.foundation.atomic import write_atomic

    path = state_dir / FILE_NAME
    with Spool(state_dir).locked():
        stored = read(path)
        merge(stored, counts)
        rollups = due(stored, today)
        for day in {rollup["day"] for rollup in rollups}:
            stored.pop(day)
        # Days far in the future (a clock that jumped) are not kept forever.
        for day in sorted(stored)[:-MAX_DAYS]:
            stored.pop(day)
        if stored:
            data = json.dumps(stored, sort_keys=True, separators=(",", ":")).encode()
            write_atomic(path, data)
        elif path.exists():
            os.unlink(path)
    return rollups


def pending(state_dir: Path) -> Counts:
    """What the day's file holds now (for the preview and status); never raises."""
    return read(state_dir / FILE_NAME)


__all__ = ["FILE_NAME", "Counts", "add", "due", "event", "merge", "pending", "read", "settle"]
