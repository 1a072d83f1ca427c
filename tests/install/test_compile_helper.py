"""The helper that compiles setup's modules while install.sh's finish stage runs.

uv and pip install without bytecode, so the first start compiles what it imports. The
last Python step of install.sh starts a helper that compiles ``steps.SETUP_MODULES``
(what setup loads that finish has not) beside finish: it writes the same pyc an import
would, runs none of the modules, and is waited for before the step returns. The list
must follow the code: a module setup loads that is missing from it is compiled in the
foreground again (slower, never wrong), which the staleness test below catches.
"""

from __future__ import annotations

import importlib.util
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import doorstep
from doorstep.install import steps

PACKAGE = Path(doorstep.__file__).parent

# What install.sh's step imports before finish (its -c code and _run_finish), then what
# setup --no-telemetry loads after it (the command line, setup, saving the choice).
_LOADED_BY = """import sys
from doorstep.install import steps
from doorstep.foundation import args, errors, product
before = set(sys.modules)
import doorstep.cli
import doorstep.onboarding.setup
import doorstep.delivery.choice
print("\\n".join(sorted(m for m in set(sys.modules) - before if m.startswith("doorstep."))))
"""


def test_every_listed_module_is_a_file_of_the_package() -> None:
    for name in steps.SETUP_MODULES:
        assert (PACKAGE / f"{name}.py").is_file(), name


def test_the_dependencies_listed_are_where_they_are_installed() -> None:
    import tomli_w

    site = Path(tomli_w.__file__).parents[1]
    for name in steps.SETUP_DEPENDENCIES:
        assert (site / f"{name}.py").is_file(), name


def test_the_list_holds_what_setup_loads_after_finish() -> None:
    found = subprocess.run(
        [sys.executable, "-I", "-c", _LOADED_BY],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    listed = {name.removesuffix("/__init__").replace("/", ".") for name in steps.SETUP_MODULES}
    missing = [name for name in found if name.removeprefix("doorstep.") not in listed]
    assert found and missing == []


def test_the_helper_writes_the_pyc_an_import_uses_and_runs_nothing(tmp_path: Path) -> None:
    module = tmp_path / "noisy.py"
    ran = tmp_path / "ran"
    module.write_text(f"open({str(ran)!r}, 'w').close()\nVALUE = 42\n", encoding="utf-8")
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n", encoding="utf-8")
    argv = [sys.executable, "-I", "-S", "-c", steps._COMPILE, str(broken), str(module)]
    subprocess.run(argv, check=True, timeout=60)
    assert not ran.exists()  # compiled, not run
    cached = Path(importlib.util.cache_from_source(str(module)))
    assert cached.is_file()
    assert not Path(importlib.util.cache_from_source(str(broken))).exists()
    before = cached.read_bytes()
    check = f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import noisy; print(noisy.VALUE)"
    shown = subprocess.run(
        [sys.executable, "-I", "-c", check], capture_output=True, text=True, check=True, timeout=60
    )
    assert shown.stdout.strip() == "42"
    assert cached.read_bytes() == before  # the import took the helper's pyc as it was


def test_the_helper_never_holds_the_report_descriptor(monkeypatch: pytest.MonkeyPatch) -> None:
    # install.sh reads descriptor 3 to its end: that must not wait for the helper.
    monkeypatch.setattr(steps, "_COMPILE", "import time; time.sleep(30)")
    read_end, write_end = os.pipe()
    os.set_inheritable(write_end, True)  # as descriptor 3 is, coming from the shell
    pid = steps._start_compiling(write_end)
    try:
        os.close(write_end)
        assert pid is not None
        ready, _, _ = select.select([read_end], [], [], 10)
        assert ready and os.read(read_end, 1) == b""  # end of file while it still runs
        assert os.waitpid(pid, os.WNOHANG) == (0, 0)
    finally:
        os.close(read_end)
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            steps._wait_for(pid)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped: nothing is left behind
