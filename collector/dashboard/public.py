"""The report made fit to publish: no count that could single out fewer than 5 installs.

``public(data)`` takes ``report.gather()``'s dict and returns a copy in which every
count behind which fewer than ``LEAST`` distinct installs stand is the string ``"<5"``
(zero stays 0: it singles out no one). Where the report knows the installs behind a
count (``installs`` beside it) those decide; where it does not, the count itself does
(a count of events is never smaller than the installs that sent them, so this only
hides more; a count under 5 is hidden whatever is said to stand behind it). In each
breakdown where exactly one count is hidden, the next smallest is hidden too, so that
the hidden one cannot be worked out from the total. A breakdown
whose installs together are fewer than ``LEAST`` is hidden whole. The database's path
is left out: it says nothing to a reader and something about the server.
"""

from __future__ import annotations

import copy
from typing import Any, Optional

LEAST = 5
HIDDEN = f"<{LEAST}"


def hidden(value: Any) -> bool:
    return value == HIDDEN


def public(data: dict, least: int = LEAST) -> dict:
    """A copy of ``data`` with every count under ``least`` installs shown as ``"<5"``."""
    out = copy.deepcopy(data)
    out["public"] = {"least": least}
    out["database"]["path"] = None

    def shown(count: Any, installs: Optional[Any] = None) -> Any:
        if not isinstance(count, int) or isinstance(count, bool) or count == 0:
            return count
        # A count is never below the installs behind it; the smaller one decides anyway.
        behind = count if not isinstance(installs, int) else min(count, installs)
        return HIDDEN if behind < least else count

    totals = out["totals"]
    few = totals["installs"]
    out["totals"] = {key: shown(value, few) for key, value in totals.items()}
    window = out["window"]
    window["ci_runs_left_out"] = shown(window["ci_runs_left_out"])

    for row in out["funnel"]:
        row["count"] = shown(row["count"], row.get("installs"))
        if "installs" in row:
            row["installs"] = shown(row["installs"])
    for row in out["failures"]:
        row["count"] = shown(row["count"], row.get("installs"))
        if "installs" in row:
            row["installs"] = shown(row["installs"])
    _second(out["failures"], "count")

    onboarding = out["onboarding"]
    for key in ("started", "completed"):
        onboarding[key] = shown(onboarding[key], onboarding.get(f"{key}_installs"))
    for key in ("viewed", "skipped"):
        behind = onboarding.get(f"{key}_installs", {})
        onboarding[key] = {s: shown(n, behind.get(s)) for s, n in onboarding[key].items()}
    for key in ("started_by_ui", "completed_by_ui"):
        onboarding[key] = _breakdown(onboarding[key], None, least, shown)
    for key in list(onboarding):
        if key.endswith("_installs"):
            value = onboarding[key]
            onboarding[key] = (
                {s: shown(n) for s, n in value.items()} if isinstance(value, dict) else shown(value)
            )
    out["uninstalls"] = shown(out["uninstalls"], out.get("uninstall_installs"))
    if "uninstall_installs" in out:
        out["uninstall_installs"] = shown(out["uninstall_installs"])

    for week in out["weekly_active_installs"]:
        week["installs"] = shown(week["installs"])
    for week in out.get("version_adoption", []):
        week["installs"] = _breakdown(week["installs"], None, least, shown)

    for row in out.get("usage", {}).values():
        if shown(row["count"], row["installs"]) == HIDDEN:
            row.update(count=HIDDEN, errors=HIDDEN, error_rate=None)
        else:
            row["errors"] = shown(row["errors"], row["installs"])
        row["installs"] = shown(row["installs"])

    for event in out.get("product_events", {}).values():
        behind = event.get("installs")
        event["events"] = shown(event["events"], behind)
        if "installs" in event:
            event["installs"] = shown(event["installs"])
        props_installs = event.get("props_installs", {})
        for prop, values in event["props"].items():
            event["props"][prop] = _breakdown(values, props_installs.get(prop), least, shown)
        for prop, values in props_installs.items():
            props_installs[prop] = {v: shown(n) for v, n in values.items()}

    out["mix"] = {
        field: _breakdown(values, None, least, shown) for field, values in out["mix"].items()
    }
    out["unknown_events"] = {name: shown(n) for name, n in out.get("unknown_events", {}).items()}
    return out


def _breakdown(
    values: dict[str, int], installs: Optional[dict[str, int]], least: int, shown
) -> dict:
    """One breakdown's counts, hidden cell by cell, then the one next to a lone hidden one."""
    behind = installs or {}
    if installs is not None and 0 < sum(installs.values()) < least:
        return {key: HIDDEN if n else n for key, n in values.items()}
    out = {key: shown(n, behind.get(key)) for key, n in values.items()}
    _second_values(out)
    return out


def _neighbour(cells: dict[Any, Any]) -> Optional[Any]:
    """The key of the smallest shown count beside a lone hidden one, or None.

    A shown count is the true one, so the smallest of them is the one to hide with it.
    """
    if sum(1 for v in cells.values() if hidden(v)) != 1:
        return None
    others = [(v, k) for k, v in cells.items() if not hidden(v) and v]
    return min(others)[1] if others else None


def _second_values(out: dict[str, Any]) -> None:
    key = _neighbour(out)
    if key is not None:
        out[key] = HIDDEN


def _second(rows: list[dict[str, Any]], key: str) -> None:
    index = _neighbour({i: row[key] for i, row in enumerate(rows)})
    if index is not None:
        rows[index][key] = HIDDEN
        if "installs" in rows[index]:
            rows[index]["installs"] = HIDDEN


__all__ = ["HIDDEN", "LEAST", "hidden", "public"]
