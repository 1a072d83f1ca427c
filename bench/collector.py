"""Sustained ingest of the collector, against peers served the same way, on loopback.

    .venv/bin/python bench/collector.py [--seconds 15] [--connections 32]

Needs wrk (Debian: apt-get install wrk) as the load generator: it is C, so it takes
little of the two cores away from the server. Every request is a valid wire body of
20 events with a fresh session id (so nothing is deduplicated) and one of 5,000
install ids (so the per-install rate limit is not what is measured). Three servers,
each its own process under the same uvicorn configuration, get the same load in turn:

- bare: reads the body and answers 204 (the cost of uvicorn and HTTP alone);
- validate: also checks the body as the collector does, with a ``doorstep.events.wire.Parser``
  (the cost of the schema and the fence);
- collector: ``doorstep collector serve`` itself (validate, rate-limit, store, answer),
  with the global ingest budget and the size cap off (they would measure themselves).

All three use the collector's HTTP protocol: httptools when installed, else h11.

Prints a markdown block for BENCHMARKS.md: events/s, p50 and p99 latency, the server's
CPU time per request (all its threads, and its event loop's thread alone: the rest is
the collector's database writer; steadier than events/s on a busy machine), its
peak memory (its high-water resident set, Linux only), the load average before and after
(other work on the machine skews every figure), and the database's bytes per million
events (after a checkpoint, WAL included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from doorstep.collector import days  # noqa: E402
from doorstep.events import schema  # noqa: E402

BATCH = 20
INSTALL_IDS = 5000
START_TIMEOUT = 30.0


def _events(day: str, variant: int) -> list[dict[str, Any]]:
    """20 valid events of one run, varied by ``variant``, drawn from the schema."""
    the_schema = schema.current()
    events = []
    names = sorted(the_schema.events)
    for seq in range(BATCH):
        name = names[(seq + variant) % len(names)]
        props = {}
        for key, prop in the_schema.events[name].props.items():
            if prop.bucket is not None:
                props[key] = prop.bucket.labels[(seq + variant) % len(prop.bucket.labels)]
            elif prop.type == "bool":
                props[key] = (seq + variant) % 2 == 0
            elif prop.values:
                props[key] = prop.values[(seq + variant) % len(prop.values)]
        events.append({"name": name, "day": day, "seq": seq, "props": props})
    return events


def _envelope_tail() -> str:
    tail = {
        "app_version": "1.4.2",
        "python": "3.12",
        "os": "linux",
        "arch": "x86_64",
        "ci": False,
        "container": False,
        "memory_gb": "8-16",
    }
    return json.dumps(tail, separators=(",", ":"))[1:-1]


def lua_script(day: str) -> str:
    """A wrk script that builds a fresh, valid body for every request."""
    variants = [json.dumps(_events(day, v), separators=(",", ":")) for v in range(8)]
    ids = [str(uuid.uuid4()) for _ in range(INSTALL_IDS)]
    lua_list = ",\n".join(json.dumps(v) for v in variants)
    lua_ids = ",".join(f'"{i}"' for i in ids)
    return f"""
local variants = {{ {lua_list} }}
local ids = {{ {lua_ids} }}
local tail = {json.dumps(_envelope_tail())}
local function h4() return string.format("%04x", math.random(0, 65535)) end
local function uuid4()
  return h4() .. h4() .. "-" .. h4() .. "-4" .. string.sub(h4(), 2) .. "-"
    .. string.format("%x", math.random(8, 11)) .. string.sub(h4(), 2) .. "-"
    .. h4() .. h4() .. h4()
