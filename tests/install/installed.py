"""What an install left in a HOME, read back the way a person (or uninstall) would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from doorstep.install import receipt, shell_path
from tests.install.install_run import command

BEGIN, _ = shell_path.markers("doorstep")


def venv(home: Path) -> Path:
    return home / ".local" / "share" / "doorstep" / "venv"


def read_receipt(home: Path) -> receipt.Receipt:
    found = receipt.read(home / ".config" / "doorstep" / "receipt.toml")
    assert found.receipt is not None, found.problem
    return found.receipt


def blocks_in(path: Path) -> int:
    """How many of doorstep's PATH blocks ``path`` holds."""
    if not path.exists():
        return 0
    return path.read_text(encoding="utf-8").splitlines().count(BEGIN)


def assert_installed(home: Path, result: subprocess.CompletedProcess[str]) -> receipt.Receipt:
    """The install succeeded and left a working command, its link and its receipt."""
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    link = home / ".local" / "bin" / "doorstep"
    assert link.is_symlink()
    assert Path(os.readlink(link)) == venv(home) / "bin" / "doorstep"
    version = command(home, "--version")
    assert version.returncode == 0 and version.stdout.startswith("doorstep ")
    the_receipt = read_receipt(home)
    assert the_receipt.venv == venv(home) and the_receipt.link == link
    return the_receipt


__all__ = ["BEGIN", "assert_installed", "blocks_in", "read_receipt", "venv"]
