"""Running install.sh again: an upgrade or a reinstall in place, reported as such."""

from __future__ import annotations

from pathlib import Path

from tests.install import wheels
from tests.install.install_run import INSTALL_SH, Kit, command, install, run_script
from tests.install.installed import blocks_in, read_receipt, venv


def test_same_version_again_is_a_reinstall_in_place(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    assert install(kit, env, "--no-telemetry").returncode == 0
    first = read_receipt(home)

    again = install(kit, env, "--no-telemetry")

    assert again.returncode == 0, again.stderr
    assert "(reinstall of the same version)" in again.stderr
    second = read_receipt(home)
    assert second.installed_on == first.installed_on
    assert set(first.created_dirs) <= set(second.created_dirs)
    assert [b.file for b in second.path_blocks] == [b.file for b in first.path_blocks]
    assert all(b.created for b in second.path_blocks)
    for block in second.path_blocks:
        assert blocks_in(block.file) == 1
    assert not (venv(home).parent / "venv.previous").exists()
    assert command(home, "--version").returncode == 0


def test_a_newer_version_is_an_upgrade(
    kit: Kit, env: dict[str, str], home: Path, newer_wheel: Path
) -> None:
    old = wheels.current_version()
    assert install(kit, env, "--no-telemetry").returncode == 0

    result = run_script(INSTALL_SH, ["--from", str(newer_wheel), "--no-telemetry"], env)

    assert result.returncode == 0, result.stderr
    assert f"upgraded from {old} to {old}.post1 (upgrade)" in result.stderr
    assert command(home, "--version").stdout.strip() == f"doorstep {old}.post1"
    assert read_receipt(home).version == f"{old}.post1"
    assert not (venv(home).parent / "venv.previous").exists()


def test_another_bin_dir_moves_the_link_and_the_path_blocks(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    assert install(kit, env, "--no-telemetry").returncode == 0
    elsewhere = home / "bin"

    result = install(kit, env, "--no-telemetry", "--bin-dir", str(elsewhere))

    assert result.returncode == 0, result.stderr
    assert (elsewhere / "doorstep").is_symlink()
    assert not (home / ".local" / "bin" / "doorstep").exists()
    profile = (home / ".profile").read_text(encoding="utf-8")
    assert blocks_in(home / ".profile") == 1
    assert '"$HOME/bin"' in profile and ".local/bin" not in profile
    assert read_receipt(home).link == elsewhere / "doorstep"
