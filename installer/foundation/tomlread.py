"""Reading TOML on every supported Python (tomllib from 3.11, tomli before), and reading
a small TOML file from disk without ever raising for what the disk holds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

TOMLDecodeError = tomllib.TOMLDecodeError
loads = tomllib.loads


class Unreadable(Exception):
    """A file that is there but cannot be read as TOML; the message is one line for people."""


def read_file(path: Path, max_bytes: int, what: str) -> Optional[dict[str, Any]]:
    """The table in ``path``, or None when there is no such file.

    Anything else that stops it being read (a folder, no permission, more than
    ``max_bytes``, not UTF-8, not TOML) raises Unreadable naming the path and ``what``
    it should have been.
    """
    try:
        with open(path, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise Unreadable(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise Unreadable(f"{path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise Unreadable(f"{path} cannot be read ({exc.strerror or exc})") from None
    if len(raw) > max_bytes:
        raise Unreadable(f"{path} is too large to be {what}")
    try:
        return loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, TOMLDecodeError):
        raise Unreadable(f"{path} is not valid TOML") from None


__all__ = ["TOMLDecodeError", "Unreadable", "loads", "read_file"]
