"""Running install.sh and uninstall.sh as a person would: real shells, real files, offline.

Every run gets a new session (``setsid``), so it has no controlling terminal even when
the tests are started from one: opening /dev/tty fails, exactly as under CI. Package
installs come only from the local wheelhouse: pip's and uv's configuration on this
machine is ignored, the package index is an empty folder, and wheels are found through
``--find-links``.
"""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from tests.install import wheels
from tests.install.wheels import ROOT
from tests.support import wheelhouse

INSTALL_SH = ROOT / "install.sh"
UNINSTALL_SH = ROOT / "uninstall.sh"
SHELLS = {"dash": ("dash",), "bash": ("bash",), "busybox": ("busybox", "sh")}
TIMEOUT = 180  # a pip install on a busy 2-core machine; a hang fails the test

# Settings on this machine (or a developer's) that would change what pip and uv do.
_FOREIGN = (
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_NO_CACHE_DIR",
    "PIP_CACHE_DIR",
    "PIP_REQUIRE_VIRTUALENV",
    "UV_CACHE_DIR",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_PYTHON",
    "UV_OFFLINE",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "PYTHONHOME",
)


@dataclass(frozen=True)
class Kit:
    """What an offline install needs; built once per test session."""

    wheelhouse: Path  # doorstep built from this checkout, and every dependency
    wheel: Path  # doorstep's wheel in it
    empty_index: Path  # uv's package index: a folder with nothing in it
    uv_dir: Path  # a folder holding only `uv`, to put uv on PATH
    no_uv_dir: Path  # every command on PATH except uv
    uv_cache: Path  # shared by tests whose subject is not the cache


def build_kit(root: Path) -> Kit:
    """doorstep's wheel from this checkout beside its dependencies, and the tools around it."""
    dependencies = wheelhouse.path()
    cache = root / "uv-cache"
    source = wheels.copy_source(root / "source")
    wheel = wheels.build_wheel(source, root / "dist", dependencies, cache)
    house = wheels.assemble(root / "wheelhouse", dependencies, wheel)
    empty_index = root / "empty-index"
    empty_index.mkdir()
    uv_dir = root / "uv-only"
    uv_dir.mkdir()
    (uv_dir / "uv").symlink_to(wheels.uv())
    no_uv = tool_farm(root / "no-uv", leave_out=("uv", "uvx"))
    return Kit(house, house / wheel.name, empty_index, uv_dir, no_uv, cache)


def tool_farm(folder: Path, leave_out: Sequence[str]) -> Path:
    """A folder of links to every command on PATH except the ``leave_out`` ones.

    Put alone on PATH, it is this machine without those commands; nothing is faked.
    """
    folder.mkdir(parents=True)
    for entry in os.environ.get("PATH", "").split(os.pathsep):
        if not entry or not os.path.isdir(entry):
            continue
        for name in os.listdir(entry):
            target = os.path.join(entry, name)
            if any(name == bad or name.startswith(bad) for bad in leave_out):
                continue
            if (folder / name).exists() or not os.access(target, os.X_OK):
                continue
            if os.path.isdir(target):
                continue
            (folder / name).symlink_to(target)
    return folder


