"""The report: the install funnel, failures, onboarding, weekly active installs, usage by
command, the product's own events and the mix.

``gather()`` turns the database into one JSON-ready dict (``--json`` prints it as is);
``render()`` draws the same dict for a terminal, with bars. Stages, steps, failure
classes, platform fields, usage commands and the product's own events come from the
product's schema, so a new stage or event shows up here without a change to this file.
Counts cover only what the database still holds: pruned events are gone, not summarised.
"""

from __future__ import annotations

import json
import textwrap
from collections import Counter
from typing import Any, Optional

from doorstep.collector import days
from doorstep.collector.store import Store
from doorstep.events import schema
from doorstep.foundation import product as product_module
from doorstep.foundation.product import Product

REPORT_VERSION = 1  # of the JSON object; keys are added, never renamed or removed

# The events this report is about (a test checks each is in the schema).
STARTED = "install_started"
STAGE_DONE = "install_stage_completed"
COMPLETED = "install_completed"
FAILED = "install_failed"
ONBOARDING_STARTED = "onboarding_started"
STEP_VIEWED = "onboarding_step_viewed"
STEP_SKIPPED = "onboarding_step_skipped"
ONBOARDING_COMPLETED = "onboarding_completed"
UNINSTALL = "uninstall_started"
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
USAGE = schema.USAGE_EVENT
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


