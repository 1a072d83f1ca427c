"""A config folder that cannot be written: choices fail in one line, status still works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import unprivileged


def _assert_one_line_failure(result, where: Path) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(where) in lines[0]
    assert "writable" in lines[0]  # says what to do
    assert result.stdout == ""


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_read_only_config_folder(home: Path, action: str) -> None:
    folder = home / ".config" / "doorstep"
    folder.mkdir(parents=True)
    folder.chmod(0o555)
    result = unprivileged.run("telemetry", action)
    _assert_one_line_failure(result, folder)
    assert list(folder.iterdir()) == []

    status = unprivileged.run("telemetry", "status")
    assert status.returncode == 0
    assert str(folder / "telemetry.toml") in status.stdout
    assert "Telemetry: undecided" in status.stdout


@pytest.mark.parametrize("action", ["enable", "disable"])
def test_missing_config_folder_that_cannot_be_made(home: Path, action: str) -> None:
    parent = home / ".config"
    parent.mkdir()
    parent.chmod(0o555)
    result = unprivileged.run("telemetry", action)
    _assert_one_line_failure(result, parent / "doorstep")
    assert not (parent / "doorstep").exists()

    status = unprivileged.run("telemetry", "status")
    assert status.returncode == 0
    assert str(parent / "doorstep" / "telemetry.toml") in status.stdout
    assert "(not created yet)" in status.stdout


def test_config_home_under_a_file(home: Path) -> None:
    blocker = home / "not-a-folder"
    blocker.write_text("")
    env = {"XDG_CONFIG_HOME": str(blocker / "config")}
    result = unprivileged.run("telemetry", "enable", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    status = unprivileged.run("telemetry", "status", env=env)
    assert status.returncode == 0
    assert str(blocker / "config" / "doorstep" / "telemetry.toml") in status.stdout


def test_missing_config_folder_is_created_when_possible(home: Path) -> None:
    result = unprivileged.run("telemetry", "disable")
    assert result.returncode == 0, result.stderr
    folder = home / ".config" / "doorstep"
    assert (folder / "telemetry.toml").is_file()
    assert oct(folder.stat().st_mode & 0o777) == oct(0o700)
