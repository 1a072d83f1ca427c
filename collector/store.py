"""SQLite storage of accepted events: two tables, days only, no addresses.

``sessions`` holds one row per run (the envelope: install id, session id and the coarse
platform facts); ``events`` holds one row per event (session, seq, day, name, props).
Everything stored has already passed ``doorstep.events.wire.parse``, so the database can
only ever hold what the schema allows. ``(session, seq)`` is the primary key, so a
batch that arrives twice (a lost answer, a re-sent spool) is stored once.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from doorstep.foundation.errors import DoorstepError

FORMAT = 1  # PRAGMA user_version of a database this module made
_IDS = ("install_id", "session_id")  # kept as columns; the rest of the envelope as JSON

_TABLES = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    install_id TEXT NOT NULL,
    envelope TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    props TEXT NOT NULL,
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;
"""


class StoreError(DoorstepError):
    """The database cannot be opened, read or written; the message says which and why."""


@dataclass(frozen=True)
class Pruned:
    events: int
    sessions: int


# One encoder for every row: json.dumps with options builds a new encoder per call.
_compact = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


class Store:
    """One connection to a collector database. Not shared between threads at once."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    def open(cls, path: Path, wait: float = 5.0) -> Store:
        """Open (creating it and its folder if needed) a database for writing.

        ``wait`` is how long a write waits for another process's lock before failing.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not path.exists():
                # Install ids are only pseudonymous: keep them from other users (WAL and
                # shm files take the main file's mode).
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            connection = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=wait
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {_why(exc)}") from None
        store = cls(connection, path)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL cannot corrupt; a power cut may lose the last
            # commits, the price of not waiting for the disk on every request.
            connection.execute("PRAGMA synchronous=NORMAL")
            # Pruned events are overwritten on disk, not merely unlinked from the tree.
            connection.execute("PRAGMA secure_delete=ON")
            store._prepare()
        except sqlite3.Error as exc:
            connection.close()
            raise StoreError(f"cannot use the database {path}: {_why(exc)}") from None
        return store

    @classmethod
    def open_existing(cls, path: Path) -> Store:
        """Open an existing database read-only (for reports); never creates one."""
        if not path.is_file():
            raise StoreError(f"no database at {path} (start the collector, or pass --db)")
        try:
            connection = sqlite3.connect(
                f"file:{quote(str(path.resolve()))}?mode=ro",
                uri=True,
                isolation_level=None,
                timeout=5.0,
            )
            store = cls(connection, path)
            store._check_format(readonly=True)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the database {path}: {_why(exc)}") from None
        return store

    def _check_format(self, readonly: bool) -> bool:
        """True when the tables exist; raises when the file is someone else's."""
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == FORMAT:
            return True
        if version > FORMAT:
            raise StoreError(
                f"{self.path} was made by a newer collector (format {version}); upgrade this one"
            )
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables or version != 0 or readonly:
            raise StoreError(f"{self.path} is not a collector database")
        return False

    def _prepare(self) -> None:
        if self._check_format(readonly=False):
            return
        # IF NOT EXISTS: two collectors opening one new file at once both succeed.
        self._db.executescript(f"BEGIN IMMEDIATE;{_TABLES}PRAGMA user_version={FORMAT};COMMIT;")

    def insert(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Store cleaned bodies (from ``wire.parse``) in one transaction; new events stored."""
        db = self._db
        stored = 0
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for body in bodies:
                    if not body["events"]:
                        continue
                    session = self._session(body["envelope"])
                    cursor = db.executemany(
                        "INSERT OR IGNORE INTO events VALUES (?, ?, ?, ?, ?)",
                        [
                            (session, e["seq"], e["day"], e["name"], _compact(e["props"]))
                            for e in body["events"]
                        ],
                    )
                    stored += max(cursor.rowcount, 0)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the database {self.path}: {_why(exc)}") from None
        return stored

    def _session(self, envelope: dict[str, Any]) -> int:
        install_id, session_id = envelope["install_id"], envelope["session_id"]
        facts = {k: v for k, v in envelope.items() if k not in _IDS}
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO sessions (session_id, install_id, envelope) VALUES (?, ?, ?)",
            (session_id, install_id, _compact(facts)),
        )
        if cursor.rowcount == 1 and cursor.lastrowid is not None:
            return cursor.lastrowid
        row = self._db.execute("SELECT id FROM sessions WHERE session_id = ?", (session_id,))
        return int(row.fetchone()[0])

    def prune(self, before: str) -> Pruned:
        """Delete every event of a day before ``before``, and runs left with no events."""
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                events = db.execute("DELETE FROM events WHERE day < ?", (before,)).rowcount
                sessions = db.execute(
                    "DELETE FROM sessions WHERE NOT EXISTS "
                    "(SELECT 1 FROM events WHERE events.session = sessions.id)"
                ).rowcount
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            # Copy the WAL into the main file and empty it, so deleted rows leave no copy.
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot prune the database {self.path}: {_why(exc)}") from None
        return Pruned(events, sessions)

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query (the report's); errors become one-line StoreErrors."""
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the database {self.path}: {_why(exc)}") from None

    def oldest_day(self) -> Optional[str]:
        """The earliest event day held, or None for an empty database."""
        return self.rows("SELECT min(day) FROM events")[0][0]

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass  # closing cannot lose anything a commit has not already kept


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


__all__ = ["FORMAT", "Pruned", "Store", "StoreError"]
