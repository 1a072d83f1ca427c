"""A folder's whole tree as data: every path with its kind, mode and content.

"The home folder holds exactly what it held before" is checked by comparing two of
these: names, types, permission bits, file bytes and link targets.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Union

Entry = tuple[Union[str, int, bytes], ...]


def snapshot(root: Path) -> dict[str, Entry]:
    """Every path under ``root`` (and ``root`` itself), symlinks not followed."""
    tree: dict[str, Entry] = {".": ("dir", stat.S_IMODE(os.lstat(root).st_mode))}
    for folder, dirs, files in os.walk(root):
        for name in [*dirs, *files]:
            path = Path(folder, name)
            info = os.lstat(path)
            relative = str(path.relative_to(root))
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                tree[relative] = ("link", os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                tree[relative] = ("dir", mode)
            else:
                tree[relative] = ("file", mode, path.read_bytes())
    return tree


def differences(before: dict[str, Entry], after: dict[str, Entry]) -> list[str]:
    """Readable lines for every path that was added, removed or changed."""
    lines = [f"added:   {p}" for p in sorted(after.keys() - before.keys())]
    lines += [f"removed: {p}" for p in sorted(before.keys() - after.keys())]
    lines += [
        f"changed: {p}: {before[p]!r:.120} -> {after[p]!r:.120}"
        for p in sorted(before.keys() & after.keys())
        if before[p] != after[p]
    ]
    return lines


__all__ = ["differences", "snapshot"]
