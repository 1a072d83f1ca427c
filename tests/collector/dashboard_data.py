"""A collector's database filled for the dashboard and report tests, and the check that a
page shows exactly the numbers ``report --json`` prints."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from typing import Any

from doorstep.collector import days, report
from doorstep.events import schema
from tests.collector.conftest import make_body, new_id, post
from tests.support import page
from tests.support.cli import run

STAGES = schema.current().events[report.STAGE_DONE].props["stage"].values


def _install(ok: bool = True, viewed: tuple[str, ...] = ("welcome", "privacy", "finish")):
    events: list[tuple[str, dict[str, Any]]] = [
        ("install_started", {"kind": "fresh", "method": "script"})
    ]
    if not ok:
        events.append(("install_stage_completed", {"stage": STAGES[0], "duration": "<1s"}))
        events.append(("install_failed", {"stage": STAGES[1], "error": "venv_failed"}))
        return events
    events += [("install_stage_completed", {"stage": s, "duration": "1-3s"}) for s in STAGES]
    events.append(("onboarding_started", {"ui": "tui"}))
    events += [("onboarding_step_viewed", {"step": step}) for step in viewed]
    events.append(("onboarding_completed", {"ui": "tui", "duration": "10-30s"}))
    events.append(("install_completed", {"duration": "30-60s"}))
    return events


def fill(url: str) -> dict[str, Any]:
    """Seven installs over three weeks (two failed), a CI run, an uninstall, an old install."""
    today = days.today()
    ids = [new_id() for _ in range(7)]
    bodies = [make_body(_install(), install_id=i) for i in ids[:4]]
    bodies.append(
        make_body(_install(viewed=("welcome",)), install_id=ids[4], day=days.shift(today, -9))
    )
    bodies += [
        make_body(_install(ok=False), install_id=i, day=days.shift(today, -16)) for i in ids[5:]
    ]
    bodies.append(
        make_body(
            [("uninstall_started", {"method": "cli", "keep_config": False})], install_id=ids[0]
        )
    )
    bodies.append(make_body(_install(), ci=True))
    bodies.append(make_body(_install(), day=days.shift(today, -60)))
    for body in bodies:
        assert post(url, body).status_code == 204
    return {"ids": ids}


def report_json(db: Path, *extra: str) -> dict:
    done = run("collector", "report", "--db", str(db), "--json", *extra)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def numbers(rows: list[list[str]], *columns: int) -> list[tuple[Any, ...]]:
    return [tuple(page.as_int(row[c]) for c in columns) for row in page.body(rows)]


def assert_same_numbers(html: str, data: dict) -> None:
    """Every table on the page holds exactly the numbers of ``data`` (report --json's)."""
    read = page.read(html)
    tables = read.sections
    totals = data["totals"]
    assert {k: page.as_int(v) for k, v in read.totals.items()} == {
        "installs": totals["installs"],
        "runs": totals["runs"],
        "events": totals["events"],
    }
    assert numbers(tables["funnel"][0], 0, 1) == [(r["step"], r["count"]) for r in data["funnel"]]
    assert numbers(tables["failures"][0], 0, 1, 2) == [
        (r["stage"], r["error"], r["count"]) for r in data["failures"]
    ]
    onboarding = data["onboarding"]
    expected = [("started", onboarding["started"])]
    expected += [(f"viewed {s}", n) for s, n in onboarding["viewed"].items()]
    expected += [(f"skipped {s}", n) for s, n in onboarding["skipped"].items()]
    expected.append(("completed", onboarding["completed"]))
    assert numbers(tables["onboarding"][0], 0, 1) == expected
    assert numbers(tables["weekly"][0], 0, 1, 2) == [
        (w["week"], w["from"], w["installs"]) for w in data["weekly_active_installs"]
    ]
    versions = tables["versions"][0]
    heads = versions[0][1:]
    shown = {row[0]: dict(zip(heads, map(page.as_int, row[1:]))) for row in page.body(versions)}
    for week in data.get("version_adoption", []):
        assert {v: n for v, n in shown[week["week"]].items() if n} == {
            v: n for v, n in week["installs"].items() if n
        }
    mix = dict(zip(data["mix"], tables["mix"]))  # one table per field, in the report's order
    for field, values in data["mix"].items():
        assert numbers(mix[field], 0, 1) == list(values.items()), field
    know = re.findall(r"<li>(.*?)</li>", html.split('id="cannot-know"')[1])
    assert [unescape(k) for k in know] == data["cannot_know"]
