"""Running doorstep so that file modes bind it, even when the tests run as root.

CI runs as root, and root reads a mode-000 file and writes into a read-only folder.
To test what a user sees then, a root test runs the command under ``setpriv`` with the
two capabilities that bypass file modes (DAC override, DAC read-search) dropped from
its bounding set; the kernel then enforces the modes on it like on anyone else.
A non-root test runs the command as itself. Nothing is mocked either way.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from typing import Optional

_DROP = "-dac_override,-dac_read_search"


def prefix() -> list[str]:
    """The argv prefix that makes a root process obey file modes (empty for non-root)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise RuntimeError("setpriv (util-linux) is needed to test file modes as root")
    return [setpriv, f"--bounding-set={_DROP}", f"--inh-caps={_DROP}"]


def run(*args: str, env: Optional[Mapping[str, str]] = None):  # type: ignore[no-untyped-def]
    """``python -m doorstep ARGS`` under the current test environment, obeying modes."""
    import sys

    from tests.support.cli import run as run_cli

    return run_cli(*args, env=env, python=(*prefix(), sys.executable))


__all__ = ["prefix", "run"]
