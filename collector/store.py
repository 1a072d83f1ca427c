"""SQLite storage of accepted events: two tables and their rollups, days only, no addresses.

``sessions`` holds one row per run (the envelope: install id, session id and the coarse
platform facts); ``events`` holds one row per event (session, seq, day, name, props).
Everything stored has already passed ``doorstep.events.wire.parse``, so the database can
only ever hold what the schema allows. ``(session, seq)`` is the primary key, so a
batch that arrives twice (a lost answer, a re-sent spool) is stored once. The rollups
(``doorstep.collector.rollup``) are written in the same transactions as the events.
"""

from __future__ import annotations

import contextlib
import json
import logging
import operator
import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from doorstep.collector import rollup
from doorstep.foundation.errors import DoorstepError

FORMAT = 2  # PRAGMA user_version of a database this module made: 2 added the rollups
_BEFORE_ROLLUPS = 1  # a database of that format is given its rollups when opened to write
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
# Many rows to a statement (see rollup.many_rows): each step gives the GIL away and takes
# it back, and each time the event loop may keep it for a while.
_INSERT_EVENTS = "INSERT OR IGNORE INTO events VALUES "
_ROW = "(?, ?, ?, ?, ?)"
_INSERT_SESSIONS = "INSERT OR IGNORE INTO sessions (session_id, install_id, envelope) VALUES "
_SELECT_SESSIONS = "SELECT session_id, id, install_id, envelope FROM sessions WHERE session_id IN ("
_FIELDS = operator.itemgetter("seq", "day", "name", "props")  # of a cleaned event
_ENCODED = 4096  # encodings a Store remembers: cleaned values, each a few short strings


