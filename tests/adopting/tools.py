"""Small adopting tools of our own, built and installed as their makers would: a package
with ``doorstep.toml`` and the ``doorstep.products`` entry point, doorstep as a
dependency, built into a wheel and installed into a fresh venv (offline, from the
wheelhouse and this checkout's doorstep wheel)."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.install import wheels
from tests.install.install_run import Kit
from tests.support import wheelhouse

TIMEOUT = 600

Env = dict[str, str]  # an environment for a subprocess

PRODUCT_TOML = """\
schema_version = 1

[product]
name = "{name}"
display_name = "{display}"
env_prefix = "{prefix}"
package = "{package}"
command = "{name}"
endpoint = ""
policy = "ask"
precheck = true
docs_url = "https://{name}.example/TELEMETRY.md"
purpose = "so its makers learn which commands people use and which ones fail"

[usage]
commands = ["deploy", "check"]

[events.command_run]
why = "Which commands people run, and whether they worked."

[events.command_run.props.command]
type = "enum"
values = ["deploy", "check"]
why = "The command that ran."

[events.command_run.props.ok]
type = "bool"
why = "Whether it finished without an error."
"""

ARGPARSE_MAIN = '''\
"""{display}: a tiny tool that adopts doorstep (argparse)."""

import argparse
import sys

import doorstep
import doorstep.cli


def main(argv=None):
    parser = argparse.ArgumentParser(prog="{name}")
    commands = parser.add_subparsers(dest="command")
    for word in ("deploy", "check"):
        sub = commands.add_parser(word)
        sub.add_argument("--fail", action="store_true")
        sub.set_defaults(func=None, word=word)
    doorstep.cli.add_commands(commands, product="{name}")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    if args.func is not None:
        return args.func(args)
    telemetry = doorstep.Telemetry("{name}")
    ok = not args.fail
    telemetry.record("command_run", command=args.word, ok=ok)
    telemetry.count(args.word, ok=ok)
    print(f"{{args.word}}: {{'failed' if args.fail else 'done'}}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
'''

CLICK_MAIN = '''\
"""{display}: a tiny tool that adopts doorstep (click)."""

import click

import doorstep
import doorstep.click


@click.group()
def main():
    """{display}."""


@main.command()
@click.option("--fail", is_flag=True)
def deploy(fail):
    telemetry = doorstep.Telemetry("{name}")
    telemetry.record("command_run", command="deploy", ok=not fail)
    telemetry.count("deploy", ok=not fail)
    click.echo("deploy: failed" if fail else "deploy: done")
    raise SystemExit(1 if fail else 0)


doorstep.click.add_commands(main, product="{name}")
'''

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{package}"
version = "1.2.3"
requires-python = ">=3.9"
dependencies = [{dependencies}]

[project.scripts]
{name} = "{module}.cli:main"

[project.entry-points."doorstep.products"]
{name} = "{module}"

[tool.setuptools]
packages = ["{module}"]

[tool.setuptools.package-data]
{module} = ["doorstep.toml"]
"""


@dataclass(frozen=True)
class Tool:
    """An adopting tool: its identity and where its source lives."""

    name: str  # product name and command
    display: str
    prefix: str
    package: str  # distribution name
    module: str  # import package
    style: str  # argparse | click

    def env(self, suffix: str) -> str:
        return f"{self.prefix}_{suffix}"


ACME = Tool("acme", "Acme", "ACME", "acme-cli", "acme_cli", "argparse")
BOLT = Tool("bolt", "Bolt", "BOLT", "bolt-cli", "bolt_cli", "click")


def write_source(tool: Tool, folder: Path) -> Path:
    """The tool's source tree in ``folder``: pyproject.toml, its package, doorstep.toml."""
    package = folder / tool.module
    package.mkdir(parents=True)
    fields = {
        "name": tool.name,
        "display": tool.display,
        "prefix": tool.prefix,
        "package": tool.package,
        "module": tool.module,
    }
    dependencies = '"doorstep"' if tool.style == "argparse" else '"doorstep[click]"'
    (folder / "pyproject.toml").write_text(
        PYPROJECT.format(dependencies=dependencies, **fields), encoding="utf-8"
    )
    (package / "__init__.py").write_text(f'"""{tool.display}."""\n', encoding="utf-8")
    main = ARGPARSE_MAIN if tool.style == "argparse" else CLICK_MAIN
    (package / "cli.py").write_text(main.format(**fields), encoding="utf-8")
    (package / "doorstep.toml").write_text(PRODUCT_TOML.format(**fields), encoding="utf-8")
    return folder


