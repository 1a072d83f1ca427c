"""Closed stdin, stdout or stderr: no traceback, the same decision, the same exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record

RECORD = Path(".config/doorstep/telemetry.toml")
CLOSE = {"stdin": "<&-", "stdout": ">&-", "stderr": "2>&-", "all": "<&- >&- 2>&-"}


def run_closed(which: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    # A real shell closes the descriptor before Python starts, as `cmd >&-` does.
    words = " ".join([sys.executable, "-m", "doorstep", *args])
    # Whatever leaks out is caught on fd 9, opened for the shell but not for the command.
    script = f"exec 9>&2; {words} {CLOSE[which]}"
    return subprocess.run(
        ["sh", "-c", script], capture_output=True, timeout=60, env=dict(os.environ)
    )


@pytest.mark.parametrize("which", sorted(CLOSE))
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("telemetry", "status"), 0),
        (("telemetry", "status", "--json"), 0),
        (("telemetry", "bogus"), 2),
        (("setup",), 0),
    ],
    ids=["status", "status-json", "usage-error", "setup"],
)
def test_no_traceback_and_the_same_exit_code(
    home: Path, which: str, args: tuple[str, ...], code: int
) -> None:
    result = run_closed(which, *args)
    assert result.returncode == code, result.stderr
    assert b"Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("which", sorted(CLOSE))
@pytest.mark.parametrize(("action", "enabled"), [("enable", True), ("disable", False)])
def test_the_decision_is_taken_all_the_same(
    home: Path, which: str, action: str, enabled: bool
) -> None:
    result = run_closed(which, "telemetry", action)
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr
    record = consent_record.read(home / RECORD).record
    assert record is not None and record.enabled is enabled


@pytest.mark.parametrize("which", sorted(CLOSE))
def test_setup_with_a_flag_saves_it(home: Path, which: str) -> None:
    result = run_closed(which, "setup", "--no-telemetry")
    assert result.returncode == 0
    record = consent_record.read(home / RECORD).record
    assert record is not None and record.enabled is False
