"""Homes and folders with odd names: refused before anything is written, or installed safely.

A control character in a folder that goes into a start-up file would end a line of the
PATH block and run the rest of the name in every new shell, so install.sh refuses it in
one line (exit 2). Spaces, ``$(...)`` and a leading ``-`` are fine: the block quotes the
folder, so no shell runs anything from its name, and install then uninstall leaves the
folder around the home byte-identical. A space together with ``$``, a backquote, ``\\``
or ``"`` is refused, since pip's launcher would then run part of the path as code; so is
a name that is not UTF-8.

Each home lives in a folder of its own under the test's tmp_path, and that whole folder
is compared before and after.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from tests.install.home_tree import differences, snapshot
from tests.install.install_run import (
    Kit,
    command,
    have,
    install,
    login_shell,
    offline_env,
)
from tests.install.installed import assert_installed, blocks_in, read_receipt

INJECTION = "x\n# <<< doorstep <<<\necho INJECTED\n#"
START_UP = (".profile", ".bashrc", ".zshenv")


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def lived_in(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / ".profile").write_text("# my profile\nexport EDITOR=vi\n", encoding="utf-8")
    (home / ".bashrc").write_text("alias ll='ls -l'\n", encoding="utf-8")


def pwned(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.name == "pwned"]


# --- control characters -------------------------------------------------------------

CONTROLS = {"newline": "\n", "tab": "\t", "escape": "\x1b", "delete": "\x7f"}
WHERE = (
    "HOME",
    "--bin-dir",
    "XDG_DATA_HOME",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_STATE_HOME",
    "ZDOTDIR",
)


@pytest.mark.parametrize("control", sorted(CONTROLS))
@pytest.mark.parametrize("where", WHERE)
def test_a_control_character_in_a_folder_is_refused_and_nothing_is_written(
    kit: Kit, tmp_path: Path, where: str, control: str
) -> None:
    parent = tmp_path / "p"
    odd = f"a{CONTROLS[control]}b"
    home = parent / (odd if where == "HOME" else "home")
    lived_in(home)
    before = snapshot(parent)
    env = offline_env(kit, home)
    args = ["--no-telemetry"]
    if where == "--bin-dir":
        args += ["--bin-dir", str(home / odd)]
    elif where != "HOME":
        env[where] = str(home / odd)

    result = install(kit, env, *args)

    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert where in line and "control character" in line
    assert differences(before, snapshot(parent)) == []


@pytest.mark.parametrize("shell", ["dash", "bash", "busybox"])
@pytest.mark.parametrize("how", ["relative", "absolute", "variable"])
def test_a_bin_dir_that_would_close_the_block_and_inject_a_line_is_refused(
    kit: Kit, tmp_path: Path, how: str, shell: str
) -> None:
    parent = tmp_path / "p"
    home = parent / "home"
    lived_in(home)
    before = snapshot(parent)
    env = offline_env(kit, home)
    args = ["--no-telemetry"]
    if how == "relative":
        args += ["--bin-dir", INJECTION]  # against the current folder, the home's parent
    elif how == "absolute":
        args += ["--bin-dir", str(home / INJECTION)]
    else:
        env["DOORSTEP_BIN_DIR"] = str(home / INJECTION)

    result = install(kit, env, *args, shell=shell)

    assert result.returncode == 2, result.stderr
    assert "--bin-dir" in one_line(result)
    assert differences(before, snapshot(parent)) == []


def test_the_python_stage_refuses_the_injected_bin_dir_too_and_uninstall_leaves_no_injection(
    kit: Kit, tmp_path: Path
) -> None:
    """Even called past install.sh, the stage that writes the blocks refuses the name;
    and an install then uninstall leaves the start-up files exactly as they were."""
    parent = tmp_path / "p"
    home = parent / "home"
    lived_in(home)
    before = snapshot(parent)
    env = offline_env(kit, home)
    assert_installed(home, install(kit, env, "--no-telemetry"))
    installed = snapshot(parent)
    venv = read_receipt(home).venv

    finish = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-I",
            "-m",
            "doorstep",
            "_install",
            "finish",
            "--venv",
            str(venv),
            "--tool",
            "uv",
            "--python",
            str(venv / "bin" / "python"),
            "--source",
            str(kit.wheel),
            "--bin-dir",
            str(home / INJECTION),
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=parent,
    )

    assert finish.returncode == 2, finish.stderr
    assert "control character" in finish.stderr and "Traceback" not in finish.stderr
    assert differences(installed, snapshot(parent)) == []

    result = command(home, "uninstall", "--yes", env=env)

    assert result.returncode == 0, result.stderr
    for name in START_UP:
        path = home / name
        assert not path.exists() or b"INJECTED" not in path.read_bytes(), name
    assert differences(before, snapshot(parent)) == []


# --- odd but safe names -------------------------------------------------------------

SAFE = {
    "space": "my home",
    # Without a space (with one, pip's launcher would run it: refused, below).
    "subshell": "$(touch${IFS}pwned)",
    "backquote": "`touch${IFS}pwned`",
    "dash": "-home",
    "quote": "it's mine",
    "semicolon": "a;touch pwned",
    "glob": "*[?]",
}


SHELL_SPECIAL = "$`\\\"'|&;<>()*?[]#~{}!"
SHEBANG_LIMIT = 124  # install.sh's limit for the environment's python3.NN path


def too_long_for_a_shebang(home: Path) -> bool:
    python = home / ".local" / "share" / "doorstep" / "venv" / "bin" / "python3.NN"
    return len(os.fsencode(python)) > SHEBANG_LIMIT


def path_of(home: Path, shell: str) -> Optional[str]:
    """PATH in a new login (or, for bash, interactive) shell of ``home``; no mark left."""
    script = 'printf "%s\\n" "$PATH"; echo ok'
    if shell == "bash":
        result = subprocess.run(
            ["bash", "-i", "-c", script],
            env={"HOME": str(home), "PATH": "/usr/bin:/bin", "TERM": "dumb"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=home,
            start_new_session=True,
        )
    else:
        result = login_shell(shell, home, script)
    assert result.returncode == 0, f"{shell}: {result.stderr}"
    lines = result.stdout.splitlines()
    assert lines[-1] == "ok", result.stdout
    return lines[0]


@pytest.mark.parametrize("tool", ["uv", "pip"])
@pytest.mark.parametrize("name", sorted(SAFE))
def test_odd_home(kit: Kit, tmp_path: Path, name: str, tool: str) -> None:
    """An odd home installs, its block is quoted, and it uninstalls to the byte."""
    parent = tmp_path / "p"
    home = parent / SAFE[name]
    lived_in(home)
    before = snapshot(parent)
    env = offline_env(kit, home, uv=tool == "uv", shared_cache=False)

    result = install(kit, env, "--no-telemetry")

    if too_long_for_a_shebang(home) and set(SAFE[name]) & set(SHELL_SPECIAL):
        # pip's launcher then goes through /bin/sh, which would run the name: refused.
        assert result.returncode == 2 and "shell code" in one_line(result)
        assert differences(before, snapshot(parent)) == []
        return
    the_receipt = assert_installed(home, result)
    assert the_receipt.tool == tool
    assert blocks_in(home / ".profile") == 1
    shells = ["sh", "bash"] + (["zsh"] if have("zsh") else [])
    for shell in shells:
        entries = path_of(home, shell)
        assert entries is not None and str(home / ".local" / "bin") in entries.split(":"), shell
    assert pwned(parent) == []

    uninstalled = command(home, "uninstall", "--yes", env=env)

    assert uninstalled.returncode == 0, uninstalled.stderr
    assert pwned(parent) == []
    assert differences(before, snapshot(parent)) == []


@pytest.mark.parametrize("name", ["space", "subshell", "dash", "quote"])
def test_odd_bin_dir(kit: Kit, tmp_path: Path, name: str) -> None:
    """An odd bin dir outside the home is quoted in the block and removed again."""
    parent = tmp_path / "p"
    home = parent / "home"
    lived_in(home)
    bin_dir = parent / f"{SAFE[name]} $(touch pwned) bin"
    before = snapshot(parent)
    env = offline_env(kit, home, shared_cache=False)

    result = install(kit, env, "--no-telemetry", "--bin-dir", str(bin_dir))

    assert result.returncode == 0, result.stderr
    assert (bin_dir / "doorstep").is_symlink()
    assert read_receipt(home).link == bin_dir / "doorstep"
    for shell in ("sh", "bash"):
        entries = path_of(home, shell)
        assert entries is not None and str(bin_dir) in entries.split(":"), shell
    found = login_shell("sh", home, "command -v doorstep")
    assert found.stdout.strip() == str(bin_dir / "doorstep"), found.stderr
    assert pwned(parent) == []

    uninstalled = subprocess.run(
        [str(bin_dir / "doorstep"), "uninstall", "--yes"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )

    assert uninstalled.returncode == 0, uninstalled.stderr
    assert pwned(parent) == []
    assert differences(before, snapshot(parent)) == []


# --- refused before anything is written ---------------------------------------------

LAUNCHER_UNSAFE = {
    "subshell": "$(touch pwned)",
    "backquote": "`touch pwned`",
    "space-dollar": "a b$(touch pwned)",
    "space-backquote": "a `touch pwned` b",
    "space-backslash": "a b\\c",
    "space-quote": 'a "b',
}


@pytest.mark.parametrize("where", ["HOME", "XDG_DATA_HOME"])
@pytest.mark.parametrize("name", sorted(LAUNCHER_UNSAFE))
def test_a_name_pips_launcher_would_run_is_refused_before_anything_is_written(
    kit: Kit, tmp_path: Path, name: str, where: str
) -> None:
    parent = tmp_path / "p"
    odd = LAUNCHER_UNSAFE[name]
    home = parent / (odd if where == "HOME" else "home")
    lived_in(home)
    env = offline_env(kit, home)
    if where == "XDG_DATA_HOME":
        env[where] = str(home / odd)
    before = snapshot(parent)

    result = install(kit, env, "--no-telemetry")

    assert result.returncode == 2, result.stderr
    assert "shell code" in one_line(result)
    assert differences(before, snapshot(parent)) == []
    assert pwned(parent) == []


@pytest.mark.parametrize("where", ["HOME", "--bin-dir", "XDG_DATA_HOME", "XDG_CONFIG_HOME"])
def test_a_name_that_is_not_utf8_is_refused_before_anything_is_written(
    kit: Kit, tmp_path: Path, where: str
) -> None:
    parent = tmp_path / "p"
    parent.mkdir()
    odd = b"ho\xffme"
    home_bytes = os.fsencode(parent) + b"/" + (odd if where == "HOME" else b"home")
    os.mkdir(home_bytes)
    home = Path(os.fsdecode(home_bytes))
    lived_in(home)
    env = offline_env(kit, home)
    args = ["--no-telemetry"]
    inside = os.fsdecode(home_bytes + b"/" + odd)
    if where == "--bin-dir":
        args += ["--bin-dir", inside]
    elif where != "HOME":
        env[where] = inside
    before = snapshot(parent)

    result = install(kit, env, *args)

    assert result.returncode == 2, result.stderr
    line = one_line(result)
    assert where in line and "UTF-8" in line
    assert differences(before, snapshot(parent)) == []
