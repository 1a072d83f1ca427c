"""Fixtures for the adopting tools: ACME (argparse) and BOLT (click), each built into a
wheel and installed once per session into a fresh venv of its own, offline, beside
this checkout's doorstep wheel. Tests drive the tools' own commands as a person would,
in the test's own HOME (XDG unset), with real files and a real server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adopting import tools
from tests.adopting.tools import ACME, BOLT, Installed, Tool
from tests.install.install_run import Kit


def _install(tool: Tool, factory: pytest.TempPathFactory, the_kit: Kit, label: str) -> Installed:
    root = factory.mktemp(f"{tool.name}-{label}")
    wheel = tools.build_wheel(tool, root, the_kit)
    venv = root / "venv"
    tools.install_into_venv(wheel, venv, the_kit)
    return Installed(tool, venv)


@pytest.fixture(scope="session")
def acme(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """ACME (argparse), built and installed once."""
    return _install(ACME, tmp_path_factory, kit, "tool")


@pytest.fixture(scope="session")
def bolt(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """BOLT (click), built and installed once."""
    return _install(BOLT, tmp_path_factory, kit, "tool")


@pytest.fixture(scope="session")
def breakable_acme(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Another ACME install, whose product file tests break (see ``product_files``)."""
    return _install(ACME, tmp_path_factory, kit, "breakable")


@pytest.fixture(scope="session")
def breakable_bolt(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Another BOLT install, whose product file tests break."""
    return _install(BOLT, tmp_path_factory, kit, "breakable")


@pytest.fixture
def product_files(
    breakable_acme: Installed, breakable_bolt: Installed
) -> Iterator[dict[str, Path]]:
    """The breakable installs' product files, by tool name; put back after the test."""
    files = {i.tool.name: i.product_file() for i in (breakable_acme, breakable_bolt)}
    original = {name: path.read_bytes() for name, path in files.items()}
    try:
        yield files
    finally:
        for name, path in files.items():
            path.write_bytes(original[name])


@pytest.fixture
def user_env(home: Path) -> dict[str, str]:
    """A person's environment: this test's HOME, XDG unset, no tool settings inherited."""
    env = tools.clean_env(home, NO_PROXY="127.0.0.1,localhost")
    for name in list(env):
        if name.startswith(("ACME_", "BOLT_", "XDG_", "DOORSTEP_")):
            del env[name]
    return env
