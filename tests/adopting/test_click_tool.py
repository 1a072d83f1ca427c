"""BOLT, a click tool that adopts doorstep through ``doorstep.click``, driven from outside.

Nothing is mocked: a real wheel in a real venv, run as a subprocess in the test's HOME
with no terminal.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

from doorstep.consent import record as consent_record
from tests.adopting import tools
from tests.adopting.tools import Env, Installed, key_paths, says_doorstep


def test_help_lists_the_grafted_commands(bolt: Installed, home: Path, user_env: Env) -> None:
    done = bolt.run("--help", env=user_env)
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("Commands:", 1)[1].split()
    for word in ("deploy", "telemetry", "settings", "setup", "uninstall"):
        assert word in listed
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_status_json_is_doorsteps_under_bolts_folders(
    bolt: Installed, acme: Installed, home: Path, user_env: Env
) -> None:
    done = bolt.run("telemetry", "status", "--json", env=user_env)
    assert done.returncode == 0, done.stderr
    status = bolt.status(user_env)
    assert status["state"] == "undecided"
    assert status["files"]["record"]["path"] == str(home / ".config/bolt/telemetry.toml")
    assert status["files"]["spool"]["path"] == str(home / ".local/state/bolt/spool.jsonl")
    # The same keys as the argparse graft (whose keys equal doorstep's own, see there).
    assert key_paths(status) == key_paths(acme.status(user_env))
    assert list(home.iterdir()) == []
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_a_bogus_action_is_a_usage_error_in_one_line(
    bolt: Installed, home: Path, user_env: Env
) -> None:
    done = bolt.run("telemetry", "bogus", env=user_env)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("bolt") and "bogus" in lines[0]
    assert says_doorstep(home, done.stderr) == []


def test_usage_and_errors_name_the_command_as_it_was_typed(
    bolt: Installed, home: Path, user_env: Env, tmp_path: Path
) -> None:
    # The tool's script under another name, as when its command is not the product's:
    # click calls it by that name, and so must the grafted commands.
    renamed = dataclasses.replace(bolt.tool, name="boltctl")
    (tmp_path / renamed.name).symlink_to(bolt.bin_dir / bolt.tool.name)

    def run(*words: str) -> subprocess.CompletedProcess[str]:
        return tools.run(tmp_path, renamed, *words, env=user_env)

    helped = run("telemetry", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: boltctl telemetry "), helped.stdout
    bogus = run("telemetry", "bogus")
    assert bogus.returncode == 2
    assert bogus.stderr.startswith("boltctl telemetry: argument ACTION: invalid choice: 'bogus'")
    assert "(see 'boltctl telemetry --help')" in bogus.stderr


def test_enable_then_disable(bolt: Installed, home: Path, user_env: Env) -> None:
    record_path = home / ".config/bolt/telemetry.toml"
    enabled = bolt.run("telemetry", "enable", env=user_env)
    assert enabled.returncode == 0, enabled.stderr
    saved = consent_record.read(record_path).record
    assert saved is not None and saved.enabled and saved.install_id in enabled.stdout
    assert bolt.status(user_env)["state"] == "on"

    disabled = bolt.run("telemetry", "disable", env=user_env)
    assert disabled.returncode == 0, disabled.stderr
    saved = consent_record.read(record_path).record
    assert saved is not None and saved.enabled is False and saved.install_id is None
    assert bolt.status(user_env)["state"] == "off"
    outputs = (enabled.stdout, enabled.stderr, disabled.stdout, disabled.stderr)
    assert says_doorstep(home, *outputs) == []


def test_setup_no_telemetry_records_off(bolt: Installed, home: Path, user_env: Env) -> None:
    done = bolt.run("setup", "--no-telemetry", env=user_env)
    assert done.returncode == 0, done.stderr
    saved = consent_record.read(home / ".config/bolt/telemetry.toml").record
    assert saved is not None and saved.enabled is False and saved.consent_source == "flag"
    status = bolt.status(user_env)
    assert (status["state"], status["decided_by"]) == ("off", "record")
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_uninstall_dry_run_lists_and_removes_nothing(
    bolt: Installed, home: Path, user_env: Env
) -> None:
    bolt.run("telemetry", "enable", env=user_env)
    before = sorted(home.rglob("*"))
    done = bolt.run("uninstall", "--dry-run", env=user_env)
    assert done.returncode == 0, done.stderr
    assert "Bolt" in done.stdout
    assert "~/.config/bolt/telemetry.toml" in done.stdout
    assert sorted(home.rglob("*")) == before
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_subcommand_help_and_usage_errors_go_through_doorsteps_parsers(
    bolt: Installed, home: Path, user_env: Env
) -> None:
    helped = bolt.run("telemetry", "--help", env=user_env)
    assert helped.returncode == 0
    assert "reset-id" in helped.stdout and helped.stdout.startswith("usage: bolt telemetry")
    missing = bolt.run("telemetry", env=user_env)
    assert missing.returncode == 2
    assert missing.stderr.startswith("bolt: telemetry needs an action")
    abbreviated = bolt.run("uninstall", "--keep", "--dry-run", env=user_env)
    assert abbreviated.returncode == 2
    failed = bolt.run("settings", env=user_env)  # full-screen, and there is no terminal
    assert failed.returncode == 1
    assert len(failed.stderr.splitlines()) == 1 and failed.stderr.startswith("bolt: ")
    outputs = [p.stdout + p.stderr for p in (helped, missing, abbreviated, failed)]
    assert says_doorstep(home, *outputs) == []
