"""The rollups against the events: every report read from them equals the report counted
from the events themselves, after any mix of inserts, re-sent batches, forgets and prunes,
and after a database made before the rollups is given them.

Hypothesis writes arbitrary histories through the real ``Store`` into real SQLite files;
``report.gather(..., from_events=True)`` counts the events row by row (the way a database
of the older format is reported), and ``tests/collector/test_report_numbers.py`` holds
that way to a plain recount.
"""

from __future__ import annotations

import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.collector import days, report, rollup
from doorstep.collector.store import FORMAT, Store
from doorstep.events import schema
from doorstep.foundation.product import Product, from_file
from tests.collector.anvil import ANVIL_TOML

TODAY = "2026-11-18"
WINDOWS = (1, 3, 8, 30)
INSTALLS = [str(uuid.UUID(int=n + 1)) for n in range(3)]
SESSIONS = [str(uuid.UUID(int=100 + n)) for n in range(5)]


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Product:
    path = tmp_path_factory.mktemp("anvil") / "doorstep.toml"
    path.write_text(ANVIL_TOML, encoding="utf-8")
    return from_file(path)


_events = st.sampled_from(
    [
        (report.STARTED, {"kind": "fresh"}),
        (report.STAGE_DONE, {"stage": "link", "duration": "1-3s"}),
        (report.STAGE_DONE, {"stage": "path", "duration": "<1s"}),
        (report.FAILED, {"stage": "package", "error": "network"}),
        (report.FAILED, {"stage": "link", "error": "network"}),
        (report.COMPLETED, {}),
        (report.STEP_VIEWED, {"step": "privacy"}),
        (report.STEP_SKIPPED, {"step": "privacy"}),
        (report.ONBOARDING_STARTED, {"ui": "tui"}),
        (report.UNINSTALL, {"method": "cli", "keep_config": True}),
        (report.USAGE, {"command": "forge", "count": 3, "errors": 1}),
        (report.USAGE, {"command": "temper", "count": 1, "errors": 0}),
        ("forge_run", {"metal": "iron", "ok": True}),
        ("forge_run", {"metal": "iron", "ok": False, "plugin": "0.2"}),
        ("anvil_opened", {}),
        ("another_tools_event", {}),
    ]
)
_facts = st.fixed_dictionaries(
    {"os": st.sampled_from(["linux", "darwin"]), "python": st.just("3.12")},
    optional={
        "app_version": st.sampled_from(["1.0.0", "2.0.0"]),
        "ci": st.booleans(),
    },
)
_body = st.builds(
    lambda install, session, facts, events: {
        "envelope": {**facts, "install_id": install, "session_id": session},
        "events": [
            {"name": name, "day": days.shift(TODAY, offset), "seq": seq, "props": props}
            for seq, offset, (name, props) in events
        ],
    },
    st.sampled_from(INSTALLS),
    st.sampled_from(SESSIONS),  # a run id reused, with another install id or envelope
    _facts,
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(-40, 1), _events),  # repeated seqs too
        max_size=6,
    ),
)
_step = st.one_of(
    st.tuples(st.just("insert"), st.lists(_body, min_size=1, max_size=3)),
    st.tuples(st.just("forget"), st.sampled_from(INSTALLS)),
    st.tuples(st.just("prune"), st.integers(-35, 2)),
)


def _apply(store: Store, steps: list[tuple[str, Any]]) -> None:
    for what, argument in steps:
        if what == "insert":
            store.insert(argument)
        elif what == "forget":
            store.forget(argument)
        else:
            store.prune(days.shift(TODAY, argument))


def _reports(store: Store, anvil: Product, from_events: bool) -> list[dict[str, Any]]:
    return [
        report.gather(store, window, ci, today=TODAY, product=anvil, from_events=from_events)
        for window in WINDOWS
        for ci in (False, True)
    ]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_step, min_size=1, max_size=8))
def test_the_rollups_give_the_numbers_the_events_give(anvil: Product, steps) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(Path(folder) / "collector.sqlite3")
        try:
            _apply(store, steps)
            counted = _reports(store, anvil, from_events=True)
            assert _reports(store, anvil, from_events=False) == counted
            oldest = store.rows("SELECT min(day) FROM events")[0][0]
            assert store.oldest_day() == oldest
            # Nothing of a forgotten or pruned install is left in the numbering.
            held = {row[0] for row in store.rows("SELECT install_id FROM sessions")}
            assert {row[0] for row in store.rows("SELECT install_id FROM members")} <= held
        finally:
            store.close()


