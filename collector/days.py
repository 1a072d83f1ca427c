"""Days, never times of day: the only unit of time the collector keeps or compares.

Days are ISO dates (``YYYY-MM-DD``) in UTC, so they sort as text, and SQLite can
compare them without parsing.
"""

from __future__ import annotations

import datetime
import re
import time
from typing import Optional

_AGE = re.compile(r"^\s*(\d{1,5})\s*([dw]?)\s*$")


def today() -> str:
    """Today's UTC date."""
    return datetime.datetime.fromtimestamp(time.time(), datetime.timezone.utc).date().isoformat()


def shift(day: str, days: int) -> str:
    """``day`` moved by ``days`` (negative: into the past)."""
    return (datetime.date.fromisoformat(day) + datetime.timedelta(days=days)).isoformat()


def week_start(day: str) -> str:
    """The Monday of the ISO week ``day`` falls in."""
    date = datetime.date.fromisoformat(day)
    return (date - datetime.timedelta(days=date.weekday())).isoformat()


def week_label(day: str) -> str:
    """``day``'s ISO week as ``YYYY-Www``."""
    year, week, _ = datetime.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def parse_age(text: str) -> Optional[int]:
    """``90d``, ``90`` or ``13w`` as a number of days; None when it is none of those."""
    match = _AGE.match(text)
    if match is None:
        return None
    number = int(match.group(1))
    return number * 7 if match.group(2) == "w" else number


def accepted_window(now: str, retention_days: int) -> tuple[str, str]:
    """The first and last event day that may be stored on ``now``.

    Older than the retention window an event would be pruned at once; more than a day
    ahead it is a wrong clock (or an attempt to outlive retention), so it is dropped.
    """
    return shift(now, -retention_days), shift(now, 1)


__all__ = ["accepted_window", "parse_age", "shift", "today", "week_label", "week_start"]
