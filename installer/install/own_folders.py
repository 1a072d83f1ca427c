"""Which paths an uninstall may touch: the product's own, whatever a receipt says.

A receipt is a file in the person's home that anything may have rewritten, so what it
names is evidence, not an instruction. A path from it is used only when, normalised
and with the links in its folders followed, it lies inside the product's own folders
as platformdirs gives them now; an environment is removed only when it is one (it has
a ``pyvenv.cfg``); a folder the install says it created is removed only when it is on
the way to one of the install's own places, never the home folder or above it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Optional


def normal(path: Path) -> Optional[Path]:
    """``path`` with ``.``, ``..`` and doubled slashes resolved as text; None if relative."""
    text = os.fspath(path)
    if not os.path.isabs(text):
        return None
    tidy = os.path.normpath(text)
    if tidy.startswith("//"):  # POSIX keeps two leading slashes; nothing here means them
        tidy = "/" + tidy.lstrip("/")
    return Path(tidy)


def _real(path: Path) -> Path:
    """``path`` with every link in its folders followed; its last part is kept as it is,
    because removing a link removes the link, never what it points to."""
    if path.parent == path:
        return path
    return Path(os.path.realpath(path.parent)) / path.name


def same(path: Path, other: Path) -> bool:
    """Whether the two name the same place (as text, or once their folders' links are followed)."""
    first, second = normal(path), normal(other)
    if first is None or second is None:
        return False
    return first == second or _real(first) == _real(second)


def within(path: Path, root: Path, *, or_same: bool = False) -> bool:
    """Whether ``path`` lies inside the folder ``root`` (or is it, with ``or_same``), judged
    where it really is: a link on the way out of ``root`` takes it outside."""
    candidate, folder = normal(path), normal(root)
    if candidate is None or folder is None:
        return False
    if same(candidate, folder):
        return or_same
    if folder not in candidate.parents:
        return False
    return Path(os.path.realpath(folder)) in _real(candidate).parents


def is_environment(path: Path) -> bool:
    """Whether ``path`` is a Python environment: a real folder holding a ``pyvenv.cfg``."""
    try:
        folder = os.lstat(path)
        marker = os.lstat(path / "pyvenv.cfg")
    except OSError:
        return False
    return stat.S_ISDIR(folder.st_mode) and stat.S_ISREG(marker.st_mode)


def removable_folder(folder: Path, home: Path, anchors: Iterable[Path]) -> bool:
    """Whether an empty ``folder`` the receipt says the install created may be removed:
    it holds one of ``anchors`` (the install's own places) and is not ``home`` or above it."""
    if normal(folder) is None or within(home, folder, or_same=True):
        return False
    return any(within(anchor, folder, or_same=True) for anchor in anchors)


def printable(path: object) -> str:
    """A path for a one-line message: control characters and stray bytes escaped."""
    text = os.fspath(path) if isinstance(path, Path) else str(path)
    out = []
    for char in text:
        if ord(char) < 0x20 or ord(char) == 0x7F or 0xDC80 <= ord(char) <= 0xDCFF:
            out.append(
                char.encode("utf-8", "surrogateescape")
                .decode("latin-1")
                .encode("unicode_escape")
                .decode("ascii")
            )
        else:
            out.append(char)
    return "".join(out)


__all__ = ["is_environment", "normal", "printable", "removable_folder", "same", "within"]
