"""A receipt that lies: whatever it names, the uninstall touches only the product's own.

The home is full of decoys: documents, an empty folder, a folder that looks like a
Python environment (it has a pyvenv.cfg and a bin/python), links out of the product's
own folders, and a folder beside the home with a program that leaves a mark if it is
ever run. A fake install (an environment with a pyvenv.cfg, the link, a spool, a cache)
sits in the product's own folders. Then the receipt says what it likes, chosen by hand
(the reported attacks) and by hypothesis (paths with .., absolute paths, links), and
both ``doorstep uninstall`` and uninstall.sh's own removal (its environment broken)
run. Everything outside the product's own folders is compared before and after.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.foundation import product
from doorstep.foundation.errors import DoorstepError
from doorstep.install import receipt, shell_path, uninstall
from tests.install.home_tree import differences, snapshot
from tests.install.install_run import UNINSTALL_SH, run_script
from tests.install.start_up_files import lines_for
from tests.support import cli

NAME = "doorstep"
# The product's own places under a home; what lies there may go, nothing else may.
OWN = (
    ".local/share/doorstep",
    ".config/doorstep",
    ".local/state/doorstep",
    ".cache/doorstep",
    ".local/bin/doorstep",
)
PROFILE = b"# my profile\nexport EDITOR=vi\n"


def evil_program(path: Path, mark: Path) -> None:
    """A 'python' that leaves ``mark`` behind if anything ever runs it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n: > '{mark}'\nexit 0\n", encoding="utf-8")
    path.chmod(0o755)


