"""The report as one HTML page: the dashboard's answer and ``report --html``'s file.

``render(data, ...)`` draws ``report.gather()``'s dict (or ``public.public()``'s copy of
it) as a self-contained page: one inline stylesheet, inline SVG charts from
``charts``, no script, no font, no image from anywhere. Every chart has a title, a
description and a table of its numbers beside it; the tables hold exactly the report's
numbers (a test reads them back and compares them with ``report --json``). The page
reads at a phone's width (the table goes under its chart) and follows the reader's
light or dark scheme.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any, Optional
from urllib.parse import urlencode

from doorstep.collector.dashboard import charts
from doorstep.collector.dashboard.public import HIDDEN, hidden

WINDOWS = (7, 30, 90)  # the windows the page links to
_TOP = 12  # bars in a chart of open-ended rows (failures); its table lists them all
# The policy a page carries itself (the file has no headers); ``frame-ancestors`` only
# works as a header, so the dashboard adds it there.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'self'"
)

_STYLE = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1d2330; --muted: #5a6272;
  --line: #d9dde5; --card: #f6f7f9; --bar: #2f6fd6; --accent: #2f6fd6;
  --s0: #2f6fd6; --s1: #e07b24; --s2: #2e9d5b; --s3: #c4406b; --s4: #7d5bd0;
  --s5: #2aa3b3; --s6: #a98a1f; --s7: #8a93a3; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #111419; --fg: #e6e9ef; --muted: #a3abba; --line: #2c323d; --card: #181c23;
    --bar: #6ea1ff; --accent: #8fb6ff; --s0: #6ea1ff; --s1: #f3a35b; --s2: #5fcf8d;
    --s3: #ef7aa1; --s4: #b39cff; --s5: #5fd0dd; --s6: #dcc25a; --s7: #9aa3b3; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  overflow-wrap: break-word; }  /* a long path or name wraps instead of widening the page */
main { max-width: 1180px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0.2em 0; } h2 { font-size: 1.15rem; margin: 0 0 0.2em; }
h3 { font-size: 1rem; margin: 0.6em 0 0.2em; }
p { margin: 0.3em 0 0.6em; } .muted, .desc { color: var(--muted); }
a { color: var(--accent); }
nav { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 10px 0; }
nav a, nav strong { padding: 2px 10px; border: 1px solid var(--line); border-radius: 14px; }
nav strong { background: var(--card); }
form { display: inline-flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.totals { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; padding: 0; list-style: none; }
.totals li { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 8px 14px; } .totals b { display: block; font-size: 1.35rem; }
section { border-top: 1px solid var(--line); padding: 14px 0; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px;
  align-items: start; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 16px; }
.cards > div { min-width: 0; }
@media (max-width: 760px) { .pair { grid-template-columns: minmax(0, 1fr); }
  .cards { grid-template-columns: minmax(0, 1fr); } main { padding: 10px; } }
figure { margin: 0; min-width: 0; }
svg { display: block; width: 100%; max-width: 520px; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); } svg .value { fill: var(--muted); }
.bar, .dot { fill: var(--bar); } .line { fill: none; stroke: var(--bar); stroke-width: 2.5; }
.grid { stroke: var(--line); stroke-width: 1; }
.s0 { fill: var(--s0); } .s1 { fill: var(--s1); } .s2 { fill: var(--s2); } .s3 { fill: var(--s3); }
.s4 { fill: var(--s4); } .s5 { fill: var(--s5); } .s6 { fill: var(--s6); } .s7 { fill: var(--s7); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.scroll { overflow-x: auto; min-width: 0; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); }
td.n, th.n { text-align: right; white-space: nowrap; }
caption { text-align: left; color: var(--muted); font-size: 0.9em; padding-bottom: 2px; }
ul.know li { margin: 0.3em 0; }
@media (max-width: 480px) { svg text { font-size: 13px; } }  /* the chart is drawn smaller */
"""


