"""Many processes recording and sending against one spool: every event arrives once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from doorstep.delivery.spool import Spool
from doorstep.foundation.paths import Paths
from tests.pipeline.processes import ROOT, TIMEOUT, claims, python, wait_for_senders
from tests.support.capture import Capture

PROCESSES = 8
ROUNDS = 3
PER_ROUND = 10

# Each process flushes several times, so senders start while others are mid-send.
PROGRAM = f"""
from doorstep.delivery import telemetry
for _ in range({ROUNDS}):
    for _ in range({PER_ROUND}):
        telemetry.record("onboarding_step_viewed", step="welcome")
    telemetry.flush()
"""


def test_eight_processes_each_event_arrives_exactly_once(
    capture: Capture, endpoint: str, consent_on: str, home: Path, where: Paths, spool: Spool
) -> None:
    running = [
        subprocess.Popen(
            [sys.executable, "-c", PROGRAM],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(PROCESSES)
    ]
    for process in running:
        out, err = process.communicate(timeout=TIMEOUT)
        assert process.returncode == 0 and out == b"" and err == b""
    expected = PROCESSES * ROUNDS * PER_ROUND
    capture.wait_for(lambda c: len(c.events()) >= expected, timeout=30)
    wait_for_senders(home)
    if spool.peek():
        # On a loaded machine a sender may run out of time before its turn; what it left
        # waits for the next sender, which is this one.
        assert python("-m", "doorstep.delivery.sender").returncode == 0

    arrived = Counter(
        (body["envelope"]["session_id"], event["seq"])
        for body in capture.bodies()
        for event in body["events"]
    )
    assert len({session for session, _ in arrived}) == PROCESSES
    assert set(arrived.values()) == {1}, "an event arrived twice"
    assert sorted(arrived) == sorted(
        (session, seq) for session in {s for s, _ in arrived} for seq in range(ROUNDS * PER_ROUND)
    )
    assert {body["envelope"]["install_id"] for body in capture.bodies()} == {consent_on}
    assert spool.peek() == [] and claims(where) == []
