"""What ``importlib.metadata`` finds, read straight from the metadata folders on sys.path.

Importing ``importlib.metadata`` (it pulls in ``email``, ``zipfile`` and ``csv``) and
listing every distribution costs a tool's start some 30 ms, and a tool that adopts
doorstep needs two facts from it: the products in the entry-point group, and its own
version for the envelope. Both are read here by the same rules: sys.path in order, the
first distribution of a (normalized) name wins, a ``*.dist-info`` or ``*.egg-info``
folder holds ``entry_points.txt`` and ``METADATA`` (``PKG-INFO``). Each function answers
None where importlib.metadata knows more (a zip or an egg on sys.path, another finder of
distributions, a file it would read differently); the caller then asks it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Optional


class _Unusual(Exception):
    """Something only importlib.metadata reads right."""


def _normalized(name: str) -> str:
    # re.sub(r"[-_.]+", "-", name).lower().replace("-", "_"), without re: each run of
    # "-", "_" and "." becomes one "_".
    out: list[str] = []
    run = False  # within a run of separators
    for char in name:
        if char in "-_.":
            if not run:
                out.append("-")
            run = True
        else:
            out.append(char)
            run = False
    return "".join(out).lower().replace("-", "_")


def _folders() -> Iterator[tuple[str, str]]:
    # (normalized name, metadata folder) of every distribution, first of a name only.
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if hasattr(finder, "find_distributions") and finder is not PathFinder:
            raise _Unusual
    seen: set[str] = set()
    for entry in sys.path:
        if not isinstance(entry, str) or entry.lower().endswith(".egg"):
            raise _Unusual
        try:
            children = os.listdir(entry or ".")
        except NotADirectoryError:
            raise _Unusual from None  # a zip file: importlib reads inside it
        except (OSError, ValueError):
            continue
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")):
                normalized = _normalized(low.rpartition(".")[0].partition("-")[0])
                if normalized not in seen:
                    seen.add(normalized)
                    yield normalized, os.path.join(entry or ".", child)


def _text(folder: str, name: str) -> Optional[str]:
    try:
        with open(os.path.join(folder, name), "rb") as handle:
            return handle.read().decode("utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        raise _Unusual from None


def entry_points(group: str) -> Optional[dict[str, str]]:
    """The entry points of ``group``, name -> value (a later one of a name wins, as in a
    dict made from importlib.metadata's); None: ask importlib.metadata."""
    found: dict[str, str] = {}
    try:
        for _, folder in _folders():
            text = _text(folder, "entry_points.txt")
            section = None
            for line in map(str.strip, (text or "").splitlines()):
                if not line or line.startswith("#"):
                    continue
                if line.startswith("[") and line.endswith("]"):
                    section = line.strip("[]")
                elif "=" not in line:
                    return None  # importlib.metadata refuses such a line
                elif section == group:
                    name, _, value = line.partition("=")
                    found[name.strip()] = value.strip()
    except _Unusual:
        return None
    return found


def version(name: str) -> Optional[str]:
    """The version of the distribution ``name``; None: ask importlib.metadata (it also
    says when there is none)."""
    wanted = _normalized(name)
    try:
        for normalized, folder in _folders():
            if normalized != wanted:
                continue
            lines = (_text(folder, "METADATA") or _text(folder, "PKG-INFO") or "").splitlines()
            for number, line in enumerate(lines):
                if not line.strip():
                    break  # the headers end here
                key, colon, value = line.partition(":")
                if colon and key.lower() == "version":
                    folded = number + 1 < len(lines) and lines[number + 1][:1] in (" ", "\t")
                    return None if folded else value.lstrip(" \t")
            return None
    except _Unusual:
        return None
    return None


__all__ = ["entry_points", "version"]
