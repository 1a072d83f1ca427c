"""A tool's product file with a mistake, edited where it is installed (the venv's
site-packages of installs kept for breaking): one line naming the file and the field,
exit 1, never a traceback. And an unknown product name, from the tool's own Python.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.adopting.tools import Env, Installed

BREAKAGES = {
    "policy": ('policy = "ask"', 'policy = "always"', "product.policy"),
    "event type": ('type = "bool"', 'type = "text"', "events.command_run.props.ok"),
    "usage": ('commands = ["deploy", "check"]', 'commands = ["deploy", 3]', "usage.commands"),
    "endpoint": ('endpoint = ""', 'endpoint = "ftp://x"', "product.endpoint"),
}


def break_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("command", [["telemetry", "status"], ["telemetry", "status", "--json"]])
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
@pytest.mark.parametrize("tool_name", ["acme", "bolt"])
def test_a_broken_product_file_is_one_line_naming_file_and_field(
    product_files: dict[str, Path],
    breakable_acme: Installed,
    breakable_bolt: Installed,
    home: Path,
    user_env: Env,
    tool_name: str,
    breakage: str,
    command: list[str],
) -> None:
    tool = breakable_acme if tool_name == "acme" else breakable_bolt
    path = product_files[tool_name]
    old, new, field = BREAKAGES[breakage]
    break_file(path, old, new)

    done = tool.run(*command, env=user_env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{tool_name}: ")
    assert str(path) in lines[0]
    assert field in lines[0]
    assert list(home.iterdir()) == []  # a broken file decides nothing and writes nothing


def test_invalid_toml_is_one_line_naming_the_file(
    product_files: dict[str, Path], breakable_acme: Installed, user_env: Env
) -> None:
    path = product_files["acme"]
    path.write_text(path.read_text(encoding="utf-8") + "\nbroken = [\n", encoding="utf-8")
    done = breakable_acme.run("telemetry", "enable", env=user_env)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("acme: ") and str(path) in lines[0]


def test_the_file_put_back_works_again(
    product_files: dict[str, Path], breakable_acme: Installed, user_env: Env
) -> None:
    # Guards the tests above: the breakable install works when its file is intact.
    done = breakable_acme.run("telemetry", "status", env=user_env)
    assert done.returncode == 0, done.stderr


UNKNOWN = """\
import doorstep
telemetry = doorstep.Telemetry("nope")
print(telemetry.record("command_run", command="deploy"))
"""


def test_an_unknown_product_lists_the_installed_ones(acme: Installed, user_env: Env) -> None:
    done = subprocess.run(
        [str(acme.python), "-c", UNKNOWN],
        env=user_env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    # Telemetry never breaks the tool: one warning line, and nothing is recorded.
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    message = done.stderr.strip().splitlines()
    assert len(message) == 1, done.stderr
    assert "'nope'" in message[0] and "warning" in message[0]
    assert "installed: acme, doorstep" in message[0]


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_tools_own_command_still_works_with_one_warning(
    product_files: dict[str, Path],
    breakable_acme: Installed,
    home: Path,
    user_env: Env,
    breakage: str,
) -> None:
    # The tool's own command records through doorstep.Telemetry: a broken product file
    # costs the usage data (one warning line), never the command.
    old, new, field = BREAKAGES[breakage]
    break_file(product_files["acme"], old, new)

    done = breakable_acme.run("deploy", env=user_env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "deploy: done"
    assert "Traceback" not in done.stderr
    warnings = done.stderr.strip().splitlines()
    assert len(warnings) == 1 and "warning" in warnings[0] and field in warnings[0]
    assert list(home.iterdir()) == []
