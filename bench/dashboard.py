"""The dashboard and ``report --json`` on a large database, timed in the same run.

    .venv/bin/python bench/dashboard.py [--events 1000000] [--installs 50000] [--runs 5]

Fills a fresh database with ``--events`` events from ``--installs`` installs, spread
over the retention window (90 days: all a database can hold, so the 90-day window is
the worst case), through the collector's own ``Store.insert``. Each install has an
install run (the funnel's events, a few failures, the wizard's steps) and then usage
runs: daily usage rollups over the product's commands, on the platform mix of a real
population. Then, interleaved for ``--runs`` rounds, for each window (7, 30, 90):

- ``report --json``: ``python -m doorstep collector report --json`` as a process;
- dashboard first byte: ``GET /dashboard?days=N`` against ``collector serve
  --dashboard-port``, from connecting to the first byte of the answer (not with
  ``--report-only``).

Prints a markdown block for BENCHMARKS.md (median and slowest of the runs).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from doorstep.collector import days  # noqa: E402
from doorstep.collector.store import Store  # noqa: E402
from doorstep.events import schema  # noqa: E402
from doorstep.foundation import product  # noqa: E402

WINDOWS = (7, 30, 90)
# A product like an adopting tool's: usage commands and an event of its own.
PRODUCT = """\
schema_version = 1

[product]
name = "benchtool"
display_name = "Benchtool"
env_prefix = "BENCHTOOL"
package = "benchtool"
command = "benchtool"
endpoint = ""
policy = "ask"
precheck = true
docs_url = "https://benchtool.example/TELEMETRY.md"
purpose = "so its makers learn which commands people use and which ones fail"

[usage]
commands = ["deploy", "check", "build", "init", "status"]

[events.command_run]
why = "Which commands people run, and whether they worked."

[events.command_run.props.command]
type = "enum"
values = ["deploy", "check", "build", "init", "status"]
why = "The command that ran."

