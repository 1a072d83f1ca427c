"""PATH blocks: the marked lines the install adds to shell start-up files, and taking them out.

A block is the only thing the install writes outside its own folders, so it is exact:
it is taken out by the very lines the receipt recorded, never by the first marker that
happens to be there, together with the newlines that set it apart, which leaves the
file as it was (or deletes it, when the install created it). A block without a record
is touched only when it has exactly the shape this installer writes. Files are
rewritten atomically with their owner and mode kept, and read only when they are
regular files; a start-up file that is a symlink (dotfile managers) is rewritten where
it points, so the link stays a link.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

from doorstep.foundation.atomic import write_atomic
from doorstep.foundation.frozen import Frozen
from doorstep.foundation.product import Product
from doorstep.foundation.tomlread import read_regular
from doorstep.install.receipt import PathBlock

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Optional

POSIX, FISH = "posix", "fish"
_NEW_FILE_MODE = 0o644
MAX_FILE_BYTES = 16 * 1024 * 1024  # a start-up file this large is not one to rewrite
# Start-up files whose permission bits a new one beside them must not exceed.
_SIBLINGS = (
    ".profile",
    ".bash_profile",
    ".bash_login",
    ".bashrc",
    ".zshenv",
    ".zshrc",
    ".zprofile",
    ".zlogin",
    ".login",
    "config.fish",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The folder word of a block (see _folder_words): $HOME/ at most once, then text in which
# every character the shell would expand is escaped.
_POSIX_WORD = r'(?:\$HOME/)?(?:[^"\\$`]|\\["\\$`])*'
_FISH_WORD = r'(?:\$HOME/)?(?:[^"\\$]|\\["\\$])*'
_POSIX_BODY = re.compile(
    rf'case ":\$\{{PATH\}}:" in \*:"({_POSIX_WORD})":\*\) ;; '
    rf'\*\) export PATH="({_POSIX_WORD}):\$PATH" ;; esac'
)
_FISH_IF = re.compile(rf'if not contains -- "({_FISH_WORD})" \$PATH')
_FISH_SET = re.compile(rf'    set -gx PATH "({_FISH_WORD})" \$PATH')


class NotOurBlock(Exception):
    """A file holds this product's markers around lines this installer did not write."""


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (a newline, a tab, an escape, ...)."""
    return _CONTROL.search(text) is not None


def file_names(name: str) -> tuple[str, ...]:
    """The names a start-up file holding ``name``'s block can have (see ``targets``)."""
    return (".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", f"{name}.fish")


class Target(Frozen):
    """A start-up file and the language its block is written in."""

    _fields = ("file", "syntax")
    __slots__ = _fields

    file: Path
    syntax: str

    def __init__(self, file: Path, syntax: str) -> None:
        self._set(file=file, syntax=syntax)


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


def well_formed(lines: Sequence[str], name: str) -> bool:
    """Whether ``lines`` are a block exactly as ``block_lines`` writes them, for any folder.

    Only such lines are ever taken out of a start-up file: a receipt (or a file) that
    names anything else is not trusted with the person's own lines.
    """
    begin, end = markers(name)
    if len(lines) not in (4, 6) or lines[0] != begin or lines[-1] != end:
        return False
    if any(has_control(line) for line in lines) or not lines[1].startswith("# "):
        return False
    if begin in lines[1] or end in lines[1]:
        return False
    if len(lines) == 4:
        match = _POSIX_BODY.fullmatch(lines[2])
        return match is not None and match.group(1) == match.group(2)
    first, second = _FISH_IF.fullmatch(lines[2]), _FISH_SET.fullmatch(lines[3])
    return (
        first is not None
        and second is not None
        and first.group(1) == second.group(1)
        and lines[4] == "end"
    )


def _find(data: bytes, lines: Sequence[str]) -> Optional[tuple[int, int]]:
    """Where exactly these lines stand in ``data``, starting a line (end: after the last)."""
    wanted = _encode(lines)
    start = data.find(wanted)
    while start > 0 and data[start - 1 : start] != b"\n":  # bounded: start only grows
        start = data.find(wanted, start + 1)
    return None if start < 0 else (start, start + len(wanted))


def _marked(data: bytes, name: str) -> Optional[tuple[str, ...]]:
    """The lines from the first begin marker to the next end marker (inclusive), if any."""
    begin, end = (marker.encode() for marker in markers(name))
    found: Optional[list[bytes]] = None
    for line in data.split(b"\n"):
        if found is None:
            if line == begin:
                found = [line]
        else:
            found.append(line)
            if line == end:
                return tuple(x.decode("utf-8", "surrogateescape") for x in found)
    return None


def _located(data: bytes, name: str) -> Optional[tuple[str, ...]]:
    """The lines of a block without a record: the marked lines, if they are well-formed."""
    lines = _marked(data, name)
    return lines if lines is not None and well_formed(lines, name) else None