def _format_one(path: Path) -> None:
    """Make ``path`` what a collector before the rollups left: no rollup tables, format 1."""
    connection = sqlite3.connect(path)
    try:
        for table in rollup.TABLE_NAMES:
            connection.execute(f"DROP TABLE {table}")
        connection.execute("PRAGMA user_version=1")
        connection.commit()
    finally:
        connection.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(_step, min_size=1, max_size=6))
def test_a_database_from_before_the_rollups_reads_the_same_and_gets_them(
    anvil: Product, steps
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "collector.sqlite3"
        store = Store.open(path)
        try:
            _apply(store, steps)
            expected = _reports(store, anvil, from_events=False)
        finally:
            store.close()
        _format_one(path)

        old = Store.open_existing(path)  # reading never changes the file
        try:
            assert not old.has_rollups
            assert _reports(old, anvil, from_events=False) == expected
        finally:
            old.close()

        upgraded = Store.open(path)  # the first open to write counts every event again
        try:
            assert upgraded.has_rollups
            assert upgraded.rows("PRAGMA user_version")[0][0] == FORMAT
            assert _reports(upgraded, anvil, from_events=False) == expected
        finally:
            upgraded.close()


def test_a_resent_batch_is_counted_once(anvil: Product, tmp_path: Path) -> None:
    body = {
        "envelope": {"os": "linux", "install_id": INSTALLS[0], "session_id": SESSIONS[0]},
        "events": [{"name": report.STARTED, "day": TODAY, "seq": 0, "props": {"kind": "fresh"}}],
    }
    store = Store.open(tmp_path / "collector.sqlite3")
    try:
        assert store.insert([body, body]) == 1
        assert store.insert([body]) == 0
        data = report.gather(store, 7, False, today=TODAY, product=anvil)
    finally:
        store.close()
    assert data["funnel"][0] == {"step": "started", "count": 1, "installs": 1}
    assert data["totals"] == {"events": 1, "runs": 1, "installs": 1}


def _files(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*")))


def test_forgetting_leaves_the_install_id_nowhere_in_the_rollups(
    anvil: Product, tmp_path: Path
) -> None:
    path = tmp_path / "collector.sqlite3"
    gone, kept = INSTALLS[0], INSTALLS[1]
    store = Store.open(path)
    try:
        for install, session in ((gone, SESSIONS[0]), (kept, SESSIONS[1])):
            store.insert(
                [
                    {
                        "envelope": {"os": "linux", "install_id": install, "session_id": session},
                        "events": [
                            {"name": "forge_run", "day": TODAY, "seq": 0, "props": {"ok": True}}
                        ],
                    }
                ]
            )
        assert gone.encode() in _files(path)
        store.forget(gone)
        data = report.gather(store, 7, False, today=TODAY, product=anvil)
    finally:
        store.close()
    assert gone.encode() not in _files(path)
    assert data["product_events"]["forge_run"]["installs"] == 1
    assert data["totals"] == {"events": 1, "runs": 1, "installs": 1}


def test_an_install_whose_last_human_day_was_pruned_counts_again_when_it_comes_back(
    anvil: Product, tmp_path: Path
) -> None:
    def run(session: str, day: int, ci: bool) -> dict[str, Any]:
        return {
            "envelope": {"ci": ci, "install_id": INSTALLS[0], "session_id": session},
            "events": [
                {"name": "anvil_opened", "day": days.shift(TODAY, day), "seq": 0, "props": {}}
            ],
        }

    store = Store.open(tmp_path / "collector.sqlite3")
    try:
        store.insert([run(SESSIONS[0], -10, False), run(SESSIONS[1], -2, True)])
        store.prune(days.shift(TODAY, -5))  # the human run goes, the CI run stays
        store.insert([run(SESSIONS[2], -8, False)])  # an older day, stored directly
        data = _reports(store, anvil, from_events=False)
        assert data == _reports(store, anvil, from_events=True)
    finally:
        store.close()
    assert data[-2]["product_events"]["anvil_opened"]["installs"] == 1  # 30 days, no CI


def test_the_rollups_know_doorsteps_own_events_as_the_schema_does(anvil: Product) -> None:
    the_schema = schema.for_product(anvil)
    assert set(the_schema.events) - set(anvil.events) == rollup.BUILT_IN
    for name, prop in rollup.COUNTED:
        assert prop in the_schema.events[name].props
