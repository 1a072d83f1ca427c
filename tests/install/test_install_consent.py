"""What the install sends, and when: only after a recorded "yes", and nothing otherwise.

A real capture server on 127.0.0.1 is the endpoint for the whole install; it counts
every connection, so "nothing was sent" means not even a socket was opened.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.install.install_run import Kit, install, offline_env
from tests.support.capture import Capture

STAGES = ["preflight", "environment", "package", "link", "path", "wizard"]
GRACE = 2.0  # a detached sender connects within moments; give it this long to show up


def record(home: Path) -> consent_record.RecordRead:
    return consent_record.read(home / ".config" / "doorstep" / "telemetry.toml")


@pytest.mark.parametrize(
    "how",
    [("--no-telemetry",), {"DOORSTEP_TELEMETRY": "0"}, {"DO_NOT_TRACK": "1"}],
    ids=["flag", "DOORSTEP_TELEMETRY=0", "DO_NOT_TRACK=1"],
)
def test_no_telemetry_records_off_and_opens_no_connection(
    kit: Kit, home: Path, capture: Capture, how: object
) -> None:
    args = list(how) if isinstance(how, tuple) else []
    extra = dict(how) if isinstance(how, dict) else {}
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url, **extra)

    result = install(kit, env, *args)

    assert result.returncode == 0, result.stderr
    saved = record(home).record
    assert saved is not None and saved.enabled is False and saved.install_id is None
    assert not (home / ".local" / "state" / "doorstep" / "spool.jsonl").exists()
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)
    assert capture.connections == 0


def test_telemetry_flag_sends_the_install_funnel_after_recording_yes(
    kit: Kit, home: Path, capture: Capture
) -> None:
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)

    result = install(kit, env, "--telemetry")

    assert result.returncode == 0, result.stderr
    saved = record(home).record
    assert saved is not None and saved.enabled and saved.consent_source == "flag"
    assert capture.wait_for(lambda c: "install_completed" in [e["name"] for e in c.events()])
    events = capture.events()
    names = [e["name"] for e in events]
    assert names[0] == "install_started"
    assert events[0]["props"] == {"kind": "fresh", "method": "script"}
    stages = [e["props"]["stage"] for e in events if e["name"] == "install_stage_completed"]
    assert stages == STAGES
    assert all(
        isinstance(e["props"]["duration"], str)
        for e in events
        if e["name"] == "install_stage_completed"
    )
    assert "install_failed" not in names
    assert {body["envelope"]["install_id"] for body in capture.bodies()} == {saved.install_id}


def test_with_no_terminal_nothing_is_asked_recorded_or_sent(
    kit: Kit, home: Path, capture: Capture
) -> None:
    # Every install in these tests runs under setsid: /dev/tty cannot be opened.
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)

    result = install(kit, env)

    assert result.returncode == 0, result.stderr
    assert "nothing was recorded or sent" in result.stdout
    assert record(home).state == "absent"
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)


def test_a_recorded_yes_counts_a_reinstall(kit: Kit, home: Path, capture: Capture) -> None:
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--telemetry").returncode == 0
    assert capture.wait_for(lambda c: "install_completed" in [e["name"] for e in c.events()])
    before = len(capture.events())

    again = install(kit, env)

    assert again.returncode == 0, again.stderr
    assert "(reinstall" in again.stderr

    def second_funnel(c: Capture) -> bool:
        return "install_completed" in [e["name"] for e in c.events()[before:]]

    assert capture.wait_for(second_funnel)
    started = [e for e in capture.events()[before:] if e["name"] == "install_started"]
    assert started[0]["props"]["kind"] == "reinstall"
