"""``doorstep collector report``: the funnel and the mix, read back from real rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.collector import days, report
from doorstep.events import envelope, schema
from tests.collector.conftest import make_body, new_id, post
from tests.support.cli import run

STAGES = schema.current().events[report.STAGE_DONE].props["stage"].values
INSTALL = [
    ("install_started", {"kind": "fresh", "method": "script"}),
    *[("install_stage_completed", {"stage": s, "duration": "1-3s"}) for s in STAGES],
    ("install_completed", {"duration": "30-60s"}),
    ("onboarding_started", {"ui": "tui"}),
    ("onboarding_step_viewed", {"step": "welcome"}),
    ("onboarding_step_viewed", {"step": "privacy"}),
    ("onboarding_step_viewed", {"step": "finish"}),
    ("onboarding_completed", {"ui": "tui", "duration": "10-30s", "viewed_payload": True}),
]
FAILED = [
    ("install_started", {"kind": "upgrade", "method": "pip"}),
    ("install_stage_completed", {"stage": STAGES[0]}),
    ("install_stage_completed", {"stage": STAGES[1]}),
    ("install_failed", {"stage": STAGES[2], "error": "package_failed"}),
]


@pytest.fixture
def history(collector, db):
    """Two human installs (one failed, 8 days ago), one CI install, one 40 days ago."""
    today = days.today()
    alice, bob = new_id(), new_id()
    bodies = [
        make_body(INSTALL, install_id=alice),
        make_body(
            [("uninstall_started", {"method": "cli", "keep_config": False})], install_id=alice
        ),
        make_body(FAILED, install_id=bob, day=days.shift(today, -8)),
        make_body([("install_started", {}), ("install_completed", {})], ci=True),
        make_body([("install_started", {})], day=days.shift(today, -40)),
    ]
    for body in bodies:
        assert post(collector.url, body).status_code == 204
    return {"alice": alice, "bob": bob, "today": today, "db": db}


def _json(db: Path, *extra: str) -> dict:
    done = run("collector", "report", "--db", str(db), "--json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_every_event_the_report_counts_is_in_the_schema():
    assert set(report.REPORTED) <= set(schema.current().events)


def test_the_funnel_failures_onboarding_and_mix_add_up(history):
    data = _json(history["db"])

    funnel = {row["step"]: row["count"] for row in data["funnel"]}
    assert list(funnel) == ["started", *STAGES, "completed"]
    assert funnel["started"] == 2
    assert funnel[STAGES[0]] == funnel[STAGES[1]] == 2
    assert all(funnel[stage] == 1 for stage in STAGES[2:])
    assert funnel["completed"] == 1
    # Each entry has its installs too (test_every_count_has_the_installs_behind_it).
    failures = [{k: v for k, v in f.items() if k != "installs"} for f in data["failures"]]
    assert failures == [{"stage": STAGES[2], "error": "package_failed", "count": 1}]
    assert data["onboarding"]["started"] == 1
    assert data["onboarding"]["viewed"] == {"welcome": 1, "privacy": 1, "finish": 1}
    assert data["onboarding"]["skipped"] == {"welcome": 0, "privacy": 0, "finish": 0}
    assert data["onboarding"]["completed_by_ui"] == {"tui": 1}
    assert data["uninstalls"] == 1
    assert data["totals"] == {"events": len(INSTALL) + 1 + len(FAILED), "runs": 3, "installs": 2}
    assert data["window"]["ci_runs_left_out"] == 1
    machine = envelope.build({}, new_id())
    assert data["mix"]["os"] == {machine["os"]: 2}
    assert data["mix"]["python"] == {machine["python"]: 2}
    assert data["mix"]["ci"] == {"false": 2}
    assert "session_id" not in data["mix"] and "install_id" not in data["mix"]


def test_weekly_active_installs_count_distinct_ids_per_iso_week(history):
    today = history["today"]
    weeks = {w["from"]: w["installs"] for w in _json(history["db"])["weekly_active_installs"]}

    this_week, bobs_week = days.week_start(today), days.week_start(days.shift(today, -8))
    assert weeks[this_week] == 1  # alice twice (install and uninstall) is one install
    assert weeks[bobs_week] == 1
    assert sum(weeks.values()) == 2


def test_ci_runs_are_counted_only_when_asked(history):
    data = _json(history["db"], "--include-ci")

    assert data["funnel"][0]["count"] == 3
    assert data["funnel"][-1]["count"] == 2
    assert data["mix"]["ci"] == {"false": 2, "true": 1}
    assert data["window"]["ci_runs_left_out"] == 0


def test_the_window_is_the_last_n_days(history):
    assert _json(history["db"], "--days", "7")["funnel"][0]["count"] == 1
    assert _json(history["db"], "--days", "60")["funnel"][0]["count"] == 3


def test_the_terminal_report_has_bars_and_says_what_it_cannot_know(history):
    done = run("collector", "report", "--db", str(history["db"]), env={"PYTHONIOENCODING": "utf-8"})

    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in (
        "Install funnel",
        "Install failures",
        "Onboarding",
        "Weekly active installs",
        "Mix",
    ):
        assert heading in out
    assert "█" in out
    assert f"{STAGES[2]}: package_failed" in out
    assert "cannot know, by design" in out
    assert "declined" in out
    assert "1 CI runs left out" in out


def test_without_unicode_the_bars_are_plain(history):
    done = run("collector", "report", "--db", str(history["db"]), env={"PYTHONIOENCODING": "ascii"})

    assert done.returncode == 0, done.stderr
    assert "#" in done.stdout
    assert "█" not in done.stdout


def test_an_empty_database_reports_zeros(collector, db):
    data = _json(db)
    assert data["totals"] == {"events": 0, "runs": 0, "installs": 0}
    assert data["database"]["oldest_day"] is None
    assert run("collector", "report", "--db", str(db)).returncode == 0


def test_report_failures_are_one_line_and_exit_1(tmp_path):
    missing = run("collector", "report", "--db", str(tmp_path / "nope.sqlite3"))
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    broken = run("collector", "report", "--db", str(garbage))
    foreign = tmp_path / "other.sqlite3"
    import sqlite3

    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    someone_elses = run("collector", "report", "--db", str(foreign))

    for done in (missing, broken, someone_elses):
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert done.stdout == ""
    assert "no database" in missing.stderr
    assert "not a collector database" in someone_elses.stderr


def test_usage_errors_exit_2(tmp_path):
    for args in (
        ["report", "--days", "0"],
        ["report", "--bogus"],
        [],
        ["serve", "--port", "70000"],
    ):
        done = (
            run("collector", *args, "--db", str(tmp_path / "x.sqlite3"))
            if args
            else run("collector")
        )
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr
    for command in ("serve", "report", "prune"):
        done = run("collector", command, "--help")
        assert done.returncode == 0 and "--db" in done.stdout


def test_report_and_prune_work_without_uvicorn_and_serve_says_what_is_missing(history, tmp_path):
    # uvicorn is installed here; an import blocked in a fresh interpreter stands in for a
    # machine without the collector extra.
    code = (
        "import sys; sys.modules['uvicorn'] = None\n"
        "from doorstep.cli.dispatch import main\n"
        "raise SystemExit(main(sys.argv[1:]))\n"
    )

    def without_uvicorn(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", code, "collector", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )

    db = str(history["db"])
    assert without_uvicorn("report", "--db", db).returncode == 0
    assert without_uvicorn("prune", "--db", db).returncode == 0
    served = without_uvicorn("serve", "--db", str(tmp_path / "s.sqlite3"), "--port", "0")
    assert served.returncode == 1
    assert "uvicorn" in served.stderr and "[collector]" in served.stderr
    assert served.stderr.count("\n") == 1


def test_bar_lengths_are_proportional():
    assert report.bar(0, 10) == ""
    assert report.bar(10, 10, width=8) == "█" * 8
    assert report.bar(5, 10, width=8) == "█" * 4
    assert report.bar(1, 1000, width=8) == "▏"  # small but present
    assert report.bar(5, 10, unicode=False, width=8) == "####"


def test_every_count_has_the_installs_behind_it(history):
    data = _json(history["db"])

    # alice installed and uninstalled; bob's install failed at the third stage.
    funnel = {row["step"]: row["installs"] for row in data["funnel"]}
    assert funnel["started"] == 2
    assert funnel[STAGES[0]] == funnel[STAGES[1]] == 2
    assert all(funnel[stage] == 1 for stage in STAGES[2:])
    assert funnel["completed"] == 1
    assert data["failures"][0]["installs"] == 1
    onboarding = data["onboarding"]
    assert onboarding["started_installs"] == onboarding["completed_installs"] == 1
    assert onboarding["viewed_installs"] == {"welcome": 1, "privacy": 1, "finish": 1}
    assert onboarding["skipped_installs"] == {"welcome": 0, "privacy": 0, "finish": 0}
    assert data["uninstall_installs"] == 1


def test_version_adoption_counts_installs_per_week_and_version(history):
    data = _json(history["db"])
    with_ci = _json(history["db"], "--include-ci")
    version = envelope.build({}, new_id()).get("app_version")

    weeks = [{k: w[k] for k in ("week", "from", "partial")} for w in data["version_adoption"]]
    assert weeks == [
        {k: w[k] for k in ("week", "from", "partial")} for w in data["weekly_active_installs"]
    ]
    for week, active in zip(data["version_adoption"], data["weekly_active_installs"]):
        assert week["installs"] == ({version: active["installs"]} if version else {})
    this_week = with_ci["version_adoption"][-1]
    assert this_week["installs"] == ({version: 2} if version else {})  # alice and the CI run