def _key(value: Any) -> str:
    """A stored value as a JSON object key: true/false for bools, digits for ints."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _by_value(seen: Counter[Any], declared: tuple[Any, ...]) -> dict[str, int]:
    """Counts of every declared value (zeros too), then of any other value seen, by count."""
    counts = {_key(value): seen.get(value, 0) for value in declared}
    others = [(_key(v), n) for v, n in seen.items() if _key(v) not in counts]
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
) -> dict:
    """Everything the report shows for the last ``window`` days, as plain data.

    ``product`` (default: the current one) decides the schema: its usage commands and
    its own events are counted by value, and events it does not know are named apart.
    """
    product = product or product_module.current()
    the_schema = schema.for_product(product)
    today = today or days.today()
    first = days.shift(today, -(window - 1))
    human = "" if include_ci else " AND coalesce(json_extract(s.envelope, '$.ci'), 0) = 0"
    joined = "FROM events e JOIN sessions s ON s.id = e.session WHERE e.day >= ?"

    counts: Counter[str] = Counter()
    by_value: dict[tuple[str, str], Counter[Any]] = {}
    failures: Counter[tuple[str, str]] = Counter()
    runs_of: Counter[str] = Counter()  # usage rollups: command -> summed count
    errors_of: Counter[str] = Counter()
    for name, props_text, number in store.rows(
        f"SELECT e.name, e.props, count(*) {joined}{human} GROUP BY e.name, e.props", (first,)
    ):
        counts[name] += number
        props = json.loads(props_text)
        for key, value in props.items():
            by_value.setdefault((name, key), Counter())[value] += number
        if name == FAILED:
            failures[(props.get("stage", "?"), props.get("error", "?"))] += number
        elif name == USAGE and isinstance(props.get("command"), str):
            runs_of[props["command"]] += _whole(props.get("count")) * number
            errors_of[props["command"]] += _whole(props.get("errors")) * number

    events, runs, installs = store.rows(
        f"SELECT count(*), count(DISTINCT e.session), count(DISTINCT s.install_id) {joined}{human}",
        (first,),
    )[0]
    left_out = 0
    if not include_ci:
        left_out = store.rows(
            f"SELECT count(DISTINCT e.session) {joined}"
            " AND coalesce(json_extract(s.envelope, '$.ci'), 0) != 0",
            (first,),
        )[0][0]

    weekly = []
    for week, active in store.rows(
        "SELECT date(e.day, 'weekday 0', '-6 days') AS week, count(DISTINCT s.install_id) "
        f"{joined}{human} GROUP BY week ORDER BY week",
        (first,),
    ):
        weekly.append(
            {
                "week": days.week_label(week),
                "from": week,
                "installs": active,
                "partial": week < first or days.shift(week, 6) > today,
            }
        )

    usage_installs: dict[str, int] = {}
    if USAGE in the_schema.events:
        for command, active in store.rows(
            f"SELECT json_extract(e.props, '$.command'), count(DISTINCT s.install_id) "
            f"{joined}{human} AND e.name = ? GROUP BY 1",
            (first, USAGE),
        ):
            if isinstance(command, str):
                usage_installs[command] = active

    mix: dict[str, dict[str, int]] = {field: {} for field in _mix_fields(the_schema)}
    for key, value, number in store.rows(
        "SELECT j.key, CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
        "ELSE j.value END, count(DISTINCT s.install_id) "
        "FROM sessions s, json_each(s.envelope) j "
        f"WHERE s.id IN (SELECT DISTINCT e.session FROM events e WHERE e.day >= ?){human} "
        "GROUP BY 1, 2",
        (first,),
    ):
        if key in mix:
            mix[key][str(value)] = number
    for field, values in mix.items():
        mix[field] = dict(sorted(values.items(), key=lambda item: (-item[1], item[0])))

    def values_of(event: str, prop: str) -> tuple[Any, ...]:
        return _declared(the_schema, event, prop)

    def step_counts(event: str) -> dict[str, int]:
        seen = by_value.get((event, "step"), Counter())
        return {step: seen.get(step, 0) for step in values_of(event, "step")}

    stage_done = by_value.get((STAGE_DONE, "stage"), Counter())
    funnel = [{"step": "started", "count": counts[STARTED]}]
    funnel += [{"step": s, "count": stage_done.get(s, 0)} for s in values_of(STAGE_DONE, "stage")]
    funnel.append({"step": "completed", "count": counts[COMPLETED]})

    usage: dict[str, dict[str, Any]] = {}
    if USAGE in the_schema.events:
        commands = _by_value(runs_of, values_of(USAGE, "command"))  # declared order, then others
        for command in commands:
            ran, failed = runs_of.get(command, 0), errors_of.get(command, 0)
            usage[command] = {
                "count": ran,
                "errors": failed,
                "error_rate": round(failed / ran, 4) if ran else None,
                "installs": usage_installs.get(command, 0),
            }

    own_events: dict[str, dict[str, Any]] = {}
    for name in product.events:
        event = the_schema.events.get(name)
        if event is None:
            continue
        own_events[name] = {
            "events": counts[name],
            "props": {
                prop: _by_value(by_value.get((name, prop), Counter()), values_of(name, prop))
                for prop in event.props
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
            "ci_runs_left_out": left_out,
        },
        "database": {"path": str(store.path), "oldest_day": oldest, "retention_days": retention},
        "totals": {"events": events, "runs": runs, "installs": installs},
        "funnel": funnel,
        "failures": [
            {"stage": stage, "error": error, "count": number}
            for (stage, error), number in sorted(failures.items(), key=lambda i: (-i[1], i[0]))
        ],
        "onboarding": {
            "started": counts[ONBOARDING_STARTED],
            "started_by_ui": dict(by_value.get((ONBOARDING_STARTED, "ui"), Counter())),
            "viewed": step_counts(STEP_VIEWED),
            "skipped": step_counts(STEP_SKIPPED),
            "completed": counts[ONBOARDING_COMPLETED],
            "completed_by_ui": dict(by_value.get((ONBOARDING_COMPLETED, "ui"), Counter())),
        },
        "uninstalls": counts[UNINSTALL],
        "weekly_active_installs": weekly,
        "mix": mix,
        "cannot_know": cannot_know(retention, oldest, include_ci),
        "product": {"name": product.name, "display_name": product.display_name},
        "usage": usage,
        "product_events": own_events,
        "unknown_events": unknown,
    }


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
