"""Many rows to a statement: one insert of many bodies leaves the database exactly as the
same bodies inserted one at a time do (runs, events, every rollup table, every number),
and ``rollup.many_rows`` cuts any number of rows into statements of a few sizes."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from doorstep.collector import days, report, rollup
from doorstep.collector.store import Store

TODAY = "2026-11-18"
INSTALLS = [str(uuid.UUID(int=n + 1, version=4)) for n in range(7)]
_EVENTS = [
    (report.STARTED, {"kind": "fresh"}),
    (report.STAGE_DONE, {"stage": "link", "duration": "1-3s"}),
    (report.FAILED, {"stage": "package", "error": "network"}),
    (report.USAGE, {"command": "forge", "count": 3, "errors": 1}),
    ("forge_run", {"metal": "iron", "ok": True}),
    ("forge_run", {"metal": "iron", "ok": 1}),
    ("anvil_opened", {}),
]


def _bodies() -> list[dict[str, Any]]:
    """300 bodies: runs sent twice (in part, with another envelope), CI and human runs, a
    few days, a few installs; more rows of every table than one statement takes."""
    bodies = []
    for n in range(300):
        run = n if n % 7 else n - 7 * (n % 3)  # every seventh a run already seen
        envelope = {
            "os": ("linux", "darwin")[n % 2],
            "ci": n % 5 == 0,
            "app_version": ("1.0.0", "2.0.0")[n % 3 == 0],
            "install_id": INSTALLS[n % len(INSTALLS)],
            "session_id": str(uuid.UUID(int=1000 + max(run, 0), version=4)),
        }
        events = [
            {
                "name": _EVENTS[(n + seq) % len(_EVENTS)][0],
                "day": days.shift(TODAY, -((n + seq) % 4)),
                "seq": seq if n % 11 else seq % 3,  # some seqs twice in one body
                "props": dict(_EVENTS[(n + seq) % len(_EVENTS)][1]),
            }
            for seq in range(n % 9)  # empty bodies too
        ]
        bodies.append({"envelope": envelope, "events": events})
    return bodies


def _tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    names = ("sessions", "events", *rollup.TABLE_NAMES)
    tables = {name: sorted(store.rows(f"SELECT * FROM {name}")) for name in names}
    # A last day moved on within one commit leaves no emptied row behind, as it does
    # across two commits; the emptied rows count nothing.
    tables["last_days"] = [row for row in tables["last_days"] if row[-1] != 0]
    return tables


@pytest.mark.parametrize("at_once", [300, 37, 2])
def test_many_bodies_at_once_store_what_one_at_a_time_stores(tmp_path: Path, at_once: int):
    bodies = _bodies()
    stored = {}
    tables = {}
    for way, size in (("one at a time", 1), ("at once", at_once)):
        store = Store.open(tmp_path / f"{size}.sqlite3")
        try:
            stored[way] = sum(
                store.insert(bodies[start : start + size]) for start in range(0, len(bodies), size)
            )
            stored[way] += store.insert(bodies[:50])  # all of it again: nothing new
            tables[way] = _tables(store)
        finally:
            store.close()
    assert stored["at once"] == stored["one at a time"] > 0
    assert tables["at once"] == tables["one at a time"]
    assert len(tables["at once"]["last_seen"]) > 128  # more than one statement's worth


@pytest.mark.parametrize("width", [1, 3, 4, 5])
def test_many_rows_takes_every_row_once_in_order_in_a_few_sizes(width: int):
    texts = set()
    for rows in (*range(0, 300), 1000, 4097):
        values = list(range(rows * width))
        taken: list[int] = []
        for text, params in rollup.many_rows("head ", "(g)", width, values, " tail"):
            size = text.count("(g)")
            assert size & (size - 1) == 0  # a power of two
            assert len(params) == size * width <= 999
            assert text == "head " + ", ".join(["(g)"] * size) + " tail"
            taken += params
            texts.add(text)
        assert taken == values
    assert len(texts) <= 9


@pytest.mark.parametrize("masked", [None, 3])
def test_what_a_rollup_remembers_changes_nothing_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, masked: Any
):
    # The same few bodies again and again (as senders send them), from several installs
    # and runs, CI and not, over a few days: worked out afresh for every insert, or from
    # what the rollup remembers of the bodies and installs it has seen.
    templates = [
        [
            {
                "name": _EVENTS[(t + seq) % len(_EVENTS)][0],
                "day": days.shift(TODAY, -((t + seq) % 3)),
                "seq": seq,
                "props": dict(_EVENTS[(t + seq) % len(_EVENTS)][1]),
            }
            for seq in range(2 + t)
        ]
        for t in range(3)
    ]
    bodies = [
        {
            "envelope": {
                "os": ("linux", "darwin")[n // 7 % 2],
                "ci": n % 5 == 1,
                "install_id": INSTALLS[n % len(INSTALLS)],
                "session_id": str(uuid.UUID(int=5000 + n // 2, version=4)),
            },
            "events": templates[n % len(templates)],
        }
        for n in range(150)
    ]
    tables = {}
    for afresh in (True, False):
        if masked is not None and not afresh:  # facets past the masks, as with very many
            monkeypatch.setattr(rollup, "_MASKED", masked)
        store = Store.open(tmp_path / f"{afresh}.sqlite3")
        try:
            for body in bodies:
                if afresh:
                    store._rollup.forget_numbers()
                store.insert([body])
            tables[afresh] = _tables(store)
        finally:
            store.close()
    assert tables[False] == tables[True]
