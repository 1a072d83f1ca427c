"""With uv on PATH, a source that names its package is installed by one `uv sync`.

`uv sync` of a throwaway project makes the environment and fills it in one start (uv
pip install into a new environment first asks the new interpreter about itself). What
the person gets must not differ: the same environment, nothing left behind in TMPDIR or
the environment, nothing from a project around TMPDIR, and a uv that cannot sync still
installs. The uv on PATH is the real one behind a two-line script that writes down how
it was called; the script that stands for an older uv refuses `sync` as such a uv does.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Optional

import pytest

from tests.install import wheels
from tests.install.install_run import INSTALL_SH, Kit, install, offline_env, run_script
from tests.install.installed import assert_installed, venv


def logging_uv(folder: Path, refuse_sync: bool = False) -> Path:
    """A folder holding a `uv` that logs its arguments, one call a line, then runs uv."""
    folder.mkdir()
    log = folder / "calls.log"
    refuse = ""
    if refuse_sync:
        refuse = (
            '[ "$1" = sync ] && { echo "error: unrecognized subcommand \'sync\'" >&2; exit 2; }\n'
        )
    script = folder / "uv"
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >>"{log}"\n{refuse}exec "{wheels.uv()}" "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return folder


def uv_calls(folder: Path) -> list[str]:
    """The subcommands uv was started with: `sync`, `venv`, `pip install`."""
    log = folder / "calls.log"
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [
        " ".join(line.split()[:2]) if line.startswith("pip ") else line.split()[0] for line in lines
    ]


def sync_env(
    kit: Kit, home: Path, uv_folder: Path, tmp: Optional[Path] = None, **extra: str
) -> dict[str, str]:
    env = offline_env(kit, home, **extra)
    env["PATH"] = f"{uv_folder}:{env['PATH']}"
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    return env


def assert_like_uv_venv(home: Path) -> None:
    """The environment holds what `uv venv` + `uv pip install` would leave, and no more."""
    environment = venv(home)
    config = (environment / "pyvenv.cfg").read_text(encoding="utf-8")
    assert "prompt = venv" in config.splitlines()  # the folder's name, as uv venv has it
    assert not (environment / ".lock").exists()


def test_a_wheel_is_installed_by_one_uv_start(kit: Kit, home: Path, tmp_path: Path) -> None:
    uv_folder = logging_uv(tmp_path / "uv")
    temp = tmp_path / "tmp"
    temp.mkdir()

    result = install(kit, sync_env(kit, home, uv_folder, temp), "--no-telemetry")

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["sync"]
    assert_like_uv_venv(home)
    assert list(temp.iterdir()) == []  # the project and uv's lock file are gone


def test_the_checkout_is_installed_by_uv_sync(kit: Kit, home: Path, tmp_path: Path) -> None:
    checkout = wheels.copy_source(tmp_path / "checkout", version=wheels.current_version() + ".dev7")
    shutil.copy2(INSTALL_SH, checkout / "install.sh")
    uv_folder = logging_uv(tmp_path / "uv")

    result = run_script(checkout / "install.sh", ["--no-telemetry"], sync_env(kit, home, uv_folder))

    the_receipt = assert_installed(home, result)
    assert the_receipt.source == str(checkout)
    assert f"{wheels.current_version()}.dev7 is installed" in result.stderr
    assert uv_calls(uv_folder) == ["sync"]


def test_a_requirement_is_resolved_by_uv_sync(kit: Kit, home: Path, tmp_path: Path) -> None:
    uv_folder = logging_uv(tmp_path / "uv")
    env = sync_env(kit, home, uv_folder)

    result = run_script(INSTALL_SH, ["--from", "doorstep", "--no-telemetry"], env)

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["sync"]


@pytest.mark.parametrize("kind", ["folder", "wheel path with a space"])
def test_a_source_a_file_url_would_have_to_escape_goes_to_uv_pip_install(
    kit: Kit, home: Path, tmp_path: Path, kind: str
) -> None:
    if kind == "folder":
        source = wheels.copy_source(tmp_path / "source")
    else:
        (tmp_path / "with space").mkdir()
        source = Path(shutil.copy2(kit.wheel, tmp_path / "with space" / kit.wheel.name))
    uv_folder = logging_uv(tmp_path / "uv")

    result = run_script(
        INSTALL_SH, ["--from", str(source), "--no-telemetry"], sync_env(kit, home, uv_folder)
    )

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["venv", "pip install"]


def test_a_uv_that_cannot_sync_still_installs(kit: Kit, home: Path, tmp_path: Path) -> None:
    uv_folder = logging_uv(tmp_path / "uv", refuse_sync=True)

    result = install(kit, sync_env(kit, home, uv_folder), "--no-telemetry")

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["sync", "venv", "pip install"]
    assert "unrecognized subcommand" not in result.stderr


def test_a_failed_sync_is_the_package_stages_failure_and_is_not_tried_twice(
    kit: Kit, home: Path, tmp_path: Path
) -> None:
    uv_folder = logging_uv(tmp_path / "uv")
    env = sync_env(kit, home, uv_folder)

    result = run_script(INSTALL_SH, ["--from", "no-such-package", "--no-telemetry"], env)

    assert result.returncode == 1
    assert "install failed at the package stage: could not install no-such-package" in result.stderr
    assert "nothing was installed" in result.stderr
    assert uv_calls(uv_folder) == ["sync"]
    assert not (home / ".local").exists()


def test_a_uv_workspace_around_tmpdir_is_left_alone(kit: Kit, home: Path, tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    temp = outer / "tmp"
    temp.mkdir(parents=True)
    project = (
        '[project]\nname = "outer"\nversion = "1"\n\n[tool.uv.workspace]\nmembers = ["tmp/*"]\n'
    )
    (outer / "pyproject.toml").write_text(project, encoding="utf-8")
    uv_folder = logging_uv(tmp_path / "uv")

    result = install(kit, sync_env(kit, home, uv_folder, temp), "--no-telemetry")

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["sync"]
    assert sorted(path.name for path in outer.iterdir()) == ["pyproject.toml", "tmp"]
    assert (outer / "pyproject.toml").read_text(encoding="utf-8") == project
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize("setting", ["UV_LOCKED", "UV_FROZEN"])
def test_a_lock_setting_for_the_persons_own_projects_does_not_stop_the_install(
    kit: Kit, home: Path, tmp_path: Path, setting: str
) -> None:
    uv_folder = logging_uv(tmp_path / "uv")

    result = install(kit, sync_env(kit, home, uv_folder, **{setting: "1"}), "--no-telemetry")

    assert_installed(home, result)
    assert uv_calls(uv_folder) == ["sync"]
