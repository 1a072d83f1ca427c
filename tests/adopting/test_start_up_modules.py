"""An adopting tool's start stays light in every state: with its compiled doorstep.json
shipped, building Telemetry, recording and flushing load no TOML parser, no json, no
typing, datetime, argparse or signal (a fresh interpreter each time)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from doorstep.events import schema
from doorstep.foundation import product
from doorstep.render import compiled_toml

# Its package is one that is installed here, so its version is found as the tool's own
# would be (a package that is not installed is asked of importlib.metadata, as before).
TOOL_TOML = """schema_version = 1

[product]
name = "widget"
display_name = "Widget"
env_prefix = "WIDGET"
package = "pytest"
endpoint = "http://127.0.0.1:9/v1/events"
policy = "ask"
docs_url = "https://widget.example/TELEMETRY.md"

[events.command_run]
why = "Which commands people run."
[events.command_run.props.ok]
type = "bool"
why = "Whether it worked."
"""
# The editable install's import hook loads pathlib and re into every process of the
# development venv, so those are checked by the bench venv only (BENCHMARKS.md).
HEAVY = ("tomllib", "tomli", "json", "typing", "datetime", "argparse", "signal", "uuid")
PROBE = """
import sys
import doorstep
telemetry = doorstep.Telemetry.from_file({path!r})
assert telemetry.product is not None, telemetry.problem
assert telemetry.record("command_run", ok=True)
print(telemetry.flush())
print(sorted(set({heavy!r}) & set(sys.modules)))
"""


@pytest.mark.parametrize("state", ["undecided", "off", "on"])
def test_a_tools_start_loads_none_of_the_heavy_modules(
    state: str, tmp_path: Path, home: Path
) -> None:
    source = tmp_path / "widget" / "doorstep.toml"
    source.parent.mkdir()
    source.write_text(TOOL_TOML, encoding="utf-8")
    assert compiled_toml.main(["--write", str(source)]) == 0
    if state != "undecided":
        record = home / ".config" / "widget" / "telemetry.toml"
        record.parent.mkdir(parents=True)
        agreed = schema.for_product(product.from_file(source)).kinds()  # a yes to it all
        saved = consent_record.make(state == "on", "cli", agreed=agreed)
        record.write_text(saved.to_toml(), "utf-8")
    env = {**os.environ, "WIDGET_TELEMETRY_DEBUG": ""}
    code = PROBE.format(path=str(source), heavy=HEAVY)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    outcome, loaded = result.stdout.strip().splitlines()[-2:]
    assert outcome == {"undecided": "kept", "off": "dropped", "on": "sent"}[state]
    assert loaded == "[]"