def build_wheel(tool: Tool, root: Path, kit: Kit) -> Path:
    """The tool's wheel, built offline (setuptools from the wheelhouse)."""
    source = write_source(tool, root / f"{tool.name}-src")
    out = root / f"{tool.name}-dist"
    return wheels.build_wheel(source, out, kit.wheelhouse, kit.uv_cache, tool.package)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment a person has: their HOME, no test or CI settings leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(HOME=str(home), **extra)
    return env


def install_into_venv(wheel: Path, venv: Path, kit: Kit) -> Path:
    """A fresh venv with the tool (and doorstep, from the kit) installed; its bin folder."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=TIMEOUT)
    env = dict(os.environ, **wheelhouse.offline_pip_env(kit.wheelhouse))
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"installing {wheel.name} failed:\n{done.stderr}")
    return venv / "bin"


def run(
    bin_dir: Path, tool: Tool, *args: str, env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The tool's own command, as a person runs it (no terminal)."""
    return subprocess.run(
        [str(bin_dir / tool.name), *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=env["HOME"],
        start_new_session=True,
    )


@dataclass(frozen=True)
class Installed:
    """An adopting tool installed in a venv of its own."""

    tool: Tool
    venv: Path

    @property
    def bin_dir(self) -> Path:
        return self.venv / "bin"

    @property
    def python(self) -> Path:
        return self.bin_dir / "python"

    def run(
        self, *args: str, env: dict[str, str], stdin: str = ""
    ) -> subprocess.CompletedProcess[str]:
        """The tool's command with ``args`` (stdin a pipe, no terminal)."""
        return run(self.bin_dir, self.tool, *args, env=env, stdin=stdin)

    def status(self, env: dict[str, str]) -> dict[str, Any]:
        """``<tool> telemetry status --json``, parsed (the command must succeed)."""
        done = self.run("telemetry", "status", "--json", env=env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def product_file(self) -> Path:
        """The ``doorstep.toml`` installed in the venv's site-packages."""
        (found,) = self.venv.glob(f"lib/python*/site-packages/{self.tool.module}/doorstep.toml")
        return found


def utc_today() -> str:
    """Today's UTC date, as events and usage.json name days."""
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def strip_temp(text: str, *folders: Path) -> str:
    """``text`` without the temporary folders (their names may hold any word)."""
    for folder in sorted({str(f) for f in folders}, key=len, reverse=True):
        text = text.replace(folder, "<tmp>")
    return text


def files_under(folder: Path) -> list[str]:
    """Every file below ``folder``, relative to it, sorted."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def says_doorstep(home: Path, *outputs: str) -> list[str]:
    """Where "doorstep" shows up: in ``outputs``, or in a name or a file under HOME.

    The temporary folders are taken out first: their names come from pytest, not the tool.
    """
    found = []
    temp = home.parent
    for number, output in enumerate(outputs):
        if "doorstep" in strip_temp(output, temp).lower():
            found.append(f"output #{number}: {output!r}")
    for path in sorted(home.rglob("*")):
        relative = str(path.relative_to(home))
        if "doorstep" in relative.lower():
            found.append(f"file name {relative}")
        if path.is_file():
            text = strip_temp(path.read_bytes().decode("utf-8", "replace"), temp)
            if "doorstep" in text.lower():
                found.append(f"content of {relative}: {text[:200]!r}")
    return found


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key of a JSON object, nested ones as ``a.b``."""
    if not isinstance(value, dict):
        return set()
    found = set()
    for key, inner in value.items():
        found.add(prefix + key)
        found |= key_paths(inner, f"{prefix}{key}.")
    return found


__all__ = [
    "ACME",
    "BOLT",
    "Env",
    "Installed",
    "Tool",
    "build_wheel",
    "clean_env",
    "files_under",
    "install_into_venv",
    "key_paths",
    "run",
    "says_doorstep",
    "strip_temp",
    "utc_today",
    "write_source",
]
