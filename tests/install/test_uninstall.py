"""``doorstep uninstall`` and uninstall.sh: everything goes, and the home folder is as it was.

The home tree (every path, its type, its permission bits, its bytes, its link target)
is recorded before the install and compared after the uninstall. The home is lived
in: start-up files with and without a final newline, one of them a symlink into a
dotfiles folder, another tool's files in ~/.config and ~/.local/bin.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.install.home_tree import differences, snapshot
from tests.install.install_run import (
    UNINSTALL_SH,
    Kit,
    command,
    install,
    offline_env,
    run_script,
)
from tests.install.installed import assert_installed, blocks_in, venv
from tests.support import capture as capture_module
from tests.support.capture import Capture

GRACE = 2.0


def lived_in(home: Path) -> None:
    (home / ".profile").write_text("# my profile\nexport EDITOR=vi\n", encoding="utf-8")
    (home / ".profile").chmod(0o600)
    (home / ".bashrc").write_bytes(b"alias ll='ls -l'")  # no final newline
    dotfiles = home / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "zshenv").write_text("export ZZ=1\n", encoding="utf-8")
    (home / ".zshenv").symlink_to("dotfiles/zshenv")
    (home / ".config" / "other").mkdir(parents=True)
    (home / ".config" / "other" / "settings.ini").write_text("x = 1\n", encoding="utf-8")
    tool = home / ".local" / "bin" / "othertool"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\n", encoding="utf-8")
    tool.chmod(0o755)


def uninstall_events(capture: Capture) -> list[dict]:
    return [e["props"] for e in capture.events() if e["name"] == "uninstall_started"]


def no_terminal_env(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k not in ("CI", "NONINTERACTIVE")}


def without_bytecode(tree: dict) -> dict:
    """The tree less the bytecode Python writes into the environment as it runs."""
    return {k: v for k, v in tree.items() if "__pycache__" not in k}


@pytest.mark.parametrize("home_kind", ["empty", "lived-in"])
def test_doorstep_uninstall_leaves_home_as_it_was_and_says_goodbye_first(
    kit: Kit, home: Path, capture: Capture, home_kind: str
) -> None:
    if home_kind == "lived-in":
        lived_in(home)
    before = snapshot(home)
    env = offline_env(kit, home, shared_cache=False, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert_installed(home, install(kit, env, "--telemetry"))
    assert blocks_in(home / "dotfiles" / "zshenv") == (1 if home_kind == "lived-in" else 0)
    assert capture.wait_for(lambda c: "install_completed" in [e["name"] for e in c.events()])

    result = command(home, "uninstall", "--yes", env=env)

    assert result.returncode == 0, result.stderr
    assert "Doorstep is uninstalled." in result.stdout
    assert uninstall_events(capture) == [{"method": "cli", "keep_config": False}]
    assert differences(before, snapshot(home)) == []


def test_uninstall_sh_from_a_file_hands_over_to_the_command(
    kit: Kit, home: Path, capture: Capture
) -> None:
    lived_in(home)
    before = snapshot(home)
    env = offline_env(kit, home, shared_cache=False, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--telemetry").returncode == 0

    result = run_script(UNINSTALL_SH, ["--yes"], env, shell="bash")

    assert result.returncode == 0, result.stderr
    assert uninstall_events(capture) == [{"method": "script", "keep_config": False}]
    assert differences(before, snapshot(home)) == []


@pytest.mark.parametrize("damage", ["broken", "gone", "gone-and-no-receipt"])
def test_piped_uninstall_sh_cleans_up_a_broken_or_missing_environment(
    kit: Kit, home: Path, capture: Capture, damage: str
) -> None:
    lived_in(home)
    before = snapshot(home)
    env = offline_env(kit, home, shared_cache=False, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--no-telemetry").returncode == 0
    if damage == "broken":
        for python in (venv(home) / "bin").glob("python*"):
            python.unlink()
    else:
        subprocess.run(["rm", "-rf", str(venv(home))], check=True, timeout=60)
    if damage == "gone-and-no-receipt":
        (home / ".config" / "doorstep" / "receipt.toml").unlink()

    result = run_script(UNINSTALL_SH, ["--yes"], env, shell="busybox", piped=True)

    assert result.returncode == 0, result.stderr
    assert "Nothing is sent" in result.stdout
    assert "is uninstalled" in result.stdout
    said = {"broken": "cannot run", "gone": "is gone", "gone-and-no-receipt": "No working"}
    assert said[damage] in result.stdout + result.stderr
    if damage == "gone-and-no-receipt":
        # Without the receipt, the folders the install made are unknown and stay (empty),
        # and a file that had no final newline keeps the one the block was put after.
        bashrc = before[".bashrc"]
        before[".bashrc"] = (*bashrc[:2], bytes(bashrc[2]) + b"\n")
        after = snapshot(home)
        added = sorted(after.keys() - before.keys())
        assert added == [".cache", ".config/fish", ".config/fish/conf.d", ".local/share"]
        assert all(after[path][0] == "dir" for path in added)
        assert differences(before, {k: v for k, v in after.items() if k not in added}) == []
    else:
        assert differences(before, snapshot(home)) == []
    assert capture.connections == 0


@pytest.mark.parametrize("pip", ["its own pip", "ensurepip"])
def test_without_uv_pip_installs_and_the_uninstall_leaves_no_cache_behind(
    kit: Kit, home: Path, tmp_path: Path, pip: str
) -> None:
    path = str(kit.no_uv_dir)
    if pip == "ensurepip":
        # A real Python with no pip of its own (a venv made without one): the new
        # environment gets pip from ensurepip instead.
        bare = tmp_path / "python-without-pip"
        subprocess.run(
            [sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120
        )
        path = f"{bare / 'bin'}{os.pathsep}{path}"
    before = snapshot(home)
    env = offline_env(kit, home, uv=False, path=path)
    result = install(kit, env, "--no-telemetry")
    the_receipt = assert_installed(home, result)
    assert the_receipt.tool == "pip" and the_receipt.cache_dir == home / ".cache" / "doorstep"
    has_pip = (venv(home) / "bin" / "pip").exists()
    assert has_pip == (pip == "ensurepip")
    assert not (home / ".cache" / "pip").exists()

    assert command(home, "uninstall", "--yes", env=env).returncode == 0

    assert differences(before, snapshot(home)) == []


def test_keep_config_keeps_only_the_consent_record(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    before = snapshot(home)
    assert install(kit, env, "--no-telemetry").returncode == 0
    record = home / ".config" / "doorstep" / "telemetry.toml"
    saved = record.read_bytes()

    result = command(home, "uninstall", "--yes", "--keep-config", env=env)

    assert result.returncode == 0, result.stderr
    assert "Kept your consent record" in result.stdout
    assert record.read_bytes() == saved
    left = differences(before, snapshot(home))
    assert left == [
        "added:   .config",
        "added:   .config/doorstep",
        "added:   .config/doorstep/telemetry.toml",
    ]
    record_after = consent_record.read(record).record
    assert record_after is not None and record_after.enabled is False


def test_dry_run_lists_everything_and_changes_and_sends_nothing(
    kit: Kit, home: Path, capture: Capture
) -> None:
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--no-telemetry").returncode == 0
    assert command(home, "telemetry", "enable", env=env).returncode == 0
    before = snapshot(home)

    for result in (
        command(home, "uninstall", "--dry-run", env=env),
        run_script(UNINSTALL_SH, ["--dry-run"], env),
    ):
        assert result.returncode == 0, result.stderr
        assert "Nothing was removed (--dry-run)." in result.stdout
        for shown in ("/.local/share/doorstep/venv", "/.local/bin/doorstep", "/.profile"):
            assert shown in result.stdout
    assert differences(without_bytecode(before), without_bytecode(snapshot(home))) == []
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)


def test_without_a_terminal_it_asks_for_yes_and_removes_nothing(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    assert install(kit, env, "--no-telemetry").returncode == 0
    before = snapshot(home)
    bare = no_terminal_env(env)

    by_command = command(home, "uninstall", env=bare)
    by_script = run_script(UNINSTALL_SH, [], bare, piped=True)

    for result in (by_command, by_script):
        assert result.returncode == 1
        assert "no terminal to confirm on; run again with --yes" in result.stderr
    assert differences(without_bytecode(before), without_bytecode(snapshot(home))) == []


@pytest.mark.parametrize("variable", ["CI", "NONINTERACTIVE"])
def test_ci_and_noninteractive_count_as_yes(
    kit: Kit, env: dict[str, str], home: Path, variable: str
) -> None:
    assert install(kit, env, "--no-telemetry").returncode == 0

    result = command(home, "uninstall", env={**env, variable: "1"})

    assert result.returncode == 0, result.stderr
    assert not venv(home).exists() and not any(home.iterdir())


def test_with_consent_off_uninstall_opens_no_connection(
    kit: Kit, home: Path, capture: Capture
) -> None:
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--no-telemetry").returncode == 0

    assert command(home, "uninstall", "--yes", env=env).returncode == 0

    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)


def test_uninstall_started_goes_out_before_anything_is_removed(kit: Kit, home: Path) -> None:
    slow = capture_module.start(mode="slow", delay=1.0)
    try:
        env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=slow.url)
        assert install(kit, env, "--no-telemetry").returncode == 0
        assert command(home, "telemetry", "enable", env=env).returncode == 0
        link = home / ".local" / "bin" / "doorstep"
        process = subprocess.Popen(
            [str(link), "uninstall", "--yes"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            assert slow.wait_for(lambda c: len(c.requests) > 0, timeout=30)
            # The answer is still being held back: nothing may have been removed yet.
            assert venv(home).exists() and link.is_symlink()
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    finally:
        slow.close()
    assert [e["name"] for e in slow.events()] == ["uninstall_started"]
    assert not venv(home).exists()


def test_an_endpoint_that_never_answers_does_not_hold_the_uninstall(kit: Kit, home: Path) -> None:
    hole = capture_module.start(mode="blackhole")
    try:
        env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=hole.url)
        assert install(kit, env, "--no-telemetry").returncode == 0
        assert command(home, "telemetry", "enable", env=env).returncode == 0
        link = home / ".local" / "bin" / "doorstep"
        # The black hole holds a request for 30 s; the uninstall's own budget is 2 s, so
        # this generous guard only trips if that budget is not kept.
        result = subprocess.run(
            [str(link), "uninstall", "--yes"],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=20,
            start_new_session=True,
        )
        assert hole.connections >= 1
    finally:
        hole.close()
    assert result.returncode == 0, result.stderr
    assert not any(home.iterdir())


def test_nothing_installed_means_nothing_to_remove(home: Path, tmp_path: Path) -> None:
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    result = run_script(UNINSTALL_SH, ["--yes"], env)
    assert result.returncode == 0
    assert "Nothing to remove" in result.stdout
    assert not any(home.iterdir())


@pytest.mark.parametrize("shell", ["dash", "busybox"])
def test_without_a_receipt_the_link_is_found_where_doorstep_bin_dir_says(
    kit: Kit, home: Path, shell: str
) -> None:
    # The variable as a script might leave it, with a trailing newline from $(...).
    bin_dir = home / "tools"
    env = offline_env(kit, home, DOORSTEP_BIN_DIR=f"{bin_dir}\n")
    assert install(kit, env, "--no-telemetry").returncode == 0
    link = bin_dir / "doorstep"
    assert link.is_symlink()
    subprocess.run(["rm", "-rf", str(venv(home))], check=True, timeout=60)
    (home / ".config" / "doorstep" / "receipt.toml").unlink()

    result = run_script(UNINSTALL_SH, ["--yes"], env, shell=shell)

    assert result.returncode == 0, result.stderr
    assert str(link) in result.stdout
    assert not link.is_symlink()
    assert not (home / ".local" / "bin" / "doorstep").exists()