[events.command_run.props.ok]
type = "bool"
why = "Whether it finished without an error."
"""
# The collector's command line for that product, as a process.
_RUN = (
    "import sys; from doorstep.foundation import product; "
    "from doorstep.collector import cli; "
    "found = product.from_file(sys.argv[1]); product.activate(found); "
    "sys.exit(cli.main(sys.argv[2:], found))"
)
START_TIMEOUT = 60.0
_OS = (("linux", 60), ("darwin", 30), ("windows", 9), ("other", 1))
_ARCH = (("x86_64", 70), ("arm64", 29), ("other", 1))
_VERSIONS = ("0.9.0", "1.0.0", "1.1.0", "1.2.0")
_PYTHONS = ("3.9", "3.10", "3.11", "3.12", "3.13")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def fill(path: Path, events: int, installs: int, seed: int = 1) -> int:
    """A database of about ``events`` events from ``installs`` installs; returns the count.

    The current product must be one with usage commands and a ``command_run`` event.
    """
    rng = random.Random(seed)
    the_schema = schema.current()
    stages = the_schema.events["install_stage_completed"].props["stage"].values
    errors = the_schema.events["install_failed"].props["error"].values
    commands = the_schema.events["usage_rollup"].props["command"].values
    labels = the_schema.buckets["duration"].labels
    today = days.today()
    window = the_schema.retention_days
    per_install = max(1, round(1.07 * events / installs))  # failed installs stop early
    store = Store.open(path)
    stored, bodies = 0, []
    try:
        for _ in range(installs):
            install_id = str(uuid.uuid4())
            facts = {
                "schema_version": the_schema.version,
                "install_id": install_id,
                "app_version": rng.choice(_VERSIONS),
                "python": rng.choice(_PYTHONS),
                "os": _pick(rng, _OS),
                "arch": _pick(rng, _ARCH),
                "ci": rng.random() < 0.05,
                "container": rng.random() < 0.1,
                "memory_gb": rng.choice(the_schema.buckets["memory_gb"].labels),
            }
            first = rng.randrange(window)
            day = days.shift(today, -first)
            run: list[tuple[str, dict[str, Any]]] = [
                ("install_started", {"kind": "fresh", "method": "script"})
            ]
            failed_at = rng.randrange(len(stages)) if rng.random() < 0.08 else None
            for index, stage in enumerate(stages):
                if index == failed_at:
                    run.append(("install_failed", {"stage": stage, "error": rng.choice(errors)}))
                    break
                run.append(
                    ("install_stage_completed", {"stage": stage, "duration": rng.choice(labels)})
                )
            else:
                run += [
                    ("onboarding_started", {"ui": "tui"}),
                    ("onboarding_step_viewed", {"step": "welcome"}),
                    ("onboarding_step_viewed", {"step": "privacy"}),
                    ("onboarding_step_viewed", {"step": "finish"}),
                    ("onboarding_completed", {"ui": "tui", "duration": rng.choice(labels)}),
                    ("install_completed", {"duration": rng.choice(labels)}),
                ]
            bodies.append(_body(facts, day, run))
            left = per_install - len(run)
            while left > 0 and failed_at is None:
                later = days.shift(today, -rng.randrange(first + 1))
                ran = rng.sample(commands, min(left, rng.randrange(1, 4)))
                rollups: list[tuple[str, dict[str, Any]]] = []
                for command in ran:
                    count = rng.randrange(1, 40)
                    failed = rng.randrange(count // 4 + 1) if rng.random() < 0.2 else 0
                    rollups.append(
                        ("usage_rollup", {"command": command, "count": count, "errors": failed})
                    )
                if left > len(rollups) and rng.random() < 0.3:
                    rollups.append(("command_run", {"command": ran[0], "ok": rng.random() < 0.9}))
                bodies.append(_body(facts, later, rollups))
                left -= len(rollups)
            if len(bodies) >= 2000:
                stored += store.insert(bodies)
                bodies = []
        stored += store.insert(bodies)
    finally:
        store.close()
    return stored


def _body(facts: dict[str, Any], day: str, run: list[tuple[str, dict[str, Any]]]) -> dict:
    envelope = {**facts, "session_id": str(uuid.uuid4())}
    listed = [
        {"name": name, "day": day, "seq": seq, "props": props}
        for seq, (name, props) in enumerate(run)
    ]
    return {"envelope": envelope, "events": listed}


def _collector(product: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", _RUN, str(product), *args]


def _report_json(product: Path, db: Path, window: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        _collector(product, "report", "--db", str(db), "--json", "--days", str(window)),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def _first_byte(port: int, window: int) -> float:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(
            f"GET /dashboard?days={window} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        first = sock.recv(1)
        took = time.perf_counter() - started
        while sock.recv(65536):
            pass
    assert first == b"H", "the dashboard did not answer"
    return took


def _serve(product: Path, db: Path) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        _collector(product, "serve", "--db", str(db), "--port", "0", "--dashboard-port", str(port)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the collector's dashboard did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--installs", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, help="reuse (or fill once) this database")
    parser.add_argument(
        "--report-only", action="store_true", help="time report --json alone (no dashboard)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="doorstep-bench-dashboard-"))
    product_file = folder / "benchtool.toml"
    product_file.write_text(PRODUCT, encoding="utf-8")
    product.activate(product.from_file(product_file))
    db = args.db or folder / "collector.sqlite3"
    if not db.exists():
        began = time.perf_counter()
        stored = fill(db, args.events, args.installs)
        print(
            f"filled {db}: {stored:,} events in {time.perf_counter() - began:.0f} s",
            file=sys.stderr,
        )
    store = Store.open_existing(db)
    events, installs = store.rows(
        "SELECT count(*), count(DISTINCT install_id) "
        "FROM events e JOIN sessions s ON s.id = e.session"
    )[0]
    store.close()
    timings: dict[tuple[str, int], list[float]] = {}
    if args.report_only:
        for _ in range(args.runs):
            for window in WINDOWS:
                timings.setdefault(("report", window), []).append(
                    _report_json(product_file, db, window)
                )
    else:
        process, port = _serve(product_file, db)
        try:
            for _ in range(args.runs):
                for window in WINDOWS:
                    timings.setdefault(("report", window), []).append(
                        _report_json(product_file, db, window)
                    )
                    timings.setdefault(("dashboard", window), []).append(_first_byte(port, window))
        finally:
            process.terminate()
            process.wait(30)
    print(
        f"`.venv/bin/python bench/dashboard.py --events {args.events} "
        f"--installs {args.installs} --runs {args.runs}"
        + (" --report-only" if args.report_only else "")
        + "`\n"
    )
    print(
        f"{events:,} events from {installs:,} installs, "
        f"{db.stat().st_size / 2**20:.0f} MiB; Python {platform.python_version()}; "
        f"load average {os.getloadavg()[0]:.2f}\n"
    )
    print("| what | window | median | slowest | runs |")
    print("|---|---:|---:|---:|---:|")
    for (what, window), values in sorted(timings.items()):
        label = "`report --json` (whole process)" if what == "report" else "dashboard, first byte"
        print(
            f"| {label} | {window} days | {1000 * statistics.median(values):.0f} ms "
            f"| {1000 * max(values):.0f} ms | {len(values)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
