"""Timing and peak memory of whole commands, each run as its own process.

Wall time comes from perf_counter around spawn and reap; peak memory is the child's
own maximum resident set size, read from wait4 (so each run is measured alone).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Sample:
    seconds: float
    max_rss_kib: int
    cpu_seconds: float  # user + system time of the command itself


def run_once(
    argv: Sequence[str], env: Optional[Mapping[str, str]] = None, cwd: Optional[str] = None
) -> Sample:
    """Run ``argv`` once, alone, with no stdio; raises if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(argv),
        env=None if env is None else dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {process.returncode}")
    return Sample(elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)


@dataclass(frozen=True)
class Summary:
    label: str
    median_ms: float
    p90_ms: float
    max_rss_mib: float
    runs: int


def compare(
    commands: Mapping[str, Sequence[str]],
    runs: int,
    env: Optional[Mapping[str, str]] = None,
    warmup: int = 3,
) -> list[Summary]:
    """Run the commands interleaved (so drift hits all alike); summarise each."""
    samples: dict[str, list[Sample]] = {label: [] for label in commands}
    for _ in range(warmup):
        for argv in commands.values():
            run_once(argv, env)
    for _ in range(runs):
        for label, argv in commands.items():
            samples[label].append(run_once(argv, env))
    summaries = []
    for label, taken in samples.items():
        times = sorted(s.seconds * 1000 for s in taken)
        summaries.append(
            Summary(
                label,
                statistics.median(times),
                times[int(len(times) * 0.9) - 1],
                max(s.max_rss_kib for s in taken) / 1024,
                len(taken),
            )
        )
    return summaries


def table(summaries: Sequence[Summary]) -> str:
    lines = [
        "| command | median | p90 | peak RSS | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in summaries:
        lines.append(
            f"| {s.label} | {s.median_ms:.1f} ms | {s.p90_ms:.1f} ms | "
            f"{s.max_rss_mib:.1f} MiB | {s.runs} |"
        )
    return "\n".join(lines)


__all__ = ["Sample", "Summary", "compare", "run_once", "table"]
