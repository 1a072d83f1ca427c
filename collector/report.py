"""The report: the install funnel, failures, onboarding, weekly active installs, usage by
command, the product's own events and the mix.

``gather()`` turns the database into one JSON-ready dict (``--json`` prints it as is);
``render()`` draws the same dict for a terminal, with bars. Stages, steps, failure
classes, platform fields, usage commands and the product's own events come from the
product's schema, so a new stage or event shows up here without a change to this file.
Counts cover only what the database still holds: pruned events are gone, not summarised.

Beside each count of events, the distinct installs behind it (so a page published with
``--public`` can leave out every count under 5 installs), CI runs left out unless
``include_ci`` exactly as for the counts:

- ``funnel[i]["installs"]``: installs that sent that step's event (``install_started``,
  ``install_stage_completed`` with that stage, ``install_completed``);
- ``failures[i]["installs"]``: installs with that stage and error;
- ``onboarding``: ``started_installs`` and ``completed_installs`` (ints),
  ``viewed_installs`` and ``skipped_installs`` (step -> installs, the keys of ``viewed``);
- ``uninstall_installs``: installs that started an uninstall;
- ``product_events[name]``: ``installs``, and ``props_installs`` (prop -> value ->
  installs, the keys of ``props``);
- ``version_adoption``: per week, the weeks of ``weekly_active_installs`` (both list
  every ISO week from the first with events to this one; a week with none has 0
  installs, or no versions): ``{"week", "from", "partial", "installs": {app_version:
  installs}}``, versions by installs then name (runs whose envelope has no app_version
  are not in it).

``usage[command]["installs"]``, ``weekly_active_installs`` and ``mix`` count installs too.
Everything comes from the rollups the writer keeps (``doorstep.collector.rollup``): a
read that does not grow with the number of events. A database made before them is read
in one pass over the window's events and one over the runs, to the same numbers.
"""

from __future__ import annotations

import json
import textwrap
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Optional

from doorstep.collector import days, rollup
from doorstep.collector.rollup import (  # the events this report is about
    COMPLETED,
    FAILED,
    ONBOARDING_COMPLETED,
    ONBOARDING_STARTED,
    REPORTED,
    STAGE_DONE,
    STARTED,
    STEP_SKIPPED,
    STEP_VIEWED,
    UNINSTALL,
    is_ci,
    json_key,
    mix_value,
)
from doorstep.collector.store import Store
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.product import Product

REPORT_VERSION = 1  # of the JSON object; keys are added, never renamed or removed

USAGE = schema.USAGE_EVENT
VERSION_FIELD = rollup.VERSION_FIELD  # the envelope field version adoption counts
_MIX_TYPES = ("version", "enum", "bool", "bucket")  # envelope fields worth a breakdown
_BAR = 28
_OPEN_VALUES_SHOWN = 10  # past twice this many values, a terminal shows the top ones


def _declared(the_schema: schema.Schema, event: str, prop: str) -> tuple[Any, ...]:
    """The values a property can take, in the schema's order; () when they are open."""
    spec = the_schema.events.get(event)
    if spec is None or prop not in spec.props:
        return ()
    found = spec.props[prop]
    if found.bucket is not None:
        return found.bucket.labels
    if found.type == "bool":
        return (True, False)
    return found.values


def _by_value(seen: Counter[Any], declared: tuple[Any, ...]) -> dict[str, int]:
    """Counts of every declared value (zeros too), then of any other value seen, by count."""
    counts = {json_key(value): seen.get(value, 0) for value in declared}
    others = [(json_key(v), n) for v, n in seen.items() if json_key(v) not in counts]
    counts.update(sorted(others, key=lambda item: (-item[1], item[0])))
    return counts


def _mix_fields(the_schema: schema.Schema) -> list[str]:
    return [k for k, p in the_schema.envelope.items() if p.type in _MIX_TYPES]


