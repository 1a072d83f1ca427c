"""Running doorstep as a user would: a real process, a real environment, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Optional

# A command must never hang a test run; if one does, that is the failure.
TIMEOUT = 60


def run(
    *args: str,
    env: Optional[Mapping[str, str]] = None,
    input: Optional[str] = None,
    timeout: float = TIMEOUT,
    python: Sequence[str] = (sys.executable,),
) -> subprocess.CompletedProcess[str]:
    """``python -m doorstep ARGS`` with the test's environment (plus ``env``)."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [*python, "-m", "doorstep", *args],
        env=full_env,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=None if input is not None else subprocess.DEVNULL,
    )


__all__ = ["TIMEOUT", "run"]
