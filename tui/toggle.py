"""The "Share anonymous usage data" toggle: its state drawn and spelled out in words.

The widget holds no consent state of its own: a click or Space posts ``Pressed``,
the screen changes the model, and sets ``value`` back from it. Enter is left to the
screen, so Enter continues even while the toggle has focus.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

LABEL = "Share anonymous usage data"


class ShareToggle(Widget, can_focus=True):
    """``[x] Share anonymous usage data: ON`` or ``[ ] …: OFF``, readable without colour."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "press", "Toggle", show=False)]

    value: reactive[bool] = reactive(True)

    class Pressed(Message):
        """The person asked to flip the toggle (Space or a click)."""

    def __init__(self, value: bool, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(ShareToggle.value, value)

    def watch_value(self, value: bool) -> None:
        self.set_class(value, "-on")
        self.set_class(not value, "-off")

    def on_mount(self) -> None:
        self.watch_value(self.value)

    def render(self) -> Content:
        box, word = ("[x]", "ON") if self.value else ("[ ]", "OFF")
        return Content(f"{box} {LABEL}: {word}")

    def action_press(self) -> None:
        self.post_message(self.Pressed())

    def on_click(self, event: Click) -> None:
        event.stop()
        self.post_message(self.Pressed())


__all__ = ["LABEL", "ShareToggle"]
