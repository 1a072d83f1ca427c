"""Peak memory of the detached sender, beside a bare Python process in the same run.

    .venv/bin/python bench/sender_memory.py [--runs 5]

The sender (``python -m doorstep.delivery.sender``, started through runpy) runs in the
foreground here and reports its own peak resident set (VmHWM) as it exits: once with a full spool
(256 KiB) against a healthy server on 127.0.0.1, once against a black-holed one.
The peers: ``python -c pass`` and ``python -c "import httpx"``. Goal: the sender
peaks at 35 MB at most (issue 15). Prints a markdown block for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOAL_MB = 35.0  # issue 15


class _Accept(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def healthy() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1/events"


def black_hole() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    held: list[socket.socket] = []

    def hold() -> None:
        while True:
            held.append(sock.accept()[0])

    threading.Thread(target=hold, daemon=True).start()
    return f"http://127.0.0.1:{sock.getsockname()[1]}/v1/events"


# wait4's ru_maxrss would include the parent's memory at the moment of the vfork/exec,
# so each process reports its own high-water mark (VmHWM) as it exits.
_REPORT = (
    "import atexit, runpy, sys\n"
    "def _hwm():\n"
    "    with open('/proc/self/status') as status:\n"
    "        line = next(x for x in status if x.startswith('VmHWM'))\n"
    "    sys.__stdout__.write(line.split()[1] + '\\n')\n"
    "atexit.register(_hwm)\n"
)


def peak_mib(code: str, env: dict[str, str]) -> float:
    """The peak resident set of a fresh ``python -c _REPORT + code``, in MiB."""
    done = subprocess.run(
        [sys.executable, "-c", _REPORT + code],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1]) / 1024  # kB


SENDER = (
    "sys.argv = ['doorstep.delivery.sender']\n"
    "runpy.run_module('doorstep.delivery.sender', run_name='__main__')"
)
FILL = (
    "from doorstep.consent import record as consent_record\n"
    "from doorstep.events import envelope\n"
    "from doorstep.foundation import paths\n"
    "from doorstep.delivery.spool import Entry, Spool, MAX_BYTES\n"
    "spool = Spool(paths.for_product().state_dir)\n"
    "# The id on record: a sender sends only what carries it.\n"
    "saved = consent_record.read(paths.for_product().record).record\n"
    "env = envelope.build({}, saved.install_id)\n"
    "event = {'name': 'install_stage_completed', 'day': consent_record.today(), 'seq': 0,"
    " 'props': {'stage': 'package', 'duration': '3-10s'}}\n"
    "while not spool.path.exists() or spool.path.stat().st_size < MAX_BYTES - 1024:\n"
    "    spool.append([Entry(env, event)] * 50)\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="doorstep-bench-")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
    base = {k: v for k, v in base.items() if k not in ("DO_NOT_TRACK", "CI")}
    base.update(HOME=home, NO_PROXY="127.0.0.1")
    python = sys.executable
    endpoints = {"healthy": healthy(), "black-holed": black_hole()}
    rows: dict[str, list[float]] = {
        "`python -c pass` (peer)": [],
        "`python -c 'import httpx'` (peer)": [],
        "sender, full spool, healthy server": [],
        "sender, full spool, black-holed server": [],
    }
    try:
        subprocess.run(
            [python, "-m", "doorstep", "telemetry", "enable"],
            cwd=ROOT,
            env=base,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(args.runs):
            rows["`python -c pass` (peer)"].append(peak_mib("pass", base))
            rows["`python -c 'import httpx'` (peer)"].append(peak_mib("import httpx", base))
            for kind, url in endpoints.items():
                env = {**base, "DOORSTEP_TELEMETRY_ENDPOINT": url}
                subprocess.run([python, "-c", FILL], cwd=ROOT, env=env, check=True)
                rows[f"sender, full spool, {kind} server"].append(peak_mib(SENDER, env))
    finally:
        shutil.rmtree(home, ignore_errors=True)

    print("```")
    print(f"$ .venv/bin/python bench/sender_memory.py --runs {args.runs}")
    print("```")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"peak resident set (each its own VmHWM), the largest of {args.runs} runs. "
        f"Goal: sender ≤ {GOAL_MB:g} MB."
    )
    print()
    print("| process | peak RSS MiB |")
    print("|---|---:|")
    for label, taken in rows.items():
        print(f"| {label} | {max(taken):.1f} |")
    worst = max(
        max(rows["sender, full spool, healthy server"]),
        max(rows["sender, full spool, black-holed server"]),
    )
    print()
    verdict = "meets" if worst * 1.048576 <= GOAL_MB else "misses"  # MiB to MB
    print(f"Sender peak: {worst:.1f} MiB ({verdict} the goal of {GOAL_MB:g} MB).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
