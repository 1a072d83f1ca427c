"""Random ids: the install id and the session id are UUID4s in their canonical form."""

from __future__ import annotations

import re

# Lowercase, hyphenated, version 4, RFC variant: exactly what str(uuid.uuid4()) gives.
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def new() -> str:
    """A fresh random id."""
    import uuid  # deferred: only minting an id pays for the module

    return str(uuid.uuid4())


def is_uuid4(text: str) -> bool:
    """True for an id ``new()`` could have made, and nothing else."""
    return UUID4.fullmatch(text) is not None


__all__ = ["UUID4", "is_uuid4", "new"]
