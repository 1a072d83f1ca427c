"""ACME's daily usage counts: kept in ``~/.local/state/acme/usage.json`` with consent only,
sent as one ``usage_rollup`` per command once the day is over.

To make "yesterday" without waiting a day, the test rewrites the day key in usage.json
(the file's documented shape: ``{"YYYY-MM-DD": {"deploy": [runs, errors]}}``), as a
day's counts look when the next day's first run finds them. The clock is not mocked.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from tests.adopting.tools import Env, Installed, files_under, utc_today
from tests.pipeline.processes import wait_for_senders
from tests.support.capture import Capture


def usage_file(home: Path) -> Path:
    return home / ".local/state/acme/usage.json"


def rollups(capture: Capture) -> list[dict]:
    return [e for e in capture.events() if e["name"] == "usage_rollup"]


def test_counts_wait_for_the_day_to_end_then_leave_as_one_rollup(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    assert acme.run("telemetry", "enable", env=env).returncode == 0
    first_day = utc_today()
    assert acme.run("deploy", env=env).returncode == 0
    assert acme.run("deploy", env=env).returncode == 0
    assert acme.run("deploy", "--fail", env=env).returncode == 1
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= 3)

    # Today's counts are on disk, not on the wire: the day is not over.
    assert [e["name"] for e in capture.events()] == ["command_run"] * 3
    counted = json.loads(usage_file(home).read_text(encoding="utf-8"))
    (day,) = counted
    assert day in (first_day, utc_today())  # a run across midnight UTC counts on the next day
    assert counted == {day: {"deploy": [3, 1]}}

    # The same counts, as a later day finds them.
    yesterday = (datetime.date.fromisoformat(utc_today()) - datetime.timedelta(days=1)).isoformat()
    usage_file(home).write_text(json.dumps({yesterday: counted[day]}), encoding="utf-8")
    sent_before = len(capture.events())
    today = utc_today()
    assert acme.run("check", env=env).returncode == 0
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= sent_before + 2)

    (rollup,) = rollups(capture)
    assert rollup["props"] == {"command": "deploy", "count": 3, "errors": 1}
    assert rollup["day"] == yesterday
    later = capture.events()[sent_before:]
    assert sorted(e["name"] for e in later) == ["command_run", "usage_rollup"]
    # The rollup shares the batch of the flush that found it, under the same install.
    bodies = capture.bodies()
    assert bodies[-1]["envelope"]["install_id"] == bodies[0]["envelope"]["install_id"]
    # Sent once: the past day left the file, today's check is all it holds.
    after = json.loads(usage_file(home).read_text(encoding="utf-8"))
    assert after in ({today: {"check": [1, 0]}}, {utc_today(): {"check": [1, 0]}})

    # Another run the same day sends no second rollup.
    assert acme.run("check", env=env).returncode == 0
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= sent_before + 3)
    assert len(rollups(capture)) == 1


def test_before_consent_no_counts_are_written(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    for words in (["deploy"], ["deploy", "--fail"], ["check"]):
        acme.run(*words, env=env)
    wait_for_senders(home)
    assert not usage_file(home).exists()
    assert files_under(home) == []
    assert capture.connections == 0


def test_after_a_no_no_counts_are_written(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    assert acme.run("telemetry", "disable", env=env).returncode == 0
    acme.run("deploy", env=env)
    wait_for_senders(home)
    assert files_under(home) == [".config/acme/telemetry.toml"]
    assert capture.connections == 0


def test_disable_deletes_the_counts(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    assert acme.run("telemetry", "enable", env=env).returncode == 0
    acme.run("deploy", env=env)
    wait_for_senders(home)
    assert usage_file(home).is_file()
    assert acme.run("telemetry", "disable", env=env).returncode == 0
    assert not usage_file(home).exists()