def decoys(root: Path) -> tuple[Path, Path]:
    """A lived-in home and a folder beside it, both full of things that are not ours."""
    home, outside = root / "home", root / "outside"
    for folder in (home, outside):
        folder.mkdir(parents=True)
    documents = home / "Documents"
    (documents / "empty").mkdir(parents=True)
    (documents / "letter.txt").write_text("Dear ...\n", encoding="utf-8")
    (documents / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    evil_program(documents / "bin" / "python", root / "RAN-documents")
    (home / ".profile").write_bytes(PROFILE)
    (home / ".bashrc").write_bytes(b"alias ll='ls -l'\n")
    for other in (".config/other", ".local/share/other", ".local/state/other", ".cache/other"):
        (home / other).mkdir(parents=True)
        (home / other / "keep.txt").write_text("mine\n", encoding="utf-8")
    (home / ".local" / "bin").mkdir(parents=True)
    (home / ".local" / "bin" / "othertool").write_text("#!/bin/sh\n", encoding="utf-8")
    (home / "link-to-outside").symlink_to(outside)
    (outside / "empty").mkdir()
    (outside / "data.txt").write_text("precious\n", encoding="utf-8")
    (outside / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    evil_program(outside / "bin" / "python", root / "RAN-outside")
    return home, outside


def fake_install(home: Path, escapes: bool = True) -> None:
    """What an install leaves in the product's own folders (and links out of them)."""
    data = home / ".local" / "share" / NAME
    venv = data / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (venv / "bin" / NAME).write_text("#!/bin/sh\n", encoding="utf-8")
    (home / ".local" / "bin" / NAME).symlink_to(venv / "bin" / NAME)
    cache = home / ".cache" / NAME / "uv"
    cache.mkdir(parents=True)
    if escapes:
        (venv / "lib").mkdir()
        (venv / "lib" / "escape").symlink_to(home / "Documents")  # rmtree must not follow
        (data / "escape").symlink_to(home / "Documents")
        (cache / "escape").symlink_to(home.parent / "outside")
    state = home / ".local" / "state" / NAME
    state.mkdir(parents=True)
    (state / "spool.jsonl").write_text("{}\n", encoding="utf-8")
    (home / ".config" / NAME).mkdir(parents=True)


def honest(home: Path) -> receipt.Receipt:
    data = home / ".local" / "share" / NAME
    return receipt.Receipt(
        name=NAME,
        version="0.1.0",
        tool="uv",
        python="/usr/bin/python3",
        source=NAME,
        installed_on="2026-11-01",
        updated_on="2026-11-01",
        venv=data / "venv",
        link=home / ".local" / "bin" / NAME,
        data_dir=data,
        config_dir=home / ".config" / NAME,
        state_dir=home / ".local" / "state" / NAME,
        cache_dir=home / ".cache" / NAME,
    )


def not_ours(root: Path) -> dict:
    """The whole tree under ``root`` less the product's own places in its home."""
    tree = snapshot(root)
    return {
        key: value
        for key, value in tree.items()
        if not any(key == f"home/{own}" or key.startswith(f"home/{own}/") for own in OWN)
    }


@contextmanager
def home_is(home: Path) -> Iterator[None]:
    saved = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["HOME"]
        else:
            os.environ["HOME"] = saved


def uninstall_in_process(home: Path, dry_run: bool = False) -> None:
    """``doorstep uninstall --yes`` as the command runs it, in this process (fast enough
    for hypothesis); a refusal to go on is fine, any other exception is a failure."""
    args = argparse.Namespace(
        yes=True, keep_config=False, dry_run=dry_run, flag=False, method="cli"
    )
    with home_is(home):
        try:
            uninstall.run(args, product.current())
        except DoorstepError:
            pass


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A folder for a decoy home and the folder beside it (the test's own HOME is apart)."""
    return tmp_path / "world"


def shell_env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


# The reported attack, by hand.
def attack(home: Path, outside: Path) -> receipt.Receipt:
    data = home / ".local" / "share" / NAME
    return replace(
        honest(home),
        venv=Path(f"{data}/venv/../../../../Documents"),
        cache_dir=outside,
        state_dir=outside,
        created_dirs=(outside / "empty", home / "Documents" / "empty", home),
    )


def test_doorstep_uninstall_removes_nothing_outside_its_own_folders(world: Path) -> None:
    home, outside = decoys(world)
    fake_install(home)
    receipt.write(home / ".config" / NAME / "receipt.toml", attack(home, outside))
    before = not_ours(world)

    result = cli.run("uninstall", "--yes", env={"HOME": str(home)})

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert differences(before, not_ours(world)) == []
    ignored = [line for line in result.stderr.splitlines() if "from the receipt" in line]
    assert any("ignored venv" in line for line in ignored), result.stderr
    assert any("ignored cache_dir" in line for line in ignored), result.stderr
    assert any("ignored created folder" in line for line in ignored), result.stderr
    # Its own install is gone all the same (the real environment, not the one named).
    assert not (home / ".local" / "share" / NAME / "venv").exists()
    assert not (home / ".local" / "bin" / NAME).exists()


@pytest.mark.parametrize("shell", ["dash", "busybox"])
def test_uninstall_sh_removes_nothing_outside_its_own_folders(world: Path, shell: str) -> None:
    home, outside = decoys(world)
    fake_install(home)  # its environment has no Python: uninstall.sh removes by itself
    receipt.write(home / ".config" / NAME / "receipt.toml", attack(home, outside))
    before = not_ours(world)

    result = run_script(UNINSTALL_SH, ["--yes"], shell_env(home), shell=shell)

    assert result.returncode == 0, result.stderr
    assert "is uninstalled" in result.stdout
    assert differences(before, not_ours(world)) == []
    assert "ignored venv" in result.stderr and "ignored cache_dir" in result.stderr
    assert not (home / ".local" / "share" / NAME / "venv").exists()


def test_no_program_a_receipt_names_is_ever_run(world: Path) -> None:
    home, outside = decoys(world)
    fake_install(home)
    evil = replace(honest(home), venv=outside)
    receipt.write(home / ".config" / NAME / "receipt.toml", evil)
    before = snapshot(world)

    dry = run_script(UNINSTALL_SH, ["--dry-run"], shell_env(home))

    assert dry.returncode == 0, dry.stderr
    assert not (world / "RAN-outside").exists()
    assert differences(before, snapshot(world)) == []
    assert "ignored venv" in dry.stderr

    real = run_script(UNINSTALL_SH, ["--yes"], shell_env(home))

    assert real.returncode == 0, real.stderr
    assert not (world / "RAN-outside").exists()
    assert (outside / "bin" / "python").exists() and (outside / "data.txt").exists()


def test_a_folder_that_is_not_an_environment_is_not_removed(world: Path) -> None:
    home, _ = decoys(world)
    fake_install(home)
    venv = home / ".local" / "share" / NAME / "venv"
    (venv / "pyvenv.cfg").unlink()
    (venv / "notes.txt").write_text("not an environment\n", encoding="utf-8")
    receipt.write(home / ".config" / NAME / "receipt.toml", honest(home))

    by_command = cli.run("uninstall", "--yes", env={"HOME": str(home)})
    assert by_command.returncode == 0, by_command.stderr
    by_script = run_script(UNINSTALL_SH, ["--yes"], shell_env(home))
    assert by_script.returncode == 0, by_script.stderr

    assert (venv / "notes.txt").read_text(encoding="utf-8") == "not an environment\n"
    for result in (by_command, by_script):
        lines = [line for line in result.stderr.splitlines() if "not a Python environment" in line]
        assert len(lines) == 1, result.stderr


def test_a_receipt_cannot_take_the_persons_own_lines(world: Path) -> None:
    home, _ = decoys(world)
    fake_install(home)
    theirs = receipt.PathBlock(home / ".profile", True, 0, ("export EDITOR=vi",))
    elsewhere = receipt.PathBlock(
        home / "Documents" / "letter.txt", True, 0, lines_for(home / "bin", home)
    )
    receipt.write(
        home / ".config" / NAME / "receipt.toml",
        replace(honest(home), path_blocks=(theirs, elsewhere)),
    )
    before = not_ours(world)

    for result in (
        run_script(UNINSTALL_SH, ["--yes"], shell_env(home)),
        cli.run("uninstall", "--yes", env={"HOME": str(home)}),
    ):
        assert result.returncode == 0, result.stderr
        assert differences(before, not_ours(world)) == []
    assert (home / ".profile").read_bytes() == PROFILE


# By hypothesis: a receipt made of paths that go anywhere.
PLACES = (
    "~",
    "~/Documents",
    "~/Documents/empty",
    "~/link-to-outside",
    "~/.local/share/doorstep",
    "~/.local/share/doorstep/venv",
    "~/.local/share/doorstep/escape",
    "~/.config/doorstep",
    "~/.local/state/doorstep",
    "~/.cache/doorstep",
    "~/.cache/doorstep/uv/escape",
    "~/.local/bin",
    "~/.local/bin/doorstep",
    "~/.profile",
    "~/.config",
    "OUT",
    "OUT/empty",
)
# Every place above lies in the sandbox, at least DEPTH folders below the test's own
# temporary folder, and a path has at most MAX_PARTS parts after its place: however many
# ".." it holds, it cannot leave the sandbox, even if the code under test believed it.
MAX_PARTS = 4
DEPTH = ("a", "b", "c", "d", "e")
PARTS = st.sampled_from(
    ["..", ".", "", "Documents", "venv", "doorstep", "empty", "bin", "python", ".profile"]
)
PATHS = st.tuples(st.sampled_from(PLACES), st.lists(PARTS, max_size=MAX_PARTS)).map(
    lambda pair: "/".join([pair[0], *pair[1]])
)
LINES = st.sampled_from(["block", "theirs", "none", "text"])


def real_path(text: str, root: Path) -> Path:
    path = Path(text.replace("~", str(root / "home"), 1).replace("OUT", str(root / "outside"), 1))
    # A guard for the test itself: nothing it generates may point out of the sandbox.
    sandbox = root.parents[len(DEPTH) - 1]
    if not os.path.normpath(path).startswith(f"{sandbox}/"):
        pytest.fail(f"the test made a path outside its sandbox: {path}")
    return path


def block_lines(kind: str, root: Path) -> tuple[str, ...]:
    home = root / "home"
    return {
        "block": lines_for(home / ".local" / "bin", home),
        "fish": lines_for(home / ".local" / "bin", home, shell_path.FISH),
        "theirs": ("# my profile", "export EDITOR=vi"),
        "none": (),
        "text": ("# >>> doorstep >>>", "rm -rf ~", "# <<< doorstep <<<"),
    }[kind]


@st.composite
def receipts(draw: st.DrawFn) -> dict:
    return {
        "venv": draw(PATHS),
        "link": draw(PATHS),
        "data_dir": draw(PATHS),
        "config_dir": draw(PATHS),
        "state_dir": draw(PATHS),
        "cache_dir": draw(st.none() | PATHS),
        "created_dirs": draw(st.lists(PATHS, max_size=5)),
        "path_blocks": draw(
            st.lists(
                st.tuples(PATHS, st.booleans(), st.integers(0, 2), LINES | st.just("fish")),
                max_size=3,
            )
        ),
    }


def lying(spec: dict, root: Path) -> receipt.Receipt:
    home = root / "home"
    at = lambda text: real_path(text, root)  # noqa: E731
    return replace(
        honest(home),
        venv=at(spec["venv"]),
        link=at(spec["link"]),
        data_dir=at(spec["data_dir"]),
        config_dir=at(spec["config_dir"]),
        state_dir=at(spec["state_dir"]),
        cache_dir=None if spec["cache_dir"] is None else at(spec["cache_dir"]),
        created_dirs=tuple(at(p) for p in spec["created_dirs"]),
        path_blocks=tuple(
            receipt.PathBlock(at(file), created, newlines, block_lines(kind, root))
            for file, created, newlines, kind in spec["path_blocks"]
        ),
    )


def fresh(root: Path, spec: dict) -> Path:
    if root.exists():
        shutil.rmtree(root)
    home, _ = decoys(root)
    fake_install(home)
    receipt.write(home / ".config" / NAME / "receipt.toml", lying(spec, root))
    return home


FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(FUZZ, max_examples=150)
@given(spec=receipts(), dry_run=st.booleans())
def test_whatever_the_receipt_says_doorstep_uninstall_stays_in_its_folders(
    tmp_path: Path, spec: dict, dry_run: bool
) -> None:
    root = tmp_path.joinpath(*DEPTH, "fuzz")
    home = fresh(root, spec)
    before = snapshot(root) if dry_run else not_ours(root)

    uninstall_in_process(home, dry_run=dry_run)

    after = snapshot(root) if dry_run else not_ours(root)
    assert differences(before, after) == []
    assert sorted(os.listdir(tmp_path.joinpath(*DEPTH))) == ["fuzz"]


@settings(FUZZ, max_examples=60)
@given(spec=receipts(), dry_run=st.booleans())
def test_whatever_the_receipt_says_uninstall_sh_stays_in_its_folders(
    tmp_path: Path, spec: dict, dry_run: bool
) -> None:
    root = tmp_path.joinpath(*DEPTH, "fuzz")
    home = fresh(root, spec)
    before = snapshot(root) if dry_run else not_ours(root)

    result = run_script(
        UNINSTALL_SH, ["--dry-run" if dry_run else "--yes"], shell_env(home), timeout=60
    )

    assert result.returncode == 0, result.stderr
    after = snapshot(root) if dry_run else not_ours(root)
    assert differences(before, after) == []
    # Every line it refused with is one line (no path from the receipt breaks it).
    assert all(line.startswith(f"{NAME}: ") for line in result.stderr.splitlines())


def honest_removal(root: Path, how: str) -> Optional[subprocess.CompletedProcess[str]]:
    home = root / "home"
    if how == "command":
        uninstall_in_process(home)
        return None
    return run_script(UNINSTALL_SH, ["--yes"], shell_env(home))


@pytest.mark.parametrize("how", ["command", "script"])
def test_an_honest_receipt_still_removes_everything(world: Path, how: str) -> None:
    home, _ = decoys(world)
    before = snapshot(world)
    fake_install(home, escapes=False)
    block = shell_path.add(
        shell_path.Target(home / ".profile", shell_path.POSIX),
        lines_for(home / ".local" / "bin", home),
        NAME,
    )
    assert block is not None
    receipt.write(
        home / ".config" / NAME / "receipt.toml",
        replace(honest(home), path_blocks=(block.block,)),
    )

    result = honest_removal(world, how)

    assert result is None or result.returncode == 0, result and result.stderr
    assert differences(before, snapshot(world)) == []
