"""The command line under random arguments and random values of every environment
variable doorstep reads: always exit 0, 1 or 2, never a traceback, and nothing written
but the consent record (a decision). Real processes, each in its own session (no
terminal), in a fresh HOME per case."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.pipeline.processes import ROOT

WORDS = [
    "telemetry",
    "status",
    "enable",
    "disable",
    "preview",
    "reset-id",
    "setup",
    "uninstall",
    "--json",
    "--pretty",
    "--yes",
    "-y",
    "--telemetry",
    "--no-telemetry",
    "--inline",
    "--dry-run",
    "--keep-config",
    "--help",
    "--version",
    "--product",
    "doorstep",
    "-",
    "--",
]
VARIABLES = [
    "DO_NOT_TRACK",
    "CI",
    "NONINTERACTIVE",
    "DOORSTEP_TELEMETRY",
    "DOORSTEP_TELEMETRY_ENDPOINT",
    "DOORSTEP_TELEMETRY_DEBUG",
    "DOORSTEP_BIN_DIR",
    "DOORSTEP_NO_MODIFY_PATH",
    "TERM",
    "LANG",
]
VALUES = st.one_of(
    st.sampled_from(["", "0", "1", "no", "yes", "off", "ON", "http://127.0.0.1:9/v1", "dumb"]),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        max_size=20,
    ),
)
ARGUMENTS = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=12),
    ),
    max_size=5,
)
RECORD = Path(".config/doorstep/telemetry.toml")


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=ARGUMENTS, env=st.dictionaries(st.sampled_from(VARIABLES), VALUES, max_size=5))
def test_any_command_line_exits_0_1_or_2_and_writes_only_a_decision(
    tmp_path_factory, argv: list[str], env: dict[str, str]
) -> None:
    if argv[:1] in (["settings"], ["collector"], ["render"]):
        return  # a screen, a server and a writer of files elsewhere: tested on their own
    home = tmp_path_factory.mktemp("fuzz-home")
    full = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    for name in VARIABLES:
        full.pop(name, None)
    full.update(env, HOME=str(home), NO_PROXY="*")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "doorstep", *argv],
            env=full,
            cwd=ROOT,
            capture_output=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except ValueError:
        return  # an argument or value the OS itself refuses to pass (e.g. too long)
    assert done.returncode in (0, 1, 2), (argv, env, done.stderr)
    assert b"Traceback" not in done.stderr + done.stdout, (argv, env, done.stderr)
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert written in ([], [str(RECORD)]), (argv, env, written)
    shutil.rmtree(home, ignore_errors=True)
