"""The paths every command takes load neither the screen nor the network."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = (
    "textual",
    "questionary",
    "prompt_toolkit",
    "rich",
    "httpx",
    "httpcore",
    "anyio",
    "uvicorn",
    "doorstep.tui",
    "doorstep.collector",
    "doorstep.click",
    "click",
)

PROBE = """
import io, json, sys, contextlib
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    {body}
heavy = {heavy!r}
loaded = {{".".join(name.split(".")[:depth]) for name in sys.modules for depth in (1, 2)}}
print(json.dumps(sorted(loaded & set(heavy))))
"""

PATHS = {
    "status": 'from doorstep import cli; cli.main(["telemetry", "status"])',
    "status --json": 'from doorstep import cli; cli.main(["telemetry", "status", "--json"])',
    "enable": 'from doorstep import cli; cli.main(["telemetry", "enable"])',
    "disable": 'from doorstep import cli; cli.main(["telemetry", "disable"])',
    "reset-id": 'from doorstep import cli; cli.main(["telemetry", "reset-id"])',
    "preview": 'from doorstep import cli; cli.main(["telemetry", "preview"])',
    "usage error": 'from doorstep import cli; cli.main(["telemetry", "bogus"])',
    "record and flush": (
        "from doorstep.delivery import telemetry; "
        "telemetry.record('install_started', kind='fresh', method='script'); telemetry.flush()"
    ),
    "consent check": "from doorstep.delivery import telemetry; telemetry.default().decide()",
    "adopting tool records and counts": (
        "import doorstep; t = doorstep.Telemetry('doorstep'); "
        "t.record('install_started', kind='fresh', method='pip'); t.count('x'); t.flush()"
    ),
    "import doorstep": "import doorstep",
}


@pytest.mark.parametrize("name", sorted(PATHS))
def test_fast_paths_stay_light(name: str) -> None:
    code = PROBE.format(body=PATHS[name], heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_probe_can_see_a_heavy_import() -> None:
    # Guards the test above against passing vacuously.
    code = PROBE.format(body="import httpx", heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert "httpx" in json.loads(result.stdout.strip().splitlines()[-1])
