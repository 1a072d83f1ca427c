"""Reading TOML on every supported Python (tomllib from 3.11, tomli before), and reading
a small TOML file from disk without ever raising for what the disk holds.

The parser is imported on the first parse, not with this module: a command that finds
no file to read never pays for it (it also imports ``typing``).
"""

from __future__ import annotations

import os
import stat
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from types import ModuleType
    from typing import Any, Optional


def _parser() -> ModuleType:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python < 3.11 only
        import tomli as tomllib
    return tomllib


def loads(text: str) -> dict[str, Any]:
    """The table in ``text``; TOMLDecodeError when it is not TOML."""
    return _parser().loads(text)


def __getattr__(name: str) -> Any:
    # ``tomlread.TOMLDecodeError`` is the parser's own exception class, loaded on first use.
    if name == "TOMLDecodeError":
        return _parser().TOMLDecodeError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Unreadable(Exception):
    """A file that is there but cannot be read as TOML; the message is one line for people."""


class NotRegular(OSError):
    """Something other than a regular file (a FIFO, a device, a socket) where one belongs."""


def read_regular(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of the regular file at ``path``.

    The file is opened without blocking and checked before a byte is read, so a FIFO
    or a device put where a file belongs raises NotRegular instead of hanging the
    process. Every other OSError (FileNotFoundError included) propagates.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "Is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{path} is not a regular file")
        chunks: list[bytes] = []
        left = max_bytes + 1
        while left > 0:  # bounded: at most max_bytes + 1 bytes in all
            chunk = os.read(fd, min(left, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_file(
    path: Path, max_bytes: int, what: str, compiled: Optional[Mapping[str, Any]] = None
) -> Optional[dict[str, Any]]:
    """The table in ``path``, or None when there is no such file.

    Anything else that stops it being read (a folder, a FIFO or other non-regular file,
    no permission, more than ``max_bytes``, not UTF-8, not TOML) raises Unreadable naming
    the path and ``what`` it should have been. ``compiled`` is what was compiled from the
    file (``SOURCE``, its text, and ``DATA``, its table): that table is returned, without
    parsing, only while the file still holds exactly that text.
    """
    try:
        raw = read_regular(path, max_bytes)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise Unreadable(f"{path} is a folder, not a file") from None
    except NotRegular:
        raise Unreadable(f"{path} is not a regular file, so it cannot be {what}") from None
    except PermissionError:
        raise Unreadable(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise Unreadable(f"{path} cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise Unreadable(f"{path} is too large to be {what}")
    try:
        text = raw.decode("utf-8")
        if compiled is not None and text == compiled.get("SOURCE"):
            return compiled["DATA"]
        return loads(text)
    except (UnicodeDecodeError, _parser().TOMLDecodeError):
        raise Unreadable(f"{path} is not valid TOML") from None


__all__ = [  # noqa: F822 - TOMLDecodeError comes from __getattr__
    "NotRegular",
    "TOMLDecodeError",
    "Unreadable",
    "loads",
    "read_file",
    "read_regular",
]
