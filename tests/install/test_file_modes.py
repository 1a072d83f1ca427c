"""Permission bits and owners: what the install writes is no more readable than it should be.

The receipt is 0600 whatever the umask. A start-up file the install creates is no more
readable than the umask and the start-up files beside it allow; one it rewrites keeps
its mode and owner. A FIFO where the consent record should be does not hang the
command. A HOME that belongs to someone else is refused unless --allow-other-owner.
"""

from __future__ import annotations

import os
import stat
import subprocess
import time
from pathlib import Path

import pytest

from tests.install.home_tree import differences, snapshot
from tests.install.install_run import INSTALL_SH, Kit, command, install, offline_env, run_script
from tests.install.installed import assert_installed, blocks_in
from tests.support import cli

OTHER_UID = 65534  # nobody


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def with_umask(umask: int) -> list[str]:
    """An argv prefix that runs the rest under ``umask``."""
    return ["sh", "-c", f'umask {umask:03o}; exec "$@"', "sh"]


def install_with_umask(kit: Kit, env: dict[str, str], umask: int, *args: str):  # type: ignore[no-untyped-def]
    return run_script(
        INSTALL_SH,
        ["--from", str(kit.wheel), "--no-telemetry", *args],
        env,
        prefix=with_umask(umask),
    )


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077])
def test_the_receipt_is_0600_whatever_the_umask(kit: Kit, home: Path, umask: int) -> None:
    env = offline_env(kit, home)

    result = install_with_umask(kit, env, umask)

    assert_installed(home, result)
    assert mode(home / ".config" / "doorstep" / "receipt.toml") == 0o600


@pytest.mark.parametrize(
    ("profile_mode", "umask", "expected"),
    [
        (0o600, 0o022, 0o600),
        (0o640, 0o022, 0o640),
        (0o644, 0o022, 0o644),
        (0o644, 0o077, 0o600),
        (0o666, 0o022, 0o644),
    ],
)
def test_a_new_start_up_file_is_no_more_readable_than_the_ones_beside_it(
    kit: Kit, home: Path, profile_mode: int, umask: int, expected: int
) -> None:
    profile = home / ".profile"
    profile.write_text("# my profile\n", encoding="utf-8")
    profile.chmod(profile_mode)
    env = offline_env(kit, home)

    result = install_with_umask(kit, env, umask)

    assert_installed(home, result)
    assert mode(profile) == profile_mode  # rewritten, its mode kept
    for name in (".bashrc", ".zshenv"):
        made = home / name
        assert blocks_in(made) == 1, name
        assert mode(made) == expected, f"{name}: {oct(mode(made))}"


@pytest.mark.parametrize("bashrc_mode", [0o640, 0o600, 0o664])
def test_a_rewritten_start_up_file_keeps_its_mode_and_owner(
    kit: Kit, home: Path, bashrc_mode: int
) -> None:
    bashrc = home / ".bashrc"
    bashrc.write_text("alias ll='ls -l'\n", encoding="utf-8")
    bashrc.chmod(bashrc_mode)
    owner = (os.getuid(), os.getgid())
    if os.geteuid() == 0:
        owner = (1234, 5678)
        os.chown(bashrc, *owner)
    env = offline_env(kit, home)

    assert_installed(home, install(kit, env, "--no-telemetry"))

    info = os.lstat(bashrc)
    assert blocks_in(bashrc) == 1
    assert stat.S_ISREG(info.st_mode)
    assert stat.S_IMODE(info.st_mode) == bashrc_mode
    assert (info.st_uid, info.st_gid) == owner

    assert command(home, "uninstall", "--yes", env=env).returncode == 0

    info = os.lstat(bashrc)
    assert bashrc.read_text(encoding="utf-8") == "alias ll='ls -l'\n"
    assert stat.S_IMODE(info.st_mode) == bashrc_mode
    assert (info.st_uid, info.st_gid) == owner


def test_a_fifo_for_the_consent_record_does_not_hang_status(home: Path) -> None:
    folder = home / ".config" / "doorstep"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "telemetry.toml")

    started = time.monotonic()
    result = cli.run("telemetry", "status", timeout=20)

    assert time.monotonic() - started < 20
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "warning" in lines[0].lower(), result.stderr
    assert stat.S_ISFIFO(os.lstat(folder / "telemetry.toml").st_mode)  # left alone


needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving HOME to another user (chown) needs root"
)


@needs_root
def test_a_home_owned_by_another_user_is_refused_in_one_line(kit: Kit, tmp_path: Path) -> None:
    home = tmp_path / "theirs"
    home.mkdir()
    (home / ".profile").write_text("# theirs\n", encoding="utf-8")
    os.chown(home, OTHER_UID, OTHER_UID)
    os.chown(home / ".profile", OTHER_UID, OTHER_UID)
    before = snapshot(tmp_path)
    env = offline_env(kit, home)

    result = install(kit, env, "--no-telemetry")

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--allow-other-owner" in lines[0], result.stderr
    assert differences(before, snapshot(tmp_path)) == []


@needs_root
def test_allow_other_owner_installs_into_a_home_owned_by_another_user(
    kit: Kit, tmp_path: Path
) -> None:
    parent = tmp_path / "p"
    home = parent / "theirs"
    home.mkdir(parents=True)
    profile = home / ".profile"
    profile.write_text("# theirs\n", encoding="utf-8")
    os.chown(home, OTHER_UID, OTHER_UID)
    os.chown(profile, OTHER_UID, OTHER_UID)
    before = snapshot(parent)
    env = offline_env(kit, home, shared_cache=False)

    result = install(kit, env, "--no-telemetry", "--allow-other-owner")

    assert_installed(home, result)
    assert os.lstat(profile).st_uid == OTHER_UID  # the rewritten file is still theirs
    assert blocks_in(profile) == 1

    removed = command(home, "uninstall", "--yes", env=env)

    assert removed.returncode == 0, removed.stderr
    assert differences(before, snapshot(parent)) == []
    assert os.lstat(home).st_uid == OTHER_UID


def test_telemetry_status_runs_with_a_fifo_through_the_installed_command(
    kit: Kit, home: Path
) -> None:
    env = offline_env(kit, home)
    assert_installed(home, install(kit, env, "--no-telemetry"))
    record = home / ".config" / "doorstep" / "telemetry.toml"
    record.unlink()
    os.mkfifo(record)

    result = subprocess.run(
        [str(home / ".local" / "bin" / "doorstep"), "telemetry", "status"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=20,  # a hang raises TimeoutExpired: the failure
        start_new_session=True,
    )

    assert result.returncode == 0, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