def _encode(lines: Sequence[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8", "surrogateescape")


def _read(path: Path) -> Optional[bytes]:
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        return None
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"{path} is larger than a start-up file can be")
    return data


def _new_mode(folder: Path) -> int:
    """A new start-up file is no more readable than the umask and the ones beside it allow."""
    umask = os.umask(0o077)
    os.umask(umask)
    others = _NEW_FILE_MODE & ~umask & 0o077
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError:
        names = []
    for entry in names:
        if entry in _SIBLINGS or entry.endswith(".fish"):
            try:
                info = os.stat(folder / entry)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                others &= info.st_mode
    return 0o600 | others


def _write(path: Path, data: bytes, like: Optional[os.stat_result]) -> None:
    if like is None:
        write_atomic(path, data, mode=_new_mode(path.parent))
    else:
        write_atomic(path, data, mode=like.st_mode & 0o7777, owner=(like.st_uid, like.st_gid))


class Change(Frozen):
    """What ``add`` did to one file, enough to undo it exactly."""

    _fields = ("block", "real", "original", "stat")
    __slots__ = _fields

    block: PathBlock
    real: Path  # the file written (the start-up file, or where its symlink points)
    original: Optional[bytes]  # None: the file did not exist
    stat: Optional[os.stat_result]

    def __init__(
        self,
        block: PathBlock,
        real: Path,
        original: Optional[bytes],
        stat: Optional[os.stat_result],
    ) -> None:
        self._set(block=block, real=real, original=original, stat=stat)


def add(
    target: Target, lines: tuple[str, ...], name: str, recorded: Sequence[str] = ()
) -> Optional[Change]:
    """Put the block into ``target.file``, or refresh the one there; None if already exact.

    The block there is found by the lines ``recorded`` for it, or else by its markers
    when what they hold has exactly the shape of a block. Markers around anything else
    raise NotOurBlock; OSError propagates (the caller knows the stage and words it).
    """
    real = Path(os.path.realpath(target.file))
    original = _read(real)
    info = os.stat(real) if original is not None else None
    block = _encode(lines)
    span = None
    if original:
        span = _find(original, recorded) if recorded else None
        if span is None:
            there = _located(original, name)
            if there is not None:
                span = _find(original, there)
            elif _marked(original, name) is not None:
                raise NotOurBlock(
                    f"{target.file} holds '{markers(name)[0]}' around lines this installer "
                    "did not write"
                )
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
    _write(real, data, info)
    return Change(PathBlock(target.file, original is None, newlines, lines), real, original, info)


def undo(change: Change) -> None:
    """Put the file back exactly as ``add`` found it."""
    if change.original is None:
        try:
            change.real.unlink()
        except FileNotFoundError:
            pass
    else:
        _write(change.real, change.original, change.stat)


def _data(file: Path) -> Optional[bytes]:
    try:
        return _read(Path(os.path.realpath(file)))
    except OSError:
        return None


def present(file: Path, name: str) -> bool:
    """Whether ``file`` holds ``name``'s begin marker and an end marker after it
    (unreadable counts as no), whatever lies between them."""
    data = _data(file)
    return data is not None and _marked(data, name) is not None


def located(file: Path, name: str) -> Optional[tuple[str, ...]]:
    """The lines of ``name``'s block in ``file`` when nothing recorded them: the marked
    lines, if they have exactly the shape of a block; None otherwise."""
    data = _data(file)
    return None if data is None else _located(data, name)


def contains(block: PathBlock, name: str) -> bool:
    """Whether ``block.file`` holds exactly the lines recorded for it, and they are a block
    (without recorded lines: a well-formed block with its markers)."""
    data = _data(block.file)
    if data is None:
        return False
    lines = block.lines or _located(data, name)
    return lines is not None and well_formed(lines, name) and _find(data, lines) is not None


def remove(block: PathBlock, name: str) -> bool:
    """Take the block out of its file; False when it is not there. OSError propagates.

    It is found by exactly its recorded lines (a block recorded without lines: by its
    markers, if what they hold is well-formed), and only lines of the shape this
    installer writes are ever taken. The newlines added before it go too, and a file
    the install created is deleted once nothing else is left in it.
    """
    real = Path(os.path.realpath(block.file))
    data = _read(real)
    if not data:
        return False
    lines = block.lines or _located(data, name)
    if lines is None or not well_formed(lines, name):
        return False
    span = _find(data, lines)
    if span is None:
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
        _write(real, rest, os.stat(real))
    return True


__all__ = [
    "FISH",
    "MAX_FILE_BYTES",
    "POSIX",
    "Change",
    "NotOurBlock",
    "Target",
    "add",
    "block_lines",
    "contains",
    "file_names",
    "has_control",
    "located",
    "markers",
    "on_path",
    "present",
    "remove",
    "targets",
    "undo",
    "well_formed",
]
