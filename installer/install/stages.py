"""The install stages' hand-off from install.sh to the wizard, in memory only.

install.sh times its stages in shell, then passes them to ``doorstep setup`` as one
argument (never a file: nothing before consent touches the disk):

    --install-trace "kind=fresh,method=script,started=1795000000,preflight=0.4,environment=3.2"

Unknown keys and malformed values are ignored: a trace is evidence, not a command.
The events it becomes wait in the recorder's memory like every other event.
"""

from __future__ import annotations

import time

from doorstep.delivery.telemetry import Recorder
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Optional

STAGES = ("preflight", "environment", "package", "link", "path", "wizard")
KINDS = ("fresh", "upgrade", "reinstall")
METHODS = ("script", "pip")
MAX_TRACE = 512  # an argument this long is not from install.sh


class InstallTrace(Frozen):
    _fields = ("kind", "method", "started", "stages")
    __slots__ = _fields

    kind: str
    method: str
    started: Optional[float]  # epoch seconds when install.sh began
    stages: tuple[tuple[str, float], ...]

    def __init__(
        self,
        kind: str = "fresh",
        method: str = "script",
        started: Optional[float] = None,
        stages: tuple[tuple[str, float], ...] = (),
    ) -> None:
        self._set(kind=kind, method=method, started=started, stages=stages)


def _seconds(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value < 10**10 else None


def format_trace(trace: InstallTrace) -> str:
    """The argument install.sh would pass for ``trace`` (used by tests and the benchmarks)."""
    parts = [f"kind={trace.kind}", f"method={trace.method}"]
    if trace.started is not None:
        parts.append(f"started={trace.started:.0f}")
    parts += [f"{stage}={seconds:.2f}" for stage, seconds in trace.stages]
    return ",".join(parts)


def parse(text: Optional[str]) -> Optional[InstallTrace]:
    """The trace in ``text``; None when there is none (setup was not started by install.sh)."""
    if not text or len(text) > MAX_TRACE:
        return None
    kind, method, started = "fresh", "script", None
    stages: list[tuple[str, float]] = []
    for part in text.split(","):
        key, _, value = part.strip().partition("=")
        if key == "kind" and value in KINDS:
            kind = value
        elif key == "method" and value in METHODS:
            method = value
        elif key == "started":
            started = _seconds(value)
        elif key in STAGES and key != "wizard" and key not in dict(stages):
            seconds = _seconds(value)
            if seconds is not None:
                stages.append((key, seconds))
    return InstallTrace(kind, method, started, tuple(stages))


def record_stages(recorder: Recorder, trace: InstallTrace) -> None:
    """install_started and one install_stage_completed per finished shell stage."""
    recorder.record("install_started", kind=trace.kind, method=trace.method)
    for stage, seconds in trace.stages:
        recorder.record("install_stage_completed", stage=stage, duration=seconds)


def record_completion(
    recorder: Recorder, trace: InstallTrace, wizard_seconds: float, now: Optional[float] = None
) -> None:
    """The wizard stage and install_completed, recorded just before the answer is applied."""
    recorder.record("install_stage_completed", stage="wizard", duration=wizard_seconds)
    now = time.time() if now is None else now
    if trace.started is not None and now >= trace.started:
        total = now - trace.started
    else:
        total = sum(seconds for _, seconds in trace.stages) + wizard_seconds
    recorder.record("install_completed", duration=total)


def record_failure(recorder: Recorder, stage: str, error: str) -> None:
    """install_failed; the schema drops a stage or error class it does not know."""
    recorder.record("install_failed", stage=stage, error=error)


__all__ = [
    "KINDS",
    "METHODS",
    "STAGES",
    "InstallTrace",
    "format_trace",
    "parse",
    "record_completion",
    "record_failure",
    "record_stages",
]
