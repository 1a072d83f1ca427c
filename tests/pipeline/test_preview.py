"""`telemetry preview` prints the very bytes the next send carries, and sends nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery.spool import Spool
from doorstep.foundation.paths import Paths
from tests.pipeline.processes import python, record_events, wait_for_senders
from tests.pipeline.test_spool import entries
from tests.support.capture import Capture, refused_url


def files(home: Path) -> list[str]:
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_the_server_receives_exactly_the_preview(
    capture: Capture, consent_on: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Events recorded while the endpoint is down wait in the spool ...
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", refused_url())
    assert python("-c", record_events(4)).returncode == 0
    wait_for_senders(home)

    preview = python("-m", "doorstep", "telemetry", "preview")
    assert preview.returncode == 0

    # ... and the next send, to a server that answers, carries what the preview showed.
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", capture.url)
    assert python("-m", "doorstep.delivery.sender").returncode == 0
    [request] = capture.requests
    assert preview.stdout.encode() == request.body + b"\n"
    assert [e["seq"] for e in json.loads(preview.stdout)["events"]] == [0, 1, 2, 3]


def test_pretty_is_the_same_body_indented(consent_on: str, spool: Spool) -> None:
    spool.append(entries(2))
    compact = python("-m", "doorstep", "telemetry", "preview")
    pretty = python("-m", "doorstep", "telemetry", "preview", "--pretty")
    assert json.loads(pretty.stdout) == json.loads(compact.stdout)
    assert pretty.stdout.count("\n") > compact.stdout.count("\n")


@pytest.mark.parametrize(
    ("env", "saved"),
    [({}, None), ({}, False), ({"DO_NOT_TRACK": "1"}, True), ({"DOORSTEP_TELEMETRY": "0"}, None)],
    ids=["undecided", "saved-no", "do-not-track", "env-off"],
)
def test_preview_works_while_off_and_sends_and_writes_nothing(
    capture: Capture,
    endpoint: str,
    home: Path,
    where: Paths,
    env: dict[str, str],
    saved: bool | None,
) -> None:
    if saved is not None:
        consent_record.write(where.record, consent_record.make(saved, "cli"))
    before = files(home)
    done = python("-m", "doorstep", "telemetry", "preview", env=env)

    assert done.returncode == 0
    body = json.loads(done.stdout)
    assert set(body) == {"schema_version", "envelope", "events"}
    assert {"install_id", "session_id", "os", "python"} <= set(body["envelope"])
    assert "nothing will be sent" in done.stderr
    assert files(home) == before
    assert capture.connections == 0
