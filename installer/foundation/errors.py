"""The exceptions doorstep raises for things a person can fix.

Every ``DoorstepError`` carries one line meant for a person: what went wrong and what
to do. The command line prints it and exits 1; nothing else catches it.
"""

from __future__ import annotations


class DoorstepError(Exception):
    """A failure a user, the network or a file on disk can cause; one line for people."""


class ProductError(DoorstepError):
    """The product file is missing or malformed (a packaging mistake)."""


class RecordWriteError(DoorstepError):
    """The consent record could not be written."""


__all__ = ["DoorstepError", "ProductError", "RecordWriteError"]
