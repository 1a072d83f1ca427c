"""Wheels for offline install tests: doorstep built from this checkout, beside its dependencies.

``sh tests/run.sh`` builds ``build/wheelhouse`` (doorstep and everything it needs). The
doorstep wheel in it may be older than the code under test, so the tests build a fresh
one from a copy of the checkout (a copy, so that no build folder appears in the
checkout while other people build there too) and put it next to the dependencies.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path
from typing import Optional

from tests.support import wheelhouse

ROOT = wheelhouse.ROOT
SOURCES = ("pyproject.toml", "README.md", "installer", "tui", "collector")
BUILD_TIMEOUT = 300


def uv() -> str:
    """The uv that the test extra installs next to this interpreter."""
    candidate = Path(sysconfig.get_path("scripts")) / "uv"
    found = str(candidate) if candidate.exists() else shutil.which("uv")
    if found is None:
        raise RuntimeError("uv is missing: install the test extra (pip install -e '.[test]')")
    return found


def copy_source(target: Path, version: Optional[str] = None) -> Path:
    """A copy of the checkout's package sources, optionally with another version number."""
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "__snapshots__")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, target / name)
    if version is not None:
        version_file = target / "installer" / "_version.py"
        text = version_file.read_text(encoding="utf-8")
        version_file.write_text(
            re.sub(r'__version__ = "[^"]*"', f'__version__ = "{version}"', text), encoding="utf-8"
        )
    return target


def build_wheel(
    source: Path, out: Path, dependencies: Path, cache: Path, distribution: str = "doorstep"
) -> Path:
    """Build ``distribution``'s wheel from ``source`` offline (setuptools comes from
    ``dependencies``): doorstep's own, or an adopting tool's."""
    env = dict(os.environ, UV_CACHE_DIR=str(cache), UV_NO_CONFIG="1")
    argv = [uv(), "build", "--wheel", "--offline", "--find-links", str(dependencies)]
    result = subprocess.run(
        [*argv, "--out-dir", str(out), str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the {distribution} wheel failed:\n{result.stderr}")
    (wheel,) = out.glob(f"{distribution.replace('-', '_')}-*.whl")
    return wheel


def current_version() -> str:
    text = (ROOT / "installer" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'__version__ = "([^"]*)"', text)
    assert match is not None
    return match.group(1)


def assemble(folder: Path, dependencies: Path, wheel: Path) -> Path:
    """A wheelhouse: every dependency of ``dependencies`` and this one doorstep wheel."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in dependencies.glob("*.whl"):
        if not item.name.startswith("doorstep-"):
            (folder / item.name).symlink_to(item)
    shutil.copy2(wheel, folder / wheel.name)
    return folder


__all__ = ["ROOT", "assemble", "build_wheel", "copy_source", "current_version", "uv"]
