"""ACME, an argparse tool that adopts doorstep, driven from outside: its own command, its
own folders, doorstep's words, flags, exit codes and JSON, and never doorstep's name.

Nothing is mocked: the tool is a real wheel in a real venv, run as a subprocess in the
test's HOME with no terminal.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from doorstep.consent import record as consent_record
from tests.adopting.tools import Env, Installed, key_paths, says_doorstep


def one_line(text: str) -> str:
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


def doorstep_status(acme: Installed, home: Path, env: dict[str, str]) -> dict[str, Any]:
    """doorstep's own ``telemetry status --json`` from the same venv, in another HOME."""
    other = home.parent / "doorstep-home"
    other.mkdir()
    done = subprocess.run(
        [str(acme.bin_dir / "doorstep"), "telemetry", "status", "--json"],
        env=dict(env, HOME=str(other)),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_status_json_names_acme_folders_and_has_doorstep_keys(
    acme: Installed, home: Path, user_env: Env
) -> None:
    done = acme.run("telemetry", "status", "--json", env=user_env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    status = acme.status(user_env)
    assert status["state"] == "undecided"
    assert status["decided_by"] == "policy"
    assert status["policy"] == "ask"
    assert status["install_id"] is None
    assert status["endpoint"] is None  # the product file names none
    files = status["files"]
    assert files["record"]["path"] == str(home / ".config/acme/telemetry.toml")
    assert files["receipt"]["path"] == str(home / ".config/acme/receipt.toml")
    assert files["spool"]["path"] == str(home / ".local/state/acme/spool.jsonl")
    assert files["record"]["state"] == "absent"

    assert key_paths(status) == key_paths(doorstep_status(acme, home, user_env))
    # status only looks: nothing was written.
    assert list(home.iterdir()) == []
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_status_in_words_names_the_tool(acme: Installed, home: Path, user_env: Env) -> None:
    done = acme.run("telemetry", "status", env=user_env)
    assert done.returncode == 0, done.stderr
    assert "Telemetry: undecided" in done.stdout
    assert str(home / ".config/acme/telemetry.toml") in done.stdout
    assert "'acme telemetry enable'" in done.stdout
    assert "ACME_TELEMETRY=0" in done.stdout
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_enable_then_disable(acme: Installed, home: Path, user_env: Env) -> None:
    outputs = []
    record_path = home / ".config/acme/telemetry.toml"

    enabled = acme.run("telemetry", "enable", env=user_env)
    outputs += [enabled.stdout, enabled.stderr]
    assert enabled.returncode == 0, enabled.stderr
    saved = consent_record.read(record_path).record
    assert saved is not None and saved.enabled and saved.consent_source == "cli"
    assert saved.install_id is not None and saved.install_id in enabled.stdout
    # The tool names no endpoint: it says so rather than pretend to send.
    assert "no endpoint is configured" in enabled.stdout
    status = acme.status(user_env)
    assert (status["state"], status["decided_by"]) == ("on", "record")
    assert status["install_id"] == saved.install_id
    assert status["sending"] is False

    disabled = acme.run("telemetry", "disable", env=user_env)
    outputs += [disabled.stdout, disabled.stderr]
    assert disabled.returncode == 0, disabled.stderr
    saved = consent_record.read(record_path).record
    assert saved is not None and saved.enabled is False and saved.install_id is None
    status = acme.status(user_env)
    assert (status["state"], status["install_id"]) == ("off", None)

    assert [p.name for p in home.rglob("*") if p.is_file()] == ["telemetry.toml"]
    assert says_doorstep(home, *outputs) == []


def test_a_bogus_action_is_a_usage_error_in_one_line(
    acme: Installed, home: Path, user_env: Env
) -> None:
    done = acme.run("telemetry", "bogus", env=user_env)
    assert done.returncode == 2
    assert done.stdout == ""
    line = one_line(done.stderr)
    assert line.startswith("acme")
    assert "bogus" in line
    assert says_doorstep(home, done.stderr) == []


def test_telemetry_without_an_action_is_a_usage_error(acme: Installed, user_env: Env) -> None:
    done = acme.run("telemetry", env=user_env)
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("acme: telemetry needs an action")


def test_flags_are_not_abbreviated(acme: Installed, home: Path, user_env: Env) -> None:
    # doorstep's own commands refuse `--keep` for `--keep-config`; so do the grafted ones.
    acme.run("telemetry", "enable", env=user_env)
    done = acme.run("uninstall", "--keep", "--dry-run", env=user_env)
    assert done.returncode == 2
    assert "--keep" in done.stderr
    assert (home / ".config/acme/telemetry.toml").is_file()


def test_a_failure_is_exit_1_with_one_line(acme: Installed, home: Path, user_env: Env) -> None:
    # settings is full-screen: with no terminal it fails, in one line, naming the way out.
    done = acme.run("settings", env=user_env)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith("acme: ")
    assert "acme telemetry" in line
    assert "Traceback" not in done.stderr
    assert says_doorstep(home, done.stdout, done.stderr) == []


def test_a_bad_telemetry_variable_is_one_warning_from_the_tools_own_command(
    acme: Installed, home: Path, user_env: Env
) -> None:
    done = acme.run("deploy", env=dict(user_env, ACME_TELEMETRY="maybe"))
    assert done.returncode == 0 and done.stdout == "deploy: done\n", done.stderr
    assert one_line(done.stderr).startswith("acme: warning: ignoring ACME_TELEMETRY='maybe'")
    assert list(home.iterdir()) == []  # undecided: nothing written, nothing sent


def test_setup_no_telemetry_and_uninstall_dry_run(
    acme: Installed, home: Path, user_env: Env
) -> None:
    setup = acme.run("setup", "--no-telemetry", env=user_env)
    assert setup.returncode == 0, setup.stderr
    saved = consent_record.read(home / ".config/acme/telemetry.toml").record
    assert saved is not None and saved.enabled is False and saved.consent_source == "flag"

    dry = acme.run("uninstall", "--dry-run", env=user_env)
    assert dry.returncode == 0, dry.stderr
    assert "Acme" in dry.stdout
    assert "~/.config/acme/telemetry.toml" in dry.stdout
    assert (home / ".config/acme/telemetry.toml").is_file()  # a dry run removes nothing
    assert says_doorstep(home, setup.stdout, setup.stderr, dry.stdout, dry.stderr) == []


def test_help_lists_the_grafted_commands_beside_the_tools_own(
    acme: Installed, home: Path, user_env: Env
) -> None:
    done = acme.run("--help", env=user_env)
    assert done.returncode == 0
    for word in ("deploy", "check", "telemetry", "settings", "setup", "uninstall"):
        assert word in done.stdout
    helps = [acme.run(*words, "--help", env=user_env) for words in (["telemetry"], ["setup"])]
    assert all(h.returncode == 0 for h in helps)
    assert "reset-id" in helps[0].stdout and "--no-telemetry" in helps[1].stdout
    outputs = [done.stdout, *(h.stdout for h in helps), *(h.stderr for h in helps)]
    assert says_doorstep(home, *outputs) == []


def test_a_whole_session_never_says_doorstep(acme: Installed, home: Path, user_env: Env) -> None:
    # Everything a person might run, one after another, with the files it leaves behind.
    session = [
        ["telemetry", "status"],
        ["deploy"],
        ["telemetry", "preview"],
        ["telemetry", "enable"],
        ["check"],
        ["deploy", "--fail"],
        ["telemetry", "preview", "--pretty"],
        ["telemetry", "reset-id"],
        ["telemetry", "status", "--json"],
        ["uninstall", "--dry-run"],
        ["telemetry", "disable"],
        ["telemetry", "status"],
    ]
    outputs = []
    for words in session:
        done = acme.run(*words, env=user_env)
        assert done.returncode in (0, 1), (words, done.stderr)
        assert "Traceback" not in done.stderr, (words, done.stderr)
        outputs += [done.stdout, done.stderr]
    assert says_doorstep(home, *outputs) == []
