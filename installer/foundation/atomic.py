"""Writing files so that a reader only ever sees the old or the new content."""

from __future__ import annotations

import os

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional


def write_atomic(
    path: Path, data: bytes, mode: int = 0o600, owner: Optional[tuple[int, int]] = None
) -> None:
    """Replace ``path`` with ``data``: temporary file in the same folder, fsync, rename.

    ``owner`` (uid, gid) is given to the new file when it differs from the writer's,
    so a file rewritten by root in someone else's home stays theirs. The folder must
    exist. On any failure the temporary file is removed and the old file is left as it
    was; the OSError propagates for the caller to word.
    """
    import tempfile  # deferred: only writers pay for it (it pulls in shutil and random)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if owner is not None:
                _give(handle.fileno(), owner)
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)


def _give(fd: int, owner: tuple[int, int]) -> None:
    info = os.fstat(fd)
    if (info.st_uid, info.st_gid) == owner:
        return
    # Best effort: only root may give a file away; anyone else keeps what it could write.
    try:
        os.fchown(fd, *owner)
    except PermissionError:
        pass


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder entry is on disk (not possible on Windows).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["write_atomic"]
