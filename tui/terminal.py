"""Putting a full-screen app on the person's terminal, also when stdin is a pipe.

``doorstep.onboarding.setup.open_terminal`` finds the terminal (``/dev/tty`` when stdin is
install.sh's pipe); ``attached`` makes Textual use it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Optional

_STREAMS = ("stdin", "stdout", "stderr")


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _flush() -> None:
    for name in _STREAMS[1:]:
        for stream in (getattr(sys, name), getattr(sys, f"__{name}__")):
            with contextlib.suppress(Exception):
                stream.flush()


@contextlib.contextmanager
def attached(terminal: int) -> Iterator[None]:
    """Point fds 0, 1 and 2 at ``terminal`` where they are not a terminal, then put them back.

    Textual reads the fd of ``sys.__stdin__``, writes to ``sys.__stderr__`` and takes
    its size from ``sys.__stdout__``; install.sh gives it a pipe and maybe log files.
    """
    _flush()
    saved: dict[int, Optional[int]] = {}
    patched: dict[str, object] = {}
    try:
        for fd in (0, 1, 2):
            if _isatty(fd):
                continue
            try:
                saved[fd] = os.dup(fd)
            except OSError:
                saved[fd] = None  # it was closed; close it again afterwards
            os.dup2(terminal, fd)
        for fd, name in enumerate(_STREAMS):
            if getattr(sys, f"__{name}__") is None:
                # Python started with this fd closed; Textual needs a stream object.
                stream = open(fd, "r" if fd == 0 else "w", closefd=False)  # noqa: SIM115
                patched[name] = stream
                setattr(sys, f"__{name}__", stream)
                setattr(sys, name, stream)
        yield
    finally:
        _flush()
        for name in patched:
            setattr(sys, f"__{name}__", None)
            setattr(sys, name, None)
        for fd, copy in saved.items():
            with contextlib.suppress(OSError):
                if copy is None:
                    os.close(fd)
                else:
                    os.dup2(copy, fd)
                    os.close(copy)


__all__ = ["attached"]
