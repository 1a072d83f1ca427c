"""The client and the collector over real HTTP: what a user's install really sends.

The collector runs as ``doorstep collector serve``; the client is ``doorstep.delivery.telemetry``
in its own process, with its real detached sender.
"""

from __future__ import annotations

import os
import subprocess
import sys

from doorstep.consent import record as consent_record
from doorstep.foundation.paths import for_product
from tests.collector.conftest import count, rows, wait_until
from tests.support.cli import run


def _record(env: dict[str, str], kind: str) -> None:
    code = (
        "from doorstep.delivery import telemetry; "
        f"telemetry.record('install_started', kind={kind!r}, method='script')"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_with_consent_events_arrive_as_rows_and_without_none_do(collector_process, monkeypatch):
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", collector_process.url)
    env = dict(os.environ)

    # Undecided first: nothing may leave. Then consent, and a second event that must.
    _record(env, "reinstall")
    assert run("telemetry", "enable").returncode == 0
    _record(env, "fresh")

    assert wait_until(lambda: count(collector_process.db) >= 1, timeout=20)
    stored = rows(collector_process.db)
    saved = consent_record.read(for_product().record).record
    assert saved is not None and saved.enabled
    assert [(r["name"], r["install_id"]) for r in stored] == [("install_started", saved.install_id)]
    assert '"fresh"' in stored[0]["props"]  # the undecided run's "reinstall" never came

    # Consent withdrawn: a later event is dropped at the source.
    assert run("telemetry", "disable").returncode == 0
    _record(env, "upgrade")
    assert run("telemetry", "enable").returncode == 0
    _record(env, "fresh")
    assert wait_until(lambda: count(collector_process.db) >= 2, timeout=20)
    stored = rows(collector_process.db)
    assert all('"upgrade"' not in r["props"] for r in stored)
    assert len({r["install_id"] for r in stored}) == 2  # enabling again minted a new id
