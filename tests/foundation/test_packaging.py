"""`pip install .` in a fresh virtual environment gives a working `doorstep` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import wheelhouse

SKIP = shutil.ignore_patterns(
    ".venv",
    "build",
    ".git",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
)


def test_pip_install_gives_a_working_command(tmp_path: Path, home: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(wheelhouse.ROOT, source, ignore=SKIP)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = dict(os.environ, **wheelhouse.offline_pip_env(wheelhouse.path()))
    install = subprocess.run(
        [str(venv / "bin/python"), "-m", "pip", "install", "--quiet", str(source)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr

    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    script = subprocess.run(
        [str(venv / "bin/doorstep"), "telemetry", "status", "--json"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    module = subprocess.run(
        [str(venv / "bin/python"), "-m", "doorstep", "telemetry", "status", "--json"],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert script.returncode == module.returncode == 0, script.stderr + module.stderr
    assert script.stdout == module.stdout
    assert json.loads(script.stdout)["state"] == "undecided"
    # It is the installed copy that ran, package data included.
    where = subprocess.run(
        [
            str(venv / "bin/python"),
            "-c",
            "import doorstep, doorstep.tui, doorstep.collector, pathlib;"
            "p = pathlib.Path(doorstep.__file__).parent;"
            "print(p, (p / 'product.toml').is_file(),"
            " (p / 'events/schema.toml').is_file())",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    folder, product_file, schema_file = where.stdout.split()
    assert Path(folder).is_relative_to(venv)
    assert (product_file, schema_file) == ("True", "True")
