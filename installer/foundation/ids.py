"""Random ids: the install id and the session id are UUID4s in their canonical form."""

from __future__ import annotations

import os
import re

# Lowercase, hyphenated, version 4, RFC variant: exactly what str(uuid.uuid4()) gives.
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def new() -> str:
    """A fresh random id."""
    # What uuid.uuid4() does (16 random bytes, then the version and variant bits), without
    # the uuid module, which imports platform on the way.
    n = int.from_bytes(os.urandom(16), "big")
    n = (n & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def is_uuid4(text: str) -> bool:
    """True for an id ``new()`` could have made, and nothing else."""
    return UUID4.fullmatch(text) is not None


__all__ = ["UUID4", "is_uuid4", "new"]
