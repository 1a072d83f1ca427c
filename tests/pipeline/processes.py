"""Real processes for the pipeline tests: foreground commands, scenarios and senders.

Senders are detached on purpose, so a test cannot wait() for them; it finds them in
/proc by their command line and the HOME they were started with, and waits (bounded)
until they are gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

from doorstep.foundation.paths import Paths

ROOT = Path(__file__).resolve().parents[2]
# A foreground command must never hang a test; if one does, that is the failure.
TIMEOUT = 60


def python(
    *args: str, env: Optional[Mapping[str, str]] = None, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` from the repository root with the test's environment (+ env)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def scenario(
    steps: list[list[Any]], env: Optional[Mapping[str, str]] = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, Any]]]:
    """Run tests/pipeline/scenario.py; returns the process and its reports by label."""
    done = python("-m", "tests.pipeline.scenario", json.dumps(steps), env=env)
    reports = {}
    for line in done.stdout.splitlines():
        report = json.loads(line)
        reports[report["label"]] = report
    return done, reports


def senders(home: Path) -> list[int]:
    """Pids of live sender processes started under ``home``."""
    marker = f"HOME={home}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"doorstep.delivery.sender" not in (entry / "cmdline").read_bytes():
                continue
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def wait_for_senders(home: Path, timeout: float = 30.0) -> None:
    """Wait (bounded) until every sender started under ``home`` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not senders(home):
            return
        time.sleep(0.05)
    raise AssertionError(f"senders still running after {timeout}s: {senders(home)}")


def claims(where: Paths) -> list[Path]:
    return sorted(where.state_dir.glob("spool.jsonl.*.claim"))


def record_events(count: int, name: str = "onboarding_step_viewed") -> str:
    """Python source that records ``count`` events and exits (the exit flush sends them)."""
    return (
        "from doorstep.delivery import telemetry\n"
        f"for _ in range({count}):\n"
        f"    telemetry.record({name!r}, step='privacy')\n"
    )
