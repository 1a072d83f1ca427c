"""The exact payload, shown over the current screen: the JSON body, byte for byte as sent."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from doorstep.tui.scrolling import SCROLL_KEYS, Scrolling


def pretty(body: dict[str, Any]) -> str:
    """The body as ``telemetry preview --pretty`` prints it."""
    return json.dumps(body, indent=2, sort_keys=True)


class PayloadScreen(Scrolling, ModalScreen[None]):
    """The body the next send would carry, with notes on whether it would go at all."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,left,enter,q,p", "close", "Close", show=False),
        *SCROLL_KEYS,
    ]
    scrolled = "#payload-scroll"

    def __init__(
        self,
        body: dict[str, Any],
        notes: list[str],
        command: str,
        title: str = "The exact data that would be sent",
        source: str = "telemetry preview",
    ) -> None:
        super().__init__()
        self._body = body
        self._notes = notes
        self._command = command
        self._title = title
        self._source = source

    def compose(self) -> ComposeResult:
        with Vertical(id="payload-box"):
            yield Static(Content(self._title), classes="payload-title")
            for note in self._notes:
                yield Static(Content(f"({note})"), classes="note")
            with VerticalScroll(id="payload-scroll", can_focus=False):
                yield Static(Content(pretty(self._body)), id="payload-json")
            yield Static(
                Content(f"The same as '{self._command} {self._source}'. Esc closes."),
                classes="note",
            )
            close = Button("Close", id="payload-close", compact=True)
            close.can_focus = False
            yield close

    def action_close(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)


__all__ = ["PayloadScreen", "pretty"]