def gather(
    store: Store,
    window: int,
    include_ci: bool,
    today: Optional[str] = None,
    product: Optional[Product] = None,
    from_events: bool = False,
) -> dict:
    """Everything the report shows for the last ``window`` days, as plain data.

    ``product`` (default: the current one) decides the schema: its usage commands and
    its own events are counted by value, and events it does not know are named apart.
    The numbers come from the rollups; ``from_events`` counts the events themselves
    instead (as for a database made before the rollups), to the same numbers.
    """
    product = product or product_module.current()
    the_schema = schema.for_product(product)
    today = today or days.today()
    first = days.shift(today, -(window - 1))
    way = _Tallied if store.has_rollups and not from_events else _Held
    held = way.read(store, first, include_ci, the_schema, product.events)
    counts, by_value, failures = held.counts, held.by_value, held.failures

    def values_of(event: str, prop: str) -> tuple[Any, ...]:
        return _declared(the_schema, event, prop)

    def step_counts(event: str) -> dict[str, int]:
        seen = by_value.get((event, "step"), Counter())
        return {step: seen.get(step, 0) for step in values_of(event, "step")}

    def step_installs(event: str) -> dict[str, int]:
        return {step: held.installs(event, "step", step) for step in values_of(event, "step")}

    stage_done = by_value.get((STAGE_DONE, "stage"), Counter())
    funnel = [{"step": "started", "count": counts[STARTED], "installs": held.installs(STARTED)}]
    funnel += [
        {
            "step": s,
            "count": stage_done.get(s, 0),
            "installs": held.installs(STAGE_DONE, "stage", s),
        }
        for s in values_of(STAGE_DONE, "stage")
    ]
    funnel.append(
        {"step": "completed", "count": counts[COMPLETED], "installs": held.installs(COMPLETED)}
    )

    usage: dict[str, dict[str, Any]] = {}
    if USAGE in the_schema.events:
        runs_of, errors_of = held.runs_of, held.errors_of
        commands = _by_value(runs_of, values_of(USAGE, "command"))  # declared order, then others
        for command in commands:
            ran, failed = runs_of.get(command, 0), errors_of.get(command, 0)
            usage[command] = {
                "count": ran,
                "errors": failed,
                "error_rate": round(failed / ran, 4) if ran else None,
                "installs": held.installs(USAGE, "command", command),
            }

    own_events: dict[str, dict[str, Any]] = {}
    for name in product.events:
        event = the_schema.events.get(name)
        if event is None:
            continue
        props = {
            prop: _by_value(by_value.get((name, prop), Counter()), values_of(name, prop))
            for prop in event.props
        }
        own_events[name] = {
            "events": counts[name],
            "props": props,
            "installs": held.installs(name),
            "props_installs": {
                prop: {value: held.installs(name, prop, value) for value in values}
                for prop, values in props.items()
            },
        }
    unknown = {name: n for name, n in sorted(counts.items()) if name not in the_schema.events}

    retention = the_schema.retention_days
    oldest = store.oldest_day()
    return {
        "version": REPORT_VERSION,
        "window": {
            "days": window,
            "from": first,
            "to": today,
            "include_ci": include_ci,
            "ci_runs_left_out": held.ci_runs_left_out,
        },
        "database": {"path": str(store.path), "oldest_day": oldest, "retention_days": retention},
        "totals": held.totals(),
        "funnel": funnel,
        "failures": [
            {
                "stage": stage,
                "error": error,
                "count": number,
                "installs": held.failure_installs((stage, error)),
            }
            for (stage, error), number in sorted(failures.items(), key=lambda i: (-i[1], i[0]))
        ],
        "onboarding": {
            "started": counts[ONBOARDING_STARTED],
            "started_by_ui": dict(by_value.get((ONBOARDING_STARTED, "ui"), Counter())),
            "viewed": step_counts(STEP_VIEWED),
            "skipped": step_counts(STEP_SKIPPED),
            "completed": counts[ONBOARDING_COMPLETED],
            "completed_by_ui": dict(by_value.get((ONBOARDING_COMPLETED, "ui"), Counter())),
            "started_installs": held.installs(ONBOARDING_STARTED),
            "completed_installs": held.installs(ONBOARDING_COMPLETED),
            "viewed_installs": step_installs(STEP_VIEWED),
            "skipped_installs": step_installs(STEP_SKIPPED),
        },
        "uninstalls": counts[UNINSTALL],
        "uninstall_installs": held.installs(UNINSTALL),
        "weekly_active_installs": every_week(held.weekly(first, today), first, today, int),
        "version_adoption": every_week(held.version_adoption(first, today), first, today, dict),
        "mix": held.mix(_mix_fields(the_schema)),
        "cannot_know": cannot_know(retention, oldest, include_ci),
        "product": {"name": product.name, "display_name": product.display_name},
        "usage": usage,
        "product_events": own_events,
        "unknown_events": unknown,
    }


