"""Shared fixtures: every test runs in its own HOME with no telemetry settings inherited."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import capture as capture_module


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """doorstep's wheel from this checkout beside its dependencies, and the tools around
    it; built once per session for every test that installs something."""
    from tests.install.install_run import build_kit

    return build_kit(tmp_path_factory.mktemp("install-kit"))


# Variables that would change what doorstep decides; every test starts without them.
_CLEARED = (
    "DO_NOT_TRACK",
    "CI",
    "NONINTERACTIVE",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "BUILDKITE",
    "CIRCLECI",
    "TF_BUILD",
    "JENKINS_URL",
    "TEAMCITY_VERSION",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "ZDOTDIR",
    "NO_COLOR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty HOME for this test; XDG folders default beneath it."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    for name in _CLEARED:
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("DOORSTEP_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # The machine policy is read from XDG_CONFIG_DIRS: this machine's /etc/xdg stays out.
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg"))
    # A product file with no endpoint sends nothing; tests name the endpoint they watch.
    return folder


@pytest.fixture
def capture() -> Iterator[capture_module.Capture]:
    """A healthy capture server on 127.0.0.1."""
    server = capture_module.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def endpoint(capture: capture_module.Capture, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point doorstep at the capture server and return its URL."""
    monkeypatch.setenv("DOORSTEP_TELEMETRY_ENDPOINT", capture.url)
    return capture.url