def offline_env(
    kit: Kit,
    home: Path,
    *,
    uv: bool = True,
    shared_cache: bool = True,
    path: Optional[str] = None,
    **extra: str,
) -> dict[str, str]:
    """The environment for an offline install into ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env.update(
        HOME=str(home),
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(kit.wheelhouse),
        UV_NO_CONFIG="1",
        UV_DEFAULT_INDEX=str(kit.empty_index),
        UV_FIND_LINKS=str(kit.wheelhouse),
    )
    # pip runs `rustc --version` for its user agent; a rustup proxy then writes into the
    # HOME it is given unless it knows where its own home is.
    real_home = pwd.getpwuid(os.getuid()).pw_dir
    for name, folder in (("RUSTUP_HOME", ".rustup"), ("CARGO_HOME", ".cargo")):
        if name not in env and os.path.isdir(os.path.join(real_home, folder)):
            env[name] = os.path.join(real_home, folder)
    if uv and shared_cache:
        env["UV_CACHE_DIR"] = str(kit.uv_cache)
    if path is None:
        path = f"{kit.uv_dir}{os.pathsep}{os.environ.get('PATH', '')}" if uv else str(kit.no_uv_dir)
    env["PATH"] = path
    env.update(extra)
    return env


def run_script(
    script: Path,
    args: Sequence[str],
    env: Mapping[str, str],
    *,
    shell: str = "dash",
    piped: bool = False,
    cwd: Optional[Path] = None,
    prefix: Sequence[str] = (),
    timeout: float = TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """``sh script ARGS`` (or ``cat script | sh -s -- ARGS``) with no terminal."""
    words = list(SHELLS[shell])
    if piped:
        argv = [*prefix, *words, "-s", "--", *args]
        stdin_data: Optional[bytes] = script.read_bytes()
    else:
        argv = [*prefix, *words, str(script), *args]
        stdin_data = None
    result = subprocess.run(
        argv,
        env=dict(env),
        input=stdin_data,
        stdin=subprocess.DEVNULL if stdin_data is None else None,
        capture_output=True,
        timeout=timeout,
        cwd=cwd or Path(env["HOME"]).parent,
        start_new_session=True,
    )
    return subprocess.CompletedProcess(
        result.args,
        result.returncode,
        result.stdout.decode("utf-8", "replace"),
        result.stderr.decode("utf-8", "replace"),
    )


def install(
    kit: Kit, env: Mapping[str, str], *args: str, shell: str = "dash", piped: bool = False
) -> subprocess.CompletedProcess[str]:
    """install.sh from the kit's wheel, asking nothing; extra ``args`` are appended."""
    return run_script(INSTALL_SH, ["--from", str(kit.wheel), *args], env, shell=shell, piped=piped)


def curl_pipe(
    url: str, args: Sequence[str], env: Mapping[str, str], shell: str = "dash"
) -> subprocess.CompletedProcess[str]:
    """``curl -fsSL URL | sh -s -- ARGS``, the way the README says to install."""
    pipeline = f"curl -fsSL {shlex.quote(url)} | {shlex.join(SHELLS[shell])} -s -- " + shlex.join(
        args
    )
    result = subprocess.run(
        ["sh", "-c", pipeline],
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=Path(env["HOME"]).parent,
        start_new_session=True,
    )
    return result


def login_shell(
    shell: str, home: Path, command: str, extra: Optional[Mapping[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    """``command`` in a new login shell that starts from a bare environment, as at login."""
    argv = {"sh": ["dash", "-l", "-c"], "busybox": ["busybox", "sh", "-l", "-c"]}.get(
        shell, [shell, "-l", "-c"]
    )
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "TERM": "dumb", "LANG": "C.UTF-8"}
    env.update(extra or {})
    return subprocess.run(
        [*argv, command],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=home,
        start_new_session=True,
    )


def command(home: Path, *args: str, env: Optional[Mapping[str, str]] = None):  # type: ignore[no-untyped-def]
    """Run the installed command through its link in ``home``."""
    link = home / ".local" / "bin" / "doorstep"
    return subprocess.run(
        [str(link), *args],
        env=dict(env if env is not None else os.environ, HOME=str(home)),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )


def have(*tools: str) -> bool:
    return all(shutil.which(tool) for tool in tools)


__all__ = [
    "INSTALL_SH",
    "SHELLS",
    "TIMEOUT",
    "UNINSTALL_SH",
    "Kit",
    "build_kit",
    "command",
    "curl_pipe",
    "have",
    "install",
    "login_shell",
    "offline_env",
    "run_script",
    "tool_farm",
]