def every_week(
    rows: list[dict[str, Any]], first: str, today: str, nobody: Callable[[], Any]
) -> list[dict[str, Any]]:
    """``rows`` (one per week with events, in order) with the weeks between them and up
    to this one added, their ``installs`` made by ``nobody`` (0, or no versions): a quiet
    week is shown as one, not as a gap that a chart draws as if the weeks on either side
    were neighbours."""
    if not rows:
        return rows
    held = {row["from"]: row for row in rows}
    week, last = rows[0]["from"], max(rows[-1]["from"], days.week_start(today))
    filled = []
    while week <= last:
        filled.append(
            held.get(week)
            or {
                "week": days.week_label(week),
                "from": week,
                "installs": nobody(),
                "partial": week < first or days.shift(week, 6) > today,
            }
        )
        week = days.shift(week, 7)
    return filled


# The (event, property) pairs whose values are counted in distinct installs as well.
def _counted_props(the_schema: schema.Schema, own: Sequence[str]) -> set[tuple[str, str]]:
    pairs = set(rollup.COUNTED)  # the rollups count installs by the same properties
    for name in own:
        event = the_schema.events.get(name)
        if event is not None:
            pairs.update((name, prop) for prop in event.props)
    return pairs


class _Runs:
    """Every run (session) held, as the number of its (envelope, install) pair.

    Installs and envelopes are numbered in the order read, and a run's pair is one
    integer, ``envelope * installs + install``: the sets the report builds hold small
    integers, and most of an install's runs share one pair. The table is read as one
    row of ``group_concat``, never one Python object per row.
    """

    def __init__(self, store: Store, version_field: Optional[str]) -> None:
        ids, installs, envelopes = store.rows(
            "SELECT group_concat(id), group_concat(install_id), "
            "group_concat(envelope, char(30)) FROM sessions"
        )[0]
        listed = list(map(int, ids.split(","))) if ids else []
        owners = installs.split(",") if installs else []
        # char(30) cannot occur in an envelope: the stored JSON escapes control characters.
        texts = envelopes.split("\x1e") if envelopes else []
        if not len(listed) == len(owners) == len(texts):  # an install id with a comma
            rows = store.rows("SELECT id, install_id, envelope FROM sessions")
            listed = [row[0] for row in rows]
            owners = [row[1] for row in rows]
            texts = [row[2] for row in rows]
        install_number = {owner: n for n, owner in enumerate(dict.fromkeys(owners))}
        envelope_number = {text: n for n, text in enumerate(dict.fromkeys(texts))}
        self.width = max(1, len(install_number))
        self.facts: list[dict[str, Any]] = [json.loads(text) for text in envelope_number]
        pairs = list(
            map(
                int.__add__,
                map(self.width.__mul__, map(envelope_number.__getitem__, texts)),
                map(install_number.__getitem__, owners),
            )
        )
        self._listed, self._pairs = listed, pairs
        ci_envelopes = {n for n, facts in enumerate(self.facts) if is_ci(facts)}
        self.ci: list[int] = (
            [run for run, pair in zip(listed, pairs) if pair // self.width in ci_envelopes]
            if ci_envelopes
            else []
        )
        # Each envelope's app_version as a number (0: none), for version adoption.
        self.versions: list[Optional[str]] = [None]
        numbered: dict[str, int] = {}
        self.version_of_envelope: list[int] = []
        for facts in self.facts:
            value = facts.get(version_field) if version_field else None
            if value is None:
                self.version_of_envelope.append(0)
                continue
            if str(value) not in numbered:
                numbered[str(value)] = len(self.versions)
                self.versions.append(str(value))
            self.version_of_envelope.append(numbered[str(value)])

    def pair_of(self, include_ci: bool, dense: bool = True) -> Callable[[int], Optional[int]]:
        """Run -> its pair; -1 or None for a CI run (unless ``include_ci``) or no run."""
        if dense and self._listed and max(self._listed) <= 8 * len(self._listed) + 1024:
            # An array by run id: far fewer cache misses than a dict of 100,000s of runs.
            table = array("q", [-1]) * (max(self._listed) + 1)
            for run, pair in zip(self._listed, self._pairs):
                table[run] = pair
            if not include_ci:
                for run in self.ci:
                    table[run] = -1
            return table.__getitem__
        found: dict[int, int] = dict(zip(self._listed, self._pairs))
        if not include_ci:
            found.update(dict.fromkeys(self.ci, -1))
        return found.get

    def installs(self, pairs: Iterable[int]) -> set[int]:
        return set(map(self.width.__rmod__, pairs))


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


class _Counted:
    """The counts of events, from the number of events per (name, props) in the window:
    what the two ways of reading a window share."""

    def __init__(self, per_props: Counter[tuple[str, str]]) -> None:
        self.counts: Counter[str] = Counter()
        self.by_value: dict[tuple[str, str], Counter[Any]] = {}
        self.failures: Counter[tuple[str, str]] = Counter()
        self.runs_of: Counter[str] = Counter()  # usage rollups: command -> summed count
        self.errors_of: Counter[str] = Counter()
        self.kept: list[tuple[str, str, dict[str, Any]]] = []  # (name, props) counted
        for (name, props_text), number in per_props.items():
            if number <= 0:
                continue
            self.counts[name] += number
            props = json.loads(props_text)
            self.kept.append((name, props_text, props))
            for key, value in props.items():
                self.by_value.setdefault((name, key), Counter())[value] += number
            if name == FAILED:
                self.failures[(props.get("stage", "?"), props.get("error", "?"))] += number
            elif name == USAGE and isinstance(props.get("command"), str):
                self.runs_of[props["command"]] += _whole(props.get("count")) * number
                self.errors_of[props["command"]] += _whole(props.get("errors")) * number


class _Tallied(_Counted):
    """A window read from the rollups (``doorstep.collector.rollup``): the events per
    (name, props), and the installs (or runs) behind each facet, as numbers."""

    def __init__(
        self,
        per_props: Counter[tuple[str, str]],
        facets: dict[tuple[Any, ...], int],
        every_run: int,
        include_ci: bool,
    ) -> None:
        super().__init__(per_props)
        self._facets = facets
        runs = facets.get((rollup.RUNS,), 0)
        self.ci_runs_left_out = 0 if include_ci else every_run - runs
        self._runs = runs

    @classmethod
    def read(
        cls,
        store: Store,
        first: str,
        include_ci: bool,
        the_schema: schema.Schema,
        own: Sequence[str],
    ) -> _Tallied:
        return cls(*rollup.read(store, first, include_ci), include_ci)

    def installs(self, name: str, prop: Optional[str] = None, value: Any = None) -> int:
        """Distinct installs that sent ``name`` (with ``prop`` set to ``value``)."""
        if prop is None:
            return self._facets.get((rollup.EVENT, name), 0)
        return self._facets.get((rollup.PROP, name, prop, json_key(value)), 0)

    def failure_installs(self, failure: tuple[str, str]) -> int:
        return self._facets.get((rollup.FAILURE, *failure), 0)

    def totals(self) -> dict[str, int]:
        return {
            "events": sum(self.counts.values()),
            "runs": self._runs,
            "installs": self._facets.get((rollup.ANY,), 0),
        }

    def _weeks(self) -> list[tuple[str, int]]:
        return sorted((f[1], n) for f, n in self._facets.items() if f[0] == rollup.WEEK)

    def weekly(self, first: str, today: str) -> list[dict[str, Any]]:
        return [
            {
                "week": days.week_label(week),
                "from": week,
                "installs": installs,
                "partial": week < first or days.shift(week, 6) > today,
            }
            for week, installs in self._weeks()
        ]

    def version_adoption(self, first: str, today: str) -> list[dict[str, Any]]:
        by_week: dict[str, dict[str, int]] = {}
        for facet, installs in self._facets.items():
            if facet[0] == rollup.VERSION:
                by_week.setdefault(facet[1], {})[facet[2]] = installs
        return [
            {
                "week": days.week_label(week),
                "from": week,
                "partial": week < first or days.shift(week, 6) > today,
                "installs": _by_count(by_week.get(week, {})),
            }
            for week, _ in self._weeks()
        ]

    def mix(self, fields: list[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {field: {} for field in fields}
        for facet, installs in self._facets.items():
            if facet[0] == rollup.MIX and facet[1] in found:
                found[facet[1]][facet[2]] = installs
        return {field: _by_count(values) for field, values in found.items()}


class _Held(_Counted):
    """The events of a window, read in one pass and kept as sets of (envelope, install)
    pairs per (name, props) and per day, so every count and every count of distinct
    installs comes from the same read: how a database made before the rollups is read.

    Every event has its run: the store writes and deletes both in one transaction.
    """

    def __init__(
        self,
        runs: _Runs,
        rows: list[tuple[Any, ...]],
        ci_rows: list[tuple[Any, ...]],
        left_out: int,
        include_ci: bool,
        the_schema: schema.Schema,
        own: Sequence[str],
    ) -> None:
        self._runs = runs
        self.ci_runs_left_out = left_out
        try:
            per_props, pairs_of = self._read(rows, runs.pair_of(include_ci))
        except IndexError:  # a run id past the last run held: no run has it
            per_props, pairs_of = self._read(rows, runs.pair_of(include_ci, dense=False))
        for name, props_text, number in ci_rows:  # CI events were in the counts above
            per_props[(name, props_text)] -= number
        super().__init__(per_props)

        # The (envelope, install) pairs behind each count.
        self._by_name: dict[str, set[int]] = {}
        self._by_prop: dict[tuple[str, str, str], set[int]] = {}
        self._by_failure: dict[tuple[str, str], set[int]] = {}
        counted_props = _counted_props(the_schema, own)
        for name, props_text, props in self.kept:
            pairs = pairs_of[(name, props_text)]  # installs are counted from pairs at the end
            self._by_name.setdefault(name, set()).update(pairs)
            for key, value in props.items():
                if (name, key) in counted_props:
                    self._by_prop.setdefault((name, key, json_key(value)), set()).update(pairs)
            if name == FAILED:
                failure = (props.get("stage", "?"), props.get("error", "?"))
                self._by_failure.setdefault(failure, set()).update(pairs)

    def _read(
        self, rows: list[tuple[Any, ...]], pair: Callable[[int], Optional[int]]
    ) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], set[int]]]:
        per_props: Counter[tuple[str, str]] = Counter()
        pairs_of: dict[tuple[str, str], set[int]] = {}
        self._pairs_on: dict[str, set[int]] = {}
        self._sessions: set[int] = set()  # the runs with events, CI's too
        for day, name, props_text, listed in rows:
            key = (name, props_text)
            per_props[key] += listed.count(",") + 1  # CI's events too: see ci_rows
            sessions = set(map(int, listed.split(",")))
            self._sessions |= sessions
            found = set(map(pair, sessions))
            if -1 in found or None in found:  # CI runs
                found.difference_update((-1, None))
                if not found:
                    continue
            pairs_of.setdefault(key, set()).update(found)
            self._pairs_on.setdefault(day, set()).update(found)
        return per_props, pairs_of

    @classmethod
    def read(
        cls,
        store: Store,
        first: str,
        include_ci: bool,
        the_schema: schema.Schema,
        own: Sequence[str],
    ) -> _Held:
        runs = _Runs(store, _version_field(the_schema))
        rows = store.rows(
            "SELECT day, name, props, group_concat(session) FROM events "
            "WHERE day >= ? GROUP BY day, name, props",
            (first,),
        )
        ci_rows: list[tuple[Any, ...]] = []
        left_out = 0
        if runs.ci and not include_ci:
            # The CI runs' events, by their primary key: few, and taken off the counts.
            ci = json.dumps(runs.ci)
            within = "FROM events WHERE session IN (SELECT value FROM json_each(?)) AND day >= ?"
            ci_rows = store.rows(
                f"SELECT name, props, count(*) {within} GROUP BY 1, 2", (ci, first)
            )
            left_out = store.rows(f"SELECT count(DISTINCT session) {within}", (ci, first))[0][0]
        return cls(runs, rows, ci_rows, left_out, include_ci, the_schema, own)

    def installs(self, name: str, prop: Optional[str] = None, value: Any = None) -> int:
        """Distinct installs that sent ``name`` (with ``prop`` set to ``value``)."""
        if prop is None:
            return len(self._runs.installs(self._by_name.get(name, ())))
        return len(self._runs.installs(self._by_prop.get((name, prop, json_key(value)), ())))

    def failure_installs(self, failure: tuple[str, str]) -> int:
        return len(self._runs.installs(self._by_failure.get(failure, ())))

    def _window(self) -> set[int]:
        return set().union(*self._pairs_on.values())

    def totals(self) -> dict[str, int]:
        return {
            "events": sum(self.counts.values()),
            "runs": len(self._sessions) - self.ci_runs_left_out,
            "installs": len(self._runs.installs(self._window())),
        }

    def _weeks(self) -> list[tuple[str, set[int]]]:
        weeks: dict[str, set[int]] = {}
        for day, pairs in self._pairs_on.items():
            weeks.setdefault(days.week_start(day), set()).update(pairs)
        return sorted(weeks.items())

    def weekly(self, first: str, today: str) -> list[dict[str, Any]]:
        return [
            {
                "week": days.week_label(week),
                "from": week,
                "installs": len(self._runs.installs(pairs)),
                "partial": week < first or days.shift(week, 6) > today,
            }
            for week, pairs in self._weeks()
        ]

    def version_adoption(self, first: str, today: str) -> list[dict[str, Any]]:
        runs = self._runs
        width, versions = runs.width, runs.versions
        adoption = []
        for week, pairs in self._weeks():
            version = map(runs.version_of_envelope.__getitem__, map(width.__rfloordiv__, pairs))
            # (version, install) as one integer, as the pairs are.
            keyed = set(map(int.__add__, map(width.__mul__, version), map(width.__rmod__, pairs)))
            found = Counter(map(width.__rfloordiv__, keyed))
            adoption.append(
                {
                    "week": days.week_label(week),
                    "from": week,
                    "partial": week < first or days.shift(week, 6) > today,
                    "installs": _by_count({versions[n]: c for n, c in found.items() if n}),
                }
            )
        return adoption

    def mix(self, fields: list[str]) -> dict[str, dict[str, int]]:
        width = self._runs.width
        by_envelope: dict[int, set[int]] = {}
        for pair in self._window():
            number, install = divmod(pair, width)
            by_envelope.setdefault(number, set()).add(install)
        found: dict[str, dict[str, set[int]]] = {field: {} for field in fields}
        for number, installs in by_envelope.items():
            for field, value in self._runs.facts[number].items():
                if field in found:
                    found[field].setdefault(mix_value(value), set()).update(installs)
        return {
            field: _by_count({value: len(installs) for value, installs in values.items()})
            for field, values in found.items()
        }


