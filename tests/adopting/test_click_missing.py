"""doorstep.click without click installed: one line saying what to add, nothing else."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
sys.modules["click"] = None  # as if click were not installed (the one stand-in here)
try:
    import doorstep.click
except ImportError as exc:
    print(str(exc))
"""


def test_doorstep_click_says_in_one_line_that_click_is_missing() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "doorstep.click needs click" in lines[0] and "doorstep[click]" in lines[0]
