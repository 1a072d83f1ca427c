"""Time from process start to the onboarding's first frame, beside bare Python and Textual.

    .venv/bin/python bench/onboarding.py [--runs 9]

Each run starts a fresh process on a new pseudo-terminal (80x24) in an empty HOME,
and the clock stops when the terminal first receives the welcome text, that is when
the first frame has been written, not when the process was merely started. The
peers run in the same invocation, interleaved with it: ``python -c pass`` and
``python -c "import textual.app"``, timed from start to exit. Peak memory is the
child's ``ru_maxrss`` from ``wait4``. Prints a markdown block for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import resource
import select
import shlex
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Sequence
from importlib import metadata
from typing import Optional

MARK = b"Welcome to"
LIMIT = 60.0  # seconds: a run that has not drawn by then is a failure, not a figure


def _pty(columns: int = 80, rows: int = 24) -> tuple[int, int]:
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    return controller, terminal


def _env(home: str) -> dict[str, str]:
    cleared = ("CI", "NONINTERACTIVE", "DO_NOT_TRACK", "NO_COLOR", "TMUX")
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env = {k: v for k, v in env.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
    env.update(HOME=home, TERM="xterm-256color", COLUMNS="80", LINES="24")
    return env


def _drain(controller: int, until: Optional[bytes], deadline: float) -> bool:
    """Read the terminal until ``until`` shows (True) or it closes or time runs out."""
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.05)
        if not ready:
            continue
        try:
            chunk = os.read(controller, 65536)
        except OSError:
            return False  # the child closed its side: it has exited
        if not chunk:
            return False
        seen = (seen + chunk)[-4096:]
        if until is not None and until in seen:
            return True
    return False


def first_frame(argv: Sequence[str], piped: bool) -> tuple[float, int]:
    """Seconds to the first frame and the peak RSS in KiB of one onboarding run."""
    controller, terminal = _pty()
    with tempfile.TemporaryDirectory() as home:

        def own_terminal() -> None:
            # A session of its own with this pty as its controlling terminal, so that
            # /dev/tty opens here as it does in a person's terminal.
            os.setsid()
            fcntl.ioctl(terminal, termios.TIOCSCTTY, 0)

        stdin = subprocess.PIPE if piped else terminal
        started = time.perf_counter()
        child = subprocess.Popen(
            argv,
            stdin=stdin,
            stdout=terminal,
            stderr=terminal,
            env=_env(home),
            preexec_fn=own_terminal,  # safe: this script starts no threads
            close_fds=True,
        )
        try:
            drawn = _drain(controller, MARK, time.monotonic() + LIMIT)
            seconds = time.perf_counter() - started
            if not drawn:
                raise RuntimeError(f"no first frame within {LIMIT:.0f} s: {shlex.join(argv)}")
            os.write(controller, b"q")  # cancel: records nothing
            _drain(controller, None, time.monotonic() + 5)
        finally:
            if child.stdin is not None:
                child.stdin.close()
            usage = _reap(child)
            os.close(terminal)
            os.close(controller)
    return seconds, usage.ru_maxrss


def _reap(child: subprocess.Popen[bytes], grace: float = 10.0) -> resource.struct_rusage:
    # wait4, not Popen.wait: only wait4 gives this one child's peak memory.
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        pid, _, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = 0  # reaped here; keep Popen from waiting again
            return usage
        time.sleep(0.02)
    child.kill()
    _, _, usage = os.wait4(child.pid, 0)
    child.returncode = 0
    return usage


def to_exit(argv: Sequence[str]) -> tuple[float, int]:
    """Seconds from start to exit and the peak RSS in KiB of a plain command."""
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        child = subprocess.Popen(argv, env=_env(home), stdin=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = 0  # reaped by wait4
    return seconds, usage.ru_maxrss


def _row(name: str, runs: list[tuple[float, int]]) -> str:
    times = sorted(ms * 1000 for ms, _ in runs)
    peak = statistics.median(kib for _, kib in runs) / 1024
    return (
        f"| {name} | {statistics.median(times):.0f} | {times[0]:.0f} | {times[-1]:.0f} "
        f"| {peak:.1f} |"
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs of each (default 9)")
    options = parser.parse_args(argv)
    python = sys.executable
    setup = [python, "-m", "doorstep", "setup"]
    results: dict[str, list[tuple[float, int]]] = {
        "python -c pass": [],
        'python -c "import textual.app"': [],
        "doorstep setup: first frame (stdin a terminal)": [],
        "doorstep setup: first frame (stdin a pipe, /dev/tty)": [],
    }
    names = list(results)
    for round_number in range(max(1, options.runs)):
        # Interleaved, so a busy moment on the machine hits every row alike. The two
        # onboarding rows take turns going first: whichever follows the other was some
        # 15 to 30 ms slower (the one before it still winding down), whatever its stdin.
        results[names[0]].append(to_exit([python, "-c", "pass"]))
        results[names[1]].append(to_exit([python, "-c", "import textual.app"]))
        for piped in (False, True) if round_number % 2 == 0 else (True, False):
            results[names[3 if piped else 2]].append(first_frame(setup, piped=piped))

    print("```")
    runner = os.path.relpath(python) if python.startswith(os.getcwd()) else python
    print(f"$ {shlex.join([runner, 'bench/onboarding.py', '--runs', str(options.runs)])}")
    print(
        f"Python {platform.python_version()}, textual {metadata.version('textual')}, "
        f"{os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"{options.runs} runs each, interleaved"
    )
    print("```")
    print()
    print("| what | median ms | min ms | max ms | peak RSS MiB (median) |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        print(_row(name, results[name]))
    print()
    textual = statistics.median(ms for ms, _ in results[names[1]]) * 1000
    for name in names[2:]:
        drawn = statistics.median(ms for ms, _ in results[name]) * 1000
        print(
            f"- {name}: {drawn - textual:+.0f} ms after `import textual.app` (goal: at most 30 ms)"
        )
    print(f"- load average {os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
