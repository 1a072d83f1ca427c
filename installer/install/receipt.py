"""The install receipt, ``receipt.toml``: what install.sh installed and every line it wrote.

The install's last Python stage writes it; ``doorstep uninstall`` reads it, and so does
uninstall.sh (with awk) when the environment is broken or gone. The format is therefore
a deliberately plain subset of TOML: one ``key = value`` per line, arrays with one string
per line, and the ``[[path_blocks]]`` tables last.
"""

from __future__ import annotations

import re
from pathlib import Path

from doorstep.foundation import tomlread
from doorstep.foundation.atomic import write_atomic
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Optional

SCHEMA_VERSION = 1
MAX_BYTES = 256 * 1024  # a receipt is a few KiB; anything larger is not one
MODE = 0o600  # it names the person's files and where they installed from: theirs alone
_USERINFO = re.compile(r"://[^/?#]*@")


def redacted(source: str) -> str:
    """``source`` with the user and password of every URL in it replaced by ``***``.

    A token in ``https://user:token@host/...`` is never printed or stored.
    """
    return _USERINFO.sub("://***@", source)


class PathBlock(Frozen):
    """A marked block in a shell start-up file, and how to take it out again exactly."""

    _fields = ("file", "created", "newlines", "lines")
    __slots__ = _fields

    file: Path
    created: bool  # the install created the file: it is deleted once the block is gone
    newlines: int  # newlines added just before the block to set it apart (0, 1 or 2)
    lines: tuple[str, ...]

    def __init__(self, file: Path, created: bool, newlines: int, lines: tuple[str, ...]) -> None:
        self._set(file=file, created=created, newlines=newlines, lines=lines)


class Receipt(Frozen):
    _fields = (
        "name",
        "version",
        "tool",
        "python",
        "source",
        "installed_on",
        "updated_on",
        "venv",
        "link",
        "data_dir",
        "config_dir",
        "state_dir",
        "cache_dir",
        "created_dirs",
        "path_blocks",
        "method",
    )
    __slots__ = _fields

    name: str
    version: str
    tool: str  # what built the environment: uv or pip
    python: str  # the interpreter the environment was made from
    source: str  # what was installed (a requirement, a path, a wheel or a URL)
    installed_on: str  # the day of the first install (a date, never a time of day)
    updated_on: str  # the day of the latest install over it
    venv: Path
    link: Path
    data_dir: Path
    config_dir: Path
    state_dir: Path
    cache_dir: Optional[Path]  # None: the person's own pip or uv cache was used
    created_dirs: tuple[Path, ...]  # folders that did not exist before; deepest first
    path_blocks: tuple[PathBlock, ...]
    method: str

    def __init__(
        self,
        name: str,
        version: str,
        tool: str,
        python: str,
        source: str,
        installed_on: str,
        updated_on: str,
        venv: Path,
        link: Path,
        data_dir: Path,
        config_dir: Path,
        state_dir: Path,
        cache_dir: Optional[Path],
        created_dirs: tuple[Path, ...] = (),
        path_blocks: tuple[PathBlock, ...] = (),
        method: str = "script",
    ) -> None:
        self._set(
            name=name,
            version=version,
            tool=tool,
            python=python,
            source=source,
            installed_on=installed_on,
            updated_on=updated_on,
            venv=venv,
            link=link,
            data_dir=data_dir,
            config_dir=config_dir,
            state_dir=state_dir,
            cache_dir=cache_dir,
            created_dirs=created_dirs,
            path_blocks=path_blocks,
            method=method,
        )

    def to_toml(self) -> str:
        lines = [
            "# What install.sh installed, and every line it wrote outside its own folders.",
            "# Its uninstall command (or uninstall.sh) reads this to remove all of it.",
            f"schema_version = {SCHEMA_VERSION}",
        ]
        scalars: list[tuple[str, Any]] = [
            ("name", self.name),
            ("version", self.version),
            ("method", self.method),
            ("tool", self.tool),
            ("python", self.python),
            ("source", self.source),
            ("installed_on", self.installed_on),
            ("updated_on", self.updated_on),
            ("venv", self.venv),
            ("link", self.link),
            ("data_dir", self.data_dir),
            ("config_dir", self.config_dir),
            ("state_dir", self.state_dir),
        ]
        if self.cache_dir is not None:
            scalars.append(("cache_dir", self.cache_dir))
        lines += [f"{key} = {_string(value)}" for key, value in scalars]
        lines += _array("created_dirs", [str(p) for p in self.created_dirs])
        for block in self.path_blocks:
            lines += [
                "",
                "[[path_blocks]]",
                f"file = {_string(block.file)}",
                f"created = {'true' if block.created else 'false'}",
                f"newlines = {block.newlines}",
            ]
            lines += _array("lines", list(block.lines))
        return "\n".join(lines) + "\n"


