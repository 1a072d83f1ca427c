"""Fixtures for the install tests: an offline kit (built once) and its environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.install import wheels
from tests.install.install_run import Kit, offline_env


@pytest.fixture(scope="session")
def newer_wheel(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same doorstep with a higher version number, kept out of the wheelhouse."""
    root = tmp_path_factory.mktemp("newer")
    version = wheels.current_version() + ".post1"
    source = wheels.copy_source(root / "source", version=version)
    return wheels.build_wheel(source, root / "dist", kit.wheelhouse, kit.uv_cache)


@pytest.fixture
def env(kit: Kit, home: Path) -> dict[str, str]:
    """An offline install environment for this test's HOME, with uv on PATH."""
    return offline_env(kit, home)
