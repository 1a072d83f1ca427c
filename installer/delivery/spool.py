"""The spool: events that have consent but have not been sent yet, as JSON lines on disk.

Only ever written after a recorded "yes". Bounded to 256 KiB (the oldest go first) and
to seven days. Every change happens under an exclusive lock on ``spool.lock``, so a
writer never appends to a file a sender has already claimed. A sender claims the whole
spool by renaming it; a claim whose sender died is adopted by the next sender once it
is old enough that its owner cannot still be running.
"""

from __future__ import annotations

import errno
import os
import time

from doorstep.events import schema
from doorstep.foundation import jsonread, pathtext
from doorstep.foundation.frozen import Frozen

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path
    from typing import Any, Optional, Union

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one writer at a time
    fcntl = None  # type: ignore[assignment]

MAX_BYTES = 256 * 1024
MAX_AGE_DAYS = 7
# A sender gives up after a few seconds; a claim this old belongs to a dead sender.
STALE_CLAIM_SECONDS = 120
_CLAIM_SUFFIX = ".claim"
_LOCK_ATTEMPTS = 16
# A link planted where the spool or its lock should be is never followed (a root-run
# command would otherwise create or append to whatever it points at): ELOOP, an OSError.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
SENDER_LOCK = "spool.sender"  # the running sender's lock (doorstep.delivery.sender)
SENT_LOG = "sent.jsonl"  # the local copy of what was sent (doorstep.delivery.sent_log)
USAGE_FILE = "usage.json"  # the day's usage counts (doorstep.delivery.usage), also waiting


def refuse_foreign(folder: Union[str, Path]) -> None:
    """PermissionError when ``folder`` belongs to another user: a state folder planted
    by someone else is not written into (a root-run command least of all)."""
    if not hasattr(os, "geteuid"):
        return
    owner = os.lstat(folder).st_uid
    if owner != os.geteuid():
        raise PermissionError(errno.EPERM, "the folder belongs to another user", str(folder))


class Entry(Frozen):
    """One spooled event and the envelope of the run that recorded it."""

    _fields = ("envelope", "event")
    __slots__ = _fields

    envelope: dict[str, Any]
    event: dict[str, Any]

    def __init__(self, envelope: dict[str, Any], event: dict[str, Any]) -> None:
        self._set(envelope=envelope, event=event)

    def line(self) -> bytes:
        record = {"envelope": self.envelope, "event": self.event}
        # json.dumps(record, separators=(",", ":"), sort_keys=True), without importing json
        return jsonread.dumps_compact(record, sort_keys=True).encode() + b"\n"


def _oldest_day() -> str:
    import datetime  # deferred: only reading the spool needs it, never appending to it

    today = datetime.datetime.now(datetime.timezone.utc).date()
    return (today - datetime.timedelta(days=MAX_AGE_DAYS)).isoformat()


def parse_lines(raw: bytes) -> list[Entry]:
    """The valid, fresh entries of ``raw``; corrupt, foreign and stale lines are skipped."""
    import json  # deferred, like datetime: only senders and previews read the spool

    the_schema = schema.current()
    oldest = _oldest_day()
    entries = []
    for line in raw.splitlines():
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):  # RecursionError: deeply nested garbage
            continue
        if not isinstance(data, dict):
            continue
        envelope = the_schema.clean_envelope(data.get("envelope"))
        event = the_schema.clean_event(data.get("event"))
        if envelope is None or event is None or event["day"] < oldest:
            continue
        entries.append(Entry(envelope, event))
    return entries


