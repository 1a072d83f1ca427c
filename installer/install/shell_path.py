"""PATH blocks: the marked lines the install adds to shell start-up files, and taking them out.

A block is the only thing the install writes outside its own folders, so it is exact:
it is found by its marker lines, replaced in place when it is already there, and
removed byte for byte together with the newlines that set it apart, which leaves the
file as it was (or deletes it, when the install created it). Files are rewritten
atomically with their mode kept; a start-up file that is a symlink (dotfile managers)
is rewritten where it points, so the link stays a link.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from doorstep.foundation.atomic import write_atomic
from doorstep.foundation.product import Product
from doorstep.install.receipt import PathBlock

POSIX, FISH = "posix", "fish"
_NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class Target:
    """A start-up file and the language its block is written in."""

    file: Path
    syntax: str


def markers(name: str) -> tuple[str, str]:
    """The first and last line of ``name``'s block."""
    return f"# >>> {name} >>>", f"# <<< {name} <<<"


def on_path(folder: Path, env: Mapping[str, str]) -> bool:
    """Whether ``folder`` is already an entry of PATH (then nothing needs adding)."""
    wanted = os.path.normpath(str(folder))
    entries = env.get("PATH", "").split(os.pathsep)
    return any(entry and os.path.normpath(entry) == wanted for entry in entries)


def targets(
    name: str,
    home: Path,
    env: Mapping[str, str],
    which: Callable[[str], Optional[str]] = shutil.which,
) -> list[Target]:
    """The start-up files that put a folder on PATH for new shells of each kind.

    sh and login bash read ~/.profile, unless bash finds ~/.bash_profile or ~/.bash_login
    first; interactive bash reads ~/.bashrc; every zsh reads $ZDOTDIR/.zshenv; fish reads
    conf.d/<name>.fish. A shell that is not installed gets a file only if it has one.
    """
    found = [Target(home / ".profile", POSIX)]
    for login in (".bash_profile", ".bash_login"):
        if (home / login).exists():
            found.append(Target(home / login, POSIX))
            break
    if (home / ".bashrc").exists() or which("bash"):
        found.append(Target(home / ".bashrc", POSIX))
    zdotdir = Path(env.get("ZDOTDIR") or home)
    if (zdotdir / ".zshenv").exists() or which("zsh"):
        found.append(Target(zdotdir / ".zshenv", POSIX))
    config_home = env.get("XDG_CONFIG_HOME", "")
    fish_dir = (Path(config_home) if os.path.isabs(config_home) else home / ".config") / "fish"
    if fish_dir.is_dir() or which("fish"):
        found.append(Target(fish_dir / "conf.d" / f"{name}.fish", FISH))
    return found


def _quoted(text: str, syntax: str) -> str:
    # Inside double quotes: sh expands $ ` \ ", fish expands $ \ ".
    special = '\\"$`' if syntax == POSIX else '\\"$'
    return "".join("\\" + char if char in special else char for char in text)


def _folder_words(folder: Path, home: Path, syntax: str) -> str:
    """``folder`` as a double-quoted word, through $HOME when it lies under it."""
    try:
        rest = folder.relative_to(home)
    except ValueError:
        return '"' + _quoted(str(folder), syntax) + '"'
    return '"$HOME/' + _quoted(str(rest), syntax) + '"'


def block_lines(product: Product, folder: Path, home: Path, syntax: str) -> tuple[str, ...]:
    """The block that puts ``folder`` at the front of PATH, unless it is there already."""
    begin, end = markers(product.name)
    note = (
        f"# Added by the {product.display_name} installer to put its command on PATH; "
        f"'{product.command_name} uninstall' removes this block."
    )
    word = _folder_words(folder, home, syntax)
    if syntax == FISH:
        body = (
            f"if not contains -- {word} $PATH",
            f"    set -gx PATH {word} $PATH",
            "end",
        )
    else:
        inner = word[1:-1]
        body = (f'case ":${{PATH}}:" in *:"{inner}":*) ;; *) export PATH="{inner}:$PATH" ;; esac',)
    return (begin, note, *body, end)


def _span(data: bytes, name: str) -> Optional[tuple[int, int]]:
    """Where the block starts and ends in ``data`` (end includes its last newline)."""
    begin, end = (marker.encode() for marker in markers(name))
    offset, start = 0, None
    for line in data.splitlines(keepends=True):
        bare = line.rstrip(b"\r\n")
        if start is None and bare == begin:
            start = offset
        elif start is not None and bare == end:
            return start, offset + len(line)
        offset += len(line)
    return None


def _encode(lines: tuple[str, ...]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")


def _read(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write(path: Path, data: bytes, like: Optional[os.stat_result]) -> None:
    mode = (like.st_mode & 0o7777) if like is not None else _NEW_FILE_MODE
    write_atomic(path, data, mode=mode)


@dataclass(frozen=True)
class Change:
    """What ``add`` did to one file, enough to undo it exactly."""

    block: PathBlock
    real: Path  # the file written (the start-up file, or where its symlink points)
    original: Optional[bytes]  # None: the file did not exist
    stat: Optional[os.stat_result]


def add(target: Target, lines: tuple[str, ...], name: str) -> Optional[Change]:
    """Put the block into ``target.file``, or refresh the one there; None if already exact.

    OSError propagates (the caller knows the stage and words it).
    """
    real = Path(os.path.realpath(target.file))
    original = _read(real)
    stat = real.stat() if original is not None else None
    block = _encode(lines)
    span = _span(original, name) if original else None
    if original is not None and span is not None:
        start, stop = span
        if original[start:stop] == block:
            return None
        data = original[:start] + block + original[stop:]
        newlines = 0  # the block was already set apart; the receipt keeps the old count
    else:
        before = original or b""
        newlines = 0 if not before else (1 if before.endswith(b"\n") else 2)
        data = before + b"\n" * newlines + block
    if original is None:
        real.parent.mkdir(parents=True, exist_ok=True)
    _write(real, data, stat)
    return Change(PathBlock(target.file, original is None, newlines, lines), real, original, stat)


def undo(change: Change) -> None:
    """Put the file back exactly as ``add`` found it."""
    if change.original is None:
        try:
            change.real.unlink()
        except FileNotFoundError:
            pass
    else:
        _write(change.real, change.original, change.stat)


def present(file: Path, name: str) -> bool:
    """Whether ``file`` holds ``name``'s block (unreadable counts as no)."""
    try:
        return _span(Path(os.path.realpath(file)).read_bytes(), name) is not None
    except OSError:
        return False


def remove(block: PathBlock, name: str) -> bool:
    """Take the block out of its file; False when it is not there. OSError propagates.

    The newlines added before it go too, and a file the install created is deleted once
    nothing else is left in it.
    """
    real = Path(os.path.realpath(block.file))
    data = _read(real)
    span = _span(data, name) if data else None
    if data is None or span is None:
        return False
    start, stop = span
    before, after = data[:start], data[stop:]
    # The separating newlines always leave a blank line before the block; if someone
    # removed that line, they are no longer ours to take. With lines added after the
    # block, one newline stays, ending the line before it.
    if block.newlines and before.endswith(b"\n\n"):
        before = before[: -(block.newlines if not after else 1)]
    rest = before + after
    if not rest and block.created:
        real.unlink()
    else:
        _write(real, rest, real.stat())
    return True


__all__ = [
    "FISH",
    "POSIX",
    "Change",
    "Target",
    "add",
    "block_lines",
    "markers",
    "on_path",
    "present",
    "remove",
    "targets",
    "undo",
]
