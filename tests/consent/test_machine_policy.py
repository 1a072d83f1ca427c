"""An administrator's `enabled = false` in the site config file turns the product off for
every user, above the variable, the flag and the record; status names the file; a yes
is refused in one line and changes nothing. Real files, XDG_CONFIG_DIRS in the test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.support.capture import Capture
from tests.support.cli import run

RECORD = Path(".config/doorstep/telemetry.toml")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "etc-xdg"
    monkeypatch.setenv("XDG_CONFIG_DIRS", f"{folder}:/nonexistent")
    return folder / "doorstep" / "telemetry.toml"


def write_policy(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def status(*extra: str, env: dict[str, str] | None = None) -> dict:
    done = run("telemetry", "status", "--json", *extra, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_off_for_every_user_above_the_record_and_the_variable(home: Path, site: Path) -> None:
    assert run("telemetry", "enable").returncode == 0
    write_policy(site, "enabled = false\n")

    data = status(env={"DOORSTEP_TELEMETRY": "1"})

    assert (data["state"], data["decided_by"]) == ("off", "machine_policy")
    assert str(site) in data["reason"]
    assert data["files"]["machine_policy"] == {"path": str(site), "state": "off"}
    text = run("telemetry", "status").stdout
    assert str(site) in text and "machine policy" in text


def test_do_not_track_still_comes_first(home: Path, site: Path) -> None:
    write_policy(site, "enabled = false\n")
    assert status(env={"DO_NOT_TRACK": "1"})["decided_by"] == "do_not_track"


def test_a_yes_is_refused_in_one_line_and_changes_nothing(home: Path, site: Path) -> None:
    assert run("telemetry", "disable").returncode == 0
    before = (home / RECORD).read_bytes()
    write_policy(site, "enabled = false\n")

    done = run("telemetry", "enable")

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "machine's policy" in lines[0] and str(site) in lines[0]
    assert (home / RECORD).read_bytes() == before


def test_setup_does_not_ask_and_saves_nothing(home: Path, site: Path) -> None:
    write_policy(site, "enabled = false\n")
    done = run("setup", "--telemetry")
    assert done.returncode == 0, done.stderr
    assert "machine's policy" in done.stdout
    assert not (home / RECORD).exists()


@pytest.mark.parametrize("content", ["enabled = [", "enabled = 'no'", "\x00\x01"], ids=repr)
def test_a_policy_that_cannot_be_read_counts_as_off(home: Path, site: Path, content: str) -> None:
    write_policy(site, content)
    done = run("telemetry", "status", "--json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert (data["state"], data["decided_by"]) == ("off", "machine_policy")
    assert data["files"]["machine_policy"]["state"] == "unreadable"
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and str(site) in warnings[0]


def test_a_policy_of_on_changes_nothing(home: Path, site: Path) -> None:
    write_policy(site, "enabled = true\n")
    assert status()["decided_by"] == "policy"
    assert run("telemetry", "enable").returncode == 0
    assert status()["state"] == "on"


def test_nothing_leaves_under_the_policy(
    home: Path, site: Path, capture: Capture, endpoint: str
) -> None:
    assert run("telemetry", "enable").returncode == 0
    write_policy(site, "enabled = false\n")
    code = (
        "from doorstep.delivery import telemetry\n"
        "telemetry.record('install_started', kind='fresh', method='pip')\n"
        "print(telemetry.flush())\n"
    )
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "dropped"
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    record = consent_record.read(home / RECORD).record
    assert record is not None and record.enabled  # the person's own choice is kept
