"""What doorstep adds to the start and exit of a tool that adopts it, beside its peers.

    .venv/bin/python bench/adopting_start.py [--runs 40]

A bench venv of its own (``build/bench-start-venv``) holds doorstep installed from this
checkout as a wheel would be (not editable: an editable install's import hook would
load ``pathlib`` and ``re`` into every process, the bare one too), a small adopting tool
``acme`` (its ``doorstep.toml``, the ``doorstep.json`` compiled from it, and its entry
point, made here), posthog and iterative-telemetry. Each row is a fresh process, timed
from spawn to reap of that process alone, the rows interleaved run by run; between runs
every detached child (a doorstep sender, iterative-telemetry's daemon) is awaited, so
none piles up. Nothing reaches the network: posthog and iterative-telemetry post to a
closed port on 127.0.0.1, and Acme's endpoint is a server on 127.0.0.1 that answers 204.

Goals (issue 15): ``import doorstep`` at most +3 ms over the bare interpreter; the tool
that builds its Telemetry, records one event and exits at most +10 ms while undecided or
off, at most +20 ms with consent on (the spool append and the sender start included).
"""

from __future__ import annotations

import argparse
import http.server
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import run_once  # noqa: E402  (sibling scripts, not a package)
from send_exit import become_subreaper, reap_all  # noqa: E402

VENV = ROOT / "build" / "bench-start-venv"
PEERS = ("posthog", "iterative-telemetry")
ACME_TOML = """schema_version = 1

[product]
name = "acme"
display_name = "Acme"
env_prefix = "ACME"
package = "acme-cli"
command = "acme"
endpoint = "http://127.0.0.1:9/v1/events"
policy = "ask"
docs_url = "https://acme.example/TELEMETRY.md"

[usage]
commands = ["deploy", "check"]

[events.command_run]
why = "Which commands people run, and whether they worked."
[events.command_run.props.command]
type = "enum"
values = ["deploy", "check"]
why = "The command that ran."
[events.command_run.props.ok]
type = "bool"
why = "Whether it finished without an error."
"""
ACME_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "acme-cli"
version = "1.0"

[project.entry-points."doorstep.products"]
acme = "acme"

[tool.setuptools]
packages = ["acme"]

[tool.setuptools.package-data]
acme = ["doorstep.toml", "doorstep.json"]
"""
DOORSTEP = (
    "import doorstep\n"
    "telemetry = doorstep.Telemetry('acme')\n"
    "telemetry.record('command_run', command='deploy', ok=True)\n"
)
POSTHOG = (
    "import posthog\n"
    "client = posthog.Posthog('phc_bench', host='http://127.0.0.1:{closed}')\n"
    "client.capture('command_run', distinct_id='bench', properties={{'command': 'deploy'}})\n"
)
ITERATIVE = (
    "from iterative_telemetry import IterativeTelemetryLogger\n"
    "logger = IterativeTelemetryLogger('acme', '1.0', url='http://127.0.0.1:{closed}/')\n"
    "logger.send_event('cli', 'deploy')\n"
)


class Healthy(http.server.BaseHTTPRequestHandler):
    """A collector that takes every batch: 204 and nothing else."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pip(*args: str) -> None:
    subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *args], check=True
    )


def prepare(reinstall: bool) -> Path:
    """The bench venv with the peers, acme, and doorstep as it is in this checkout."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip(*PEERS)
        pip(str(ROOT))  # once with its dependencies; later reinstalls take doorstep alone
    with tempfile.TemporaryDirectory() as work:
        acme = Path(work) / "acme"
        (acme / "acme").mkdir(parents=True)
        (acme / "acme" / "__init__.py").write_text("", encoding="utf-8")
        (acme / "acme" / "doorstep.toml").write_text(ACME_TOML, encoding="utf-8")
        (acme / "pyproject.toml").write_text(ACME_PYPROJECT, encoding="utf-8")
        # Its compiled copy, shipped beside it as an adopting tool is advised to.
        compile_toml = [sys.executable, "-m", "doorstep.render.compiled_toml", "--write"]
        subprocess.run([*compile_toml, str(acme / "acme" / "doorstep.toml")], check=True)
        if reinstall:
            pip("--no-deps", "--force-reinstall", str(ROOT), str(acme))
    # Warm every bytecode cache once, as a user's second run finds them.
    subprocess.run([str(python), "-m", "compileall", "-q", str(VENV / "lib")], check=False)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--no-reinstall", action="store_true", help="measure the doorstep already installed"
    )
    args = parser.parse_args()
    python = str(prepare(not args.no_reinstall))
    reaping = become_subreaper()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    healthy = f"http://127.0.0.1:{server.server_address[1]}/v1/events"
    closed = closed_port()
    homes = {state: tempfile.mkdtemp(prefix=f"bench-start-{state}-") for state in ("u", "o", "n")}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
    base = {k: v for k, v in base.items() if k not in ("DO_NOT_TRACK", "CI", "ACME_TELEMETRY")}
    base.update(NO_PROXY="127.0.0.1", ACME_TELEMETRY_ENDPOINT=healthy)
    env = {state: {**base, "HOME": home} for state, home in homes.items()}
    for state, enabled in (("o", False), ("n", True)):
        confirm = f"{DOORSTEP}telemetry.recorder.confirm({enabled}, 'cli')\n"
        subprocess.run([python, "-c", confirm], env=env[state], check=True)
        reap_all()
    rows = {
        "`python -c pass` (bare interpreter, peer)": ([python, "-c", "pass"], env["u"]),
        "`import doorstep`": ([python, "-c", "import doorstep"], env["u"]),
        "doorstep: Telemetry + record + exit, undecided": ([python, "-c", DOORSTEP], env["u"]),
        "doorstep: the same, off (a saved no)": ([python, "-c", DOORSTEP], env["o"]),
        "doorstep: the same, on (spool + sender start)": ([python, "-c", DOORSTEP], env["n"]),
        "`import posthog` + one capture (peer)": (
            [python, "-c", POSTHOG.format(closed=closed)],
            env["u"],
        ),
        "iterative-telemetry logger + one event (peer)": (
            [python, "-c", ITERATIVE.format(closed=closed)],
            env["u"],
        ),
    }
    samples: dict[str, list[float]] = {label: [] for label in rows}
    try:
        for index in range(args.runs + 3):  # the first three runs warm the caches
            for label, (argv, row_env) in rows.items():
                sample = run_once(argv, row_env)
                reap_all()
                if index >= 3:
                    samples[label].append(sample.seconds * 1000)
    finally:
        server.shutdown()
        for home in homes.values():
            shutil.rmtree(home, ignore_errors=True)

    version = subprocess.run(
        [python, "-c", "from importlib import metadata as m; print(m.version('posthog'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    bare = statistics.median(samples[next(iter(rows))])
    print("```")
    command = "env -u PYTHONDONTWRITEBYTECODE .venv/bin/python bench/adopting_start.py"
    print(f"$ {command} --runs {args.runs}")
    print("```")
    print(
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the end; posthog "
        f"{version}; {args.runs} runs each, interleaved"
        f"{'' if reaping else ' (no subreaper: detached children were not awaited)'}."
    )
    print()
    print("| process | median ms | min ms | p90 ms | over the bare interpreter | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, taken in samples.items():
        times = sorted(taken)
        median = statistics.median(times)
        p90 = times[max(0, int(len(times) * 0.9) - 1)]
        over = "—" if label.startswith("`python -c pass`") else f"{median - bare:+.1f} ms"
        print(
            f"| {label} | {median:.1f} | {times[0]:.1f} | {p90:.1f} | {over} "
            f"| {median / bare:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
