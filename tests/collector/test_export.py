"""``collector report --html FILE [--public]``: the dashboard's page as one file to publish.

Real rows posted to a real collector; the file is read back as a reader sees it. The
``public`` fence is also checked on its own over arbitrary reports (hypothesis).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.collector.dashboard import public as public_module
from tests.collector.conftest import make_body, new_id, post
from tests.collector.dashboard_data import assert_same_numbers, report_json
from tests.support import page
from tests.support.cli import run


def _html(db: Path, out: Path, *extra: str):
    return run("collector", "report", "--db", str(db), "--html", str(out), *extra)


def test_the_file_is_the_dashboards_page_self_contained(served, tmp_path):
    process, url = served
    out = tmp_path / "report.html"
    done = _html(process.db, out, "--days", "30")

    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    assert_same_numbers(html, report_json(process.db, "--days", "30"))
    read = page.read(html)
    assert read.sources == []  # nothing loads from anywhere: styles and charts are inline
    assert read.links == []  # a file has no window links to follow
    assert "<script" not in html and "Content-Security-Policy" in html
    assert page.tables(httpx.get(url, timeout=10).text) == page.tables(html)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it names the database
    assert str(process.db) in html


def test_the_public_file_hides_every_count_under_five_installs(served, tmp_path):
    process, _ = served
    out = tmp_path / "public.html"
    done = _html(process.db, out, "--public")

    assert done.returncode == 0, done.stderr
    html = out.read_text(encoding="utf-8")
    tables = page.tables(html)
    funnel = {row[0]: row[1] for row in page.body(tables["funnel"][0])}
    assert funnel["started"] == "7"  # seven installs started: shown
    assert funnel["completed"] == "5"
    # Two failed installs: their failure class would single them out.
    assert [row[2] for row in page.body(tables["failures"][0])] == ["<5"]
    for table in (t for section in tables.values() for t in section):
        for row in page.body(table):
            for cell in row[1:]:
                value = page.as_int(cell)
                assert not (isinstance(value, int) and 0 < value < 5), (row, cell)
    assert str(process.db) not in html
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    data = json.loads(
        run("collector", "report", "--db", str(process.db), "--json", "--public").stdout
    )
    assert data["public"] == {"least": 5} and data["database"]["path"] is None


def test_mistakes_are_one_line(served, tmp_path):
    process, _ = served
    cases = [
        (["--html", str(tmp_path / "missing" / "r.html")], 1, "cannot write"),
        (["--public"], 2, "--public is only used with --html or --json"),
        (["--html", str(tmp_path / "r.html"), "--json"], 2, "choose one"),
    ]
    for extra, code, message in cases:
        done = run("collector", "report", "--db", str(process.db), *extra)
        assert done.returncode == code, (extra, done.stderr)
        assert message in done.stderr and done.stderr.count("\n") == 1
    assert not (tmp_path / "r.html").exists()


def test_html_to_standard_output(served):
    process, _ = served
    done = run("collector", "report", "--db", str(process.db), "--html", "-")

    assert done.returncode == 0 and done.stdout.startswith("<!doctype html>")


def test_a_lone_hidden_count_takes_its_neighbour_with_it(collector, db):
    # Six installs on one platform, one of them on an older release: shown as 5 and <5,
    # the total of 6 would tell that the hidden one is 1.
    for number in range(6):
        body = make_body(install_id=new_id())
        if number == 0:
            body["envelope"]["app_version"] = "0.0.1"
        assert post(collector.url, body).status_code == 204
    data = report_json(db)
    shown = public_module.public(data)

    assert sorted(data["mix"]["app_version"].values()) == [1, 5]
    assert set(shown["mix"]["app_version"].values()) == {"<5"}
    assert list(shown["mix"]["os"].values()) == [6]  # one value for all six: shown
    assert shown["totals"]["installs"] == 6 and shown["funnel"][0]["count"] == 6


counts = st.integers(min_value=0, max_value=40)
values = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), counts, max_size=4)


@st.composite
def reports(draw: Any) -> dict:
    """Report-shaped data with arbitrary counts (the keys the fence reads)."""
    installs = draw(counts)
    return {
        "window": {"days": 30, "include_ci": False, "ci_runs_left_out": draw(counts)},
        "database": {"path": "/srv/db", "oldest_day": None},
        "totals": {"events": draw(counts), "runs": draw(counts), "installs": installs},
        "funnel": [
            {"step": s, "count": draw(counts), "installs": draw(counts)}
            for s in ("started", "done")
        ],
        "failures": [
            {"stage": "x", "error": e, "count": draw(counts), "installs": draw(counts)}
            for e in ("a", "b", "c")
        ],
        "onboarding": {
            "started": draw(counts),
            "completed": draw(counts),
            "viewed": draw(values),
            "skipped": draw(values),
            "started_by_ui": draw(values),
            "completed_by_ui": draw(values),
        },
        "uninstalls": draw(counts),
        "weekly_active_installs": [{"week": "W1", "installs": draw(counts)}],
        "version_adoption": [{"week": "W1", "installs": draw(values)}],
        "usage": {"run": {"count": draw(counts), "errors": draw(counts), "installs": draw(counts)}},
        "product_events": {"e": {"events": draw(counts), "props": {"p": draw(values)}}},
        "mix": {"os": draw(values)},
        "unknown_events": draw(values),
        "cannot_know": [],
    }


def _counts(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [c for key, v in value.items() if key not in ("days", "least") for c in _counts(v)]
    if isinstance(value, list):
        return [c for v in value for c in _counts(v)]
    return [value]


def _pairs(before: Any, after: Any) -> list[tuple[Any, Any]]:
    """Each value of ``before`` beside the value at the same place in ``after``."""
    if isinstance(before, dict):
        return [p for key, v in before.items() for p in _pairs(v, after[key])]
    if isinstance(before, list):
        return [p for v, w in zip(before, after) for p in _pairs(v, w)]
    return [(before, after)]


@settings(max_examples=200, deadline=None)
@given(reports())
def test_no_count_under_five_survives_the_fence(data):
    shown = public_module.public(data)

    for value in _counts(shown):
        assert not (type(value) is int and 0 < value < 5)
    # Every count shown is the true one; no breakdown shows counts beside one lone hidden one.
    for before, after in _pairs(data, shown):
        assert after in (before, public_module.HIDDEN, None)
    for breakdown in (shown["mix"]["os"], shown["product_events"]["e"]["props"]["p"]):
        lone = sum(1 for v in breakdown.values() if v == public_module.HIDDEN) == 1
        assert not (lone and any(type(v) is int and v for v in breakdown.values()))
    assert data["database"]["path"] == "/srv/db"  # the original is left as it was
