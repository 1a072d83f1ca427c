"""A "no" is saved first, whatever happens after: a spool that cannot be deleted is one
warning line, never a lost choice, and what it held is never sent after a later yes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from doorstep.consent import record as consent_record
from doorstep.delivery.spool import Entry, Spool
from doorstep.events import envelope
from tests.pipeline.processes import ROOT
from tests.support import unprivileged
from tests.support.capture import Capture

STATE = Path(".local/state/doorstep")
RECORD = Path(".config/doorstep/telemetry.toml")


def spool_as_folder(state: Path) -> None:
    (state / "spool.jsonl" / "x").mkdir(parents=True)


def lock_as_folder(state: Path) -> None:
    (state / "spool.lock").mkdir(parents=True)


def read_only_state(state: Path) -> None:
    state.mkdir(parents=True, exist_ok=True)
    (state / "spool.jsonl").write_text("{}\n", encoding="utf-8")
    state.chmod(0o555)


BREAKAGES: dict[str, Callable[[Path], None]] = {
    "spool is a folder": spool_as_folder,
    "spool.lock is a folder": lock_as_folder,
    "state folder read-only": read_only_state,
}


def saved(home: Path) -> consent_record.ConsentRecord | None:
    return consent_record.read(home / RECORD).record


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize(
    "how", [("telemetry", "disable"), ("setup", "--no-telemetry")], ids=["disable", "setup"]
)
def test_no_is_saved_when_the_cleanup_fails(home: Path, breakage: str, how: tuple) -> None:
    assert unprivileged.run("telemetry", "enable").returncode == 0
    BREAKAGES[breakage](home / STATE)
    try:
        result = unprivileged.run(*how)
    finally:
        (home / STATE).chmod(0o755)

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    record = saved(home)
    assert record is not None and record.enabled is False and record.install_id is None
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, result.stderr
    assert "nothing will be sent from it" in warnings[0]


def test_what_waited_before_a_no_is_never_sent_after_a_yes(
    home: Path, capture: Capture, endpoint: str
) -> None:
    assert unprivileged.run("telemetry", "enable").returncode == 0
    old = saved(home)
    assert old is not None and old.install_id
    state = home / STATE
    event = {"name": "install_started", "day": consent_record.today(), "seq": 0}
    event["props"] = {"kind": "fresh", "method": "pip"}
    Spool(state).append([Entry(envelope.build({}, old.install_id), event)])
    # The no cannot delete the spool; then the yes (a new id) cannot either.
    state.chmod(0o555)
    try:
        assert unprivileged.run("telemetry", "disable").returncode == 0
        assert unprivileged.run("telemetry", "enable").returncode == 0
    finally:
        state.chmod(0o755)
    new = saved(home)
    assert new is not None and new.install_id and new.install_id != old.install_id
    assert (state / "spool.jsonl").exists()  # the leftovers are still there

    sender = subprocess.run(
        [sys.executable, "-m", "doorstep.delivery.sender"], cwd=ROOT, timeout=60
    )

    assert sender.returncode == 0
    assert capture.requests == []
    assert not (state / "spool.jsonl").exists() or Spool(state).peek() == []
