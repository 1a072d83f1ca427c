"""The local wheelhouse that lets install tests run without a network.

`sh tests/run.sh` builds it (doorstep's wheel, every dependency, setuptools and wheel)
and exports DOORSTEP_TEST_WHEELHOUSE; a test that needs it fails with that advice.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def path() -> Path:
    folder = Path(os.environ.get("DOORSTEP_TEST_WHEELHOUSE") or ROOT / "build" / "wheelhouse")
    if not any(folder.glob("setuptools-*.whl")):
        pytest.fail(f"no wheelhouse at {folder}: run the suite with `sh tests/run.sh`")
    return folder


def offline_pip_env(folder: Path) -> dict[str, str]:
    """Environment that makes pip use only ``folder`` (this machine's pip config ignored)."""
    return {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(folder),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_CACHE_DIR": "1",
    }


__all__ = ["ROOT", "offline_pip_env", "path"]
