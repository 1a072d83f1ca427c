"""Fixtures for the event pipeline: consent on disk and real servers in any mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Callable

import pytest

from doorstep.delivery import choice
from doorstep.delivery.spool import Spool
from doorstep.foundation import paths
from doorstep.foundation.paths import Paths
from tests.support import capture as capture_module


@pytest.fixture
def where(home: Path) -> Paths:
    """doorstep's folders inside this test's HOME."""
    return paths.for_product()


@pytest.fixture
def spool(where: Paths) -> Spool:
    return Spool(where.state_dir)


@pytest.fixture
def consent_on(where: Paths) -> str:
    """A saved "yes" (as ``telemetry enable`` writes it); returns the install id."""
    record = choice.save(where, True, "cli")
    assert record.install_id is not None
    return record.install_id


@pytest.fixture
def servers() -> Iterator[Callable[..., capture_module.Capture]]:
    """Start capture servers in any mode; all are closed after the test."""
    started: list[capture_module.Capture] = []

    def start(mode: str = "ok", status: int = 204, delay: float = 0.0) -> capture_module.Capture:
        server = capture_module.start(mode, status, delay)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
