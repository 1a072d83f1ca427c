"""Killing a process mid-write never leaves a record that does not parse."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord

KILLS = 220

# The writer alternates between two records as fast as it can, forever; it says
# "ready" once the first write is done so every kill lands inside the loop.
WRITER = """
import sys
from pathlib import Path
from doorstep.consent import record as consent_record
from doorstep.consent.record import ConsentRecord
path = Path(sys.argv[1])
old = ConsentRecord(False, "cli", "2026-11-21")
new = ConsentRecord(True, "wizard", "2026-11-22", "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
                    "00112233445566778899aabbccddeeff")
consent_record.write(path, old)
print("ready", flush=True)
while True:
    consent_record.write(path, new)
    consent_record.write(path, old)
"""

OLD = ConsentRecord(False, "cli", "2026-11-21")
NEW = ConsentRecord(
    True,
    "wizard",
    "2026-11-22",
    "3f0c2a4e-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
    "00112233445566778899aabbccddeeff",
)


def test_sigkill_mid_write_leaves_old_or_new(tmp_path: Path) -> None:
    path = tmp_path / "config" / "telemetry.toml"
    rng = random.Random(20261122)
    seen = {"old": 0, "new": 0}
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0, 0.004))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=10)
            if writer.stdout is not None:
                writer.stdout.close()
        read = consent_record.read(path)
        assert read.problem is None, read.problem
        assert read.record in (OLD, NEW)
        seen["old" if read.record == OLD else "new"] += 1
    # Both outcomes happen, so the kills really landed while writing.
    assert seen["old"] > 0 and seen["new"] > 0, seen
