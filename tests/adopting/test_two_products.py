"""ACME and BOLT on one machine, in one HOME: separate records, ids, spools and counts;
one's choice never touches the other's; only DO_NOT_TRACK is shared.

Each tool gets its own endpoint. "Separate spools" is seen with endpoints where nothing
listens (a refused connection returns the batch to the spool, where it can be counted);
"separate ids" with two capture servers on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.adopting.tools import Env, Installed
from tests.pipeline.processes import wait_for_senders
from tests.support import capture as capture_module
from tests.support.capture import Capture


@pytest.fixture
def second_capture() -> Iterator[Capture]:
    server = capture_module.start()
    try:
        yield server
    finally:
        server.close()


def enable_both(acme: Installed, bolt: Installed, env: dict[str, str]) -> None:
    for tool in (acme, bolt):
        done = tool.run("telemetry", "enable", env=env)
        assert done.returncode == 0, done.stderr


def test_records_ids_and_spools_are_separate(
    acme: Installed, bolt: Installed, home: Path, user_env: Env
) -> None:
    env = dict(
        user_env,
        ACME_TELEMETRY_ENDPOINT=capture_module.refused_url(),
        BOLT_TELEMETRY_ENDPOINT=capture_module.refused_url(),
    )
    enable_both(acme, bolt, env)
    acme_status, bolt_status = acme.status(env), bolt.status(env)
    assert acme_status["files"]["record"]["path"] == str(home / ".config/acme/telemetry.toml")
    assert bolt_status["files"]["record"]["path"] == str(home / ".config/bolt/telemetry.toml")
    assert acme_status["install_id"] != bolt_status["install_id"]

    acme.run("deploy", env=env)
    acme.run("check", env=env)
    bolt.run("deploy", env=env)
    wait_for_senders(home)
    # Nobody answered: each tool's events wait in its own spool, and only there.
    acme_status, bolt_status = acme.status(env), bolt.status(env)
    assert acme_status["files"]["spool"]["path"] == str(home / ".local/state/acme/spool.jsonl")
    assert bolt_status["files"]["spool"]["path"] == str(home / ".local/state/bolt/spool.jsonl")
    assert acme_status["files"]["spool"]["events"] == 2
    assert bolt_status["files"]["spool"]["events"] == 1
    assert (home / ".local/state/acme/usage.json").is_file()
    assert (home / ".local/state/bolt/usage.json").is_file()

    # Turning one off deletes its id, spool and counts, and nothing of the other's.
    assert acme.run("telemetry", "disable", env=env).returncode == 0
    acme_status, after = acme.status(env), bolt.status(env)
    assert (acme_status["state"], acme_status["files"]["spool"]["events"]) == ("off", 0)
    assert not (home / ".local/state/acme/usage.json").exists()
    assert after["state"] == "on"
    assert after["install_id"] == bolt_status["install_id"]
    assert after["files"]["spool"]["events"] == 1
    assert (home / ".local/state/bolt/usage.json").is_file()


def test_each_tool_sends_under_its_own_id_and_a_no_to_one_leaves_the_other_on(
    acme: Installed,
    bolt: Installed,
    home: Path,
    user_env: Env,
    capture: Capture,
    second_capture: Capture,
) -> None:
    env = dict(
        user_env, ACME_TELEMETRY_ENDPOINT=capture.url, BOLT_TELEMETRY_ENDPOINT=second_capture.url
    )
    enable_both(acme, bolt, env)
    ids = {tool.tool.name: tool.status(env)["install_id"] for tool in (acme, bolt)}
    acme.run("deploy", env=env)
    bolt.run("deploy", env=env)
    wait_for_senders(home)
    assert capture.wait_for(lambda c: len(c.bodies()) == 1)
    assert second_capture.wait_for(lambda c: len(c.bodies()) == 1)
    assert capture.bodies()[0]["envelope"]["install_id"] == ids["acme"]
    assert second_capture.bodies()[0]["envelope"]["install_id"] == ids["bolt"]

    assert acme.run("telemetry", "disable", env=env).returncode == 0
    acme.run("deploy", env=env)
    bolt.run("deploy", env=env)
    wait_for_senders(home)
    assert second_capture.wait_for(lambda c: len(c.bodies()) == 2)
    assert second_capture.bodies()[1]["envelope"]["install_id"] == ids["bolt"]
    assert not capture.wait_for(lambda c: len(c.requests) > 1, timeout=2.0)
    assert len(capture.requests) == 1

    bolt_record = consent_record.read(home / ".config/bolt/telemetry.toml").record
    assert bolt_record is not None and bolt_record.enabled
    assert bolt_record.install_id == ids["bolt"]


def test_do_not_track_turns_both_off_and_status_says_so(
    acme: Installed,
    bolt: Installed,
    home: Path,
    user_env: Env,
    capture: Capture,
    second_capture: Capture,
) -> None:
    env = dict(
        user_env, ACME_TELEMETRY_ENDPOINT=capture.url, BOLT_TELEMETRY_ENDPOINT=second_capture.url
    )
    enable_both(acme, bolt, env)
    untracked = dict(env, DO_NOT_TRACK="1")
    for tool in (acme, bolt):
        status = tool.status(untracked)
        assert (status["state"], status["decided_by"], status["sending"]) == (
            "off",
            "do_not_track",
            False,
        )
        words = tool.run("telemetry", "status", env=untracked)
        assert "Telemetry: off" in words.stdout
        assert "DO_NOT_TRACK" in words.stdout.splitlines()[1]
        tool.run("deploy", env=untracked)
    wait_for_senders(home)
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=2.0)
    assert (capture.connections, second_capture.connections) == (0, 0)
    # DO_NOT_TRACK decides for the process; the saved choices stay as they were.
    assert acme.status(env)["state"] == "on" and bolt.status(env)["state"] == "on"
