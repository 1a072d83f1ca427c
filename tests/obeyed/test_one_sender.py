"""One sender at a time per product: against an endpoint that accepts connections and
never answers, a loop of recording commands never has more than one sender alive, and
none is left a few seconds after the last one gave up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.delivery import choice
from doorstep.foundation import paths
from tests.pipeline.processes import ROOT, senders, wait_for_senders
from tests.support import capture as capture_module

RECORD = (
    "from doorstep.delivery import telemetry\n"
    "telemetry.record('install_started', kind='fresh', method='pip')\n"
    "telemetry.flush()\n"
)
COMMANDS = 60  # bounded; each one would have started a sender before


@pytest.fixture
def blackhole() -> Iterator[capture_module.Capture]:
    server = capture_module.start("blackhole")
    try:
        yield server
    finally:
        server.close()


def test_a_loop_of_commands_keeps_one_sender(home: Path, blackhole: capture_module.Capture) -> None:
    choice.save(paths.for_product(), True, "cli")
    env = dict(os.environ, DOORSTEP_TELEMETRY_ENDPOINT=blackhole.url)
    most = 0
    for _ in range(COMMANDS):
        done = subprocess.run(
            [sys.executable, "-c", RECORD], cwd=ROOT, env=env, timeout=60, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        most = max(most, len(senders(home)))
    assert most == 1, f"{most} senders were alive at once"
    wait_for_senders(home, timeout=20)  # each gives up within its budget
    assert senders(home) == []


def test_a_sender_started_by_hand_beside_a_running_one_leaves_at_once(
    home: Path, blackhole: capture_module.Capture
) -> None:
    choice.save(paths.for_product(), True, "cli")
    env = dict(os.environ, DOORSTEP_TELEMETRY_ENDPOINT=blackhole.url)
    state = home / ".local/state/doorstep"
    subprocess.run([sys.executable, "-c", RECORD], cwd=ROOT, env=env, timeout=60, check=True)
    # Its sender takes the spool and then waits on the endpoint (bounded: 20 s at most).
    for _ in range(200):
        if any(state.glob("spool.jsonl.*.claim")):
            break
        time.sleep(0.1)
    # The second command finds that sender busy: its event waits in the spool.
    subprocess.run([sys.executable, "-c", RECORD], cwd=ROOT, env=env, timeout=60, check=True)
    assert len(senders(home)) == 1
    assert (state / "spool.jsonl").exists()
    second = subprocess.run(
        [sys.executable, "-m", "doorstep.delivery.sender"], cwd=ROOT, env=env, timeout=2
    )
    assert second.returncode == 0  # it did not wait out the endpoint: another one sends
    wait_for_senders(home, timeout=20)