class Store:
    """One connection to a collector database. Not shared between threads at once."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._encoded: dict[tuple[Any, ...], str] = {}  # values -> their JSON, see _encode
        self._rollup = rollup.Rollup(connection)
        # False only for a database of the format before the rollups, opened to read.
        self.has_rollups = True

    @classmethod
    def open(cls, path: Path, wait: float = 5.0) -> Store:
        """Open (creating it and its folder if needed) a database for writing.

        The file is made, or tightened, to mode 0600: install ids are only pseudonymous,
        so other users may not read them. A symbolic link is refused (with its SQLite
        side files): a link left where the database should be would have the collector
        create or write a file somewhere else. ``wait`` is how long a write waits for
        another process's lock before failing.
        """
        try:
            _refuse_links(path)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            made = _own_file(path)
            connection = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=wait
            )
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the database {path}: {_why(exc)}") from None
        store = cls(connection, path)
        try:
            # The name could have been swapped for a link between the checks and the open.
            if _identity(os.lstat(path)) != made:
                raise StoreError(f"{path} changed while it was being opened; try again")
            connection.execute("PRAGMA journal_mode=WAL")
            # WAL with synchronous=NORMAL cannot corrupt; a power cut may lose the last
            # commits, the price of not waiting for the disk on every request.
            connection.execute("PRAGMA synchronous=NORMAL")
            # Pruned events are overwritten on disk, not merely unlinked from the tree.
            connection.execute("PRAGMA secure_delete=ON")
            store._prepare()
            for side in _SIDE_FILES:  # WAL and shm files left by an older, laxer run
                _tighten(Path(f"{path}{side}"))
        except (OSError, sqlite3.Error) as exc:
            connection.close()
            raise StoreError(f"cannot use the database {path}: {_why(exc)}") from None
        except StoreError:
            connection.close()
            raise
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
        if version == _BEFORE_ROLLUPS and readonly:
            self.has_rollups = False  # reports count the events themselves
            return True
        tables = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if version == _BEFORE_ROLLUPS:
            return False
        if tables or version != 0 or readonly:
            raise StoreError(f"{self.path} is not a collector database")
        return False

    def _prepare(self) -> None:
        if self._check_format(readonly=False):
            return
        # IF NOT EXISTS: two collectors opening one new file at once both succeed.
        with self._transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version != FORMAT:  # another collector may have prepared it meanwhile
                for script in (_TABLES, rollup.TABLES):
                    for statement in filter(str.strip, script.split(";")):
                        db.execute(statement)
                for trigger in rollup.TRIGGERS:
                    db.execute(trigger)
                if version == _BEFORE_ROLLUPS:
                    logging.getLogger("collector").warning(
                        "%s was made by an older collector: counting its events into the "
                        "rollups, once (about 30 s per million events)",
                        self.path,
                    )
                    self._rollup.rebuild()
                db.execute(f"PRAGMA user_version={FORMAT}")

    def insert(self, bodies: Sequence[dict[str, Any]]) -> int:
        """Store cleaned bodies (from ``wire.parse``) in one transaction; new events stored."""
        encode = self._encode
        try:
            with self._transaction() as db:
                sent = [body for body in bodies if body["events"]]
                held = self._sessions([body["envelope"] for body in sent])
                values: list[Any] = []  # the events' rows, flat
                runs: list[rollup.Run] = []
                stored_seqs: dict[int, set[int]] = {}  # per run: seqs stored or taken here
                for body, (session, install_id, facts, facts_text, new) in zip(sent, held):
                    seqs = stored_seqs.get(session)
                    if seqs is None:
                        seqs = stored_seqs[session] = set() if new else self._seqs(session)
                    events = []
                    for seq, day, name, props in map(_FIELDS, body["events"]):
                        if seq in seqs:  # already stored: INSERT OR IGNORE skips it
                            continue
                        seqs.add(seq)
                        text = encode(props)
                        values += (session, seq, day, name, text)
                        events.append((day, name, text, props))
                    runs.append((session, install_id, facts, facts_text, events))
                self._rollup.add(runs)
                stored = 0
                for sql, params in rollup.many_rows(_INSERT_EVENTS, _ROW, 5, values):
                    stored += max(db.execute(sql, params).rowcount, 0)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to the database {self.path}: {_why(exc)}") from None
        return stored

    def _encode(self, values: dict[str, Any]) -> str:
        """``values`` as stored JSON; senders repeat the same few, so each is encoded once."""
        try:
            # The types too: True == 1 but encodes as true; floats (0.0 == -0.0) are not kept.
            key = (*values.items(), *map(type, values.values()))
            text = self._encoded.get(key)
        except TypeError:  # an unhashable value: not remembered
            return _compact(values)
        if text is None:
            text = _compact(values)
            if float not in key:  # the items are pairs, never the type float
                if len(self._encoded) >= _ENCODED:
                    self._encoded.clear()
                self._encoded[key] = text
        return text

    def _sessions(
        self, envelopes: Sequence[dict[str, Any]]
    ) -> list[tuple[int, str, dict[str, Any], str, bool]]:
        """For each envelope, its run's id, install id and facts as stored (the first
        envelope of a run is the one kept), and whether the run is new, made here."""
        sent = []
        values: list[str] = []
        for envelope in envelopes:
            facts = {k: v for k, v in envelope.items() if k not in _IDS}
            text = self._encode(facts)
            sent.append((envelope["session_id"], facts, text))
            values += (envelope["session_id"], envelope["install_id"], text)
        if not sent:
            return []
        db = self._db
        # A new row takes the largest id plus one, so the runs made here are those above
        # it (past the largest possible id SQLite picks at random: then none is taken for
        # new, which costs a query for its seqs, never a wrong count).
        newest = db.execute("SELECT max(id) FROM sessions").fetchone()[0] or 0
        for sql, params in rollup.many_rows(_INSERT_SESSIONS, "(?, ?, ?)", 3, values):
            db.execute(sql, params)
        rows = {}
        for sql, params in rollup.many_rows(_SELECT_SESSIONS, "?", 1, values[::3], ")"):
            rows.update((row[0], row[1:]) for row in db.execute(sql, params))
        held = []
        for session_id, facts, text in sent:
            run, held_install, held_text = rows[session_id]
            held_facts = facts if held_text == text else json.loads(held_text)
            held.append((run, held_install, held_facts, held_text, run > newest))
        return held

    def _seqs(self, session: int) -> set[int]:
        rows = self._db.execute("SELECT seq FROM events WHERE session = ?", (session,))
        return {seq for (seq,) in rows}

    def forget(self, install_id: str) -> int:
        """Delete every event and session of ``install_id`` (a person's ``--forget``), for
        good: rows are overwritten (secure_delete) and the write-ahead log is emptied."""
        events, _ = self._delete(
            "delete from",
            lambda: self._rollup.forget(install_id),  # while its events are still there
            lambda: None,
            (
                "DELETE FROM events WHERE session IN "
                "(SELECT id FROM sessions WHERE install_id = ?)",
                (install_id,),
            ),
            ("DELETE FROM sessions WHERE install_id = ?", (install_id,)),
        )
        return events

    def prune(self, before: str) -> Pruned:
        """Delete every event of a day before ``before``, and runs left with no events."""
        events, sessions = self._delete(
            "prune",
            lambda: self._rollup.prune(before),
            self._rollup.drop_gone,  # once the runs are gone
            ("DELETE FROM events WHERE day < ?", (before,)),
            (
                "DELETE FROM sessions WHERE NOT EXISTS "
                "(SELECT 1 FROM events WHERE events.session = sessions.id)",
                (),
            ),
        )
        return Pruned(events, sessions)

    def _delete(
        self,
        what: str,
        first: Callable[[], None],
        then: Callable[[], None],
        *statements: tuple[str, tuple[Any, ...]],
    ) -> list[int]:
        # One transaction, then the WAL copied into the main file and emptied, so the
        # deleted rows (overwritten: secure_delete) leave no copy anywhere.
        try:
            with self._transaction() as db:
                first()
                counts = [db.execute(sql, params).rowcount for sql, params in statements]
                then()
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {what} the database {self.path}: {_why(exc)}") from None
        return counts

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, rolled back on any failure, with the rollups' numbers
        forgotten then (a rolled-back transaction may have un-made them)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._rollup.begin()
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._rollup.forget_numbers()
            raise

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a read query (the report's); errors become one-line StoreErrors."""
        try:
            return self._db.execute(sql, tuple(params)).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the database {self.path}: {_why(exc)}") from None

    def oldest_day(self) -> Optional[str]:
        """The earliest event day held, or None for an empty database."""
        if self.has_rollups:
            return rollup.oldest_day(self)
        return self.rows("SELECT min(day) FROM events")[0][0]

    def size(self) -> int:
        """Bytes the database's pages hold (free pages, left by pruning, not counted)."""
        pages = self.rows("PRAGMA page_count")[0][0]
        free = self.rows("PRAGMA freelist_count")[0][0]
        return int((pages - free) * self.rows("PRAGMA page_size")[0][0])

    def close(self) -> None:
        try:
            self._db.close()
        except sqlite3.Error:
            pass  # closing cannot lose anything a commit has not already kept


_SIDE_FILES = ("-wal", "-shm", "-journal")


def _link(path: str) -> StoreError:
    return StoreError(f"refusing the database {path}: it is a symbolic link (pass the file itself)")


def _refuse_links(path: Path) -> None:
    for name in (str(path), *(f"{path}{side}" for side in _SIDE_FILES)):
        if os.path.islink(name):
            raise _link(name)


def _own_file(path: Path) -> tuple[int, int]:
    """Create ``path`` at 0600 or tighten it to 0600, never through a link; its identity."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if os.path.islink(path):  # O_NOFOLLOW's ELOOP, said in words
            raise _link(str(path)) from None
        raise exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} is not a regular file")
        if stat.S_IMODE(info.st_mode) & 0o077:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            else:  # Windows before 3.13: only the read-only bit exists there
                os.chmod(path, 0o600)
        return _identity(info)
    finally:
        os.close(fd)


def _tighten(path: Path) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(path, 0o600)


def _identity(info: os.stat_result) -> tuple[int, int]:
    return (info.st_dev, info.st_ino)


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


__all__ = ["FORMAT", "Pruned", "Store", "StoreError"]
