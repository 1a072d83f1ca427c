"""The spool: events that have consent but have not been sent yet, as JSON lines on disk.

Only ever written after a recorded "yes". Bounded to 256 KiB (the oldest go first) and
to seven days. Every change happens under an exclusive lock on ``spool.lock``, so a
writer never appends to a file a sender has already claimed. A sender claims the whole
spool by renaming it; a claim whose sender died is adopted by the next sender once it
is old enough that its owner cannot still be running.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from installer import schema
from installer.atomic import write_atomic

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, one writer at a time
    fcntl = None  # type: ignore[assignment]

MAX_BYTES = 256 * 1024
MAX_AGE_DAYS = 7
# A sender gives up after a few seconds; a claim this old belongs to a dead sender.
STALE_CLAIM_SECONDS = 120
_CLAIM_SUFFIX = ".claim"


@dataclass(frozen=True)
class Entry:
    """One spooled event and the envelope of the run that recorded it."""

    envelope: dict[str, Any]
    event: dict[str, Any]

    def line(self) -> bytes:
        record = {"envelope": self.envelope, "event": self.event}
        return json.dumps(record, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def _oldest_day() -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    return (today - datetime.timedelta(days=MAX_AGE_DAYS)).isoformat()


def parse_lines(raw: bytes) -> list[Entry]:
    """The valid, fresh entries of ``raw``; corrupt, foreign and stale lines are skipped."""
    the_schema = schema.current()
    oldest = _oldest_day()
    entries = []
    for line in raw.splitlines():
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        envelope = the_schema.clean_envelope(data.get("envelope"))
        event = the_schema.clean_event(data.get("event"))
        if envelope is None or event is None or event["day"] < oldest:
            continue
        entries.append(Entry(envelope, event))
    return entries


class Spool:
    def __init__(self, state_dir: Path) -> None:
        self.folder = state_dir
        self.path = state_dir / "spool.jsonl"
        self.lock_path = state_dir / "spool.lock"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def append(self, entries: Iterable[Entry]) -> None:
        """Add entries at the end, then drop the oldest past the size bound."""
        data = b"".join(entry.line() for entry in entries)
        if not data:
            return
        with self._locked():
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
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
        with open(self.path, "rb") as handle:
            handle.seek(-1, os.SEEK_END)
            return handle.read(1) == b"\n"

    def _trim(self) -> None:
        # Keep the newest valid lines that fit; this also heals corrupt lines away.
        entries = parse_lines(self.path.read_bytes())
        kept: list[bytes] = []
        total = 0
        for entry in reversed(entries):
            line = entry.line()
            if total + len(line) > MAX_BYTES:
                break
            kept.append(line)
            total += len(line)
        write_atomic(self.path, b"".join(reversed(kept)), mode=0o600)

    def peek(self) -> list[Entry]:
        """What a sender would claim now, without claiming it (for the preview)."""
        try:
            return parse_lines(self.path.read_bytes())
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
                with contextlib.suppress(OSError):
                    if path.stat().st_mtime < stale_before:
                        candidates.append(path)
            for source in candidates:
                target = self.folder / f"{self.path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}"
                target = target.with_name(target.name + _CLAIM_SUFFIX)
                try:
                    os.rename(source, target)
                except FileNotFoundError:
                    continue
                os.utime(target)  # fresh mtime: this claim now has a living owner
                claims.append(target)
        return claims

    def read_claim(self, claim: Path) -> list[Entry]:
        try:
            return parse_lines(claim.read_bytes())
        except OSError:
            return []

    def release(self, claim: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            claim.unlink()

    def give_back(self, claim: Path, entries: list[Entry]) -> None:
        """Return unsent entries to the spool (bounded like any append), then drop the claim."""
        self.append(entries)
        self.release(claim)

    def discard(self) -> None:
        """Delete everything waiting: the spool, every claim and the lock."""
        if not self.folder.is_dir():
            return
        with self._locked():
            for path in [self.path, *self.folder.glob(f"{self.path.name}.*{_CLAIM_SUFFIX}")]:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            with contextlib.suppress(FileNotFoundError):
                self.lock_path.unlink()


__all__ = ["MAX_AGE_DAYS", "MAX_BYTES", "STALE_CLAIM_SECONDS", "Entry", "Spool", "parse_lines"]
