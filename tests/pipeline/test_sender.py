"""The detached sender against a real HTTP server on 127.0.0.1, healthy and not.

The foreground command is a real process that records events and exits; its exit
flush hands them to a detached sender. Tests watch the server, the spool on disk and
/proc, never the clock.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import pytest

from doorstep.delivery.spool import MAX_BYTES, Spool
from doorstep.foundation.paths import Paths
from tests.pipeline.processes import (
    claims,
    python,
    record_events,
    senders,
    wait_for_senders,
)
from tests.pipeline.test_spool import entries
from tests.support.capture import Capture, refused_url

Start = Callable[..., Capture]


def foreground(count: int = 3, env: dict[str, str] | None = None) -> None:
    """A command that records ``count`` events; it must exit cleanly and silently."""
    done = python("-c", record_events(count), env=env)
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""


def spooled(spool: Spool) -> list[int]:
    return [entry.event["seq"] for entry in spool.peek()]


def test_with_consent_exactly_the_recorded_events_arrive_once(
    capture: Capture, endpoint: str, consent_on: str, home: Path, where: Paths
) -> None:
    foreground(5)
    assert capture.wait_for(lambda c: len(c.events()) >= 5)
    wait_for_senders(home)

    [body] = capture.bodies()
    assert [e["seq"] for e in body["events"]] == [0, 1, 2, 3, 4]
    assert {e["name"] for e in body["events"]} == {"onboarding_step_viewed"}
    assert body["envelope"]["install_id"] == consent_on
    [request] = capture.requests
    assert request.method == "POST" and request.path == "/v1/events"
    assert request.headers["Content-Type"] == "application/json"
    assert not where.spool.exists() and claims(where) == []


@pytest.mark.parametrize("status", [500, 429, 400])
def test_any_http_answer_is_final(
    servers: Start,
    status: int,
    consent_on: str,
    home: Path,
    where: Paths,
    spool: Spool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = servers("status", status)
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", server.url)
    foreground(4)
    wait_for_senders(home)

    assert len(server.requests) == 1  # no retry loop
    assert len(server.events()) == 4
    assert spooled(spool) == [] and claims(where) == []


@pytest.mark.parametrize(
    ("mode", "delay"),
    [("blackhole", 0.0), ("slow", 20.0), ("garbage", 0.0), ("refused", 0.0)],
)
def test_a_failing_server_costs_the_command_nothing_and_keeps_the_events(
    servers: Start,
    mode: str,
    delay: float,
    consent_on: str,
    home: Path,
    where: Paths,
    spool: Spool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = servers("ok" if mode == "refused" else mode, delay=delay)
    url = refused_url() if mode == "refused" else server.url
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", url)

    foreground(3)
    if mode in ("blackhole", "slow"):
        # The command has exited while its sender still waits for an answer: it never
        # waited for the network.
        assert senders(home)
    wait_for_senders(home)

    assert spooled(spool) == [0, 1, 2]  # back in the spool for the next send
    assert claims(where) == []
    assert spool.path.stat().st_size <= MAX_BYTES
    assert server.connections == (0 if mode == "refused" else 1)


def test_the_spool_stays_bounded_while_the_server_is_down(
    consent_on: str, home: Path, where: Paths, spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", refused_url())
    line = len(entries(1)[0].line())
    for start in range(0, MAX_BYTES // line, 200):
        spool.append(entries(200, start))
    for _ in range(3):
        foreground(50)
    wait_for_senders(home)

    assert spool.path.stat().st_size <= MAX_BYTES
    assert claims(where) == []
    assert len(spooled(spool)) > 0


def test_the_sender_gives_up_on_its_own_and_prints_nothing(
    servers: Start, consent_on: str, where: Paths, spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    hole = servers("blackhole")  # holds every connection for 30 s
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", hole.url)
    spool.append(entries(2))

    done = python("-m", "doorstep.delivery.sender", timeout=20)  # it must not wait the 30 s out

    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert hole.connections == 1
    assert spooled(spool) == [0, 1]


def test_the_sender_runs_detached_with_no_inherited_stdio(
    servers: Start, consent_on: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hole = servers("blackhole")
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", hole.url)
    foreground(1)
    [pid] = senders(home)

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    session = int(fields[3])
    assert session == pid  # a session of its own: no terminal signals reach it
    for fd in (0, 1, 2):
        assert os.readlink(f"/proc/{pid}/fd/{fd}") == "/dev/null"
    wait_for_senders(home)


@pytest.mark.parametrize(
    "env",
    [{"DO_NOT_TRACK": "1"}, {"DOORSTEP_TELEMETRY": "off"}],
    ids=["do-not-track", "env-off"],
)
def test_a_sender_under_an_off_switch_sends_nothing_and_drops_its_claim(
    capture: Capture,
    endpoint: str,
    consent_on: str,
    where: Paths,
    spool: Spool,
    env: dict[str, str],
) -> None:
    spool.append(entries(3))
    done = python("-m", "doorstep.delivery.sender", env=env)

    assert done.returncode == 0 and done.stderr == ""
    assert capture.connections == 0
    assert spooled(spool) == [] and claims(where) == []


def test_a_no_given_after_spooling_wins(
    capture: Capture, endpoint: str, consent_on: str, where: Paths, spool: Spool
) -> None:
    from doorstep.consent import record as consent_record

    spool.append(entries(3))
    # Written directly so the spool survives: as if "no" landed between flush and send.
    consent_record.write(where.record, consent_record.make(False, "cli"))
    done = python("-m", "doorstep.delivery.sender")

    assert done.returncode == 0
    assert capture.connections == 0
    assert spooled(spool) == [] and claims(where) == []


def test_proxy_variables_are_honoured(
    capture: Capture, consent_on: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The capture server plays the proxy: a proxied request names the full target URL.
    target = "http://telemetry.example.invalid/v1/events"
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", target)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{capture.port}")
    monkeypatch.delenv("NO_PROXY")
    foreground(2)
    assert capture.wait_for(lambda c: len(c.events()) >= 2)
    wait_for_senders(home)

    [request] = capture.requests
    assert request.path == target
    assert [e["seq"] for e in capture.events()] == [0, 1]


def test_debug_echoes_each_batch_to_stderr_before_sending(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool
) -> None:
    spool.append(entries(3))
    done = python("-m", "doorstep.delivery.sender", env={"DOORSTEP_TELEMETRY_DEBUG": "1"})

    assert done.returncode == 0 and done.stdout == ""
    [request] = capture.requests
    assert done.stderr.splitlines() == [request.body.decode()]
    assert [e["seq"] for e in json.loads(done.stderr)["events"]] == [0, 1, 2]


def test_without_debug_the_sender_is_silent(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool
) -> None:
    spool.append(entries(3))
    done = python("-m", "doorstep.delivery.sender")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert len(capture.events()) == 3


def test_a_large_spool_goes_in_bodies_the_collector_accepts(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool
) -> None:
    from doorstep.events import wire

    spool.append(entries(600))
    done = python("-m", "doorstep.delivery.sender")

    assert done.returncode == 0
    assert all(len(r.body) <= wire.MAX_BODY_BYTES for r in capture.requests)
    assert [e["seq"] for e in capture.events()] == list(range(600))
    assert spooled(spool) == []


def test_leaving_a_sender_behind_is_silent_even_in_development_mode(
    capture: Capture, endpoint: str, consent_on: str, home: Path
) -> None:
    # -X dev shows ResourceWarnings, -W error turns them into errors printed at exit.
    done = python("-X", "dev", "-W", "error", "-c", record_events(2))
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
    assert capture.wait_for(lambda c: len(c.events()) >= 2)
    wait_for_senders(home)
