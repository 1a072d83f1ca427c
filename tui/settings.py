"""``doorstep settings``: the choice, the install id, the payload, the files, the off-switches.

The screen shows a ``doorstep.delivery.status.Status`` gathered afresh after every change;
the changes themselves are ``doorstep.delivery.choice`` calls, saved at once with source
"settings", so ``telemetry status`` agrees the moment they are made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import ClassVar, Optional

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from doorstep.consent import decision as consent
from doorstep.delivery import choice, forget, preview, sent_log, status
from doorstep.foundation import paths
from doorstep.foundation.errors import DoorstepError
from doorstep.foundation.product import Product
from doorstep.onboarding.wizard import shown_path, tilde
from doorstep.tui.payload import PayloadScreen
from doorstep.tui.scrolling import SCROLL_KEYS, Scrolling
from doorstep.tui.toggle import ShareToggle

KEYS = "Space toggle · r reset id · p data · l what was sent · f forget · q quit"


def _line(text: str, classes: str = "", id: Optional[str] = None) -> Static:
    return Static(Content(text), classes=classes, id=id)


def _button(label: str, action: str) -> Button:
    button = Button(label, action=f"screen.{action}", compact=True)
    button.can_focus = False  # keys belong to the screen; buttons are for the mouse
    return button


def chosen(report: status.Status) -> bool:
    """The toggle's position: the saved choice, or the product's default without one."""
    saved = report.record.record
    if saved is not None:
        return saved.enabled
    return report.product.policy == "notice"


def choice_line(report: status.Status) -> str:
    saved = report.record.record
    if saved is not None:
        word = "on" if saved.enabled else "off"
        return f"Saved choice: {word} (from {saved.consent_source}, on {saved.decided_on})."
    if report.record.problem:
        return "Saved choice: none (the saved file cannot be read; your next choice rewrites it)."
    return "Saved choice: none yet (nothing is sent until you decide)."


def now_line(report: status.Status) -> str:
    decision = report.decision
    line = f"Right now: {decision.state}, because {tilde(decision.detail)}."
    if decision.state == consent.ON and not decision.sends:
        line += " Nothing is sent: no endpoint is configured."
    return line


class SettingsScreen(Scrolling, Screen[None]):
    """The settings, redrawn from a fresh ``Status`` after every change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", "Toggle", show=False),
        Binding("r", "reset_id", "Reset id", show=False),
        Binding("p", "payload", "Show data", show=False),
        Binding("l", "sent", "What was sent", show=False),
        Binding("f", "forget", "Turn off and delete what was sent", show=False),
        Binding("q,escape", "app.cancel", "Quit", show=False),
        *SCROLL_KEYS,
    ]

    def __init__(self, product: Product, env: Optional[Mapping[str, str]] = None) -> None:
        super().__init__()
        self.product = product
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.where = paths.for_product(product, self.env)
        self.report = self._gather()
        self.message = ""

    def _gather(self) -> status.Status:
        return status.gather(self.product, self.where, self.env)

    def compose(self) -> ComposeResult:
        yield _line(f"{self.product.display_name} settings · privacy", "title")
        yield ShareToggle(chosen(self.report), id="share")
        yield _line("", "state", id="choice")
        yield _line("", "state", id="now")
        with VerticalScroll(id="body", can_focus=False):
            yield _line("", id="install-id")
            yield _line("Files:", "heading")
            yield _line("", "item", id="files")
            yield _line("Off-switches:", "heading")
            yield _line("", "item", id="off-switches")
        yield _line("", "message", id="message")
        with Horizontal(id="buttons"):
            yield _button("Reset id", "reset_id")
            yield _button("Show data", "payload")
            yield _button("Quit", "quit")
        yield _line(KEYS, "keys")

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        """Redraw everything from ``self.report``."""
        report, name = self.report, self.product.command_name
        self.query_one("#share", ShareToggle).value = chosen(report)
        self.query_one("#choice", Static).update(Content(choice_line(report)))
        self.query_one("#now", Static).update(Content(now_line(report)))
        install_id = report.install_id or "none (a new one is made when usage data is turned on)"
        self.query_one("#install-id", Static).update(Content(f"Install id: {install_id}"))
        spool = f"{report.spool_events} waiting" if report.spool_events else "empty"
        receipt = "present" if report.paths.receipt.is_file() else "absent"
        files = [
            f"consent record  {shown_path(report.paths.record)} ({report.record.state})",
            f"spool           {shown_path(report.paths.spool)} ({spool})",
            f"receipt         {shown_path(report.paths.receipt)} ({receipt})",
        ]
        self.query_one("#files", Static).update(Content("\n".join(files)))
        switches = [
            f"DO_NOT_TRACK=1 or {self.product.env('TELEMETRY')}=0 in your environment "
            "always turn it off, whatever is saved here.",
            f"From a shell: '{name} telemetry disable', '{name} telemetry status'.",
        ]
        self.query_one("#off-switches", Static).update(Content("\n".join(switches)))
        self.query_one("#message", Static).update(Content(self.message))

    def _changed(self, message: str) -> None:
        self.message = message
        self.report = self._gather()
        self.show()

    def on_share_toggle_pressed(self, event: ShareToggle.Pressed) -> None:
        event.stop()
        self.action_toggle()

    def action_toggle(self) -> None:
        enabled = not chosen(self.report)
        try:
            choice.save(self.where, enabled, "settings")
        except DoorstepError as exc:
            self._changed(f"Not saved: {exc}")
            return
        if enabled:
            self._changed("Saved: on, with a new random install id.")
        else:
            self._changed("Saved: off. The install id and any waiting events were deleted.")

    def action_reset_id(self) -> None:
        try:
            saved = choice.reset_id(self.where)
        except DoorstepError as exc:
            self._changed(f"Not saved: {exc}")
            return
        if saved is None:
            self._changed("No install id to reset: usage data is not on.")
        else:
            self._changed("New install id saved; events queued under the old one were deleted.")

    def action_payload(self) -> None:
        body, notes = preview.next_body(self.product)
        self.app.push_screen(PayloadScreen(body, notes, self.product.command_name))

    def action_sent(self) -> None:
        log = sent_log.as_json(self.where.state_dir)
        count = len(log["batches"])
        notes = [f"{count} batch(es) sent from this machine, newest first (kept 30 days)"]
        self.app.push_screen(
            PayloadScreen(
                log, notes, self.product.command_name, title="What was sent", source="telemetry log"
            )
        )

    def action_forget(self) -> None:
        """Turn off and ask the collector to delete what was sent (one request)."""
        try:
            sentence, _ = forget.run(self.where, self.product, self.env, source="settings")
        except DoorstepError as exc:
            self._changed(f"Not saved: {exc}")
            return
        self._changed(f"Saved: off, and the install id deleted; {sentence}.")

    def action_quit(self) -> None:
        self.app.exit(0)


__all__ = ["SettingsScreen", "choice_line", "chosen", "now_line"]
