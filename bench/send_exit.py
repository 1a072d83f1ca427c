"""How much later a command that records and sends exits, with a black-holed endpoint,
than the same command with DO_NOT_TRACK=1, in the same run.

    .venv/bin/python bench/send_exit.py [--runs 25]

The command records five events and exits; its exit flush spools them and starts the
detached sender. The endpoint is a real server on 127.0.0.1 that accepts connections
and never answers. Each run is a fresh process in a temporary HOME with telemetry
enabled; the clock runs from spawn to reap of the command alone. The two variants are
interleaved, and before the next run the bench waits for the previous run's sender
(it is made a child subreaper so orphaned senders are its to reap), so senders never
pile up. A third row repeats the black-holed command with a full spool, which makes
every append trim it. Goal: at most 20 ms later (median). Prints a markdown block.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import run_once  # noqa: E402  (a sibling script, not a package)

COMMAND = (
    "from doorstep.delivery import telemetry\n"
    "for step in ('welcome', 'privacy', 'finish', 'privacy', 'finish'):\n"
    "    telemetry.record('onboarding_step_viewed', step=step)\n"
)
GOAL_MS = 20.0
_PR_SET_CHILD_SUBREAPER = 36


class BlackHole:
    """Accepts every connection on 127.0.0.1 and never reads or answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.held: list[socket.socket] = []
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1/events"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)


def become_subreaper() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def reap_all(limit: float = 30.0) -> None:
    """Wait (bounded) for every remaining child, senders included."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def timed(env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run of the command alone."""
    sample = run_once([sys.executable, "-c", COMMAND], env, cwd=str(ROOT))
    return sample.seconds * 1000, sample.cpu_seconds * 1000


def fill_spool(env: dict[str, str]) -> None:
    code = (
        "from doorstep.consent import record as consent_record\n"
        "from doorstep.events import envelope\n"
        "from doorstep.foundation import paths\n"
        "from doorstep.delivery.spool import Entry, Spool, MAX_BYTES\n"
        "spool = Spool(paths.for_product().state_dir)\n"
        "# The id on record: a sender sends only what carries it.\n"
        "saved = consent_record.read(paths.for_product().record).record\n"
        "env = envelope.build({}, saved.install_id)\n"
        "event = {'name': 'onboarding_step_viewed', 'day': consent_record.today(),"
        " 'seq': 0, 'props': {'step': 'privacy'}}\n"
        "while not spool.path.exists() or spool.path.stat().st_size < MAX_BYTES - 1024:\n"
        "    spool.append([Entry(env, event)] * 50)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    reaping = become_subreaper()
    hole = BlackHole()
    home = tempfile.mkdtemp(prefix="doorstep-bench-")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
    base = {k: v for k, v in base.items() if k not in ("DO_NOT_TRACK", "CI")}
    base.update(HOME=home, DOORSTEP_TELEMETRY_ENDPOINT=hole.url, NO_PROXY="127.0.0.1")
    subprocess.run(
        [sys.executable, "-m", "doorstep", "telemetry", "enable"],
        cwd=ROOT,
        env=base,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    variants = {
        "DO_NOT_TRACK=1 (peer)": {**base, "DO_NOT_TRACK": "1"},
        "black-holed endpoint": base,
    }
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label in variants}
    samples["black-holed endpoint, full spool"] = []
    try:
        for index in range(args.runs + 2):  # the first two runs warm the caches
            for label, env in variants.items():
                taken = timed(env)
                reap_all()
                if index >= 2:
                    samples[label].append(taken)
        fill_spool(base)
        for _ in range(args.runs):
            fill_spool(base)
            samples["black-holed endpoint, full spool"].append(timed(base))
            reap_all()
    finally:
        shutil.rmtree(home, ignore_errors=True)

    peer = statistics.median(wall for wall, _ in samples["DO_NOT_TRACK=1 (peer)"])
    peer_cpu = statistics.median(cpu for _, cpu in samples["DO_NOT_TRACK=1 (peer)"])
    print("```")
    print(f"$ .venv/bin/python bench/send_exit.py --runs {args.runs}")
    print("```")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end; "
        f"{args.runs} runs each, interleaved"
        f"{'' if reaping else ' (no subreaper: senders were not awaited)'}. "
        f"Goal: exits ≤ {GOAL_MS:g} ms later than the peer (median wall time)."
    )
    print()
    print("| command | wall median ms | wall p90 ms | later (wall) | CPU median ms | more CPU |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, taken in samples.items():
        walls = sorted(wall for wall, _ in taken)
        cpus = sorted(cpu for _, cpu in taken)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        p90 = walls[max(0, int(len(walls) * 0.9) - 1)]
        peer_row = label.endswith("(peer)")
        later = "—" if peer_row else f"{wall - peer:+.1f}"
        more = "—" if peer_row else f"{cpu - peer_cpu:+.1f}"
        print(f"| {label} | {wall:.1f} | {p90:.1f} | {later} | {cpu:.1f} | {more} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
