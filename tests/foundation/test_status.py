"""`telemetry status`: the decision in words a person understands, and as stable JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.delivery.spool import Spool
from tests.support.cli import run
from tests.support.entries import entries, today

RECORD = Path(".config/doorstep/telemetry.toml")


def status(*extra: str, env: dict[str, str] | None = None) -> str:
    result = run("telemetry", "status", *extra, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_fresh_home_is_undecided_and_says_nothing_is_sent(home: Path) -> None:
    out = status()
    assert out.startswith("Telemetry: undecided\n")
    assert "because no choice yet: nothing is sent until you decide" in out
    assert "Install id: none" in out
    assert "Endpoint:   none configured: nothing is ever sent" in out
    assert f"consent record  {home / RECORD} (not created yet)" in out
    assert f"spool           {home / '.local/state/doorstep/spool.jsonl'} (empty)" in out
    assert str(home / ".config/doorstep/receipt.toml") in out
    assert not (home / ".config").exists(), "status writes nothing"


def test_saved_choice_names_day_and_file(home: Path) -> None:
    assert run("telemetry", "enable").returncode == 0
    out = status()
    record = (home / RECORD).read_text()
    install_id = record.split('install_id = "')[1].split('"')[0]
    assert out.startswith("Telemetry: on (but nothing is sent: no endpoint is configured)")
    assert "because your choice, saved on 20" in out
    assert f"in {home / RECORD}" in out
    assert f"Install id: {install_id}" in out


def test_endpoint_is_shown_when_configured(home: Path) -> None:
    run("telemetry", "enable")
    url = "http://127.0.0.1:9/v1/events"
    out = status(env={"DOORSTEP_TELEMETRY_ENDPOINT": url})
    assert out.startswith("Telemetry: on\n")
    assert f"Endpoint:   {url}" in out


@pytest.mark.parametrize(
    ("env", "headline", "because"),
    [
        ({"DO_NOT_TRACK": "1"}, "off", "DO_NOT_TRACK is set in your environment"),
        ({"DOORSTEP_TELEMETRY": "0"}, "off", "DOORSTEP_TELEMETRY=0 is set in your environment"),
        ({"DOORSTEP_TELEMETRY": "on"}, "on", "DOORSTEP_TELEMETRY=on is set in your environment"),
    ],
)
def test_environment_overrides_are_named(env: dict[str, str], headline: str, because: str) -> None:
    run("telemetry", "enable")
    out = status(env=env)
    assert out.startswith(f"Telemetry: {headline}")
    assert f"because {because}" in out


def test_disabled_choice(home: Path) -> None:
    run("telemetry", "disable")
    out = status()
    assert out.startswith("Telemetry: off\n")
    assert "because your choice, saved on" in out
    assert "Install id: none" in out


def test_invalid_environment_value_warns_on_stderr_only() -> None:
    result = run("telemetry", "status", env={"DOORSTEP_TELEMETRY": "maybe"})
    assert result.returncode == 0
    assert result.stderr.strip() == (
        "doorstep: warning: ignoring DOORSTEP_TELEMETRY='maybe': "
        "use 0/false/no/off or 1/true/yes/on"
    )
    assert result.stdout.startswith("Telemetry: undecided")


def test_json_is_the_documented_object(home: Path) -> None:
    data = json.loads(status("--json"))
    assert data == {
        "version": 1,
        "state": "undecided",
        "sending": False,
        "decided_by": "policy",
        "reason": "no choice yet: nothing is sent until you decide",
        "install_id": None,
        "consent_source": None,
        "decided_on": None,
        "endpoint": None,
        "policy": "ask",
        "files": {
            "record": {"path": str(home / RECORD), "state": "absent"},
            "spool": {"path": str(home / ".local/state/doorstep/spool.jsonl"), "events": 0},
            "receipt": {"path": str(home / ".config/doorstep/receipt.toml"), "present": False},
            "machine_policy": {
                "path": str(home.parent / "etc-xdg/doorstep/telemetry.toml"),
                "state": "absent",
            },
        },
        "new_kinds": [],
        "warnings": [],
    }


def test_json_after_enable_with_endpoint(home: Path) -> None:
    run("telemetry", "enable")
    url = "http://127.0.0.1:9/v1/events"
    data = json.loads(status("--json", env={"DOORSTEP_TELEMETRY_ENDPOINT": url}))
    assert data["state"] == "on" and data["sending"] is True
    assert data["decided_by"] == "record"
    assert data["consent_source"] == "cli"
    assert data["install_id"] in (home / RECORD).read_text()
    assert data["endpoint"] == url
    assert data["files"]["record"]["state"] == "present"


def test_json_reports_unreadable_record_and_its_warning(home: Path) -> None:
    (home / RECORD).parent.mkdir(parents=True)
    (home / RECORD).write_text("garbage = [")
    result = run("telemetry", "status", "--json")
    data = json.loads(result.stdout)
    assert data["state"] == "undecided"
    assert data["decided_by"] == "record_unreadable"
    assert data["files"]["record"]["state"] == "unreadable"
    assert len(data["warnings"]) == 1
    assert data["warnings"][0] in result.stderr


def test_spool_count_is_reported(home: Path) -> None:
    state = home / ".local/state/doorstep"
    Spool(state).append(entries(2) + entries(1, start=2, day=today(-30)))
    with open(state / "spool.jsonl", "ab") as spool:
        spool.write(b"not json at all\n")
    # Only what a sender would really send counts: not corrupt lines, not stale ones.
    assert "(2 events waiting)" in status()
    assert json.loads(status("--json"))["files"]["spool"]["events"] == 2


def test_xdg_folders_are_honoured(home: Path, tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "st")}
    data = json.loads(status("--json", env=env))
    assert data["files"]["record"]["path"] == str(tmp_path / "cfg/doorstep/telemetry.toml")
    assert data["files"]["spool"]["path"] == str(tmp_path / "st/doorstep/spool.jsonl")
