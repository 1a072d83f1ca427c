"""The command link: ``<bin dir>/<name>``, a symlink into the isolated environment.

The link is replaced atomically (a new symlink renamed over the old one), and only when
what is there is ours: a link into our environment, or the link an earlier install
recorded. Anything else (a file, another tool's link such as pipx's) is left alone and
reported, because overwriting it would break that tool.
"""

from __future__ import annotations

import os
from pathlib import Path

from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Optional


class LinkConflict(DoorstepError):
    """Something that is not ours already sits where the link goes."""


class Previous(Frozen):
    """What was at the link's place before, so a failed install can put it back."""

    _fields = ("path", "target")
    __slots__ = _fields

    path: Path
    target: Optional[str]  # the old link's target; None: nothing was there

    def __init__(self, path: Path, target: Optional[str]) -> None:
        self._set(path=path, target=target)


def _inside(target: str, link: Path, folder: Path) -> bool:
    resolved = Path(os.path.normpath(os.path.join(link.parent, target)))
    return resolved == folder or folder in resolved.parents


def points_into(link: Path, folder: Path) -> bool:
    """Whether ``link`` is a symlink whose target lies in ``folder`` (dangling or not)."""
    try:
        target = os.readlink(link)
    except OSError:
        return False
    return _inside(target, link, folder)


def create(link: Path, target: Path, ours: tuple[Path, ...]) -> Previous:
    """Point ``link`` at ``target``; ``ours`` are folders whose links may be replaced.

    Raises LinkConflict for anything else at ``link``; OSError propagates.
    """
    old: Optional[str] = None
    if os.path.lexists(link):
        try:
            old = os.readlink(link)
        except OSError:
            raise LinkConflict(
                f"{link} already exists and is not a link made by this installer; "
                "move it away or choose another folder with --bin-dir"
            ) from None
        if old != str(target) and not any(_inside(old, link, folder) for folder in ours):
            raise LinkConflict(
                f"{link} already links to {old}, which another tool installed; "
                "remove that install or choose another folder with --bin-dir"
            )
    temporary = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
    os.symlink(target, temporary)
    try:
        os.replace(temporary, link)
    except OSError:
        os.unlink(temporary)
        raise
    return Previous(link, old)


def restore(previous: Previous) -> None:
    """Undo ``create``: the old link back, or no link at all."""
    if previous.target is None:
        try:
            os.unlink(previous.path)
        except FileNotFoundError:
            pass
        return
    temporary = previous.path.with_name(f".{previous.path.name}.{os.getpid()}.tmp")
    os.symlink(previous.target, temporary)
    os.replace(temporary, previous.path)


__all__ = ["LinkConflict", "Previous", "create", "points_into", "restore"]
