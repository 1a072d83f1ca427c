"""The cost of recording one event, validation included, beside bare Python in the same run.

    .venv/bin/python bench/record.py [--repeat 15] [--number 20000]

Each figure is the median over ``--repeat`` timings of ``--number`` calls, in µs per
call. The peers: a function call with the same keyword arguments, and building the
same event dict and appending it to a bounded deque (what recording does, minus the
schema). Goal: recording costs at most 5 µs. Prints a markdown block for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import timeit
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from doorstep.delivery.telemetry import BUFFER_LIMIT, Recorder

GOAL_US = 5.0


def per_call_us(call: Callable[[], Any], number: int, repeat: int) -> float:
    return statistics.median(
        t / number * 1e6 for t in timeit.repeat(call, number=number, repeat=repeat)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()

    recorder = Recorder(env={})  # a full buffer after the first calls: the steady state
    typical = lambda: recorder.record("install_stage_completed", stage="package", duration=4.2)  # noqa: E731
    enum_only = lambda: recorder.record("onboarding_step_viewed", step="privacy")  # noqa: E731
    rejected = lambda: recorder.record("no_such_event", step="privacy")  # noqa: E731

    def bare(name: str, **props: Any) -> bool:
        return True

    buffer: deque[dict[str, Any]] = deque(maxlen=BUFFER_LIMIT)

    def append(name: str, **props: Any) -> bool:
        buffer.append({"name": name, "day": "2026-11-22", "seq": 0, "props": props})
        return True

    rows = [
        (
            "function call, same arguments (peer)",
            lambda: bare("install_stage_completed", stage="package", duration=4.2),
        ),
        (
            "dict into a bounded deque (peer)",
            lambda: append("install_stage_completed", stage="package", duration=4.2),
        ),
        ("`record()`: enum + bucket (a stage timing)", typical),
        ("`record()`: one enum", enum_only),
        ("`record()`: unknown event (rejected)", rejected),
    ]
    figures = [(label, per_call_us(call, args.number, args.repeat)) for label, call in rows]

    print("```")
    print(f"$ .venv/bin/python bench/record.py --repeat {args.repeat} --number {args.number}")
    print("```")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"median of {args.repeat} timings of {args.number} calls each. Goal: ≤ {GOAL_US:g} µs."
    )
    print()
    print("| operation | µs per call |")
    print("|---|---:|")
    for label, micros in figures:
        print(f"| {label} | {micros:.2f} |")
    worst = max(micros for label, micros in figures if label.startswith("`record()`"))
    print()
    print(
        f"Slowest recording: {worst:.2f} µs ({'meets' if worst <= GOAL_US else 'misses'} the goal)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
