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
