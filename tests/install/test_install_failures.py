"""A failure at any stage: named, exit 1, nothing half-made, install_failed only with consent.

Each case is made real rather than mocked: a PATH without Python, a real Python 3.8, a
package the index does not have, a bin folder the kernel refuses to write (root too,
through setpriv), a 4 MiB tmpfs standing in for a full disk, Ctrl-C (SIGINT to the
process group) while a download hangs, and a start-up file that is a folder.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.consent import record as consent_record
from tests.install.home_tree import differences, snapshot
from tests.install.install_run import (
    INSTALL_SH,
    TIMEOUT,
    Kit,
    command,
    install,
    offline_env,
    run_script,
    tool_farm,
)
from tests.install.installed import assert_installed, read_receipt, venv
from tests.support import capture as capture_module
from tests.support import unprivileged
from tests.support.capture import Capture

GRACE = 2.0


def failed_at(result: subprocess.CompletedProcess[str], stage: str) -> None:
    assert result.returncode == 1, result.stderr
    assert f"install failed at the {stage} stage" in result.stderr
    assert "Traceback" not in result.stderr
    assert "to fix it:" in result.stderr or "see above" in result.stderr


def consent_on(home: Path) -> None:
    """A "yes" recorded earlier (say, before an 'uninstall --keep-config')."""
    record = consent_record.make(True, "cli")
    consent_record.write(home / ".config" / "doorstep" / "telemetry.toml", record)


def install_failed_events(capture: Capture) -> list[dict]:
    return [e["props"] for e in capture.events() if e["name"] == "install_failed"]


def test_no_python_names_the_stage_and_what_to_install(
    kit: Kit, home: Path, tmp_path: Path
) -> None:
    farm = tool_farm(tmp_path / "no-python", leave_out=("python", "pydoc", "uv"))
    env = offline_env(kit, home, path=str(farm))

    result = install(kit, env)

    failed_at(result, "preflight")
    assert "needs Python 3.9 or newer, and none was found" in result.stderr
    if shutil.which("apt-get"):
        assert "apt-get install python3 python3-venv" in result.stderr
    assert "nothing was installed" in result.stderr
    assert not any(home.iterdir())


def _old_python() -> str | None:
    patterns = ["/usr/bin/python3.[5-8]", "/usr/local/bin/python3.[5-8]"]
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    patterns.append(os.path.join(root, "versions", "3.[5-8].*", "bin", "python3.[5-8]"))
    for candidate in sorted(p for pattern in patterns for p in glob.glob(pattern)):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def test_a_python_older_than_3_9_is_named(kit: Kit, home: Path, tmp_path: Path) -> None:
    old = _old_python()
    if old is None:
        pytest.skip("no Python older than 3.9 is installed on this machine")
    farm = tool_farm(tmp_path / "old-python", leave_out=("python", "pydoc", "uv"))
    (farm / "python3").symlink_to(old)
    env = offline_env(kit, home, path=str(farm))

    result = install(kit, env)

    failed_at(result, "preflight")
    assert "needs Python 3.9 or newer, and python3 is 3." in result.stderr
    assert not any(home.iterdir())


def test_a_package_that_will_not_install_leaves_a_fresh_home_as_it_was(
    kit: Kit, home: Path, capture: Capture
) -> None:
    # A "yes" left by an earlier install; no doorstep exists to send with, so none is sent.
    consent_on(home)
    before = snapshot(home)
    env = offline_env(kit, home, shared_cache=False, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)

    result = run_script(INSTALL_SH, ["--from", "doorstep==999", "-y"], env)

    failed_at(result, "package")
    assert "could not install doorstep==999" in result.stderr
    assert "nothing was installed" in result.stderr
    assert differences(before, snapshot(home)) == []
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)


def test_a_failed_upgrade_restores_the_previous_install_and_reports_with_consent(
    kit: Kit, home: Path, capture: Capture
) -> None:
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)
    assert install(kit, env, "--no-telemetry").returncode == 0
    assert command(home, "telemetry", "enable", env=env).returncode == 0
    before = snapshot(home)

    result = run_script(INSTALL_SH, ["--from", "doorstep==999", "-y"], env)

    failed_at(result, "package")
    version = read_receipt(home).version
    assert f"your previous installation ({version}) is unchanged" in result.stderr
    assert command(home, "--version").returncode == 0
    assert not (venv(home).parent / "venv.previous").exists()
    # The restored install sends install_failed in the background; nothing else changed
    # (but for the spool it sent through, and bytecode Python wrote into the environment).
    assert capture.wait_for(lambda c: install_failed_events(c) != [])
    assert install_failed_events(capture) == [{"stage": "package", "error": "package_failed"}]

    def kept(tree: dict) -> dict:
        return {k: v for k, v in tree.items() if "__pycache__" not in k and "/state" not in k}

    assert differences(kept(before), kept(snapshot(home))) == []


def test_an_unwritable_bin_dir_fails_the_link_stage_and_reports_with_consent(
    kit: Kit, home: Path, capture: Capture
) -> None:
    bin_dir = home / "bin"
    bin_dir.mkdir()
    bin_dir.chmod(0o555)  # root obeys it too: the install runs without DAC override
    consent_on(home)
    before = snapshot(home)
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)

    result = run_script(
        INSTALL_SH,
        ["--from", str(kit.wheel), "--bin-dir", str(bin_dir), "-y"],
        env,
        prefix=unprivileged.prefix(),
    )

    failed_at(result, "link")
    assert f"cannot create the command link {bin_dir / 'doorstep'}" in result.stderr
    assert f"make {bin_dir} writable" in result.stderr
    assert not venv(home).exists()
    # Sent in the foreground by the new environment, before it was removed; once it was
    # sent, not even the spool's folder is left.
    assert install_failed_events(capture) == [{"stage": "link", "error": "permission_denied"}]
    assert differences(before, snapshot(home)) == []


def test_a_file_where_the_bin_folder_should_be_is_named_as_the_problem(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    local = home / ".local"
    local.mkdir()
    (local / "bin").write_text("not a folder\n", encoding="utf-8")
    before = snapshot(home)

    result = install(kit, env, "--no-telemetry")

    failed_at(result, "link")
    assert f"{local / 'bin'} is a file, not a folder: move it away" in result.stderr
    assert "writable" not in result.stderr
    assert differences(before, snapshot(home)) == []


def test_a_start_up_file_that_cannot_be_written_fails_the_path_stage_and_undoes_all(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    (home / ".profile").write_text("export EDITOR=vi\n", encoding="utf-8")
    (home / ".bashrc").mkdir()  # a folder where a file is expected
    before = snapshot(home)

    result = install(kit, env, "--no-telemetry")

    failed_at(result, "path")
    assert "cannot add ~/.local/bin to PATH in" in result.stderr
    assert "--no-modify-path" in result.stderr
    assert differences(before, snapshot(home)) == []


def test_a_read_only_config_folder_is_named_as_what_to_fix(kit: Kit, home: Path) -> None:
    config = home / ".config"
    config.mkdir()
    config.chmod(0o555)  # root obeys it too: the install runs without DAC override
    before = snapshot(home)

    result = run_script(
        INSTALL_SH,
        ["--from", str(kit.wheel), "--no-telemetry"],
        offline_env(kit, home),
        prefix=unprivileged.prefix(),
    )

    failed_at(result, "path")
    assert f"fix the folder {config}, or install with --no-modify-path" in result.stderr
    assert differences(before, snapshot(home)) == []


def test_another_tools_command_is_not_overwritten(
    kit: Kit, env: dict[str, str], home: Path, tmp_path: Path
) -> None:
    other = tmp_path / "pipx" / "venvs" / "doorstep" / "bin" / "doorstep"
    bin_dir = home / ".local" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "doorstep").symlink_to(other)
    before = snapshot(home)

    result = install(kit, env, "--no-telemetry")

    failed_at(result, "link")
    assert "another tool installed" in result.stderr
    assert differences(before, snapshot(home)) == []


def _can_mount(tmp_path: Path) -> list[str] | None:
    """The unshare prefix that lets this process mount a tmpfs, or None."""
    if shutil.which("unshare") is None:
        return None
    point = tmp_path / "probe"
    point.mkdir()
    prefix = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    probe = subprocess.run(
        [*prefix, "sh", "-c", 'mount -t tmpfs -o size=1m tmpfs "$1"', "sh", str(point)],
        capture_output=True,
        timeout=30,
    )
    point.rmdir()
    return prefix if probe.returncode == 0 else None


def test_a_full_disk_fails_cleanly(kit: Kit, home: Path, tmp_path: Path) -> None:
    prefix = _can_mount(tmp_path)
    if prefix is None:
        pytest.skip("cannot mount a small tmpfs here (needs CAP_SYS_ADMIN or user namespaces)")
    share = home / ".local" / "share"
    share.mkdir(parents=True)
    before = snapshot(home)
    listing = tmp_path / "left-on-the-full-disk"
    env = offline_env(kit, home, shared_cache=False)
    # A 4 MiB filesystem where the environment goes; it lives only as long as this shell.
    script = (
        'mount -t tmpfs -o size=4m tmpfs "$1" || exit 99; '
        'dash "$2" --from "$3" --no-telemetry; rc=$?; ls -A "$1" > "$4"; exit $rc'
    )

    result = subprocess.run(
        [*prefix, "sh", "-c", script, "sh", str(share), str(INSTALL_SH), str(kit.wheel), listing],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )

    failed_at(result, "package")
    assert "free some disk space" in result.stderr
    assert listing.read_text(encoding="utf-8") == ""  # no half-made environment
    assert differences(before, snapshot(home)) == []


@pytest.fixture
def hanging_download() -> Iterator[Capture]:
    server = capture_module.start(mode="blackhole")
    try:
        yield server
    finally:
        server.close()


def test_ctrl_c_during_the_package_stage_undoes_everything(
    kit: Kit, env: dict[str, str], home: Path, hanging_download: Capture
) -> None:
    before = snapshot(home)
    url = f"http://127.0.0.1:{hanging_download.port}/{kit.wheel.name}"
    process = subprocess.Popen(
        ["dash", str(INSTALL_SH), "--from", url, "--no-telemetry"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert hanging_download.wait_for(lambda c: c.connections > 0, timeout=60)
        assert venv(home).exists()  # the environment stage had finished
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C sends to the foreground job
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    assert process.returncode == 130
    assert "install failed at the package stage: interrupted (INT)" in stderr
    assert differences(before, snapshot(home)) == []


@pytest.mark.parametrize(("status", "signal_name"), [(130, "INT"), (143, "TERM"), (129, "HUP")])
def test_a_tool_ended_by_a_signal_is_an_interrupted_install_even_before_the_trap_runs(
    kit: Kit, home: Path, tmp_path: Path, status: int, signal_name: str
) -> None:
    # The race the Ctrl-C test above can lose: uv, which shares the process group, dies
    # of the signal and the shell sees its 128 + N before running its own trap. A uv
    # that exits so stands for it; nothing else about the install is faked.
    before = snapshot(home)
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "uv").write_text(f"#!/bin/sh\nexit {status}\n", encoding="utf-8")
    (stub / "uv").chmod(0o755)
    env = offline_env(kit, home, path=f"{stub}{os.pathsep}{os.environ['PATH']}")

    result = install(kit, env, "--no-telemetry")

    assert result.returncode == 130, result.stderr
    assert f"install failed at the package stage: interrupted ({signal_name})" in result.stderr
    assert "nothing was installed" in result.stderr
    assert differences(before, snapshot(home)) == []


def test_a_failure_after_success_keeps_the_previous_link_working(
    kit: Kit, env: dict[str, str], home: Path
) -> None:
    assert_installed(home, install(kit, env, "--no-telemetry"))
    (home / ".zshenv").unlink()
    (home / ".zshenv").mkdir()  # the next run cannot write its PATH block

    result = install(kit, env, "--no-telemetry")

    failed_at(result, "path")
    assert command(home, "--version").returncode == 0
    assert read_receipt(home).path_blocks  # the earlier receipt is back
    # A bounded look for leftovers of the failed run.
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline and (venv(home).parent / "venv.previous").exists():
        time.sleep(0.05)
    assert not (venv(home).parent / "venv.previous").exists()


def test_without_a_recorded_yes_a_failure_sends_nothing_even_with_telemetry_flag(
    kit: Kit, home: Path, capture: Capture
) -> None:
    bin_dir = home / "bin"
    bin_dir.mkdir()
    bin_dir.chmod(0o555)
    env = offline_env(kit, home, DOORSTEP_TELEMETRY_ENDPOINT=capture.url)

    result = run_script(
        INSTALL_SH,
        ["--from", str(kit.wheel), "--bin-dir", str(bin_dir), "--telemetry"],
        env,
        prefix=unprivileged.prefix(),
    )

    failed_at(result, "link")
    # --telemetry would have been recorded by the wizard stage, which never came.
    assert not (home / ".config" / "doorstep" / "telemetry.toml").exists()
    assert not capture.wait_for(lambda c: c.connections > 0, timeout=GRACE)
