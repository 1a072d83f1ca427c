"""doorstep installs beside PyPA's ``installer`` (a dependency of poetry, pdm and others):
its wheel holds one top-level package, ``doorstep``, and takes no name another uses."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.install.install_run import Kit
from tests.support import wheelhouse


def test_the_wheel_holds_only_doorstep(kit: Kit) -> None:
    with zipfile.ZipFile(kit.wheel) as wheel:
        tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"doorstep"}


def test_installed_by_pypa_installer_beside_it(kit: Kit, tmp_path: Path, home: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env = dict(clean, **wheelhouse.offline_pip_env(kit.wheelhouse))

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path
        )

    # PyPA's installer first, and doorstep's dependencies; then installer installs doorstep.
    deps = run(python, "-m", "pip", "install", "--quiet", "installer", "platformdirs", "tomli-w")
    assert deps.returncode == 0, deps.stderr
    placed = run(python, "-m", "installer", str(kit.wheel))
    assert placed.returncode == 0, placed.stderr

    both = run(
        python,
        "-c",
        "from installer.sources import WheelFile; import doorstep, installer;"
        "print(WheelFile.__name__, doorstep.__version__, installer.__file__)",
    )
    assert both.returncode == 0, both.stderr
    name, _, where = both.stdout.split()
    assert name == "WheelFile" and Path(where).is_relative_to(venv)

    status = run(str(venv / "bin" / "doorstep"), "telemetry", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"state": "undecided"' in status.stdout
