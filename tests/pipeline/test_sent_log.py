"""The local copy of what was sent: every delivered batch, exactly, bounded, and gone with
the install id; `telemetry log` shows it; `disable --forget` asks for one deletion."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery import forget, sent_log
from doorstep.delivery.spool import Spool
from doorstep.foundation.paths import Paths
from tests.pipeline.processes import python
from tests.support.capture import Capture
from tests.support.cli import run
from tests.support.entries import entries


def test_a_delivered_batch_is_logged_exactly(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool, where: Paths
) -> None:
    spool.append(entries(3))
    assert python("-m", "doorstep.delivery.sender").returncode == 0
    (request,) = capture.requests
    (logged,) = sent_log.read(where.state_dir)
    assert logged["body"].encode() == request.body  # byte for byte what crossed the wire
    assert (logged["endpoint"], logged["status"]) == (endpoint, 204)
    assert logged["day"] == consent_record.today()


@pytest.mark.parametrize("mode", ["blackhole"])
def test_nothing_is_logged_without_an_answer(
    servers, consent_on: str, spool: Spool, where: Paths, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    server = servers(mode)
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", server.url)
    spool.append(entries(1))
    assert python("-m", "doorstep.delivery.sender").returncode == 0
    assert sent_log.read(where.state_dir) == []


def test_the_log_is_bounded_and_drops_the_oldest(where: Paths) -> None:
    where.state_dir.mkdir(parents=True)
    big = b"x" * (300 * 1024)
    for n in range(5):
        sent_log.append(
            where.state_dir, "2026-11-2" + str(n), "http://127.0.0.1:1/v1/events", 204, big
        )
    kept = sent_log.read(where.state_dir)
    assert (where.state_dir / sent_log.FILE_NAME).stat().st_size <= sent_log.MAX_BYTES
    assert [b["day"] for b in kept] == ["2026-11-22", "2026-11-23", "2026-11-24"]
    sent_log.append(
        where.state_dir, "2027-01-30", "http://u:secret@127.0.0.1:1/v1/events", 204, b"{}"
    )
    days = [b["day"] for b in sent_log.read(where.state_dir)]
    assert days == ["2027-01-30"]  # more than 30 days later: the old ones are gone
    assert "secret" not in (where.state_dir / sent_log.FILE_NAME).read_text()


def test_telemetry_log_for_people_and_as_json(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool
) -> None:
    spool.append(entries(2))
    assert python("-m", "doorstep.delivery.sender").returncode == 0
    text = run("telemetry", "log")
    assert text.returncode == 0
    assert f"to {endpoint} (HTTP 204)" in text.stdout and "2 events" in text.stdout
    data = json.loads(run("telemetry", "log", "--json").stdout)
    assert data["version"] == 1 and len(data["batches"]) == 1
    assert data["batches"][0]["body"]["envelope"]["install_id"] == consent_on


def test_disable_deletes_the_log(
    capture: Capture, endpoint: str, consent_on: str, spool: Spool, where: Paths
) -> None:
    spool.append(entries(1))
    python("-m", "doorstep.delivery.sender")
    assert (where.state_dir / sent_log.FILE_NAME).exists()
    assert run("telemetry", "disable").returncode == 0
    assert not (where.state_dir / sent_log.FILE_NAME).exists()
    assert "Nothing has been sent" in run("telemetry", "log").stdout


def test_forget_sends_one_deletion_then_deletes_the_id(
    capture: Capture, endpoint: str, consent_on: str, where: Paths, home: Path
) -> None:
    done = run("telemetry", "disable", "--forget")
    assert done.returncode == 0, done.stderr
    (request,) = capture.requests
    assert request.method == "DELETE"
    assert request.path == f"/v1/installs/{consent_on}"
    record = consent_record.read(where.record).record
    assert record is not None and record.enabled is False and record.install_id is None
    assert "asked to delete this install's events (HTTP 204)" in done.stdout


def test_forget_without_a_network_still_saves_the_no(
    consent_on: str, where: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support import capture as capture_module

    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", capture_module.refused_url())
    done = run("telemetry", "disable", "--forget")
    assert done.returncode == 0
    assert "could not be reached" in done.stdout
    record = consent_record.read(where.record).record
    assert record is not None and record.enabled is False


def test_plain_disable_opens_no_socket(capture: Capture, endpoint: str, consent_on: str) -> None:
    assert run("telemetry", "disable").returncode == 0
    assert capture.connections == 0


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://c.example/v1/events", "https://c.example/v1/installs/ID"),
        ("http://127.0.0.1:8787/v1/events/", "http://127.0.0.1:8787/v1/installs/ID"),
        ("https://c.example/t/v1/events?x=1", "https://c.example/t/v1/installs/ID"),
    ],
)
def test_the_deletion_goes_to_the_sibling_path(url: str, expected: str) -> None:
    assert forget.deletion_url(url, "ID") == expected
