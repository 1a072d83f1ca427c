"""Retention: ``prune`` deletes old events for good, and the server prunes each new day."""

from __future__ import annotations

import json
from pathlib import Path

from doorstep.collector import days
from doorstep.collector.store import Store
from doorstep.collector.writer import Writer
from doorstep.events import schema, wire
from tests.collector.conftest import count, make_body, new_id, post, rows, start_process
from tests.support.cli import run


def _files(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(db.parent.glob(db.name + "*")))


def test_prune_deletes_old_events_and_leaves_no_trace_in_the_files(tmp_path, db):
    old, recent = new_id(), new_id()
    served = start_process(tmp_path, db)
    try:
        old_day = days.shift(days.today(), -10)
        assert (
            post(
                served.url, make_body([("install_started", {})] * 3, install_id=old, day=old_day)
            ).status_code
            == 204
        )
        assert (
            post(served.url, make_body([("install_started", {})], install_id=recent)).status_code
            == 204
        )
    finally:
        assert served.stop() == 0
    assert old.encode() in _files(db)  # the check below can fail

    done = run("collector", "prune", "--db", str(db), "--older-than", "5d")

    assert done.returncode == 0, done.stderr
    assert "deleted 3 events" in done.stdout
    assert f"dated before {days.shift(days.today(), -5)}" in done.stdout
    assert [r["install_id"] for r in rows(db)] == [recent]
    assert old.encode() not in _files(db)
    report = json.loads(run("collector", "report", "--db", str(db), "--json").stdout)
    assert report["totals"]["installs"] == 1
    assert report["database"]["oldest_day"] == days.today()


def test_prune_by_default_keeps_the_schemas_retention_window(collector, db):
    day = days.shift(days.today(), -(schema.current().retention_days - 1))
    assert post(collector.url, make_body([("install_started", {})], day=day)).status_code == 204

    done = run("collector", "prune", "--db", str(db))

    assert done.returncode == 0, done.stderr
    assert "deleted 0 events" in done.stdout
    assert count(db) == 1


def test_prune_while_serving_and_serving_goes_on(collector, db):
    body = make_body([("install_started", {})], day=days.shift(days.today(), -3))
    assert post(collector.url, body).status_code == 204

    assert run("collector", "prune", "--db", str(db), "--older-than", "1w").returncode == 0
    assert run("collector", "prune", "--db", str(db), "--older-than", "0d").returncode == 0

    assert count(db) == 0
    assert post(collector.url, make_body()).status_code == 204
    assert count(db) == 1


def test_prune_mistakes_are_usage_or_one_line_errors(tmp_path, db):
    bad_age = run("collector", "prune", "--db", str(db), "--older-than", "soon")
    empty_age = run("collector", "prune", "--db", str(db), "--older-than", "")
    missing = run("collector", "prune", "--db", str(tmp_path / "none.sqlite3"))

    assert bad_age.returncode == 2 and "--older-than" in bad_age.stderr
    assert empty_age.returncode == 2 and "--older-than" in empty_age.stderr
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert not (tmp_path / "none.sqlite3").exists()


def test_the_server_prunes_when_the_day_changes(db):
    # The writer's calendar is an argument, so a later day needs no waiting.
    today = days.today()
    body, _ = wire.parse(wire.encode(make_body([("install_started", {})] * 2, day=today)))
    store = Store.open(db)
    store.insert([body])
    store.close()

    same_day = Writer(Store.open(db), retention_days=5, today=lambda: today)
    same_day.start()
    same_day.close()
    assert count(db) == 2

    much_later = Writer(Store.open(db), retention_days=5, today=lambda: days.shift(today, 6))
    much_later.start()
    much_later.close()
    assert count(db) == 0


def test_ages_are_days_or_weeks():
    assert days.parse_age("90d") == 90
    assert days.parse_age("90") == 90
    assert days.parse_age("2w") == 14
    assert days.parse_age("-1d") is None
    assert days.parse_age("90h") is None
