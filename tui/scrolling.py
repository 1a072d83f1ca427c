"""The keys that scroll a screen's body, the same on every screen that has one."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll

SCROLL_KEYS: list[BindingType] = [
    Binding("up", "scroll(-1)", show=False),
    Binding("down", "scroll(1)", show=False),
    Binding("pageup", "scroll(-10)", show=False),
    Binding("pagedown", "scroll(10)", show=False),
]


class Scrolling:
    """A screen's ``scroll`` action: moves the ``VerticalScroll`` named by ``scrolled``."""

    scrolled: ClassVar[str] = "#body"

    def action_scroll(self, lines: int) -> None:
        body = self.query_one(self.scrolled, VerticalScroll)  # type: ignore[attr-defined]
        body.scroll_relative(y=lines, animate=False)


__all__ = ["SCROLL_KEYS", "Scrolling"]
