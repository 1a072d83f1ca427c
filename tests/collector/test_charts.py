"""The charts' axis labels never run into each other, and a quiet week is a 0 on the
weekly line, not a gap that joins the weeks on either side."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from doorstep.collector import days, report
from doorstep.collector.dashboard import charts

WEEK_LABEL = "2026-W45"


@given(count=st.integers(1, 80), length=st.integers(1, 12))
def test_the_labels_drawn_under_a_line_are_a_label_and_a_half_apart(count, length):
    points = [(f"{n:0{length}d}"[-length:], float(n)) for n in range(count)]
    svg = charts.line(points, "t")
    xs = [float(x) for x in re.findall(r'<text class="label" x="([\d.]+)" y="192"', svg)]
    assert len(xs) >= min(count, 2)  # the first and the last, at least
    room = 1.5 * charts._CHAR * length
    assert all(b - a >= room for a, b in zip(xs, xs[1:])), xs


def test_thirteen_weeks_of_labels_fit_the_chart():
    points = [(days.week_label(days.shift("2026-09-28", 7 * n)), 1.0) for n in range(13)]
    labels = re.findall(r">(\d{4}-W\d\d)</text>", charts.line(points, "t"))
    assert labels[0] == points[0][0] and labels[-1] == points[-1][0]
    assert 2 < len(labels) < 13


def test_quiet_weeks_between_two_active_ones_are_zeros():
    today = "2026-12-02"  # a Wednesday of W49
    rows = [
        {"week": days.week_label(w), "from": w, "installs": n, "partial": False}
        for w, n in (("2026-09-28", 1), ("2026-11-02", 3))
    ]

    filled = report.every_week(rows, "2026-09-04", today, int)

    assert [row["from"] for row in filled] == [
        days.shift("2026-09-28", 7 * n) for n in range(10)
    ]  # W40 to W49, this week included
    assert [row["installs"] for row in filled] == [1, 0, 0, 0, 0, 3, 0, 0, 0, 0]
    assert filled[-1]["partial"] is True  # this week is not over
    assert report.every_week([], "2026-09-04", today, int) == []
