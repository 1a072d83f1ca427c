"""Links and folders planted by someone else are never followed or written into: a
`spool.lock` or `spool.jsonl` symlink, a state or config folder owned by another user.
Real files; root-only cases need root to chown and skip with a reason otherwise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.capture import Capture
from tests.support.cli import run

STATE = Path(".local/state/doorstep")
CONFIG = Path(".config/doorstep")


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-file", "dangling"])
@pytest.mark.parametrize("name", ["spool.lock", "spool.jsonl", "spool.sender"])
def test_a_planted_link_is_not_followed(
    home: Path, tmp_path: Path, capture: Capture, endpoint: str, name: str, dangling: bool
) -> None:
    target = tmp_path / "victim"
    if not dangling:
        target.write_text("precious\n", encoding="utf-8")
    (home / STATE).mkdir(parents=True)
    (home / STATE / name).symlink_to(target)

    done = run("setup", "--telemetry")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if dangling:
        assert not target.exists(), "the link's target was created"
    else:
        assert target.read_text(encoding="utf-8") == "precious\n"


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")


@needs_root
def test_a_state_folder_of_another_user_is_not_written(
    home: Path, capture: Capture, endpoint: str
) -> None:
    state = home / STATE
    state.mkdir(parents=True)
    os.chown(state, 65534, 65534)

    done = run("setup", "--telemetry")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert list(state.iterdir()) == []


@needs_root
def test_a_config_folder_of_another_user_is_refused_in_one_line(home: Path) -> None:
    config = home / CONFIG
    config.mkdir(parents=True)
    os.chown(config, 65534, 65534)

    done = run("telemetry", "enable")

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "belongs to another user" in lines[0]
    assert list(config.iterdir()) == []
