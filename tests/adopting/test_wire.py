"""What ACME puts on the wire, seen by a real HTTP server on 127.0.0.1, and what it never
sends. The sender is a detached process: each test waits (bounded) until every sender
started under its HOME has exited before it looks at the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.adopting.tools import Env, Installed, files_under, says_doorstep, utc_today
from tests.pipeline.processes import wait_for_senders
from tests.support.capture import Capture

# A sender that was going to connect does so within moments; this bounds the wait.
QUIET_SECONDS = 2.0


def enable(tool: Installed, env: dict[str, str]) -> str:
    done = tool.run("telemetry", "enable", env=env)
    assert done.returncode == 0, done.stderr
    status = tool.status(env)
    assert status["install_id"] is not None
    return status["install_id"]


def assert_nothing_arrives(capture: Capture, home: Path) -> None:
    wait_for_senders(home)
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=QUIET_SECONDS)
    assert capture.connections == 0


def test_deploy_sends_command_run_under_the_tools_version(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    install_id = enable(acme, env)
    day = utc_today()

    done = acme.run("deploy", env=env)
    assert (done.returncode, done.stdout, done.stderr) == (0, "deploy: done\n", "")
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.bodies()) >= 1)

    (request,) = capture.requests
    assert (request.method, request.path) == ("POST", "/v1/events")
    assert request.headers["Content-Type"].startswith("application/json")
    body = request.json()
    assert body["schema_version"] == 1
    envelope = body["envelope"]
    assert envelope["app_version"] == "1.2.3"  # the tool's version, not doorstep's
    assert envelope["install_id"] == install_id
    (event,) = body["events"]
    assert event["name"] == "command_run"
    assert event["props"] == {"command": "deploy", "ok": True}
    assert event["day"] in (day, utc_today())
    # Sent and gone: nothing waits in the spool, and nothing of it names doorstep.
    assert acme.status(env)["files"]["spool"]["events"] == 0
    assert says_doorstep(home, request.body.decode(), done.stdout) == []


def test_a_failed_deploy_is_sent_as_not_ok(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    enable(acme, env)
    done = acme.run("deploy", "--fail", env=env)
    assert done.returncode == 1
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= 1)
    assert [e["props"] for e in capture.events()] == [{"command": "deploy", "ok": False}]


@pytest.mark.parametrize(
    ("consent", "extra"),
    [
        ("on", {"ACME_TELEMETRY": "0"}),
        ("on", {"ACME_TELEMETRY": "off"}),
        ("on", {"DO_NOT_TRACK": "1"}),
        ("undecided", {}),
    ],
    ids=["ACME_TELEMETRY=0", "ACME_TELEMETRY=off", "DO_NOT_TRACK=1", "undecided"],
)
def test_off_or_undecided_sends_nothing(
    acme: Installed,
    home: Path,
    user_env: Env,
    capture: Capture,
    consent: str,
    extra: dict[str, str],
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    if consent == "on":
        enable(acme, env)
    env.update(extra)
    for words in (["deploy"], ["check"], ["deploy", "--fail"]):
        acme.run(*words, env=env)
    assert_nothing_arrives(capture, home)
    # Off is off, and undecided waits in memory only: no spool, no counts on disk.
    expected = [".config/acme/telemetry.toml"] if consent == "on" else []
    assert files_under(home) == expected


def test_acme_telemetry_on_for_one_process_sends_without_saving_a_choice(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url, ACME_TELEMETRY="1")
    acme.run("deploy", env=env)
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= 1)
    assert [e["name"] for e in capture.events()] == ["command_run"]
    assert not (home / ".config/acme/telemetry.toml").exists()


def test_doorsteps_own_variables_do_not_steer_acme(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    enable(acme, user_env)
    # doorstep's endpoint variable is not Acme's: Acme still has none, so nothing leaves.
    pointed = dict(user_env, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert acme.status(pointed)["endpoint"] is None
    acme.run("deploy", env=pointed)
    assert_nothing_arrives(capture, home)

    # doorstep's off switch is not Acme's either: only DO_NOT_TRACK is shared.
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url, DOORSTEP_TELEMETRY="0")
    assert acme.status(env)["state"] == "on"
    acme.run("deploy", env=env)
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.events()) >= 1)


def test_after_disable_a_deploy_sends_nothing(
    acme: Installed, home: Path, user_env: Env, capture: Capture
) -> None:
    # The install id is gone with the "no": a deploy afterwards sends nothing.
    env = dict(user_env, ACME_TELEMETRY_ENDPOINT=capture.url)
    enable(acme, env)
    assert acme.run("telemetry", "disable", env=env).returncode == 0
    acme.run("deploy", env=env)
    assert_nothing_arrives(capture, home)
    saved = consent_record.read(home / ".config/acme/telemetry.toml").record
    assert saved is not None and saved.enabled is False