def _string(value: object) -> str:
    """A TOML basic string; uninstall.sh undoes exactly these two escapes and \\uXXXX."""
    out = []
    for char in str(value):
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _array(key: str, values: list[str]) -> list[str]:
    if not values:
        return [f"{key} = []"]
    return [f"{key} = [", *(f"    {_string(v)}," for v in values), "]"]


class ReceiptRead(Frozen):
    """What reading the receipt found: a receipt, nothing, or a problem (one line)."""

    _fields = ("path", "receipt", "problem")
    __slots__ = _fields

    path: Path
    receipt: Optional[Receipt]
    problem: Optional[str]

    def __init__(
        self, path: Path, receipt: Optional[Receipt] = None, problem: Optional[str] = None
    ) -> None:
        self._set(path=path, receipt=receipt, problem=problem)


def read(path: Path) -> ReceiptRead:
    """Read the receipt at ``path``; never raises."""
    try:
        data = tomlread.read_file(path, MAX_BYTES, "an install receipt")
    except tomlread.Unreadable as exc:
        return ReceiptRead(path, problem=str(exc))
    if data is None:
        return ReceiptRead(path)
    try:
        return ReceiptRead(path, receipt=_from_data(data))
    except (KeyError, TypeError, ValueError) as exc:
        return ReceiptRead(path, problem=f"{path} is not an install receipt ({exc})")


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise TypeError(f"{key} is not text")
    return value


def _from_data(data: dict[str, Any]) -> Receipt:
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError("unknown schema_version")
    blocks = []
    for item in data.get("path_blocks", []):
        newlines = item.get("newlines", 0)
        if type(newlines) is not int or not 0 <= newlines <= 2:
            raise ValueError("newlines must be 0, 1 or 2")
        lines = item.get("lines", [])
        if not all(isinstance(line, str) for line in lines):
            raise TypeError("lines are not text")
        blocks.append(
            PathBlock(
                Path(_text(item, "file")), item.get("created") is True, newlines, tuple(lines)
            )
        )
    folders = data.get("created_dirs", [])
    if not isinstance(folders, list) or not all(isinstance(p, str) for p in folders):
        raise TypeError("created_dirs is not a list of folders")
    cache = data.get("cache_dir")
    return Receipt(
        name=_text(data, "name"),
        version=_text(data, "version"),
        method=data.get("method", "script") if isinstance(data.get("method"), str) else "script",
        tool=_text(data, "tool"),
        python=_text(data, "python"),
        source=_text(data, "source"),
        installed_on=_text(data, "installed_on"),
        updated_on=_text(data, "updated_on"),
        venv=Path(_text(data, "venv")),
        link=Path(_text(data, "link")),
        data_dir=Path(_text(data, "data_dir")),
        config_dir=Path(_text(data, "config_dir")),
        state_dir=Path(_text(data, "state_dir")),
        cache_dir=Path(cache) if isinstance(cache, str) else None,
        created_dirs=tuple(Path(p) for p in folders),
        path_blocks=tuple(blocks),
    )


def write(path: Path, receipt: Receipt) -> None:
    """Write ``receipt`` atomically, readable by its owner alone; the folder must exist.

    OSError propagates (UnicodeEncodeError, a ValueError, for a path that is not UTF-8).
    """
    write_atomic(path, receipt.to_toml().encode("utf-8"), mode=MODE)


def delete(path: Path) -> None:
    path.unlink(missing_ok=True)


__all__ = [
    "MODE",
    "SCHEMA_VERSION",
    "PathBlock",
    "Receipt",
    "ReceiptRead",
    "delete",
    "read",
    "redacted",
    "write",
]
