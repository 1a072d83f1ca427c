"""The second interpreter of install.sh's last stage: what it compiles, and that it is quiet.

Real interpreters and real files: the list is checked against what ``setup`` really
imports after ``finish`` in a fresh process, and the compiler is started on files in a
temporary folder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from doorstep.install import precompile

# A fresh process: everything finish imports, then what setup adds, as install.sh runs them.
_IMPORTED_BY_SETUP = """import json, sys
from doorstep.install import steps
before = set(sys.modules)
from doorstep.cli import main
main(["--product", "doorstep", "setup", *sys.argv[1:]])
added = sorted(set(sys.modules) - before)
ours = [n for n in added if n.split(".")[0] in ("doorstep", "tomli_w")]
sys.stderr.write(json.dumps([sys.modules[n].__file__ for n in ours]))
"""


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOORSTEP_", "XDG_"))}
    for name in ("CI", "NONINTERACTIVE", "DO_NOT_TRACK"):
        env.pop(name, None)
    return dict(env, HOME=str(home))


@pytest.mark.parametrize(
    "flags", [["--no-telemetry", "--yes"], ["--yes"], ["--telemetry", "--yes"]]
)
def test_later_lists_every_module_setup_imports_after_finish(
    tmp_path: Path, flags: list[str]
) -> None:
    env = _clean_env(tmp_path)
    env["DOORSTEP_TELEMETRY_ENDPOINT"] = "http://127.0.0.1:9/v1/events"  # closed: never sent
    result = subprocess.run(
        [sys.executable, "-I", "-c", _IMPORTED_BY_SETUP, *flags],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no terminal: setup asks nothing
    )
    imported = json.loads(result.stderr.strip().splitlines()[-1])
    listed = {os.path.realpath(f) for f in precompile.later_files()}
    missing = [f for f in imported if os.path.realpath(f) not in listed]
    assert imported, result.stderr
    assert missing == [], f"add these to precompile.LATER: {missing}"


def test_every_listed_file_exists() -> None:
    absent = [f for f in precompile.later_files() if not os.path.isfile(f)]
    assert absent == []


def test_the_compiler_writes_bytecode_for_what_compiles_and_says_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("VALUE = 1\n", encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text("def (:\n", encoding="utf-8")
    script = (
        "import sys\n"
        "from doorstep.install import precompile\n"
        "pid = precompile.start(files=sys.argv[1:])\n"
        "assert pid is not None\n"
        "precompile.wait(pid)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(good), str(bad), str(tmp_path / "absent.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert Path(importlib.util.cache_from_source(str(good))).is_file()
    assert not Path(importlib.util.cache_from_source(str(bad))).exists()


def test_waiting_for_no_compiler_is_nothing() -> None:
    precompile.wait(None)  # no posix_spawn, or it failed: the install goes on