def number(value: Any) -> str:
    """A count as the page shows it: 1,234; "<5" when hidden; "-" when there is none."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _share(part: Any, whole: Any) -> str:
    if hidden(part) or hidden(whole) or not isinstance(part, int) or not whole:
        return "-"
    return f"{100 * part / whole:.1f}%"


def _value(count: Any) -> Optional[float]:
    return None if hidden(count) or count is None else float(count)


def _table(
    head: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[bool], caption: str = ""
) -> str:
    cells = "".join(
        f'<th scope="col"{" class=n" if n else ""}>{escape(h)}</th>' for h, n in zip(head, numeric)
    )
    body = []
    for row in rows:
        tds = "".join(
            f"<td class=n>{escape(number(c))}</td>" if n else f"<td>{escape(str(c))}</td>"
            for c, n in zip(row, numeric)
        )
        body.append(f"<tr>{tds}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(head)}" class="muted">none in this window</td></tr>')
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f'<div class="scroll"><table>{title}<thead><tr>{cells}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _section(key: str, title: str, description: str, body: str) -> str:
    return (
        f'<section id="{key}" aria-labelledby="{key}-title">'
        f'<h2 id="{key}-title">{escape(title)}</h2>'
        f'<p id="{key}-desc" class="desc">{escape(description)}</p>{body}</section>'
    )


def _pair(chart: str, table: str) -> str:
    return f'<div class="pair"><figure>{chart}</figure>{table}</div>'


def _ids(key: str) -> str:
    return f"{key}-title {key}-desc"


def _funnel(data: dict) -> str:
    rows = data["funnel"]
    started = rows[0]["count"] if rows else 0
    chart = charts.bars(
        [
            (r["step"], _value(r["count"]), f"{number(r['count'])} ({_share(r['count'], started)})")
            for r in rows
        ],
        _ids("funnel"),
    )
    table = _table(
        ("step", "events", "share of started"),
        [(r["step"], r["count"], _share(r["count"], started)) for r in rows],
        (False, True, True),
    )
    return _section(
        "funnel",
        "Install funnel",
        "Installs that started, each stage they finished, and installs that completed; "
        "each as a share of those that started. An install that stops between two bars "
        "failed or was interrupted there.",
        _pair(chart, table),
    )


def _failures(data: dict) -> str:
    rows = data["failures"]
    chart = charts.bars(
        [
            (f"{r['stage']}: {r['error']}", _value(r["count"]), number(r["count"]))
            for r in rows[:_TOP]
        ],
        _ids("failures"),
    )
    table = _table(
        ("stage", "class", "events"),
        [(r["stage"], r["error"], r["count"]) for r in rows],
        (False, False, True),
    )
    return _section(
        "failures",
        "Install failures by stage and class",
        "Where failed installs stopped, and which fixed class of error they reported (never "
        f"the message itself). The commonest first; the chart shows the {_TOP} commonest, "
        "the table all of them.",
        _pair(chart, table),
    )


def _onboarding(data: dict) -> str:
    onboarding = data["onboarding"]
    started = onboarding["started"]
    rows: list[tuple[str, Any]] = [("started", started)]
    rows += [(f"viewed {step}", n) for step, n in onboarding["viewed"].items()]
    rows += [(f"skipped {step}", n) for step, n in onboarding["skipped"].items()]
    rows.append(("completed", onboarding["completed"]))
    chart = charts.bars(
        [(label, _value(n), f"{number(n)} ({_share(n, started)})") for label, n in rows],
        _ids("onboarding"),
    )
    table = _table(
        ("step", "events", "share of started"),
        [(label, n, _share(n, started)) for label, n in rows],
        (False, True, True),
    )
    note = (
        f'<p class="muted">Uninstalls started: {escape(number(data["uninstalls"]))}. '
        "A wizard that was declined or cancelled sends nothing, so it is not counted here.</p>"
    )
    return _section(
        "onboarding",
        "Onboarding",
        "The consent wizard: how many reached it, which steps were viewed or skipped, and "
        "how many finished it with telemetry on; each as a share of those that started.",
        _pair(chart, table) + note,
    )


def _weekly(data: dict) -> str:
    weeks = data["weekly_active_installs"]
    chart = charts.line([(w["week"], _value(w["installs"])) for w in weeks], _ids("weekly"))
    table = _table(
        ("week", "from", "installs", "whole week"),
        [(w["week"], w["from"], w["installs"], "no" if w["partial"] else "yes") for w in weeks],
        (False, False, True, False),
    )
    return _section(
        "weekly",
        "Weekly active installs",
        "Distinct install ids that sent anything in each ISO week (Monday to Sunday). The "
        "first and last weeks can be partial: the window cuts them.",
        _pair(chart, table),
    )


def _versions(data: dict) -> str:
    weeks = data.get("version_adoption") or []
    totals: dict[str, int] = {}
    for week in weeks:
        for version, n in week["installs"].items():
            totals[version] = totals.get(version, 0) + (n if isinstance(n, int) else 0)
    named = sorted(totals, key=lambda v: (-totals[v], v))[: charts.SERIES - 1]
    others = [v for v in sorted(totals) if v not in named]
    columns = []
    for week in weeks:
        shown = {v: n for v, n in week["installs"].items() if isinstance(n, int)}
        whole = sum(shown.values())
        shares = [(i, shown.get(v, 0) / whole) for i, v in enumerate(named)] if whole else []
        rest = sum(shown.get(v, 0) for v in others)
        if whole and rest:
            shares.append((charts.SERIES - 1, rest / whole))
        columns.append((week["week"], shares))
    chart = charts.stacked(columns, _ids("versions"))
    heads = [*named, *(["other"] if others else [])]
    legend = " ".join(
        f"<span>{charts.swatch(i if v != 'other' else charts.SERIES - 1)}{escape(v)}</span>"
        for i, v in enumerate(heads)
    )
    rows = []
    for week in weeks:
        cells: list[Any] = [week["week"]]
        cells += [week["installs"].get(v, 0) for v in named]
        if others:
            rest_values = [week["installs"].get(v, 0) for v in others]
            cells.append(HIDDEN if any(hidden(n) for n in rest_values) else sum(rest_values))
        rows.append(cells)
    table = _table(
        ("week", *heads),
        rows,
        (False, *([True] * len(heads))),
        caption="distinct installs by version",
    )
    return _section(
        "versions",
        "Version adoption",
        "The share of each week's active installs on each version: how fast a release "
        "is taken up, and when an old one can stop being supported.",
        f'<div class="pair"><figure>{chart}<figcaption class="muted">{legend}</figcaption>'
        f"</figure>{table}</div>",
    )


def _usage(data: dict) -> str:
    usage = data.get("usage") or {}
    if not usage:
        return ""
    chart = charts.bars(
        [(command, _value(row["count"]), number(row["count"])) for command, row in usage.items()],
        _ids("usage"),
    )
    table = _table(
        ("command", "runs", "errors", "error rate", "installs"),
        [
            (
                command,
                row["count"],
                row["errors"],
                "-" if row["error_rate"] is None else f"{100 * row['error_rate']:.1f}%",
                row["installs"],
            )
            for command, row in usage.items()
        ],
        (False, True, True, True, True),
    )
    return _section(
        "usage",
        "Usage by command",
        "How often each command ran and how often it failed, summed from each install's "
        "daily rollups (one event per command a day, never a time), and how many installs ran it.",
        _pair(chart, table),
    )


def _product_events(data: dict) -> str:
    display = (data.get("product") or {}).get("display_name", "The product")
    out = []
    for index, (name, event) in enumerate((data.get("product_events") or {}).items()):
        cards = []
        for prop, values in event["props"].items():
            key = f"event{index}-{_slug(prop)}"
            chart = charts.bars(
                [(v, _value(n), number(n)) for v, n in values.items()], f"{key}-title"
            )
            table = _table(("value", "events"), list(values.items()), (False, True))
            cards.append(
                f'<div><h3 id="{key}-title">{escape(prop)}</h3>'
                f"<figure>{chart}</figure>{table}</div>"
            )
        out.append(
            _section(
                f"event{index}",
                f"{display}'s event {name}",
                f"{number(event['events'])} events in this window, counted by each "
                "property's value (the values the product's schema allows).",
                f'<div class="cards">{"".join(cards)}</div>',
            )
        )
    return "".join(out)


def _mix(data: dict) -> str:
    cards = []
    for field, values in data["mix"].items():
        key = f"mix-{_slug(field)}"
        chart = charts.bars([(v, _value(n), number(n)) for v, n in values.items()], f"{key}-title")
        table = _table(("value", "installs"), list(values.items()), (False, True))
        cards.append(
            f'<div><h3 id="{key}-title">{escape(field)}</h3><figure>{chart}</figure>{table}</div>'
        )
    return _section(
        "mix",
        "Platform mix",
        "Distinct install ids by each coarse fact the envelope carries: the release, "
        "Python, the operating system family, the processor, CI, container, a memory tier.",
        f'<div class="cards">{"".join(cards)}</div>',
    )


def _cannot_know(data: dict) -> str:
    items = "".join(f"<li>{escape(line)}</li>" for line in data["cannot_know"])
    return _section(
        "cannot-know",
        "What this page cannot know, by design",
        "Telemetry here is opt-in and coarse, so some questions have no answer in this database.",
        f'<ul class="know">{items}</ul>',
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower())


def _nav(data: dict, path: str, windows: Sequence[int]) -> str:
    window = data["window"]
    links = []
    for days in windows:
        query = {"days": days, **({"ci": 1} if window["include_ci"] else {})}
        label = f"{days} days"
        if days == window["days"]:
            links.append(f'<strong aria-current="page">{label}</strong>')
        else:
            links.append(f'<a href="{escape(path)}?{urlencode(query)}">{label}</a>')
    checked = " checked" if window["include_ci"] else ""
    form = (
        f'<form method="get" action="{escape(path)}">'
        f'<input type="hidden" name="days" value="{window["days"]}">'
        f'<label><input type="checkbox" name="ci" value="1"{checked}> count CI runs</label>'
        '<button type="submit">Show</button></form>'
    )
    return f'<nav aria-label="window">{"".join(links)}{form}</nav>'


def render(
    data: dict,
    title: str,
    command: str,
    path: Optional[str] = "/dashboard",
    windows: Sequence[int] = WINDOWS,
) -> str:
    """The whole page. ``path`` is where the window links point; None (a file) for none.

    ``command`` is the report command that prints the same numbers, for the footer of
    the operator's page (a published page names none).
    """
    window, totals = data["window"], data["totals"]
    published = data.get("public")
    head = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>"
    )
    intro = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">The last {window["days"]} days, {window["from"]} to {window["to"]} '
        "(UTC days: events carry a day, never a time).</p>",
    ]
    if path is not None:
        intro.append(_nav(data, path, windows))
    intro.append(
        '<ul class="totals" id="totals">'
        f"<li><b>{number(totals['installs'])}</b>installs</li>"
        f"<li><b>{number(totals['runs'])}</b>runs</li>"
        f"<li><b>{number(totals['events'])}</b>events</li></ul>"
    )
    about = (
        "An install is one install id: minted when someone turns telemetry on, so it counts "
        "installations that share data, not people. A run is one start of the program. Only "
        "what people agreed to send is here."
    )
    if not window["include_ci"]:
        left_out = window["ci_runs_left_out"]
        about += f" Runs on CI machines are left out ({number(left_out)} in this window)."
    if published:
        about += (
            f" Published: every count behind which fewer than {published['least']} installs "
            f"stand is shown as {HIDDEN}, and so is one more where a total would reveal it."
        )
    intro.append(f'<p id="about">{escape(about)}</p>')
    unknown = data.get("unknown_events") or {}
    if unknown:
        names = ", ".join(unknown)
        intro.append(
            f'<p class="muted">Events this product\'s schema does not know were left out '
            f"({escape(names)}).</p>"
        )
    sections = [
        _funnel(data),
        _failures(data),
        _onboarding(data),
        _weekly(data),
        _versions(data),
        _usage(data),
        _product_events(data),
        _mix(data),
        _cannot_know(data),
    ]
    held = data["database"]
    where = f" ({held['path']})" if held.get("path") else ""
    same = ""
    if not published:  # the operator's page names the command; a published one need not
        days_flag = f" --days {window['days']}"
        ci_flag = " --include-ci" if window["include_ci"] else ""
        same = f" The same numbers: <code>{escape(command)} --json{days_flag}{ci_flag}</code>."
    footer = (
        f'<footer class="muted"><p>Drawn by the collector from its own database{escape(where)}; '
        f"the oldest day it holds: {escape(held.get('oldest_day') or 'none')}; events are kept "
        f"{escape(str(held.get('retention_days', '?')))} days.{same}</p></footer>"
    )
    return head + "".join(intro) + "".join(sections) + footer + "</main></body></html>\n"


__all__ = ["CSP", "WINDOWS", "number", "render"]
