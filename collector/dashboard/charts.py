"""Charts as inline SVG, drawn by the collector: horizontal bars, a line, stacked columns.

Each function returns one ``<svg>`` element, sized by its viewBox so it scales to the
page's width, labelled for screen readers by the ids of the title and description the
page puts above it (``labelled``). Colours come from the page's stylesheet through
classes (``bar``, ``line``, ``s0``..``s7``), so the charts follow the light or dark
scheme. A value of None is a count the page does not show (``--public``): it gets no
bar and its label says why, so a chart never hints at what the table hides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Optional

WIDTH = 400  # viewBox units: 12-unit text reads at a phone's width and at 520 px (the most)
_ROW = 22
_LABEL = 140  # room for labels left of the bars
_CHAR = 7.8  # viewBox units one character of a label takes at most (13 px on a phone)
_VALUE = 96  # room for the value right of the bars
SERIES = 8  # colours s0..s7; more series share the last one ("other")

Row = tuple[str, Optional[float], str]  # label, value (None: not shown), value as text


def _open(height: float, labelled: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" '
        f'role="img" aria-labelledby="{labelled}" focusable="false">'
    )


def _clip(label: str, room: int = 17) -> str:
    # 17 characters fit left of the bars at a phone's 13 px text (_CHAR each).
    return label if len(label) <= room else label[: room - 1] + "…"


def bars(rows: list[Row], labelled: str) -> str:
    """One horizontal bar per row, longest for the largest value."""
    top = max((value for _, value, _ in rows if value), default=0)
    height = max(1, len(rows)) * _ROW + 4
    room = WIDTH - _LABEL - _VALUE
    parts = [_open(height, labelled)]
    for index, (label, value, text) in enumerate(rows):
        y = 2 + index * _ROW
        parts.append(
            f'<text class="label" x="{_LABEL - 6}" y="{y + 15}" text-anchor="end">'
            f"{escape(_clip(label))}</text>"
        )
        width = room * value / top if value and top else 0
        if width:
            parts.append(
                f'<rect class="bar" x="{_LABEL}" y="{y + 3}" width="{max(width, 1.5):.1f}" '
                f'height="{_ROW - 6}" rx="2"/>'
            )
        parts.append(
            f'<text class="value" x="{_LABEL + width + 6:.1f}" y="{y + 15}">{escape(text)}</text>'
        )
    if not rows:
        parts.append('<text class="label" x="6" y="16">nothing in this window</text>')
    parts.append("</svg>")
    return "".join(parts)


def line(points: list[tuple[str, Optional[float]]], labelled: str) -> str:
    """A line over ``points`` (label, value) left to right; None leaves a gap."""
    height, left, bottom, top_pad = 200, 56, 28, 12
    plot_w, plot_h = WIDTH - left - 12, height - bottom - top_pad
    values = [v for _, v in points if v is not None]
    top = _nice(max(values, default=0))
    parts = [_open(height, labelled)]
    for tick in (0, top / 2, top):
        y = top_pad + plot_h - (plot_h * tick / top if top else 0)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - 12}" y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        shown = f"{tick:,.0f}" if float(tick).is_integer() else f"{tick:,.1f}"
        parts.append(
            f'<text class="label" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{shown}</text>'
        )
    step = plot_w / (len(points) - 1) if len(points) > 1 else 0
    segment: list[str] = []
    segments: list[list[str]] = [segment]
    dots = []
    for index, (_, value) in enumerate(points):
        x = left + (step * index if len(points) > 1 else plot_w / 2)
        if value is None:
            segment = []
            segments.append(segment)
            continue
        y = top_pad + plot_h - (plot_h * value / top if top else 0)
        segment.append(f"{x:.1f},{y:.1f}")
        dots.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"/>')
    for run in segments:
        if len(run) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(run)}"/>')
    parts += dots
    for index in _label_positions(len(points), step, [label for label, _ in points]):
        x = left + (step * index if len(points) > 1 else plot_w / 2)
        anchor = "middle" if 0 < index < len(points) - 1 or len(points) == 1 else "start"
        if index == len(points) - 1 and len(points) > 1:
            anchor = "end"
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">'
            f"{escape(points[index][0])}</text>"
        )
    if not points:
        parts.append(f'<text class="label" x="{left + 6}" y="{top_pad + 16}">no weeks yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def stacked(columns: list[tuple[str, list[tuple[int, float]]]], labelled: str) -> str:
    """One column per (label, [(series index, share 0..1)]), stacked to 100%."""
    height, bottom, top_pad = 200, 28, 8
    plot_h = height - bottom - top_pad
    count = max(1, len(columns))
    slot = (WIDTH - 8) / count
    width = min(40.0, slot * 0.7)
    parts = [_open(height, labelled)]
    for index, (_, shares) in enumerate(columns):
        x = 4 + slot * index + (slot - width) / 2
        y = top_pad + plot_h
        for series, share in shares:
            tall = plot_h * share
            y -= tall
            if tall > 0:
                parts.append(
                    f'<rect class="s{min(series, SERIES - 1)}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{width:.1f}" height="{tall:.1f}"/>'
                )
    for index in _label_positions(len(columns), slot, [label for label, _ in columns]):
        x = 4 + slot * index + slot / 2
        parts.append(
            f'<text class="label" x="{x:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(columns[index][0])}</text>"
        )
    if not columns:
        parts.append('<text class="label" x="6" y="20">no weeks yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def swatch(series: int) -> str:
    """A small square in a series' colour, for a legend or a table's header."""
    return (
        '<svg class="swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
        f'<rect class="s{min(series, SERIES - 1)}" width="10" height="10" rx="2"/></svg>'
    )


def _label_positions(count: int, step: float, labels: Sequence[str]) -> list[int]:
    """Which of ``count`` labels, ``step`` apart, to draw so that none runs into the next
    (an end label is anchored at its end, so it takes up to a label and a half): every
    k-th from the first, and the last."""
    if count <= 1:
        return list(range(count))
    room = 1.5 * _CHAR * max(map(len, labels), default=0) + 8
    every = max(1, math.ceil(room / step)) if step > 0 else count
    chosen = list(range(0, count, every))
    if chosen[-1] != count - 1:
        if len(chosen) > 1 and (count - 1 - chosen[-1]) * step < room:
            chosen[-1] = count - 1
        else:
            chosen.append(count - 1)
    return chosen


def _nice(value: float) -> float:
    """A round number at or above ``value`` for the top of an axis (1, 2 or 5 x 10^n)."""
    if value <= 0:
        return 1
    scale = 1
    while scale * 10 <= value:
        scale *= 10
    for step in (1, 2, 5, 10):
        if step * scale >= value:
            return step * scale
    return 10 * scale


__all__ = ["SERIES", "WIDTH", "Row", "bars", "line", "stacked", "swatch"]
