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
    "tui",
    "collector",
)

PROBE = """
import io, json, sys, contextlib
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    {body}
loaded = sorted({{name.split(".")[0] for name in sys.modules}})
print(json.dumps([name for name in loaded if name in {heavy!r}]))
"""

PATHS = {
    "status": 'from installer import cli; cli.main(["telemetry", "status"])',
    "status --json": 'from installer import cli; cli.main(["telemetry", "status", "--json"])',
    "enable": 'from installer import cli; cli.main(["telemetry", "enable"])',
    "disable": 'from installer import cli; cli.main(["telemetry", "disable"])',
    "reset-id": 'from installer import cli; cli.main(["telemetry", "reset-id"])',
    "preview": 'from installer import cli; cli.main(["telemetry", "preview"])',
    "usage error": 'from installer import cli; cli.main(["telemetry", "bogus"])',
    "record and flush": (
        "from installer import telemetry; "
        "telemetry.record('install_started', kind='fresh', method='script'); telemetry.flush()"
    ),
    "consent check": "from installer import telemetry; telemetry.default().decide()",
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