def read_tail(path: Union[str, Path]) -> bytes:
    """The newest whole lines of ``path`` that fit in MAX_BYTES; never reads more."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= MAX_BYTES:
            return handle.read()
        # One byte more than fits: it tells whether the tail starts on a line boundary.
        handle.seek(size - MAX_BYTES - 1)
        tail = handle.read(MAX_BYTES + 1)
    start = tail.find(b"\n")
    return tail[start + 1 :] if start >= 0 else b""


class Spool:
    """The spool of one product, in its state folder; every method is safe across processes."""

    def __init__(self, state_dir: Union[str, Path]) -> None:
        # Kept as text (the foreground append needs no pathlib); Paths when asked for.
        self._folder = pathtext.text(state_dir)
        self._file = pathtext.join(self._folder, "spool.jsonl")
        self._lock_file = pathtext.join(self._folder, "spool.lock")

    @property
    def folder(self) -> Path:
        return pathtext.path(self._folder)

    @property
    def path(self) -> Path:
        return pathtext.path(self._file)

    @property
    def lock_path(self) -> Path:
        return pathtext.path(self._lock_file)

    def locked(self) -> _Held:
        """Hold the spool's exclusive lock (the usage counts are changed under it too)."""
        return self._locked()

    def _locked(self) -> _Held:
        return _Held(self)

    def _lock(self) -> int:
        # discard() deletes the lock file; a process that was waiting on the deleted one
        # must not believe it holds the lock, so it checks and locks the new file instead.
        for _ in range(_LOCK_ATTEMPTS):
            fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o600)
            if fcntl is None:
                return fd
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                if os.fstat(fd).st_ino == os.stat(self._lock_file).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)
        raise OSError(f"{self._lock_file} keeps being replaced")

    def append(self, entries: Iterable[Entry]) -> None:
        """Add entries at the end, then drop the oldest past the size bound."""
        data = b"".join(entry.line() for entry in entries)
        if not data:
            return
        with self._locked():
            self._append_locked(data)

    def _append_locked(self, data: bytes) -> None:
        if not data:
            return
        fd = os.open(self._file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | _NOFOLLOW, 0o600)
        try:
            size = os.fstat(fd).st_size
            if size and not self._ends_with_newline():
                data = b"\n" + data  # a killed writer left half a line: start afresh
            os.write(fd, data)
            size += len(data)
        finally:
            os.close(fd)
        if size > MAX_BYTES:
            self._trim()

    def _ends_with_newline(self) -> bool:
        with open(self._file, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def _trim(self) -> None:
        # Keep the newest whole lines that fit. Bytes only, no parsing: this runs in the
        # foreground when the spool is full; the sender skips and heals corrupt lines.
        from doorstep.foundation.atomic import write_atomic  # deferred: tempfile is slow to import

        write_atomic(self.path, read_tail(self.path), mode=0o600)

    def peek(self) -> list[Entry]:
        """What a sender would claim now, without claiming it (for the preview)."""
        try:
            return parse_lines(read_tail(self.path))
        except OSError:
            return []

    def claim(self) -> list[Path]:
        """Take the spool, and any claim a dead sender left, for this process alone."""
        if not self.folder.is_dir():
            return []
        claims = []
        with self._locked():
            stale_before = time.time() - STALE_CLAIM_SECONDS
            candidates = [self.path]
            for path in self.folder.glob(f"{self.path.name}.*{_CLAIM_SUFFIX}"):
                try:
                    if path.stat().st_mtime < stale_before:
                        candidates.append(path)
                except OSError:
                    pass
            for source in candidates:
                target = self.folder / f"{self.path.name}.{os.getpid()}-{os.urandom(4).hex()}"
                target = target.with_name(target.name + _CLAIM_SUFFIX)
                try:
                    os.rename(source, target)
                except FileNotFoundError:
                    continue
                os.utime(target)  # fresh mtime: this claim now has a living owner
                claims.append(target)
        return claims

    def read_claim(self, claim: Path) -> list[Entry]:
        """The valid, fresh entries of a claim; corrupt lines are skipped."""
        try:
            return parse_lines(read_tail(claim))
        except OSError:
            return []

    def release(self, claim: Path) -> None:
        """Drop a claim whose events were answered (or may no longer be sent)."""
        try:
            claim.unlink()
        except FileNotFoundError:
            pass

    def give_back(self, claim: Path, entries: list[Entry]) -> None:
        """Return unsent entries to the spool (bounded like any append), then drop the claim.

        If the claim is gone, discard() ran meanwhile (telemetry was turned off or the id
        reset): the entries are dropped, never written back.
        """
        data = b"".join(entry.line() for entry in entries)
        with self._locked():
            if claim.exists():
                self._append_locked(data)
            try:
                claim.unlink()
            except FileNotFoundError:
                pass

    def discard(self) -> None:
        """Delete everything waiting: the spool, every claim, the usage counts, the lock."""
        if not self.folder.is_dir():
            return
        with self._locked():
            claims = self.folder.glob(f"{self.path.name}.*{_CLAIM_SUFFIX}")
            extra = (USAGE_FILE, SENDER_LOCK, SENT_LOG)
            for path in [self.path, *claims, *(self.folder / name for name in extra)]:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
            try:
                self.lock_path.unlink()
            except FileNotFoundError:
                pass


class _Held:
    """The spool's exclusive lock, held within ``with`` (what contextlib.contextmanager
    made of it before: contextlib imports collections and functools)."""

    __slots__ = ("_fd", "_spool")

    def __init__(self, spool: Spool) -> None:
        self._spool = spool
        self._fd: Optional[int] = None

    def __enter__(self) -> None:
        spool = self._spool
        pathtext.mkdir(spool._folder, 0o700)
        refuse_foreign(spool._folder)
        self._fd = spool._lock()

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing releases the lock


__all__ = [
    "MAX_AGE_DAYS",
    "MAX_BYTES",
    "STALE_CLAIM_SECONDS",
    "Entry",
    "Spool",
    "parse_lines",
    "read_tail",
]
