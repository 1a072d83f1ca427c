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


_BARE_KEY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
_DIGITS = frozenset("0123456789")


def _flat_string(text: str) -> Optional[str]:
    # A basic string with nothing to unescape: no backslash, quote or control character.
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        return None
    inner = text[1:-1]
    if "\\" in inner or '"' in inner or any(c < " " or c == "\x7f" for c in inner):
        return None
    return inner


def _flat_value(text: str) -> Any:
    # None: not one of the few forms a flat table of doorstep's holds.
    if text == "true":
        return True
    if text == "false":
        return False
    if text and len(text) <= 18 and set(text) <= _DIGITS and (text == "0" or text[0] != "0"):
        return int(text)
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip(" ")
        if not inner:
            return []
        if inner.endswith(","):
            inner = inner[:-1]
        items = [_flat_string(item.strip(" ")) for item in inner.split(",")]
        return None if None in items else items
    return _flat_string(text)


def loads_flat(text: str) -> Optional[dict[str, Any]]:
    """The table in ``text`` when it is a flat table as doorstep writes one, else None.

    Only ``key = value`` lines are taken, each value true, false, a plain integer, a
    string with nothing to unescape, or a list of such strings (on one line, or one item
    a line as tomli_w writes it): exactly what ``loads`` makes of the same text. Anything
    else, including every mistake, is None, for ``loads`` to read (or reject) as ever.
    """
    table: dict[str, Any] = {}
    lines = text.split("\n")
    if lines[-1] != "" or "\r" in text:
        return None
    lines.pop()
    index = 0
    while index < len(lines):
        key, sep, value = lines[index].partition(" = ")
        index += 1
        if not sep or not key or not set(key) <= _BARE_KEY or key in table:
            return None
        if value == "[":  # one item a line, up to a line that is "]"
            items = []
            while index < len(lines) and lines[index] != "]":
                item = lines[index]
                index += 1
                if not item.startswith("    ") or not item.endswith(","):
                    return None
                found = _flat_string(item[4:-1])
                if found is None:
                    return None
                items.append(found)
            if index == len(lines):
                return None
            index += 1
            table[key] = items
            continue
        found = _flat_value(value)
        if found is None:
            return None
        table[key] = found
    return table


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
    path: Path | str,
    max_bytes: int,
    what: str,
    compiled: Optional[Mapping[str, Any]] = None,
    flat: bool = False,
) -> Optional[dict[str, Any]]:
    """The table in ``path``, or None when there is no such file.

    Anything else that stops it being read (a folder, a FIFO or other non-regular file,
    no permission, more than ``max_bytes``, not UTF-8, not TOML) raises Unreadable naming
    the path and ``what`` it should have been. ``compiled`` is what was compiled from the
    file (``SOURCE``, its text, and ``DATA``, its table): that table is returned, without
    parsing, only while the file still holds exactly that text. ``flat``: a file doorstep
    wrote itself (see ``loads_flat``), read without the TOML parser when it still has
    that shape.
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
        found = loads_flat(text) if flat else None
        return found if found is not None else loads(text)
    except (UnicodeDecodeError, _parser().TOMLDecodeError):
        raise Unreadable(f"{path} is not valid TOML") from None


__all__ = [  # noqa: F822 - TOMLDecodeError comes from __getattr__
    "NotRegular",
    "TOMLDecodeError",
    "Unreadable",
    "loads",
    "loads_flat",
    "read_file",
    "read_regular",
]