def _version_field(the_schema: schema.Schema) -> Optional[str]:
    """The envelope field version adoption counts: app_version, when it is a version."""
    spec = the_schema.envelope.get(VERSION_FIELD)
    return VERSION_FIELD if spec is not None and spec.type == "version" else None


def _whole(value: Any) -> int:
    # The schema only stores whole numbers here; anything else counts as nothing.
    return value if type(value) is int else 0


def cannot_know(retention: int, oldest: Optional[str], include_ci: bool) -> list[str]:
    """What no report from this database can say, by design."""
    lines = [
        "How many people declined or never answered: a declined or cancelled wizard, "
        "DO_NOT_TRACK and telemetry off send nothing, so those installs never reach here.",
        "How many people: an install id counts an installation with telemetry on. Turning "
        "telemetry off and on, or reset-id, mints a new id, so one machine can count twice.",
        "Where anyone is, or at what time of day: the collector never stores an address, "
        "and events carry a day, never a time.",
        f"Anything older than {retention} days: prune deletes it; nothing of it is kept "
        "or summarised" + (f" (the oldest day held is {oldest})." if oldest else "."),
    ]
    if not include_ci:
        lines.append("Runs on CI machines are left out of every count (--include-ci adds them).")
    return lines


def render(data: dict, title: str, unicode: bool = True) -> str:
    """The report for a terminal: sections of labelled counts with bars."""
    out: list[str] = []
    window, totals = data["window"], data["totals"]
    out.append(f"{title}: the last {window['days']} days ({window['from']} to {window['to']})")
    held = data["database"]["oldest_day"] or "none"
    out.append(f"database {data['database']['path']}; oldest day held: {held}")
    summary = (
        f"{totals['events']} events from {totals['runs']} runs of {totals['installs']} installs"
    )
    if window["ci_runs_left_out"]:
        summary += f"; {window['ci_runs_left_out']} CI runs left out (--include-ci counts them)"
    out.append(summary)
    unknown = data.get("unknown_events") or {}
    if unknown:
        names = ", ".join(unknown)
        out.append(
            f"{sum(unknown.values())} events this product's schema does not know ({names}): "
            "stored by another product's collector? (--product NAME reports them)"
        )

    started = data["funnel"][0]["count"]
    out.append("")
    out.append("Install funnel (events; % of started)")
    out += _table([(r["step"], r["count"]) for r in data["funnel"]], unicode, started)

    out.append("")
    out.append("Install failures by stage and class")
    failures = [(f"{f['stage']}: {f['error']}", f["count"]) for f in data["failures"]]
    out += _table(failures, unicode) if failures else ["  none recorded"]

    onboarding = data["onboarding"]
    out.append("")
    out.append("Onboarding (events; % of started)")
    rows = [("started", onboarding["started"])]
    rows += [(f"viewed {step}", n) for step, n in onboarding["viewed"].items()]
    rows += [(f"skipped {step}", n) for step, n in onboarding["skipped"].items()]
    rows.append(("completed", onboarding["completed"]))
    out += _table(rows, unicode, onboarding["started"])
    out.append(f"  uninstalls started: {data['uninstalls']}")

    out.append("")
    out.append("Weekly active installs (distinct install ids; * a partial week)")
    weekly = [
        (f"{w['week']} from {w['from']}{' *' if w['partial'] else ''}", w["installs"])
        for w in data["weekly_active_installs"]
    ]
    out += _table(weekly, unicode) if weekly else ["  no events in this window"]

    usage = data.get("usage") or {}
    if usage:
        out.append("")
        out.append("Usage by command (daily rollups: runs, errors, error rate, distinct installs)")
        out += _usage_table(usage, unicode)

    display = (data.get("product") or {}).get("display_name", "The product")
    for name, event in (data.get("product_events") or {}).items():
        out.append("")
        out.append(f"{display}'s event {name} ({event['events']} events; by property value)")
        for prop, values in event["props"].items():
            out.append(f"  {prop}")
            out += _values_table(values, unicode)

    out.append("")
    out.append("Mix (distinct install ids)")
    for field, values in data["mix"].items():
        out.append(f"  {field}")
        if values:
            out += _table(list(values.items()), unicode, indent="    ")
        else:
            out.append("    none")

    out.append("")
    out.append("What this report cannot know, by design")
    out += [
        textwrap.fill(line, width=88, initial_indent="  - ", subsequent_indent="    ")
        for line in data["cannot_know"]
    ]
    return "\n".join(out) + "\n"