end
function init(args) math.randomseed(os.time()) end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
function request()
  local body = '{{"schema_version":1,"envelope":{{"schema_version":1,"install_id":"'
    .. ids[math.random(#ids)] .. '","session_id":"' .. uuid4() .. '",' .. tail
    .. '}},"events":' .. variants[math.random(#variants)] .. '}}'
  return wrk.format(nil, nil, nil, body)
end
"""


PEERS = """
import sys
sys.path.insert(0, {root!r})
from doorstep.collector import server
from doorstep.events import wire

async def bare(scope, receive, send):
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({{"type": "http.response.start", "status": 204, "headers": []}})
    await send({{"type": "http.response.body", "body": b""}})

parser = wire.Parser()

async def validate(scope, receive, send):
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, _ = parser.parse(b"".join(chunks))
    status = 204 if body is not None else 400
    await send({{"type": "http.response.start", "status": status, "headers": []}})
    await send({{"type": "http.response.body", "body": b""}})

server.configure_logging(sys.stderr, "peer")
sock = server.listen("127.0.0.1", 0)
print("listening on port", sock.getsockname()[1], flush=True)
server.uvicorn_server({{"bare": bare, "validate": validate}}[sys.argv[1]]).run(sockets=[sock])
"""


def _start(argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    deadline = time.monotonic() + START_TIMEOUT
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        match = re.search(r"listening on port (\d+)", line)
        if match:
            return process, int(match.group(1))
        if not line and process.poll() is not None:
            break
    process.kill()
    raise SystemExit(f"bench: could not start {' '.join(argv)}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wrk(port: int, script: Path, seconds: int, connections: int) -> dict[str, float]:
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/v1/events",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    text = done.stdout
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    duration = float(re.search(r"requests in ([\d.]+)s", text).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "requests": requests,
        "ok": requests - (int(bad.group(1)) if bad else 0),
        "seconds": duration,
        "p50_ms": _ms(re.search(r"50%\s+([\d.]+\w+)", text).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"99%\s+([\d.]+\w+)", text).group(1)),  # type: ignore[union-attr]
        "socket_errors": errors.group(1).strip() if errors else "none",
    }


def _ms(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _db_bytes(db: Path) -> tuple[int, int]:
    """(events stored, bytes on disk after folding the WAL into the main file)."""
    with sqlite3.connect(db) as connection:
        events = connection.execute("SELECT count(*) FROM events").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))
    return events, size


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.stderr.write("bench: needs wrk as the load generator (apt-get install wrk)\n")
        return 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "load.lua"
        script.write_text(lua_script(days.today()), encoding="utf-8")
        peers = Path(folder) / "peers.py"
        peers.write_text(PEERS.format(root=str(ROOT)), encoding="utf-8")
        db = Path(folder) / "bench.sqlite3"
        servers = {
            "bare (uvicorn, answers 204)": [sys.executable, str(peers), "bare"],
            "validate (+ wire.Parser, no storage)": [sys.executable, str(peers), "validate"],
            "collector (doorstep collector serve)": [
                sys.executable,
                "-m",
                "doorstep",
                "collector",
                "serve",
                "--db",
                str(db),
                "--port",
                "0",
                "--max-events-per-second",
                "0",
                "--max-db-mb",
                "0",
            ],
        }
        load_before = _load()
        for label, command in servers.items():
            process, port = _start(command, env)
            try:
                cpu = _cpu_seconds(process.pid)
                loop_cpu = _cpu_seconds(process.pid, process.pid)
                results[label] = _wrk(port, script, args.seconds, args.connections)
                used = _cpu_seconds(process.pid)
                loop_used = _cpu_seconds(process.pid, process.pid)
                requests = results[label]["requests"]
                results[label]["cpu_us"] = (
                    (used - cpu) / requests * 1e6
                    if used is not None and cpu is not None and requests
                    else None
                )
                results[label]["loop_us"] = (
                    (loop_used - loop_cpu) / requests * 1e6
                    if loop_used is not None and loop_cpu is not None and requests
                    else None
                )
                results[label]["peak_mib"] = _peak_mib(process.pid)
            finally:
                _stop(process)
        load_after = _load()
        stored, size = _db_bytes(db)
    collector = results["collector (doorstep collector serve)"]
    print(_markdown(args, results, stored, size, collector, (load_before, load_after)))
    return 0


def _peak_mib(pid: int) -> Optional[float]:
    """The process's peak resident memory so far, in MiB (None where /proc has no such line)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else None


def _cpu_seconds(pid: int, thread: Optional[int] = None) -> Optional[float]:
    """CPU time the process has used, user and system, all threads or only ``thread``
    (its main thread, the event loop's, has the process's id); None without /proc."""
    stat = f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat"
    try:
        fields = Path(stat).read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _us(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.0f} µs"


def _load() -> str:
    try:
        return " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


def _markdown(
    args: argparse.Namespace,
    results: dict,
    stored: int,
    size: int,
    collector: dict,
    load: tuple[str, str],
) -> str:
    uname = platform.uname()
    lines = [
        f"`.venv/bin/python bench/collector.py --seconds {args.seconds} "
        f"--connections {args.connections}`",
        "",
        f"{os.cpu_count()} cores, {uname.system} {uname.release}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; wrk, 1 thread, "
        f"{args.connections} connections, {args.seconds} s each, batches of {BATCH} events; "
        f"load average (1, 5, 15 min) {load[0]} before, {load[1]} after.",
        "",
        "| server | requests/s | events/s | p50 | p99 | non-204 | CPU per request "
        "| of which the event loop | peak memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        per_second = r["ok"] / r["seconds"]
        lines.append(
            f"| {label} | {per_second:,.0f} | {per_second * BATCH:,.0f} | "
            f"{r['p50_ms']:.2f} ms | {r['p99_ms']:.2f} ms | {r['requests'] - r['ok']} | "
            f"{_us(r['cpu_us'])} | {_us(r['loop_us'])} | "
            f"{'n/a' if r['peak_mib'] is None else format(r['peak_mib'], '.1f') + ' MiB'} |"
        )
    expected = collector["ok"] * BATCH
    per_million = size / stored * 1_000_000 if stored else 0
    lines += [
        "",
        f"Database: {stored:,} events stored ({expected:,} answered 204 x {BATCH}), "
        f"{size:,} bytes: {per_million / 1e6:,.1f} MB per million events.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
