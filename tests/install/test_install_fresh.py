"""A fresh install, every way it can be started, and the command working from a new login shell.

Real shells (dash, bash, busybox sh), real files in a temporary HOME, packages from the
local wheelhouse, install.sh served over HTTP on 127.0.0.1 for the ``curl | sh`` run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.install import receipt
from tests.install import wheels
from tests.install.install_run import (
    INSTALL_SH,
    Kit,
    curl_pipe,
    have,
    install,
    login_shell,
    offline_env,
    run_script,
)
from tests.install.installed import assert_installed, blocks_in
from tests.install.static_server import StaticServer


@pytest.mark.parametrize("shell", ["dash", "bash", "busybox"])
def test_sh_install_sh_installs_links_and_adds_path_blocks(
    kit: Kit, env: dict[str, str], home: Path, shell: str
) -> None:
    result = install(kit, env, "--no-telemetry", shell=shell)

    the_receipt = assert_installed(home, result)
    assert "(fresh install)" in result.stderr
    assert the_receipt.tool == "uv"
    expected = [home / ".profile", home / ".bashrc", home / ".zshenv"]
    expected.append(home / ".config" / "fish" / "conf.d" / "doorstep.fish")
    listed = [block.file for block in the_receipt.path_blocks]
    for path in expected:
        assert blocks_in(path) == 1, path
        assert path in listed
    assert the_receipt.created_dirs[0].is_relative_to(home)


def test_the_command_works_from_new_login_shells(kit: Kit, env: dict[str, str], home: Path) -> None:
    assert_installed(home, install(kit, env, "--no-telemetry"))

    programs = {"sh": "dash", "bash": "bash", "zsh": "zsh", "fish": "fish", "busybox": "busybox"}
    shells = [shell for shell, program in programs.items() if have(program)]
    assert {"sh", "bash", "zsh", "fish"} <= set(shells), "sh tests/run.sh installs the shells"
    for shell in shells:
        result = login_shell(shell, home, "doorstep telemetry status")
        assert result.returncode == 0, f"{shell}: {result.stderr}"
        assert result.stdout.startswith("Telemetry: off"), f"{shell}: {result.stdout}"
    # Without the blocks, a login shell does not find it: the check above could fail.
    for path in (home / ".profile", home / ".bashrc", home / ".zshenv"):
        path.unlink()
    assert login_shell("bash", home, "doorstep --version").returncode != 0


def test_zdotdir_is_honoured(kit: Kit, home: Path) -> None:
    zdotdir = home / "zsh-config"
    zdotdir.mkdir()
    env = offline_env(kit, home, ZDOTDIR=str(zdotdir))

    assert_installed(home, install(kit, env, "--no-telemetry"))

    assert blocks_in(zdotdir / ".zshenv") == 1
    assert not (home / ".zshenv").exists()
    if have("zsh"):
        result = login_shell("zsh", home, "doorstep --version", {"ZDOTDIR": str(zdotdir)})
        assert result.returncode == 0, result.stderr


def test_piped_install_with_no_source_takes_the_package_from_the_index(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    # The "index" here is the wheelhouse (find-links): the default source is the package.
    result = run_script(INSTALL_SH, ["--no-telemetry"], env, shell="bash", piped=True)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == "doorstep"


@pytest.fixture
def download_site(kit: Kit, tmp_path: Path) -> Iterator[StaticServer]:
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(INSTALL_SH, site / "install.sh")
    shutil.copy2(kit.wheel, site / kit.wheel.name)
    server = StaticServer(site)
    try:
        yield server
    finally:
        server.close()


def test_curl_pipe_sh_with_from_url(
    kit: Kit, env: dict[str, str], home: Path, download_site: StaticServer
) -> None:
    wheel_url = f"{download_site.url}/{kit.wheel.name}"

    result = curl_pipe(f"{download_site.url}/install.sh", ["--from", wheel_url, "-y"], env)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == wheel_url


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_no_modify_path_leaves_start_up_files_alone(kit: Kit, home: Path, how: str) -> None:
    extra = {"DOORSTEP_NO_MODIFY_PATH": "1"} if how == "environment" else {}
    env = offline_env(kit, home, **extra)
    args = ["--no-telemetry"] + (["--no-modify-path"] if how == "flag" else [])

    result = install(kit, env, *args)

    the_receipt = assert_installed(home, result)
    assert the_receipt.path_blocks == ()
    for name in (".profile", ".bashrc", ".zshenv", ".config/fish"):
        assert not (home / name).exists()
    assert "is not on your PATH" in result.stderr


def test_nothing_is_added_when_the_bin_dir_is_already_on_path(kit: Kit, home: Path) -> None:
    env = offline_env(kit, home)
    env["PATH"] = f"{home / '.local' / 'bin'}{os.pathsep}{env['PATH']}"

    result = install(kit, env, "--no-telemetry")

    assert assert_installed(home, result).path_blocks == ()
    assert not (home / ".profile").exists()
    assert "already on PATH" in result.stderr


def test_xdg_folders_and_bin_dir_are_honoured(kit: Kit, home: Path) -> None:
    xdg = home / "xdg"
    folders = {name: xdg / name.lower() for name in ("DATA", "CONFIG", "STATE", "CACHE")}
    extra = {f"XDG_{name}_HOME": str(path) for name, path in folders.items()}
    env = offline_env(kit, home, shared_cache=False, **extra)
    bin_dir = home / "tools" / "bin"

    result = install(kit, env, "--no-telemetry", "--bin-dir", str(bin_dir))

    assert result.returncode == 0, result.stderr
    assert (folders["DATA"] / "doorstep" / "venv" / "bin" / "python").exists()
    assert (bin_dir / "doorstep").is_symlink()
    assert (folders["CACHE"] / "doorstep" / "uv").is_dir()
    assert not (home / ".local" / "share").exists() and not (home / ".cache").exists()
    status = subprocess.run(
        [str(bin_dir / "doorstep"), "telemetry", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    files = json.loads(status.stdout)["files"]
    assert files["receipt"] == {
        "path": str(folders["CONFIG"] / "doorstep" / "receipt.toml"),
        "present": True,
    }
    the_receipt = receipt.read(Path(files["receipt"]["path"])).receipt
    assert the_receipt is not None and the_receipt.link == bin_dir / "doorstep"
    fish = folders["CONFIG"] / "fish" / "conf.d" / "doorstep.fish"
    assert blocks_in(fish) == 1 and '"$HOME/tools/bin"' in fish.read_text(encoding="utf-8")


def test_run_from_a_checkout_it_installs_that_checkout(
    kit: Kit, env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    checkout = wheels.copy_source(tmp_path / "checkout")
    shutil.copy2(INSTALL_SH, checkout / "install.sh")
    product_file = checkout / "installer" / "product.toml"
    text = product_file.read_text(encoding="utf-8")
    product_file.write_text(text.replace('"Doorstep"', '"Doorstep Dev"'), encoding="utf-8")

    result = run_script(checkout / "install.sh", ["--no-telemetry"], env)

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == str(checkout)
    # The checkout's product file named the product, for the script and the package.
    assert f"Doorstep Dev {wheels.current_version()} is installed" in result.stderr