def _usage_table(usage: dict[str, dict[str, Any]], unicode: bool) -> list[str]:
    width = max(len(command) for command in usage)
    digits = max(len(str(row["count"])) for row in usage.values())
    wrong = max(len(str(row["errors"])) for row in usage.values())
    top = max(row["count"] for row in usage.values())
    lines = []
    for command, row in usage.items():
        rate = row["error_rate"]
        line = (
            f"  {command:<{width}}  {row['count']:>{digits}}  "
            f"{bar(row['count'], top, unicode):<{_BAR}}  {row['errors']:>{wrong}} errors  "
            + (f"{100 * rate:5.1f}%" if rate is not None else "    -")
            + f"  {row['installs']} installs"
        )
        lines.append(line)
    return lines


def _values_table(values: dict[str, int], unicode: bool) -> list[str]:
    if not values:
        return ["    none"]
    rows = list(values.items())
    if len(rows) <= 2 * _OPEN_VALUES_SHOWN:
        return _table(rows, unicode, indent="    ")
    # Many values (a version or a hash): the most frequent ones, and how many are not shown.
    top = sorted(rows, key=lambda item: (-item[1], item[0]))[:_OPEN_VALUES_SHOWN]
    left = len(rows) - len(top)
    return [
        *_table(top, unicode, indent="    "),
        f"    and {left} more values (--json lists them all)",
    ]


def _table(
    rows: list[tuple[str, int]], unicode: bool, whole: Optional[int] = None, indent: str = "  "
) -> list[str]:
    width = max(len(label) for label, _ in rows)
    digits = max(len(str(n)) for _, n in rows)
    top = max((n for _, n in rows), default=0)
    lines = []
    for label, number in rows:
        line = f"{indent}{label:<{width}}  {number:>{digits}}  {bar(number, top, unicode):<{_BAR}}"
        if whole is not None:
            line += f"  {100 * number / whole:5.1f}%" if whole else "      -"
        lines.append(line.rstrip())
    return lines


def bar(value: int, top: int, unicode: bool = True, width: int = _BAR) -> str:
    """A horizontal bar of ``value`` out of ``top`` in ``width`` cells (eighths in unicode)."""
    if top <= 0 or value <= 0:
        return ""
    if not unicode:
        return "#" * max(1, round(width * value / top))
    eighths = max(1, round(8 * width * value / top))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[rest]


__all__ = ["REPORTED", "REPORT_VERSION", "USAGE", "bar", "cannot_know", "gather", "render"]
