"""PATH blocks: added exactly, found again, removed byte for byte, and right in real shells."""

from __future__ import annotations

import os
import stat
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.install import shell_path
from tests.install.install_run import have
from tests.install.start_up_files import CONTENT, NAME, lines_for


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=CONTENT, appended=st.sampled_from([b"", b"export LATER=1\n"]))
def test_add_then_remove_gives_back_the_file_byte_for_byte(
    tmp_path: Path, content: bytes | None, appended: bytes
) -> None:
    target = tmp_path / "rc"
    if target.exists():
        target.unlink()
    if content is not None:
        target.write_bytes(content)
    change = shell_path.add(
        shell_path.Target(target, shell_path.POSIX), lines_for(tmp_path / "bin", tmp_path), NAME
    )
    assert change is not None and shell_path.present(target, NAME)
    if appended:  # the person added a line after ours
        with open(target, "ab") as handle:
            handle.write(appended)

    assert shell_path.remove(change.block, NAME)

    if content is None and not appended:
        assert not target.exists()
    else:
        expected = content or b""
        if appended and expected and not expected.endswith(b"\n"):
            expected += b"\n"  # our separator newline ended their last line; theirs follows
        assert target.read_bytes() == expected + appended


def test_adding_again_is_a_no_op_and_a_new_folder_replaces_the_block(tmp_path: Path) -> None:
    target = shell_path.Target(tmp_path / ".profile", shell_path.POSIX)
    (tmp_path / ".profile").write_text("export A=1\n", encoding="utf-8")
    first = shell_path.add(target, lines_for(tmp_path / "bin", tmp_path), NAME)
    assert first is not None
    assert shell_path.add(target, lines_for(tmp_path / "bin", tmp_path), NAME) is None

    moved = shell_path.add(target, lines_for(tmp_path / "tools", tmp_path), NAME)

    assert moved is not None
    text = (tmp_path / ".profile").read_text(encoding="utf-8")
    assert text.count(shell_path.markers(NAME)[0]) == 1
    assert '"$HOME/tools"' in text and '"$HOME/bin"' not in text
    # A block is removed by exactly the lines recorded for it: the first record no longer
    # matches, the refreshed one (the first's newlines, the new lines) does.
    assert not shell_path.remove(first.block, NAME)
    refreshed = replace(first.block, lines=moved.block.lines)
    assert shell_path.remove(refreshed, NAME)
    assert (tmp_path / ".profile").read_text(encoding="utf-8") == "export A=1\n"


def test_a_symlinked_start_up_file_stays_a_link_and_keeps_its_mode(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "profile"
    real.parent.mkdir()
    real.write_text("export A=1\n", encoding="utf-8")
    real.chmod(0o600)
    link = tmp_path / ".profile"
    link.symlink_to("dotfiles/profile")

    change = shell_path.add(
        shell_path.Target(link, shell_path.POSIX), lines_for(tmp_path / "bin", tmp_path), NAME
    )

    assert change is not None and link.is_symlink()
    assert shell_path.present(real, NAME)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    shell_path.undo(change)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "export A=1\n"


WEIRD = 'my "tools" $HOME `x` \\ bin'


@pytest.mark.parametrize("inside_home", [True, False])
def test_the_posix_block_puts_exactly_that_folder_first_once(
    tmp_path: Path, home: Path, inside_home: bool
) -> None:
    folder = (home if inside_home else tmp_path) / WEIRD
    rc = tmp_path / "rc"
    rc.write_text("\n".join(lines_for(folder, home)) + "\n", encoding="utf-8")
    for shell in [s for s in ("dash", "bash", "zsh") if have(s)]:
        result = subprocess.run(
            [shell, "-c", '. "$1"; . "$1"; printf "%s" "$PATH"', "sh", str(rc)],
            env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.stdout == f"{folder}:/usr/bin:/bin", shell


def test_the_fish_block_puts_exactly_that_folder_first_once(tmp_path: Path, home: Path) -> None:
    if not have("fish"):
        pytest.fail("fish is missing: sh tests/run.sh installs it")
    folder = home / WEIRD
    rc = tmp_path / "path.fish"
    rc.write_text("\n".join(lines_for(folder, home, shell_path.FISH)) + "\n", encoding="utf-8")
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {rc}; source {rc}; string join : $PATH"],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == f"{folder}:/usr/bin:/bin", result.stderr


def test_targets_cover_each_shell_and_honour_zdotdir(tmp_path: Path, home: Path) -> None:
    (home / ".bash_profile").write_text("", encoding="utf-8")
    env = {"ZDOTDIR": str(tmp_path / "z"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}

    everything = shell_path.targets(NAME, home, env, which=lambda _: "/bin/x")
    nothing_installed = shell_path.targets(NAME, home, env, which=lambda _: None)

    assert [t.file for t in everything] == [
        home / ".profile",
        home / ".bash_profile",
        home / ".bashrc",
        tmp_path / "z" / ".zshenv",
        tmp_path / "cfg" / "fish" / "conf.d" / f"{NAME}.fish",
    ]
    assert [t.file for t in nothing_installed] == [home / ".profile", home / ".bash_profile"]


def test_on_path_compares_folders_not_strings(tmp_path: Path) -> None:
    env = {"PATH": os.pathsep.join(["/usr/bin", f"{tmp_path}/bin/", "/bin"])}
    assert shell_path.on_path(tmp_path / "bin", env)
    assert not shell_path.on_path(tmp_path / "other", env)
