"""Paths as text, spelt exactly as ``pathlib`` spells them, for the paths every command
and every adopting tool's start take.

``pathlib`` imports ``fnmatch``, ``re``, ``enum``, ``functools``, ``collections`` and
``urllib.parse``: some 12 ms of a start that only needs to join a folder and a name and
open the result. ``text(p)`` is ``str(Path(p))``, ``join(folder, name)`` is
``str(Path(folder) / name)``, both without the module; ``path(text)`` makes the Path
when one is asked for (and only then imports pathlib).
"""

from __future__ import annotations

import errno
import os
import stat

from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Union

_POSIX = os.name == "posix"


def text(value: Union[str, os.PathLike[str]]) -> str:
    """``str(Path(value))``: the text of a path as pathlib spells it."""
    if not isinstance(value, str):
        return str(value) if _is_path(value) else text(os.fspath(value))
    if not _POSIX:  # pragma: no cover - other systems spell paths their own way
        return str(path(value))
    # POSIX pathlib: one root ("/", or "//" when there are exactly two), then the parts
    # without empty ones and ".", joined by "/"; nothing at all is ".".
    stripped = value.lstrip("/")
    root = "//" if len(value) - len(stripped) == 2 else "/" if stripped != value else ""
    parts = [part for part in stripped.split("/") if part and part != "."]
    return root + "/".join(parts) if root or parts else "."


def join(folder: str, *names: str) -> str:
    """``str(Path(folder).joinpath(*names))`` for a ``folder`` already spelt by ``text``
    and plain names (no slash, not "." or empty)."""
    if not _POSIX:  # pragma: no cover
        return str(path(folder).joinpath(*names))
    tail = "/".join(names)
    if folder == ".":
        return tail
    return folder + tail if folder.endswith("/") else f"{folder}/{tail}"


def parent(value: str) -> str:
    """``str(Path(value).parent)`` for a ``value`` already spelt by ``text``."""
    if not _POSIX:  # pragma: no cover
        return str(path(value).parent)
    head, sep, _ = value.rpartition("/")
    if not sep:
        return "."
    return head if head.strip("/") else value[: len(head) + 1]


# What pathlib's exists() and is_file() take for "not there" on every version.
_ABSENT = (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP)


def exists(value: str) -> bool:
    """``Path(value).exists()``."""
    try:
        os.stat(value)
    except OSError as exc:
        if exc.errno in _ABSENT:
            return False
        return path(value).exists()  # any other error: pathlib's own answer (or error)
    except ValueError:
        return False
    return True


def is_file(value: str) -> bool:
    """``Path(value).is_file()``."""
    return _is(value, stat.S_ISREG, "is_file")


def mkdir(value: str, mode: int = 0o777) -> None:
    """``Path(value).mkdir(mode, parents=True, exist_ok=True)``, step for step (missing
    parents are made with the default mode, as pathlib makes them)."""
    try:
        os.mkdir(value, mode)
    except FileNotFoundError:
        up = parent(value)
        if up == value:
            raise
        mkdir(up)
        mkdir_one(value, mode)
    except OSError:
        if not is_dir(value):
            raise


def mkdir_one(value: str, mode: int) -> None:
    # Path.mkdir(mode, parents=False, exist_ok=True)
    try:
        os.mkdir(value, mode)
    except OSError:
        if not is_dir(value):
            raise


def is_dir(value: str) -> bool:
    """``Path(value).is_dir()``."""
    return _is(value, stat.S_ISDIR, "is_dir")


def _is(value: str, kind: Callable[[int], bool], ask: str) -> bool:
    # pathlib's is_file/is_dir: absent or unreadable-by-name is False; any other error
    # gets pathlib's own answer (or error).
    try:
        mode = os.stat(value).st_mode
    except OSError as exc:
        if exc.errno in _ABSENT:
            return False
        return bool(getattr(path(value), ask)())
    except ValueError:
        return False
    return kind(mode)


def path(value: str) -> Path:
    """The ``pathlib.Path`` of ``value`` (pathlib is imported here, on first use)."""
    from pathlib import Path

    return Path(value)


class Located(Frozen):
    """A value read from one file, which it keeps as text in ``_path`` (in its slots)."""

    __slots__ = ()
    _path: str

    @property
    def path(self) -> Path:
        return path(self._path)

    @property
    def path_text(self) -> str:
        """``str(path)``, without making the Path."""
        return self._path


def _is_path(value: object) -> bool:
    # A pathlib path already spells itself; testing for one must not import pathlib.
    import sys

    pathlib = sys.modules.get("pathlib")
    return pathlib is not None and isinstance(value, pathlib.PurePath)


__all__ = ["Located", "exists", "is_dir", "is_file", "join", "mkdir", "parent", "path", "text"]
