"""Boolean variables read as false (`0`, `false`, `no`, `off`) change nothing, end to end:
through install.sh and through the installed command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.install.install_run import Kit, command, install, offline_env
from tests.install.installed import assert_installed, blocks_in, venv


@pytest.mark.parametrize("value", ["0", "no", "OFF"])
def test_no_modify_path_false_still_adds_the_path_block(kit: Kit, home: Path, value: str) -> None:
    env = offline_env(kit, home, DOORSTEP_NO_MODIFY_PATH=value)

    result = install(kit, env, "--no-telemetry")

    the_receipt = assert_installed(home, result)
    assert the_receipt.path_blocks != ()
    assert blocks_in(home / ".profile") == 1


@pytest.mark.parametrize("variable", ["NONINTERACTIVE", "CI"])
@pytest.mark.parametrize("value", ["no", "false", "0", "Off"])
def test_a_false_variable_is_no_yes_to_uninstall(
    kit: Kit, home: Path, variable: str, value: str
) -> None:
    assert_installed(home, install(kit, offline_env(kit, home), "--no-telemetry"))

    # No --yes and no terminal: uninstall must refuse, not read "no" as a yes.
    refused = command(home, "uninstall", env=offline_env(kit, home, **{variable: value}))

    assert refused.returncode == 1, refused.stdout
    assert "nothing was removed" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert (venv(home) / "bin" / "doorstep").exists()


def test_a_true_variable_is_a_yes_to_uninstall(kit: Kit, home: Path) -> None:
    assert_installed(home, install(kit, offline_env(kit, home), "--no-telemetry"))

    done = command(home, "uninstall", env=offline_env(kit, home, NONINTERACTIVE="yes"))

    assert done.returncode == 0, done.stderr
    assert not venv(home).exists()


@pytest.mark.parametrize("value", ["no", "false", "0", "OFF"])
def test_do_not_track_false_leaves_the_choice_standing(kit: Kit, home: Path, value: str) -> None:
    env = offline_env(kit, home)
    assert_installed(home, install(kit, env, "--telemetry"))

    status = command(home, "telemetry", "status", "--json", env=dict(env, DO_NOT_TRACK=value))

    assert status.returncode == 0, status.stderr
    assert (json.loads(status.stdout)["state"], json.loads(status.stdout)["decided_by"]) == (
        "on",
        "record",
    )
