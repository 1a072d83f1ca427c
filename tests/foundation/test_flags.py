"""Boolean environment variables mean one thing everywhere: in Python, in install.sh and
in uninstall.sh, all checked against one table."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.foundation import flags
from tests.foundation.flag_cases import CASES
from tests.install.install_run import INSTALL_SH, SHELLS, UNINSTALL_SH

SCRIPTS = (INSTALL_SH, UNINSTALL_SH)


@pytest.mark.parametrize(("value", "meaning"), CASES)
def test_python_reads_the_table(value: str, meaning: Optional[bool]) -> None:
    assert flags.parse(value) is meaning
    assert flags.is_set({"X": value}, "X") is (meaning is True)


def test_unset_is_unset() -> None:
    assert flags.parse(None) is None
    assert flags.is_set({}, "X") is False


@given(st.text())
def test_every_value_has_exactly_one_meaning(value: str) -> None:
    meaning = flags.parse(value)
    stripped = value.strip().lower()
    assert meaning is (None if not stripped else stripped not in flags.FALSE_WORDS)


def _truthy_function(script: Path) -> str:
    text = script.read_text(encoding="utf-8")
    match = re.search(r"^truthy\(\) \{\n.*?^\}\n", text, flags=re.M | re.S)
    assert match is not None, f"{script.name} has no truthy()"
    return match.group(0)


@pytest.mark.parametrize("shell", sorted(SHELLS))
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_the_scripts_read_the_same_table(script: Path, shell: str) -> None:
    if shutil.which(SHELLS[shell][0]) is None:
        pytest.fail(f"{shell} is missing: sh tests/run.sh installs it")
    # Each value in turn, as the scripts see a variable: "$1" of truthy.
    program = _truthy_function(script) + (
        'for v in "$@"; do if truthy "$v"; then echo 1; else echo 0; fi; done\n'
    )
    values = [value for value, _ in CASES]
    done = subprocess.run(
        [*SHELLS[shell], "-c", program, "sh", *values],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    # The scripts have no "unset": unset and false both mean "not true".
    expected = ["1" if meaning else "0" for _, meaning in CASES]
    assert done.stdout.split() == expected


@given(st.binary(max_size=40) | st.text(max_size=20).map(str.encode))
def test_a_value_is_shown_as_typed_with_bytes_that_are_not_utf8_as_hex(raw: bytes) -> None:
    import ast
    import os

    value = os.fsdecode(raw)  # as os.environ hands it over
    shown = flags.shown(value)
    # The repr of the value with each byte that is not UTF-8 as the character \xNN reads.
    plain = "".join(chr(ord(c) - 0xDC00) if 0xDC80 <= ord(c) <= 0xDCFF else c for c in value)
    assert ast.literal_eval(shown) == plain
    assert "\\udc" not in shown.replace("\\\\", "")
    if plain == value:
        assert shown == repr(value)


def test_an_environment_value_that_is_not_utf8_is_warned_about_in_hex() -> None:
    from tests.support import cli

    result = cli.run("telemetry", "status", env={"DOORSTEP_TELEMETRY": "on\udcff"})
    assert result.returncode == 0
    assert "ignoring DOORSTEP_TELEMETRY='on\\xff': use 0/false/no/off" in result.stderr
