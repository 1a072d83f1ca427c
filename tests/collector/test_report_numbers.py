"""The report's numbers against a straightforward count of the raw rows.

A varied database (installs over six weeks, CI and human runs, runs spanning days,
failures, usage rollups, a product's own events, an event no schema knows, envelopes
without app_version) is written through the real ``Store``; every number ``gather()``
gives is then counted again here, row by row in plain Python, from the tables
themselves.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from doorstep.collector import days, report
from doorstep.collector.store import Store
from doorstep.events import schema
from doorstep.foundation.product import Product, from_file
from tests.collector.anvil import ANVIL_TOML

TODAY = "2026-11-18"  # a Wednesday: the newest week is partial
WINDOWS = (1, 7, 30, 90)


@pytest.fixture(scope="module")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Product:
    path = tmp_path_factory.mktemp("anvil") / "doorstep.toml"
    path.write_text(ANVIL_TOML, encoding="utf-8")
    return from_file(path)


def _bodies(the_schema: schema.Schema, seed: int = 7) -> list[dict[str, Any]]:
    """Runs of 70 installs over 45 days, as cleaned bodies (what ``wire.parse`` keeps)."""
    rng = random.Random(seed)
    stages = the_schema.events[report.STAGE_DONE].props["stage"].values
    errors = the_schema.events[report.FAILED].props["error"].values
    steps = the_schema.events[report.STEP_VIEWED].props["step"].values
    bodies = []
    for number in range(70):
        install_id = str(uuid.UUID(int=rng.getrandbits(128)))
        for _ in range(rng.randrange(1, 5)):
            facts: dict[str, Any] = {
                "schema_version": the_schema.version,
                "python": rng.choice(["3.11", "3.12"]),
                "os": rng.choice(["linux", "darwin", "windows"]),
                "arch": rng.choice(["x86_64", "arm64"]),
                "container": rng.random() < 0.3,
            }
            if rng.random() < 0.9:  # some clients cannot tell their version
                facts["app_version"] = rng.choice(["1.0.0", "1.1.0", "2.0.0"])
            if number % 5 == 0 or rng.random() < 0.1:
                facts["ci"] = True
            elif rng.random() < 0.7:  # ci false, or not said at all
                facts["ci"] = False
            first = rng.randrange(45)
            events: list[tuple[str, str, dict[str, Any]]] = []
            for _ in range(rng.randrange(1, 9)):
                day = days.shift(TODAY, -max(0, first - rng.randrange(3)))  # runs span days
                kind = rng.randrange(10)
                if kind == 0:
                    events.append((day, report.STARTED, {"kind": "fresh"}))
                elif kind == 1:
                    stage = rng.choice(stages)
                    events.append((day, report.STAGE_DONE, {"stage": stage, "duration": "1-3s"}))
                elif kind == 2:
                    error = rng.choice(errors)
                    events.append(
                        (day, report.FAILED, {"stage": rng.choice(stages), "error": error})
                    )
                elif kind == 3:
                    events.append((day, report.COMPLETED, {}))
                elif kind == 4:
                    name = rng.choice([report.STEP_VIEWED, report.STEP_SKIPPED])
                    events.append((day, name, {"step": rng.choice(steps)}))
                elif kind == 5:
                    name = rng.choice([report.ONBOARDING_STARTED, report.ONBOARDING_COMPLETED])
                    events.append((day, name, {"ui": rng.choice(["tui", "inline"])}))
                elif kind == 6:
                    events.append((day, report.UNINSTALL, {"method": "cli"}))
                elif kind == 7:
                    command = rng.choice(["forge", "temper", "quench"])
                    count = rng.randrange(1, 9)
                    rollup = {"command": command, "count": count, "errors": rng.randrange(count)}
                    events.append((day, report.USAGE, rollup))
                elif kind == 8:
                    props: dict[str, Any] = {"metal": rng.choice(["iron", "steel", "bronze"])}
                    if rng.random() < 0.7:
                        props["ok"] = rng.random() < 0.8
                    if rng.random() < 0.5:
                        props["plugin"] = rng.choice(["0.1", "0.2"])
                    if rng.random() < 0.5:
                        props["duration"] = rng.choice(["<1s", "1-3s"])
                    events.append((day, "forge_run", props))
                    if rng.random() < 0.3:
                        events.append((day, "anvil_opened", {}))
                else:
                    events.append((day, "another_tools_event", {}))  # no schema knows it
            envelope = {**facts, "install_id": install_id, "session_id": str(uuid.uuid4())}
            listed = [
                {"name": name, "day": day, "seq": seq, "props": props}
                for seq, (day, name, props) in enumerate(events)
            ]
            bodies.append({"envelope": envelope, "events": listed})
    return bodies


@pytest.fixture(scope="module")
def varied(anvil: Product, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("varied") / "collector.sqlite3"
    store = Store.open(db)
    try:
        bodies = _bodies(schema.for_product(anvil))
        store.insert(bodies[: len(bodies) // 2])
        store.insert(bodies[len(bodies) // 2 :])
    finally:
        store.close()
    return db


def _gather(db: Path, product: Product, window: int, include_ci: bool) -> dict[str, Any]:
    store = Store.open_existing(db)
    try:
        return report.gather(store, window, include_ci, today=TODAY, product=product)
    finally:
        store.close()


def _key(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _recount(db: Path, the_schema: schema.Schema, window: int, include_ci: bool) -> dict:
    """Every number of the report, counted one stored row at a time."""
    first = days.shift(TODAY, -(window - 1))
    connection = sqlite3.connect(db)
    runs = {
        run: (install, json.loads(text))
        for run, install, text in connection.execute(
            "SELECT id, install_id, envelope FROM sessions"
        )
    }
    rows = connection.execute("SELECT session, day, name, props FROM events").fetchall()
    connection.close()

    counts: Counter[str] = Counter()
    installs: defaultdict[Any, set[str]] = defaultdict(set)  # a key -> distinct installs
    values: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    failures: Counter[tuple[str, str]] = Counter()
    ran: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    held_runs, ci_runs, envelopes = set(), set(), {}
    for run, day, name, text in rows:
        if day < first:
            continue
        install, envelope = runs[run]
        if envelope.get("ci"):
            ci_runs.add(run)
            if not include_ci:
                continue
        props = json.loads(text)
        held_runs.add(run)
        envelopes[run] = (install, envelope)
        counts[name] += 1
        installs[name].add(install)
        week = days.week_start(day)
        installs["week", week].add(install)
        if "app_version" in envelope:
            installs["version", week, envelope["app_version"]].add(install)
        for prop, value in props.items():
            values[name, prop][_key(value)] += 1
            installs[name, prop, _key(value)].add(install)
        if name == report.FAILED:
            failures[props["stage"], props["error"]] += 1
            installs["failure", props["stage"], props["error"]].add(install)
        if name == report.USAGE:
            ran[props["command"]] += props["count"]
            failed[props["command"]] += props["errors"]
    mix: defaultdict[str, defaultdict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for install, envelope in envelopes.values():
        for field, value in envelope.items():
            mix[field][_key(value)].add(install)
    weeks = sorted(key[1] for key in installs if key[0] == "week")
    return {
        "counts": counts,
        "installs": {key: len(found) for key, found in installs.items()},
        "values": values,
        "failures": failures,
        "ran": ran,
        "failed": failed,
        "runs": len(held_runs),
        "all_installs": len({install for install, _ in envelopes.values()}),
        "left_out": 0 if include_ci else len(ci_runs),
        "weeks": weeks,
        "mix": {f: {v: len(found) for v, found in vs.items()} for f, vs in mix.items()},
    }


def _installs(expected: dict, *key: Any) -> int:
    return expected["installs"].get(key[0] if len(key) == 1 else key, 0)


def _every_week(weeks: Iterable[str]) -> list[str]:
    """The weeks from the first with events to this one, each once (quiet ones too)."""
    found = sorted(set(weeks))
    if not found:
        return []
    every, week = [], found[0]
    while week <= max(found[-1], days.week_start(TODAY)):
        every.append(week)
        week = days.shift(week, 7)
    return every


@pytest.mark.parametrize("include_ci", [False, True])
@pytest.mark.parametrize("window", WINDOWS)
def test_every_number_is_the_count_of_the_raw_rows(anvil, varied, window, include_ci):
    the_schema = schema.for_product(anvil)
    data = _gather(varied, anvil, window, include_ci)
    expected = _recount(varied, the_schema, window, include_ci)
    counts = expected["counts"]
    first = days.shift(TODAY, -(window - 1))

    assert data["totals"] == {
        "events": sum(counts.values()),
        "runs": expected["runs"],
        "installs": expected["all_installs"],
    }
    assert data["window"]["ci_runs_left_out"] == expected["left_out"]
    stages = the_schema.events[report.STAGE_DONE].props["stage"].values
    assert data["funnel"] == [
        {
            "step": "started",
            "count": counts[report.STARTED],
            "installs": _installs(expected, report.STARTED),
        },
        *[
            {
                "step": stage,
                "count": expected["values"][report.STAGE_DONE, "stage"][stage],
                "installs": _installs(expected, report.STAGE_DONE, "stage", stage),
            }
            for stage in stages
        ],
        {
            "step": "completed",
            "count": counts[report.COMPLETED],
            "installs": _installs(expected, report.COMPLETED),
        },
    ]
    assert {(f["stage"], f["error"]): f["count"] for f in data["failures"]} == expected["failures"]
    for failure in data["failures"]:
        assert failure["installs"] == _installs(
            expected, "failure", failure["stage"], failure["error"]
        )
    assert [f["count"] for f in data["failures"]] == sorted(
        (f["count"] for f in data["failures"]), reverse=True
    )

    onboarding = data["onboarding"]
    steps = the_schema.events[report.STEP_VIEWED].props["step"].values
    assert onboarding["started"] == counts[report.ONBOARDING_STARTED]
    assert onboarding["completed"] == counts[report.ONBOARDING_COMPLETED]
    assert onboarding["started_installs"] == _installs(expected, report.ONBOARDING_STARTED)
    assert onboarding["completed_installs"] == _installs(expected, report.ONBOARDING_COMPLETED)
    for event, seen, who in (
        (report.STEP_VIEWED, "viewed", "viewed_installs"),
        (report.STEP_SKIPPED, "skipped", "skipped_installs"),
    ):
        assert onboarding[seen] == {s: expected["values"][event, "step"][s] for s in steps}
        assert onboarding[who] == {s: _installs(expected, event, "step", s) for s in steps}
    assert onboarding["started_by_ui"] == dict(expected["values"][report.ONBOARDING_STARTED, "ui"])
    assert data["uninstalls"] == counts[report.UNINSTALL]
    assert data["uninstall_installs"] == _installs(expected, report.UNINSTALL)

    weekly = [
        {
            "week": days.week_label(week),
            "from": week,
            "installs": _installs(expected, "week", week),
            "partial": week < first or days.shift(week, 6) > TODAY,
        }
        for week in _every_week(expected["weeks"])
    ]
    assert data["weekly_active_installs"] == weekly
    assert [{k: v for k, v in w.items() if k != "installs"} for w in data["version_adoption"]] == [
        {k: v for k, v in w.items() if k != "installs"} for w in weekly
    ]
    for week in data["version_adoption"]:
        versions = {
            key[2]: n
            for key, n in expected["installs"].items()
            if key[:2] == ("version", week["from"])
        }
        assert week["installs"] == versions
        assert list(week["installs"]) == sorted(versions, key=lambda v: (-versions[v], v))

    assert set(data["usage"]) == {"forge", "temper", "quench"}
    for command, row in data["usage"].items():
        assert row["count"] == expected["ran"][command]
        assert row["errors"] == expected["failed"][command]
        assert row["installs"] == _installs(expected, report.USAGE, "command", command)

    forged = data["product_events"]["forge_run"]
    assert forged["events"] == counts["forge_run"]
    assert forged["installs"] == _installs(expected, "forge_run")
    assert (
        set(forged["props"])
        == set(forged["props_installs"])
        == {"metal", "ok", "duration", "plugin"}
    )
    for prop, by_value in forged["props"].items():
        assert {v: n for v, n in by_value.items() if n} == dict(
            expected["values"]["forge_run", prop]
        )
        assert list(forged["props_installs"][prop]) == list(by_value)
        for value, n in forged["props_installs"][prop].items():
            assert n == _installs(expected, "forge_run", prop, value)
    opened = data["product_events"]["anvil_opened"]
    assert opened["events"] == counts["anvil_opened"]
    assert opened["installs"] == _installs(expected, "anvil_opened")
    assert opened["props"] == opened["props_installs"] == {}
    assert data["unknown_events"] == (
        {"another_tools_event": counts["another_tools_event"]}
        if counts["another_tools_event"]
        else {}
    )

    for field in ("os", "arch", "python", "app_version", "ci", "container"):
        assert data["mix"][field] == expected["mix"].get(field, {})


def test_the_database_is_varied_enough_to_tell(anvil, varied):
    # The comparison above is only worth something if every kind of row is there.
    expected = _recount(varied, schema.for_product(anvil), 90, include_ci=False)
    with_ci = _recount(varied, schema.for_product(anvil), 90, include_ci=True)
    assert len(expected["weeks"]) >= 6
    assert expected["left_out"] > 0 and with_ci["runs"] > expected["runs"]
    assert expected["failures"] and expected["counts"]["another_tools_event"]
    assert expected["counts"][report.USAGE] and expected["counts"]["forge_run"]
    counts = expected["installs"]
    # Some install sent an event more often than once: counts and installs differ.
    assert expected["counts"][report.USAGE] > counts[report.USAGE]


@pytest.mark.parametrize("include_ci", [False, True])
def test_runs_looked_up_by_dict_count_as_by_array(anvil, varied, monkeypatch, include_ci):
    # The array by run id is left for a dict when run ids are sparse (long pruned).
    by_array = _gather(varied, anvil, 30, include_ci)
    lookup = report._Runs.pair_of
    monkeypatch.setattr(
        report._Runs, "pair_of", lambda runs, ci, dense=True: lookup(runs, ci, dense=False)
    )
    assert _gather(varied, anvil, 30, include_ci) == by_array
