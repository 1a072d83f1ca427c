"""The full-screen onboarding: Welcome, Privacy, Finish.

The screens show a ``doorstep.onboarding.wizard.Wizard`` and turn keys and clicks into its
moves; the app (``doorstep.tui.app.OnboardingApp``) owns the moves and returns the ``Answer``.
Nothing here decides or saves consent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from doorstep.onboarding import wizard as onboarding
from doorstep.onboarding.wizard import Wizard
from doorstep.tui.scrolling import SCROLL_KEYS, Scrolling
from doorstep.tui.toggle import ShareToggle

if TYPE_CHECKING:
    from doorstep.tui.app import OnboardingApp

KEYS = {
    "welcome": "Enter/→ continue · q quit",
    "privacy": "Space toggle · Enter/→ next · Esc/← back · p show data · ↑↓ scroll · q quit",
    "finish": "Enter confirm · Esc/← back · p show data · q quit",
}
TITLES = {"welcome": "Welcome", "privacy": "Privacy", "finish": "Finish"}


def _line(text: str, classes: str = "") -> Static:
    # Plain Content, never markup: "[x]" and "[ ]" must reach the screen as written.
    return Static(Content(text), classes=classes)


def _item(text: str) -> Horizontal:
    # A bullet in its own column, so wrapped lines stay indented under the text.
    return Horizontal(_line("-", "bullet"), _line(text, "item-text"), classes="item-row")


def _button(label: str, action: str, variant: str = "default") -> Button:
    button = Button(label, variant=variant, action=f"app.{action}", compact=True)  # type: ignore
    # Keys belong to the screen (Enter always continues); buttons are for the mouse.
    button.can_focus = False
    return button


class StepScreen(Scrolling, Screen[None]):
    """What every step shares: a title line, a body, buttons and the keys."""

    step = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,right", "app.next", "Continue", show=False),
        Binding("escape,left", "app.back", "Back", show=False),
        Binding("q", "app.cancel", "Quit", show=False),
        Binding("p", "app.payload", "Show data", show=False),
        *SCROLL_KEYS,
    ]

    @property
    def wizard(self) -> Wizard:
        app: OnboardingApp = self.app  # type: ignore[assignment]
        return app.wizard

    def compose(self) -> ComposeResult:
        wizard = self.wizard
        display = wizard.product.display_name
        title = (
            f"{display} setup · step {wizard.number} of {len(wizard.steps)}: {TITLES[self.step]}"
        )
        yield _line(title, "title")
        yield from self.top()
        with VerticalScroll(id="body", can_focus=False):
            yield from self.body()
        with Horizontal(id="buttons"):
            yield from self.buttons()
        yield _line(KEYS[self.step], "keys")

    def top(self) -> ComposeResult:
        """Widgets that stay in view above the scrolling body."""
        return iter(())

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def buttons(self) -> ComposeResult:
        yield _button("← Back", "back")
        yield _button("Continue →", "next", "primary")

    def show_share(self) -> None:
        """Redraw whatever shows the toggle's state (after the model changed)."""


class WelcomeScreen(StepScreen):
    step = "welcome"

    def body(self) -> ComposeResult:
        wizard = self.wizard
        display = wizard.product.display_name
        yield _line(f"Welcome to {display}", "heading")
        if wizard.trace is not None:
            yield _line(f"{display} is installed.")
        yield _line(
            f"One question before you start: may {display} share anonymous usage data, "
            f"{wizard.product.purpose}?"
        )
        yield _line(
            "Nothing has been sent so far. The next step lists exactly what would be "
            "shared and what never is; you decide, and can change your mind at any time."
        )

    def buttons(self) -> ComposeResult:
        yield _button("Continue →", "next", "primary")


class PrivacyScreen(StepScreen):
    step = "privacy"

    def top(self) -> ComposeResult:
        yield ShareToggle(self.wizard.share, id="share")
        yield _line(onboarding.share_words(self.wizard.share), "state")

    def body(self) -> ComposeResult:
        yield _line("What is collected (the complete list, from the schema):", "heading")
        for line in onboarding.collected_lines():
            yield _item(line)
        yield _item(onboarding.envelope_line())
        yield _line("What is never collected:", "heading")
        for line in onboarding.NEVER_COLLECTED:
            yield _item(line)
        yield _line("See the exact data that would be sent: press p.", "heading")
        yield _line(onboarding.change_later(self.wizard.product))

    def buttons(self) -> ComposeResult:
        yield _button("← Back", "back")
        yield _button("Show data", "payload")
        yield _button("Continue →", "next", "primary")

    def on_share_toggle_pressed(self, event: ShareToggle.Pressed) -> None:
        event.stop()
        self.app.action_toggle()  # type: ignore[attr-defined]

    def show_share(self) -> None:
        share = self.wizard.share
        self.query_one("#share", ShareToggle).value = share
        self.query_one(".state", Static).update(Content(onboarding.share_words(share)))


class FinishScreen(StepScreen):
    step = "finish"

    def body(self) -> ComposeResult:
        wizard = self.wizard
        word = "ON" if wizard.share else "OFF"
        yield _line(f"Share anonymous usage data: {word}", "heading")
        yield _line(onboarding.share_words(wizard.share), "state")
        yield _line(f"Your choice is saved in {wizard.record_path} when you confirm.")
        yield _line(onboarding.change_later(wizard.product))
        yield _line("Enter confirms. Esc goes back to change it. q quits without deciding.")

    def buttons(self) -> ComposeResult:
        yield _button("← Back", "back")
        yield _button("Show data", "payload")
        yield _button("Confirm", "next", "primary")


SCREENS: dict[str, type[StepScreen]] = {
    "welcome": WelcomeScreen,
    "privacy": PrivacyScreen,
    "finish": FinishScreen,
}


__all__ = ["KEYS", "SCREENS", "FinishScreen", "PrivacyScreen", "StepScreen", "WelcomeScreen"]
