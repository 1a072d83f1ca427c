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
import zipfile
from pathlib import Path
from typing import Optional

import pytest

from doorstep.install import precompile
from tests.install.install_run import Kit
from tests.support import first_frame

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
    done = Path(importlib.util.cache_from_source(str(good)))

    # good.py last: once its bytecode is there, the other two have had their turn.
    result = _compile_in_a_child([bad, tmp_path / "absent.py", good], until=done)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert done.is_file()
    assert not Path(importlib.util.cache_from_source(str(bad))).exists()


def test_waiting_for_no_compiler_is_nothing() -> None:
    precompile.wait(None)  # no posix_spawn, or it failed: the install goes on


def _compile_in_a_child(
    files: list[Path], until: Optional[Path] = None, sys_path: tuple[Path, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """A process that starts the compiler on ``files`` (``@LIST`` among them), with
    ``sys_path`` first on its sys.path, lets it run until ``until`` exists (at most 30 s),
    then waits for it as install.sh's last stage does."""
    script = (
        "import os, sys, time\n"
        "from doorstep.install import precompile\n"
        "until, folders, *files = sys.argv[1:]\n"
        "sys.path[:0] = [folder for folder in folders.split(os.pathsep) if folder]\n"
        "pid = precompile.start(files=files)\n"
        "assert pid is not None\n"
        "deadline = time.monotonic() + 30\n"
        "while until and not os.path.exists(until) and time.monotonic() < deadline:\n"
        "    time.sleep(0.01)\n"
        "precompile.wait(pid)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script, str(until or ""), os.pathsep.join(map(str, sys_path))]
        + [str(file) for file in files],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bytecode_newer_than_its_source_is_left_as_it_is(tmp_path: Path) -> None:
    module = tmp_path / "done.py"
    module.write_text("VALUE = 1\n", encoding="utf-8")
    cached = Path(importlib.util.cache_from_source(str(module)))
    cached.parent.mkdir()
    cached.write_bytes(b"written by the first interpreter")
    later = module.stat().st_mtime + 10
    os.utime(cached, (later, later))
    other = tmp_path / "other.py"
    other.write_text("VALUE = 2\n", encoding="utf-8")

    result = _compile_in_a_child(
        [module, other], until=Path(importlib.util.cache_from_source(str(other)))
    )

    assert result.returncode == 0, result.stderr
    assert cached.read_bytes() == b"written by the first interpreter"


def test_wait_stops_the_compiler_between_files_and_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    body = "".join(f"def f{n}(x):\n    return [x * {n} for _ in range(3)]\n" for n in range(400))
    files = []
    for number in range(300):
        path = tmp_path / f"m{number}.py"
        path.write_text(body, encoding="utf-8")
        files.append(path)

    # Told to stop once it has compiled the first file: far from the end of the list.
    result = _compile_in_a_child(files, until=Path(importlib.util.cache_from_source(str(files[0]))))

    assert result.returncode == 0, result.stderr
    written = sorted((tmp_path / "__pycache__").iterdir())
    assert [p.name for p in written if not p.name.endswith(".pyc")] == []  # no halfway files
    assert 0 < len(written) < len(files)


def test_the_first_frame_list_is_what_the_wizard_imports() -> None:
    listed = Path(precompile.first_frame_list()).read_text(encoding="utf-8")
    found = first_frame.render(first_frame.collect())
    assert listed == found, "run: python -m tests.support.first_frame --write"


def test_the_wheel_carries_the_first_frame_list(kit: Kit) -> None:
    with zipfile.ZipFile(kit.wheel) as wheel:
        names = wheel.namelist()
    assert "doorstep/install/first_frame.txt" in names


@pytest.mark.parametrize(
    ("words", "asks"),
    [
        (["--product", "acme", "setup", "--install-trace", "kind=fresh"], True),
        (["--product", "acme", "setup", "--inline"], True),
        (["--product", "acme", "setup", "--yes"], False),
        (["--product", "acme", "setup", "--no-telemetry"], False),
        (["--product", "acme", "setup", "--telemetry"], False),
    ],
)
def test_the_screens_are_compiled_only_when_setup_may_ask(words: list[str], asks: bool) -> None:
    assert precompile.may_ask(["-c", "2", "_install", "finish", *words]) is asks


def test_a_listed_file_is_found_in_the_first_folder_on_sys_path_that_holds_it(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "mod.py").write_text("VALUE = 1\n", encoding="utf-8")
    (second / "only_here.py").write_text("VALUE = 2\n", encoding="utf-8")
    listing = tmp_path / "list.txt"
    listing.write_text("# a comment\nonly_here.py\nmissing.py\npkg/mod.py\n", encoding="utf-8")
    last = Path(importlib.util.cache_from_source(str(first / "pkg" / "mod.py")))

    result = _compile_in_a_child([Path(f"@{listing}")], until=last, sys_path=(first, second))

    assert result.returncode == 0, result.stderr
    assert last.is_file()
    assert Path(importlib.util.cache_from_source(str(second / "only_here.py"))).is_file()
    assert not (second / "pkg" / "__pycache__").exists()  # the first folder's copy won
