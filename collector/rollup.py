"""Rollups the writer keeps beside the events, so that a report reads days, not events.

Every number a report shows is either a count of events or a count of distinct installs
(or runs) that sent something in its window, and a window is always "every day from
``first`` on". So, in the same transaction as the events:

- ``tallies`` counts events per day, (name, props) and CI or not: the report's event
  counts are sums of a few thousand rows;
- for each *facet* (an event name, a property's value, a failure's stage and class, any
  event at all, a week, a week's app version, an envelope field's value; and, for runs,
  any event of the run) and each *member* (an install, or for ``runs`` a run),
  ``last_seen`` keeps the last day the member sent that facet: once over every run, once
  over runs that are not CI;
- ``last_days`` counts, per facet and day, the members whose last day that is.

A member sent a facet in the window exactly when its last day is ``first`` or later, so
the distinct installs behind any count are a sum over ``last_days`` from ``first`` on:
a read that does not grow with the number of events. ``forget`` and ``prune`` keep the
tables exact; ``tests/collector/test_rollup.py`` holds every report read from them to
the report counted from the events themselves.

Nothing here is new information: install ids are numbered in ``members`` (deleted with
the install's last event), everything else is what the events already say.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Optional

from doorstep.collector import days
from doorstep.events.schema import USAGE_EVENT as USAGE

TABLES = """
CREATE TABLE IF NOT EXISTS tallies (
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    props TEXT NOT NULL,
    ci INTEGER NOT NULL,
    events INTEGER NOT NULL,
    PRIMARY KEY (day, name, props, ci)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS members (
    id INTEGER PRIMARY KEY,
    install_id TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS facets (
    id INTEGER PRIMARY KEY,
    facet TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS last_seen (
    member INTEGER NOT NULL,
    facet INTEGER NOT NULL,
    day INTEGER NOT NULL,
    day_not_ci INTEGER,
    PRIMARY KEY (member, facet)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS last_days (
    facet INTEGER NOT NULL,
    ci INTEGER NOT NULL,
    day INTEGER NOT NULL,
    members INTEGER NOT NULL,
    PRIMARY KEY (facet, ci, day)
) WITHOUT ROWID;
"""
TABLE_NAMES = ("tallies", "members", "facets", "last_seen", "last_days")
# last_days follows last_seen inside SQLite: a day counted in, a day counted out.
_IN = (
    "INSERT INTO last_days SELECT NEW.facet, {ci}, NEW.{day}, 1 WHERE NEW.{day} IS NOT NULL "
    "ON CONFLICT (facet, ci, day) DO UPDATE SET members = members + 1;"
)
_OUT = (
    "UPDATE last_days SET members = members - 1 "
    "WHERE facet = OLD.facet AND ci = {ci} AND day = OLD.{day};"
)
_BOTH = ((1, "day"), (0, "day_not_ci"))
TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS last_seen_in AFTER INSERT ON last_seen BEGIN "
    + "".join(_IN.format(ci=ci, day=day) for ci, day in _BOTH)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS last_seen_moved AFTER UPDATE ON last_seen BEGIN "
    + "".join(_OUT.format(ci=ci, day=day) for ci, day in _BOTH)
    + "".join(_IN.format(ci=ci, day=day) for ci, day in _BOTH)
    + " END",
    "CREATE TRIGGER IF NOT EXISTS last_seen_out AFTER DELETE ON last_seen BEGIN "
    + "".join(_OUT.format(ci=ci, day=day) for ci, day in _BOTH)
    + " END",
)

# Report facets. Each is stored as a JSON array: its kind, then its values as text.
EVENT = "e"  # [e, name]
PROP = "p"  # [p, name, prop, value as a JSON key]
FAILURE = "f"  # [f, stage, error] of an install_failed event
ANY = "a"  # [a]: any event at all
WEEK = "w"  # [w, Monday]
VERSION = "v"  # [v, Monday, app_version]
MIX = "m"  # [m, envelope field, value]
RUNS = "r"  # [r]: members are runs (sessions), not installs

# doorstep's own events (the schema's built-in ones; a test holds this to schema.toml).
STARTED = "install_started"
STAGE_DONE = "install_stage_completed"
COMPLETED = "install_completed"
FAILED = "install_failed"
ONBOARDING_STARTED = "onboarding_started"
STEP_VIEWED = "onboarding_step_viewed"
STEP_SKIPPED = "onboarding_step_skipped"
ONBOARDING_COMPLETED = "onboarding_completed"
UNINSTALL = "uninstall_started"
# The events a report is about; with the usage rollups, every built-in event.
REPORTED = (
    STARTED,
    STAGE_DONE,
    COMPLETED,
    FAILED,
    ONBOARDING_STARTED,
    STEP_VIEWED,
    STEP_SKIPPED,
    ONBOARDING_COMPLETED,
    UNINSTALL,
)
BUILT_IN = frozenset((*REPORTED, USAGE))
# The properties of doorstep's events that a report counts installs by; every property
# of a product's own events is counted too.
COUNTED = frozenset(
    ((STAGE_DONE, "stage"), (STEP_VIEWED, "step"), (STEP_SKIPPED, "step"), (USAGE, "command"))
)
VERSION_FIELD = "app_version"
_CI_ONLY, _EVERY_RUN = 0, 1  # last_days.ci: 0 counts runs that are not CI, 1 every run
_REMEMBERED = 65536  # install and facet numbers a Rollup keeps in memory
_KNOWN = 8192  # (day, member)s whose stored facets a Rollup knows (about 16 MB at most)
_MASKED = 1 << 14  # facets numbered below this are remembered in masks (of 2 KB at most)
_BODIES = 1024  # repeated bodies whose facets a Rollup keeps (a few KB each: 5 MB at most)
_REBUILD_RUNS = 2000  # runs counted at a time when the rollups are rebuilt


_MOST_PARAMETERS = 999  # SQLite's oldest limit of parameters to a statement
_MOST_ROWS = 128  # rows to a statement at most: few texts for the statement cache
_texts: dict[tuple[str, str, int, str], str] = {}


def many_rows(
    head: str, group: str, width: int, values: Sequence[Any], tail: str = ""
) -> Iterator[tuple[str, Sequence[Any]]]:
    """Statements and their parameters putting ``values`` (``width`` to a row, flat) in
    few statements: ``head``, then ``group`` once per row, comma-separated, then ``tail``.

    Each statement takes its turn on the GIL once, not once per row as ``executemany``
    does, and every statement has a power of two of rows (at most ``_MOST_ROWS`` and
    999 parameters), so that its few texts are prepared once and then found in the
    connection's statement cache.
    """
    most = min(_MOST_ROWS, 1 << ((_MOST_PARAMETERS // width).bit_length() - 1))
    rows = len(values) // width
    start = 0
    while start < rows:
        size = most if rows - start >= most else 1 << ((rows - start).bit_length() - 1)
        key = (head, group, size, tail)
        text = _texts.get(key)
        if text is None:
            text = _texts[key] = head + ", ".join((group,) * size) + tail
        yield text, values[start * width : (start + size) * width]
        start += size


def json_key(value: Any) -> str:
    """A stored value as a JSON object key: true/false for bools, digits for ints."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_ci(facts: dict[str, Any]) -> bool:
    """Whether a run's envelope says CI: what SQLite's ``coalesce(json_extract(envelope,
    '$.ci'), 0) != 0`` says of the value."""
    ci = facts.get("ci")
    if ci is None:
        return False
    return isinstance(ci, (str, list, dict)) or ci != 0


def mix_value(value: Any) -> str:
    """As SQLite's json_each names a value: true/false, JSON for a list, text otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def ordinal(day: str) -> int:
    return datetime.date.fromisoformat(day).toordinal()


def _facet_text(*parts: Any) -> str:
    return json.dumps(parts, separators=(",", ":"))


def _event_facets(name: str, props: dict[str, Any]) -> list[str]:
    found = [_facet_text(EVENT, name)]
    own = name not in BUILT_IN
    for key, value in props.items():
        if own or (name, key) in COUNTED:
            found.append(_facet_text(PROP, name, key, json_key(value)))
    if name == FAILED:
        found.append(_facet_text(FAILURE, props.get("stage", "?"), props.get("error", "?")))
    return found


def _day_facets(facts: dict[str, Any], day: str) -> list[str]:
    week = days.week_start(day)
    found = [_facet_text(ANY), _facet_text(WEEK, week)]
    version = facts.get(VERSION_FIELD)
    if version is not None:
        found.append(_facet_text(VERSION, week, str(version)))
    found += [_facet_text(MIX, field, mix_value(value)) for field, value in facts.items()]
    return found


# One run's new events: (run id, install id, envelope facts, envelope facts as stored,
# [(day, name, props as stored, props)]).
Run = tuple[int, str, dict[str, Any], str, Sequence[tuple[str, str, str, dict[str, Any]]]]
_Seen = dict[tuple[int, int], list[Optional[int]]]
# A run's facets of one day: the day's number, a mask of facets, the facets past the mask.
_OfDay = tuple[int, int, tuple[int, ...]]
_SEE_HEAD = "INSERT INTO last_seen VALUES "
_SEE_TAIL = (
    " ON CONFLICT (member, facet) DO UPDATE SET day = max(day, excluded.day), "
    "day_not_ci = coalesce(max(day_not_ci, excluded.day_not_ci), day_not_ci, "
    "excluded.day_not_ci) "
    "WHERE excluded.day > day OR excluded.day_not_ci > coalesce(day_not_ci, -1)"
)
_COUNT_HEAD = "INSERT INTO tallies VALUES "
_COUNT_TAIL = " ON CONFLICT (day, name, props, ci) DO UPDATE SET events = events + excluded.events"


class Rollup:
    """The rollups of one connection's database; every method runs inside the caller's
    transaction, and ``forget_numbers()`` must follow a rolled-back one."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._members: dict[str, int] = {}
        self._facets: dict[str, int] = {}
        self._of_event: dict[tuple[str, str, str], tuple[int, ...]] = {}  # by (day, name, props)
        self._of_day: dict[tuple[str, str], tuple[int, ...]] = {}
        # (envelope facts as stored, the events' keys) -> per day, its number and facets
        self._of_body: dict[tuple[str, tuple[Any, ...]], tuple[_OfDay, ...]] = {}
        self._days: dict[str, int] = {}
        # What this connection has stored, so it is not written again: per day and CI or
        # not, each member's facets whose last day is that day or later, over every run
        # (True) or over runs that are not CI (False). Last days only move later. Each
        # member's facets are a mask, bit n for facet n: an int, which the garbage
        # collector never walks through, where thousands of sets took it milliseconds.
        self._known: dict[tuple[int, bool], dict[int, int]] = {}
        self._version: Optional[int] = None  # PRAGMA data_version when last seen

    def forget_numbers(self) -> None:
        """Drop every remembered number: a rolled-back transaction may have un-made them."""
        for remembered in (
            self._members,
            self._facets,
            self._of_event,
            self._of_day,
            self._of_body,
        ):
            remembered.clear()
        self._known.clear()

    def begin(self) -> None:
        """Call first in every write transaction: another connection's commit (a second
        collector's prune or forget) may have deleted what this one remembers."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self.forget_numbers()
            self._version = version

    def add(self, runs: Iterable[Run]) -> None:
        """Count new events (never ones already stored: the caller leaves those out)."""
        keys_of: tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]] = ([], [])
        seen: _Seen = {}
        runs_facet = self._facet(_facet_text(RUNS))
        known = self._known
        if sum(len(members) for members in known.values()) >= _KNOWN:
            known.clear()
        of_body = self._of_body
        for run, install_id, facts, facts_text, events in runs:
            if not events:
                continue
            ci = is_ci(facts)
            member = self._member(install_id)
            keys = [event[:3] for event in events]
            keys_of[ci].extend(keys)
            # Senders repeat the same bodies: the facets of one are worked out once.
            signature = (facts_text, tuple(keys))
            of_days = of_body.get(signature)
            if of_days is None:
                of_days = self._of_days(facts, facts_text, keys, events)
                if len(of_body) >= _BODIES:
                    of_body.clear()
                of_body[signature] = of_days
            last = 0
            for number, facets, unmasked in of_days:
                if number > last:
                    last = number
                # What a human run stored covers a CI run's day too, not the other way.
                human_day = known.get((number, False))
                human = 0 if human_day is None else human_day.get(member, 0)
                if ci:
                    mine_day = known.get((number, True))
                    mine = 0 if mine_day is None else mine_day.get(member, 0)
                    new = facets & ~(human | mine)
                    if new:
                        if mine_day is None:
                            mine_day = known[(number, True)] = {}
                        mine_day[member] = mine | new
                else:
                    new = facets & ~human
                    if new:
                        if human_day is None:
                            human_day = known[(number, False)] = {}
                        human_day[member] = human | new
                while new:
                    bit = new & -new
                    _see(seen, member, bit.bit_length() - 1, number, ci)
                    new ^= bit
                for facet in unmasked:  # never remembered: written every time
                    _see(seen, member, facet, number, ci)
            _see(seen, run, runs_facet, last, ci)
        tallies: dict[tuple[str, str, str, int], int] = {}
        for ci, keys in enumerate(keys_of):
            for key, n in Counter(keys).items():
                tallies[(*key, ci)] = n
        self._count(tallies, 1)
        self._store(seen)

    def _of_days(
        self,
        facts: dict[str, Any],
        facts_text: str,
        keys: list[tuple[str, str, str]],
        events: Sequence[tuple[str, str, str, dict[str, Any]]],
    ) -> tuple[_OfDay, ...]:
        """Per day of a run's events: the day's number and every facet the run sent that
        day, as a mask (bit n for facet n) and the facets too large for one."""
        of_event = self._of_event
        by_day: dict[str, set[int]] = {}
        for key, event in dict(zip(keys, events)).items():
            day = key[0]
            facets = by_day.get(day)
            if facets is None:
                facets = by_day[day] = set(self._day(facts_text, facts, day))
            numbers = of_event.get(key)
            if numbers is None:
                numbers = self._remember(of_event, key, _event_facets(key[1], event[3]))
            facets.update(numbers)
        return tuple(
            (
                self._ordinal(day),
                sum(1 << facet for facet in facets if facet < _MASKED),
                tuple(facet for facet in facets if facet >= _MASKED),
            )
            for day, facets in by_day.items()
        )

    def _store(self, seen: _Seen) -> None:
        # Each pair's last days move later, never earlier; the triggers move the counts.
        values = [value for key, last in seen.items() for value in (*key, *last)]
        for text, params in many_rows(_SEE_HEAD, "(?, ?, ?, ?)", 4, values, _SEE_TAIL):
            self._db.execute(text, params)

    def _count(self, tallies: dict[tuple[str, str, str, int], int], sign: int) -> None:
        values = [value for key, n in tallies.items() for value in (*key, sign * n)]
        for text, params in many_rows(_COUNT_HEAD, "(?, ?, ?, ?, ?)", 5, values, _COUNT_TAIL):
            self._db.execute(text, params)
        if sign < 0:
            self._db.execute("DELETE FROM tallies WHERE events <= 0")

    def forget(self, install_id: str) -> None:
        """Take every event of ``install_id`` out of the rollups (before they are deleted)."""
        db = self._db
        tallies: Counter[tuple[str, str, str, int]] = Counter()
        rows = db.execute(
            "SELECT e.day, e.name, e.props, s.envelope, count(*) FROM events e "
            "JOIN sessions s ON s.id = e.session WHERE s.install_id = ? GROUP BY 1, 2, 3, 4",
            (install_id,),
        )
        ci_of: dict[str, int] = {}
        for day, name, props, envelope, number in rows:
            if envelope not in ci_of:
                ci_of[envelope] = int(is_ci(json.loads(envelope)))
            tallies[(day, name, props, ci_of[envelope])] += number
        if tallies:
            self._count(tallies, -1)
        runs_facet = self._facet(_facet_text(RUNS))
        db.execute(
            "DELETE FROM last_seen WHERE facet = ? AND member IN "
            "(SELECT id FROM sessions WHERE install_id = ?)",
            (runs_facet, install_id),
        )
        db.execute(
            "DELETE FROM last_seen WHERE facet != ? AND member = "
            "(SELECT id FROM members WHERE install_id = ?)",
            (runs_facet, install_id),
        )
        db.execute("DELETE FROM last_days WHERE members <= 0")
        db.execute("DELETE FROM members WHERE install_id = ?", (install_id,))
        self._drop_unused_facets()

    def prune(self, before: str) -> None:
        """Take every day before ``before`` out of the rollups (the events are deleted
        too; ``drop_gone`` follows once their runs are)."""
        db = self._db
        first = ordinal(before)
        db.execute("DELETE FROM tallies WHERE day < ?", (before,))
        # A member whose last day is pruned has no event left; one whose last day is kept
        # still has that event, so its last day stays what it was.
        db.execute("DELETE FROM last_seen WHERE day < ?", (first,))
        db.execute("UPDATE last_seen SET day_not_ci = NULL WHERE day_not_ci < ?", (first,))
        db.execute("DELETE FROM last_days WHERE day < ? OR members <= 0", (first,))

    def drop_gone(self) -> None:
        """Delete the numbers of installs with no run left (after a prune), and of facets
        no count uses, so that a pruned install id is nowhere in the file."""
        self.forget_numbers()
        self._db.execute(
            "DELETE FROM members WHERE install_id NOT IN (SELECT install_id FROM sessions)"
        )
        self._drop_unused_facets()

    def _drop_unused_facets(self) -> None:
        # Every last_seen row counts in last_days, so a facet absent there is unused.
        self.forget_numbers()
        self._db.execute("DELETE FROM facets WHERE id NOT IN (SELECT facet FROM last_days)")

    def rebuild(self) -> None:
        """Count every stored event again, from empty tables (a database made before the
        rollups existed)."""
        db = self._db
        for table in TABLE_NAMES:
            db.execute(f"DELETE FROM {table}")
        self.forget_numbers()
        sessions = {
            run: (install_id, text)
            for run, install_id, text in db.execute("SELECT id, install_id, envelope FROM sessions")
        }
        parsed: dict[str, dict[str, Any]] = {}

        def loads(text: str) -> dict[str, Any]:
            if text not in parsed:
                if len(parsed) >= _REMEMBERED:
                    parsed.clear()
                parsed[text] = json.loads(text)
            return parsed[text]

        batch: list[Run] = []
        current: Optional[int] = None
        events: list[tuple[str, str, str, dict[str, Any]]] = []
        cursor = db.execute("SELECT session, day, name, props FROM events ORDER BY session")
        for run, day, name, props in cursor:
            if run != current:
                if current is not None:
                    batch.append(self._run(sessions, current, loads, events))
                    if len(batch) >= _REBUILD_RUNS:
                        self.add(batch)
                        batch = []
                current, events = run, []
            events.append((day, name, props, loads(props)))
        if current is not None:
            batch.append(self._run(sessions, current, loads, events))
        self.add(batch)

    @staticmethod
    def _run(sessions: dict, run: int, loads: Any, events: list) -> Run:
        install_id, text = sessions[run]
        return (run, install_id, loads(text), text, events)

    # Numbers for install ids and facets, remembered while few.

    def _member(self, install_id: str) -> int:
        return self._number(self._members, "members", "install_id", install_id)

    def _facet(self, facet: str) -> int:
        return self._number(self._facets, "facets", "facet", facet)

    def _number(self, known: dict[str, int], table: str, column: str, value: str) -> int:
        number = known.get(value)
        if number is None:
            self._db.execute(f"INSERT OR IGNORE INTO {table} ({column}) VALUES (?)", (value,))
            row = self._db.execute(f"SELECT id FROM {table} WHERE {column} = ?", (value,))
            number = int(row.fetchone()[0])
            if len(known) >= _REMEMBERED:
                known.clear()
            known[value] = number
        return number

    def _remember(
        self, where: dict[Any, tuple[int, ...]], key: tuple[str, ...], facets: list
    ) -> tuple[int, ...]:
        numbers = tuple(self._facet(facet) for facet in facets)
        if len(where) >= _REMEMBERED:
            where.clear()
        where[key] = numbers
        return numbers

    def _day(self, facts_text: str, facts: dict[str, Any], day: str) -> tuple[int, ...]:
        numbers = self._of_day.get((facts_text, day))
        if numbers is None:
            numbers = self._remember(self._of_day, (facts_text, day), _day_facets(facts, day))
        return numbers

    def _ordinal(self, day: str) -> int:
        number = self._days.get(day)
        if number is None:
            if len(self._days) >= 4096:
                self._days.clear()
            number = self._days[day] = ordinal(day)
        return number


def _see(seen: _Seen, member: int, facet: int, day: int, ci: bool) -> None:
    now = seen.get((member, facet))
    if now is None:
        seen[(member, facet)] = [day, None if ci else day]
        return
    if day > now[0]:  # type: ignore[operator]
        now[0] = day
    if not ci and (now[1] is None or day > now[1]):
        now[1] = day


def read(
    db: Any, first: str, include_ci: bool
) -> tuple[Counter[tuple[str, str]], dict[tuple[Any, ...], int], int]:
    """From the rollups, for every day from ``first`` on: events per (name, props), the
    members per facet, and the runs of every kind (CI's too).

    ``db`` is anything with ``rows(sql, params)`` (a Store).
    """
    per_props: Counter[tuple[str, str]] = Counter()
    for name, props, number in db.rows(
        "SELECT name, props, sum(events) FROM tallies WHERE day >= ? AND ci <= ? "
        "GROUP BY name, props",
        (first, int(include_ci)),
    ):
        per_props[(name, props)] = number
    ci = _EVERY_RUN if include_ci else _CI_ONLY
    facets: dict[tuple[Any, ...], int] = {}
    runs_facet = _facet_text(RUNS)
    every_run = 0
    for facet, kind, number in db.rows(
        "SELECT f.facet, l.ci, sum(l.members) FROM last_days l JOIN facets f ON f.id = l.facet "
        "WHERE l.day >= ? AND (l.ci = ? OR f.facet = ?) GROUP BY l.facet, l.ci",
        (ordinal(first), ci, runs_facet),
    ):
        if facet == runs_facet and kind == _EVERY_RUN:
            every_run = number
        if kind == ci and number > 0:
            facets[tuple(json.loads(facet))] = number
    return per_props, facets, every_run


def oldest_day(db: Any) -> Optional[str]:
    """The earliest day with an event (the tallies lead with the day: one step)."""
    return db.rows("SELECT min(day) FROM tallies")[0][0]


__all__ = [
    "ANY",
    "EVENT",
    "FAILURE",
    "MIX",
    "PROP",
    "REPORTED",
    "RUNS",
    "TABLES",
    "TRIGGERS",
    "VERSION",
    "WEEK",
    "Rollup",
    "is_ci",
    "json_key",
    "mix_value",
    "oldest_day",
    "read",
]
