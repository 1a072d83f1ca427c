"""Random ids: the install id and the session id are UUID4s in their canonical form."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# Lowercase, hyphenated, version 4, RFC variant: exactly what str(uuid.uuid4()) gives.
UUID4_PATTERN = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
_HEX = frozenset("0123456789abcdef")


def new() -> str:
    """A fresh random id."""
    # What uuid.uuid4() does (16 random bytes, then the version and variant bits), without
    # the uuid module, which imports platform on the way.
    n = int.from_bytes(os.urandom(16), "big")
    n = (n & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def is_uuid4(text: str) -> bool:
    """True for an id ``new()`` could have made, and nothing else (``UUID4_PATTERN``,
    checked without ``re``)."""
    if len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-":
        return False
    if text[23] != "-" or text[14] != "4" or text[19] not in "89ab":
        return False
    return set(text[:8] + text[9:13] + text[15:18] + text[20:23] + text[24:]) <= _HEX


def __getattr__(name: str) -> Any:
    # ``ids.UUID4``, the compiled pattern, for callers that match with it.
    if name == "UUID4":
        import re

        return re.compile(UUID4_PATTERN)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["UUID4", "UUID4_PATTERN", "is_uuid4", "new"]  # noqa: F822 - UUID4: __getattr__
